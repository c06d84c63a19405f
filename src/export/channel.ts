/**
 * The RSS channel of an export or of a rule's feed: named for the rule (or "all stored articles"), linked to the
 * status page's search for the rule (the HTML page the channel stands for).
 */
import type { RssChannel } from './rss.js';

export interface ChannelOf {
  /** The alert rule's name, when the channel is a configured rule's. */
  ruleName?: string;
  /** The rule in the alert language, or null for every article. */
  query: string | null;
  /** Where the status page is served, e.g. http://127.0.0.1:9464 (no trailing slash). */
  siteUrl: string;
  builtAt: string;
  self?: string;
}

export function channelOf(c: ChannelOf): RssChannel {
  const what = c.query === null ? 'all stored articles' : c.ruleName === undefined ? c.query : `${c.ruleName}: ${c.query}`;
  return {
    title: `feedwatch: ${c.ruleName ?? what}`,
    link: c.query === null ? `${c.siteUrl}/` : `${c.siteUrl}/?q=${encodeURIComponent(c.query)}`,
    description: c.query === null ? 'Articles stored by feedwatch, newest first' : `Articles stored by feedwatch that match ${what}, newest first`,
    builtAt: c.builtAt,
    ...(c.self === undefined ? {} : { self: c.self }),
  };
}

/** The status page's address from the config's server section (loopback when it binds every address). */
export function configuredSiteUrl(server: { host: string; port: number }): string {
  const host = server.host === '0.0.0.0' || server.host === '::' || server.host === '' ? '127.0.0.1' : server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
}

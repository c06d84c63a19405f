/**
 * An alert rule's matches as an RSS 2.0 feed (GET /feeds/RULE.xml), so a feed reader can subscribe to a rule: the
 * newest RULE_FEED_ITEMS stored articles its query matches (the same reading /api/stories does, at most
 * MAX_SCANNED candidates looked at per request), rendered by src/export/rss.ts. Null for a name no configured
 * rule has.
 */
import { compileRule } from '../alerts/match.js';
import { channelOf } from '../export/channel.js';
import { rssHead, rssItem, rssTail } from '../export/rss.js';
import { searchPage } from '../store/alerts.js';
import { MAX_SCANNED, searchRegexes, type ApiContext } from './views.js';

/** Items in a rule's feed: the newest matches. */
export const RULE_FEED_ITEMS = 50;

export interface RuleFeedRequest {
  /** The rule's name (from /feeds/NAME.xml). */
  name: string;
  /** Where the status page is served, e.g. http://127.0.0.1:9464. */
  siteUrl: string;
}

export async function ruleFeed(ctx: ApiContext, req: RuleFeedRequest): Promise<string | null> {
  const rule = ctx.config.alerts.rules.find((r) => r.name === req.name);
  if (!rule) return null;
  const result = await searchPage(ctx.store, compileRule(rule.query, ctx.lemmatizer), ctx.lemmatizer, { limit: RULE_FEED_ITEMS, maxScanned: MAX_SCANNED, ...searchRegexes(ctx) });
  const channel = channelOf({
    ruleName: rule.name,
    query: rule.query,
    siteUrl: req.siteUrl,
    builtAt: new Date(ctx.clock.now()).toISOString(),
    self: `${req.siteUrl}/feeds/${encodeURIComponent(rule.name)}.xml`,
  });
  return rssHead(channel) + result.hits.map((h) => rssItem(h.doc)).join('') + rssTail();
}

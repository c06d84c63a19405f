/**
 * Exported articles as an RSS 2.0 document (https://www.rssboard.org/rss-specification): a channel with its
 * required title, link and description, then one item per article with its title, link (the article's canonical
 * URL as stored), description (its lead), RFC 822 pubDate (published time, else when it was stored), its tags as
 * categories and a guid that is not a permalink naming the story and the article. All text is escaped, and
 * characters XML 1.0 forbids (control characters, lone surrogates) are dropped, so any stored text gives a
 * well-formed document.
 */
import type { AlertDocRecord } from '../store/alerts.js';

export interface RssChannel {
  title: string;
  /** The HTML page the channel stands for. */
  link: string;
  description: string;
  /** Where this document itself is served (atom:link rel="self"), when it is. */
  self?: string;
  /** ISO 8601 time the document is made (lastBuildDate). */
  builtAt: string;
}

const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text (or an attribute value) as XML character data. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** An ISO 8601 time as an RFC 822 date ("Thu, 05 Mar 2026 12:00:00 GMT"), or null when it does not parse. */
export function rfc822(iso: string | null): string | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toUTCString() : null;
}

export function rssHead(ch: RssChannel): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    `<title>${xmlText(ch.title)}</title>`,
    `<link>${xmlText(ch.link)}</link>`,
    `<description>${xmlText(ch.description)}</description>`,
    ...(ch.self === undefined ? [] : [`<atom:link href="${xmlText(ch.self)}" rel="self" type="application/rss+xml"/>`]),
    `<lastBuildDate>${rfc822(ch.builtAt) ?? new Date(0).toUTCString()}</lastBuildDate>`,
    '<generator>feedwatch</generator>',
    '',
  ].join('\n');
}

/** The guid of an article's item: stable, not a URL. */
export function rssGuid(doc: Pick<AlertDocRecord, 'clusterId' | 'articleId'>): string {
  return `feedwatch:story:${doc.clusterId}:article:${doc.articleId}`;
}

export function rssItem(doc: AlertDocRecord): string {
  const date = rfc822(doc.publishedAt) ?? rfc822(doc.storedAt);
  return [
    '<item>',
    `<title>${xmlText(doc.title === '' ? '(untitled)' : doc.title)}</title>`,
    ...(doc.url === null ? [] : [`<link>${xmlText(doc.url)}</link>`]),
    `<description>${xmlText(doc.lead)}</description>`,
    ...(date === null ? [] : [`<pubDate>${date}</pubDate>`]),
    ...doc.tags.map((t) => `<category>${xmlText(t)}</category>`),
    `<guid isPermaLink="false">${xmlText(rssGuid(doc))}</guid>`,
    '</item>',
    '',
  ].join('\n');
}

export function rssTail(): string {
  return '</channel>\n</rss>\n';
}

/**
 * A feed URL that serves a web page instead of a feed: tell it apart (`isHtmlPage`) and find the feeds the page
 * declares (`declaredFeeds`), the way a feed reader offers them:
 *
 *   <link rel="alternate" type="application/rss+xml" href="/rss.xml" title="News">
 *
 * rel is a list of tokens, one of them `alternate`; type is RSS, Atom or RDF (RSS 1.0); href is resolved against the
 * page's `<base href>` or its own URL, and kept when it is http(s). Bounded: only the page's head is read (up to
 * `<body`, at most HEAD_CHARS characters), parsed within a small HTML budget, and at most MAX_DECLARED_FEEDS links of
 * at most MAX_URL_CHARS characters come back, each once, in page order.
 */
import type { ChildNode, Element } from 'domhandler';
import { parseHtmlWithinBudget } from '../extract/html-budget.js';
import { FeedwatchError } from '../errors.js';

/** Feed links returned at most. */
export const MAX_DECLARED_FEEDS = 10;
/** Longest feed link kept (longer ones are skipped). */
export const MAX_URL_CHARS = 2000;
/** Characters of the page read for its head. */
export const HEAD_CHARS = 256 * 1024;
/** Markup before the first element a scan looks through (XML declaration, comments, doctype). */
const PROLOG_CHARS = 64 * 1024;
const HEAD_BUDGET = { maxNodes: 20_000, maxDepth: 200 };

const FEED_TYPES = new Set(['application/rss+xml', 'application/atom+xml', 'application/rdf+xml']);
const PAGE_ROOTS = new Set(['html', 'head', 'body']);
const FEED_ROOTS = new Set(['rss', 'feed', 'rdf:rdf', 'rdf', 'channel']);

/**
 * Whether the document is an HTML page: its first element is `html`, `head` or `body`, or, after a
 * `<!DOCTYPE html>`, any element but a feed's root (a feed with a stray HTML doctype stays a feed).
 */
export function isHtmlPage(text: string): boolean {
  let i = 0;
  let htmlDoctype = false;
  const end = Math.min(text.length, PROLOG_CHARS);
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) {
      i++;
      continue;
    }
    if (c !== 0x3c) return false; // text before any markup: not a page we recognise
    if (text.startsWith('<?', i)) {
      const close = text.indexOf('?>', i + 2);
      if (close < 0) return false;
      i = close + 2;
    } else if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      if (close < 0) return false;
      i = close + 3;
    } else if (text.startsWith('<!', i)) {
      if (/^<!doctype\s+html\b/i.test(text.slice(i, i + 20))) htmlDoctype = true;
      const close = text.indexOf('>', i + 2);
      if (close < 0) return false;
      i = close + 1;
    } else {
      let j = i + 1;
      while (j < end && j - i <= 12 && /[A-Za-z:]/.test(text[j]!)) j++;
      const name = text.slice(i + 1, j).toLowerCase();
      return PAGE_ROOTS.has(name) || (htmlDoctype && name !== '' && !FEED_ROOTS.has(name));
    }
  }
  return false;
}

/** The feed links the page declares in its head, absolute, at most `max`; none when the head is over its budget. */
export function declaredFeeds(html: string, pageUrl: string | undefined, max = MAX_DECLARED_FEEDS): string[] {
  const start = html.slice(0, HEAD_CHARS);
  const body = start.toLowerCase().indexOf('<body');
  const head = body < 0 ? start : start.slice(0, body);
  let nodes: ChildNode[];
  try {
    nodes = parseHtmlWithinBudget(head, HEAD_BUDGET).children;
  } catch (err) {
    if (err instanceof FeedwatchError && err.kind === 'too-complex') return [];
    throw err;
  }
  const links: Element[] = [];
  let base: string | undefined = pageUrl;
  // Depth first, in document order, with an explicit stack (the budget bounds its size).
  const stack: ChildNode[] = [...nodes].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type !== 'tag') continue;
    if (node.name === 'link') links.push(node);
    if (node.name === 'base' && node.attribs['href'] && base === pageUrl) base = resolve(node.attribs['href'], pageUrl) ?? base;
    for (let k = node.children.length - 1; k >= 0; k--) stack.push(node.children[k]!);
  }
  const out: string[] = [];
  for (const link of links) {
    const rel = (link.attribs['rel'] ?? '').toLowerCase().split(/[\t\n\f\r ]+/);
    const type = (link.attribs['type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!rel.includes('alternate') || !FEED_TYPES.has(type)) continue;
    const url = resolve(link.attribs['href'] ?? '', base);
    if (url === null || url.length > MAX_URL_CHARS || out.includes(url)) continue;
    out.push(url);
    if (out.length >= max) break;
  }
  return out;
}

/** `href` made absolute against `base`; null unless it is an http(s) URL. */
function resolve(href: string, base: string | undefined): string | null {
  const h = href.trim();
  if (h === '') return null;
  try {
    const u = new URL(h, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** The error of a feed URL that serves an HTML page: what it is, and the feeds it declares (`context.declaredFeeds`). */
export function notAFeed(feedName: string, feeds: string[]): FeedwatchError {
  const offer =
    feeds.length === 0
      ? 'the page declares no feed (<link rel="alternate" type="application/rss+xml">); find the feed on the site'
      : `the page declares ${feeds.length === 1 ? 'a feed' : `${feeds.length} feeds`}: ${feeds.join(', ')} (set one as the feed's url)`;
  return new FeedwatchError('not-a-feed', `the address serves an HTML page, not a feed; ${offer}`, { feed: feedName, declaredFeeds: feeds });
}

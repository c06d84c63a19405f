/**
 * Feed text → FeedItem[] with rss-parser (RSS 0.9x/1.0/2.0 and Atom), bounded and defensive.
 *
 * - Identity: the item's guid (RSS), id (Atom) or rdf:about (RSS 1.0); else its link; else `sha1:` of title and
 *   description. Items with none of guid, link, title or description are dropped: there is nothing to store.
 * - Dates: pubDate, dc:date, published or updated through normalizeDate (null when unreadable).
 * - Categories from strings and from objects (`<category domain=…>`, Atom `term`/`label`); enclosures from
 *   `<enclosure>`, Atom `<link rel="enclosure">` and `<media:content>`; extension fields (ria.ru's `rian:`
 *   namespace by default) into `extra` under their qualified names.
 * - Bounds: at most `maxItems` items, each text field cut to its limit; a document nested deeper than `maxDepth` or
 *   with more than `maxElements` elements is refused as 'too-complex' by a linear scan before rss-parser runs.
 * - Safety: an Atom `<link>` without attributes would make rss-parser throw; it gets its text as href.
 *   rss-parser computes a "snippet" of every description with regular expressions that take quadratic
 *   time on some HTML (100 KB of `x<br>\n` blocks the event loop for seconds). Long text fields are therefore
 *   swapped for short placeholders while rss-parser runs and put back afterwards. Atom dates are normalised as
 *   they are read, because rss-parser calls `new Date(x).toISOString()` on them and throws on a bad one.
 * - Repair: a BOM and junk before the first tag are dropped; `<rss>` without `<channel>` gets one (rss-parser
 *   throws a TypeError otherwise); when the strict parse fails, bare `&` and a cut-off final end tag are fixed and
 *   the parse is retried once.
 * - Control characters and terminal escape sequences are stripped, before parsing and from every field after
 *   (character references decode to them), see control-chars.ts.
 * - Failure: an HTML page is FeedwatchError 'not-a-feed' with the feed links it declares (discover.ts); anything
 *   else unparseable becomes FeedwatchError 'parse' (a non-Error rejection is wrapped too).
 */
import { createHash } from 'node:crypto';
import Parser from 'rss-parser';
import { FeedwatchError } from '../errors.js';
import type { Enclosure, FeedItem } from '../model.js';
import { normalizeDate } from './dates.js';
import { checkXmlBudget } from './complexity.js';
import { declaredFeeds, isHtmlPage, notAFeed } from './discover.js';
import { stripControls, stripControlsDeep } from '../control-chars.js';

export interface ParseOptions {
  /** Items kept, in feed order. Default 1000. */
  maxItems?: number;
  /** Characters kept of description/content. Default 100 000. */
  maxDescriptionChars?: number;
  /** Characters kept of title, author, link, guid, category and extra values. Default 2 000. */
  maxFieldChars?: number;
  /** Extension elements copied into `extra`. Default: ria.ru's `rian:priority` and `rian:type`. */
  extraFields?: string[];
  /** Base for relative item links (the feed's final URL); the channel's own link is tried next. */
  baseUrl?: string;
  /** The URL the document was fetched from (after redirects): an HTML page's declared feed links resolve against it. */
  documentUrl?: string;
  /** Deepest element nesting accepted before parsing (complexity.ts). Default 100. */
  maxDepth?: number;
  /** Most elements accepted before parsing (complexity.ts). Default 100 000. */
  maxElements?: number;
}

export const RIAN_FIELDS = ['rian:priority', 'rian:type'];

export const PARSE_DEFAULTS = {
  maxItems: 1000,
  maxDescriptionChars: 100_000,
  maxFieldChars: 2_000,
  maxDepth: 100,
  maxElements: 100_000,
} as const;

const LONG_TEXT = new Set(['description', 'content:encoded', 'content', 'summary']);
const ATOM_DATES = new Set(['published', 'updated']);
const MAX_CATEGORIES = 100;
const MAX_ENCLOSURES = 50;
const PLACEHOLDER = /^\uE000fw(\d+)\uE000$/;

type Raw = Record<string, unknown>;

/** Parse a decoded feed document. Rejects with FeedwatchError 'parse' when it is not a feed we can read. */
export async function parseFeed(xml: string, feedName: string, opts: ParseOptions = {}): Promise<FeedItem[]> {
  const maxItems = opts.maxItems ?? PARSE_DEFAULTS.maxItems;
  const limits = {
    description: opts.maxDescriptionChars ?? PARSE_DEFAULTS.maxDescriptionChars,
    field: opts.maxFieldChars ?? PARSE_DEFAULTS.maxFieldChars,
  };
  const extraFields = opts.extraFields ?? RIAN_FIELDS;
  const text = prepare(stripControls(xml));
  if (text === '') throw parseError(feedName, 'empty document');
  // A web page where the feed should be: say so, with the feeds the page declares (discover.ts).
  if (isHtmlPage(text)) throw notAFeed(feedName, declaredFeeds(text, opts.documentUrl ?? opts.baseUrl));
  // Refused before rss-parser runs: its cost grows with depth × elements (complexity.ts).
  checkXmlBudget(text, { maxDepth: opts.maxDepth ?? PARSE_DEFAULTS.maxDepth, maxElements: opts.maxElements ?? PARSE_DEFAULTS.maxElements }, { feed: feedName });

  // Long texts wait here while rss-parser runs (see the header comment).
  const stash: string[] = [];
  const valueProcessor = (value: string, name: string): string => {
    if (LONG_TEXT.has(name) && value.length > 200) {
      stash.push(value.length > limits.description ? value.slice(0, limits.description) : value);
      return `\uE000fw${stash.length - 1}\uE000`;
    }
    if (ATOM_DATES.has(name)) return normalizeDate(value) ?? '';
    return value;
  };

  const parser = new Parser({
    defaultRSS: 2,
    xml2js: { valueProcessors: [valueProcessor], validator: atomLinkWithoutAttributes },
    customFields: {
      item: [
        ['category', 'fwCategories', { keepArray: true }],
        ['enclosure', 'fwEnclosures', { keepArray: true }],
        ['link', 'fwLinks', { keepArray: true }],
        ['media:content', 'fwMedia', { keepArray: true }],
        ['pubDate', 'fwPubDate'],
        ['dc:date', 'fwDcDate'],
        ['published', 'fwPublished'],
        ['updated', 'fwUpdated'],
        ['description', 'fwDescription'],
        ['content:encoded', 'fwContentEncoded'],
        ['summary', 'fwSummary'],
        ['content', 'fwContent'],
        ...extraFields.map((f) => [f, `fwExtra:${f}`, { keepArray: true }]),
      ] as unknown as string[],
    },
  });

  let feed: { items: Raw[]; link?: unknown };
  try {
    feed = (await parser.parseString(text)) as unknown as { items: Raw[]; link?: unknown };
  } catch (err) {
    // One second chance for the two commonest breakages; the first error is the one reported.
    const repaired = repair(text);
    try {
      if (repaired === text) throw err;
      feed = (await parser.parseString(repaired)) as unknown as { items: Raw[]; link?: unknown };
    } catch {
      throw parseError(feedName, err instanceof Error ? err.message : String(err), err);
    }
  }
  if (!feed || !Array.isArray(feed.items)) throw parseError(feedName, 'no items list in the parsed feed');

  const restore = (v: unknown): unknown => {
    if (typeof v !== 'string') return v;
    const m = PLACEHOLDER.exec(v);
    return m ? (stash[Number(m[1])] ?? '') : v;
  };
  const base = pickBase(opts.baseUrl, textOf(feed.link));
  const items: FeedItem[] = [];
  for (const raw of feed.items) {
    if (items.length >= maxItems) break;
    const item = toFeedItem(raw, feedName, { ...limits, extraFields, base, restore });
    // Character references (&#x1b;, &#155;) decode to controls: none reaches storage.
    if (item) items.push(stripControlsDeep(item));
  }
  return items;
}

interface MapContext {
  description: number;
  field: number;
  extraFields: string[];
  base: string | null;
  restore: (v: unknown) => unknown;
}

function toFeedItem(raw: Raw, feedName: string, ctx: MapContext): FeedItem | null {
  const cut = (s: string | null, max = ctx.field) => (s === null ? null : s.length > max ? s.slice(0, max) : s);
  const title = cut(clean(textOf(raw['title'])));
  // Short text first (RSS description, Atom summary), then full content. rss-parser's own `summary` and
  // `content` keep elements nested in the text as markup, where the raw copies give objects.
  const description = cut(
    firstText(...['fwDescription', 'fwSummary', 'summary', 'content', 'fwContentEncoded', 'fwContent'].map((k) => ctx.restore(raw[k]))),
    ctx.description,
  );
  const link = cut(resolveLink(clean(textOf(raw['link'])) ?? alternateLink(raw['fwLinks']), ctx.base));
  const id = clean(textOf(raw['guid'])) ?? clean(textOf(raw['id'])) ?? clean(textOf(raw['rdf:about']));
  if (!id && !link && !title && !description) return null;
  const guid = cut(id ?? link ?? `sha1:${createHash('sha1').update(`${title ?? ''}\n${description ?? ''}`).digest('hex')}`)!;

  const extra: Record<string, string | string[]> = {};
  for (const f of ctx.extraFields) {
    const values = asArray(raw[`fwExtra:${f}`]).map((v) => cut(clean(textOf(v)))).filter((v): v is string => v !== null);
    if (values.length === 1) extra[f] = values[0]!;
    else if (values.length > 1) extra[f] = values;
  }

  return {
    feedName,
    guid,
    link,
    title,
    description,
    author: cut(clean(textOf(raw['creator']) ?? textOf(raw['author']))),
    publishedAt: normalizeDate(
      firstText(raw['fwPubDate'], raw['fwDcDate'], raw['fwPublished'], raw['fwUpdated'], raw['pubDate'], raw['isoDate']),
    ),
    categories: categoriesOf(raw['fwCategories'], ctx.field),
    enclosures: enclosuresOf(raw, ctx),
    extra,
  };
}

/**
 * rss-parser reads `link.$.rel` of every Atom link and throws on `<link>https://…</link>` (Atom 0.3 style, or a
 * broken feed). Give such links their text as href. xml2js calls this for every element as it closes.
 */
function atomLinkWithoutAttributes(xpath: string, _current: unknown, value: unknown): unknown {
  if (!xpath.startsWith('/feed/') || !xpath.endsWith('/link')) return value;
  if (typeof value === 'string') return { _: value, $: { href: value.trim() } };
  if (value && typeof value === 'object' && !('$' in value)) return { ...value, $: {} };
  return value;
}

/** Strip a BOM and anything before the first tag (PHP feeds often start with blank lines or junk). */
function prepare(xml: string): string {
  let s = xml.replace(/^\uFEFF/, '');
  const lt = s.indexOf('<');
  if (lt < 0) return '';
  s = s.slice(lt);
  return ensureChannel(s);
}

/** `<rss>` with items but no `<channel>`: wrap its content in one, as lenient parsers read it. */
function ensureChannel(s: string): string {
  const open = /<rss\b[^<>]*>/i.exec(s.slice(0, 4096));
  if (!open || /<channel[\s>/]/i.test(s)) return s;
  const start = open.index + open[0].length;
  const close = s.lastIndexOf('</rss');
  if (close < start) return s;
  return `${s.slice(0, start)}<channel>${s.slice(start, close)}</channel>${s.slice(close)}`;
}

/**
 * Repairs tried after a strict parse fails: a bare `&` (unescaped query strings in links) becomes `&amp;`, and a
 * document cut off inside its last end tag (`</rss`) gets its `>`.
 */
const ENTITY_START = /^(?:[A-Za-z][A-Za-z0-9]{0,31};|#[0-9]{1,7};|#x[0-9A-Fa-f]{1,6};)/;

function repair(s: string): string {
  // Each `&` is judged by the few characters after it (no regex lookahead: linear however many `&` there are).
  const parts = s.split('&');
  const escaped = parts.map((p, i) => (i === 0 || ENTITY_START.test(p.slice(0, 40)) ? p : `amp;${p}`)).join('&');
  return escaped.replace(/<\/([A-Za-z][\w:.-]*)\s*$/, '</$1>');
}

function parseError(feedName: string, message: string, cause?: unknown): FeedwatchError {
  return new FeedwatchError('parse', `cannot parse feed: ${message.split('\n')[0]}`, { feed: feedName }, { cause });
}

/** The text of an xml2js value: a string, `{ _: text }`, or null. */
function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return textOf(v[0]);
  if (v && typeof v === 'object' && typeof (v as Raw)['_'] === 'string') return (v as Raw)['_'] as string;
  return null;
}

function firstText(...values: unknown[]): string | null {
  for (const v of values) {
    const t = clean(textOf(v));
    if (t) return t;
  }
  return null;
}

function clean(s: string | null): string | null {
  if (s === null) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

function attrs(v: unknown): Record<string, string> {
  const a = v && typeof v === 'object' ? (v as Raw)['$'] : undefined;
  return a && typeof a === 'object' ? (a as Record<string, string>) : {};
}

function pickBase(baseUrl: string | undefined, channelLink: string | null): string | null {
  for (const candidate of [baseUrl, channelLink]) {
    if (!candidate) continue;
    try {
      return new URL(candidate.trim()).href;
    } catch {
      /* try the next */
    }
  }
  return null;
}

function resolveLink(link: string | null, base: string | null): string | null {
  if (!link) return null;
  try {
    return new URL(link, base ?? undefined).href;
  } catch {
    return link;
  }
}

/** Atom `<link>`s: rel="alternate" (or no rel) first. */
function alternateLink(links: unknown): string | null {
  const all = asArray(links).map(attrs);
  const alt = all.find((a) => a['href'] && (!a['rel'] || a['rel'] === 'alternate')) ?? all.find((a) => a['href']);
  return clean(alt?.['href'] ?? null);
}

function categoriesOf(values: unknown, max: number): string[] {
  const out: string[] = [];
  for (const v of asArray(values)) {
    const a = attrs(v);
    const name = clean(textOf(v) ?? a['term'] ?? a['label'] ?? a['text'] ?? null);
    if (name && !out.includes(name)) out.push(name.slice(0, max));
    if (out.length >= MAX_CATEGORIES) break;
  }
  return out;
}

function enclosuresOf(raw: Raw, ctx: MapContext): Enclosure[] {
  const found: { url?: string; type?: string; length?: string }[] = [
    ...asArray(raw['fwEnclosures']).map(attrs),
    ...asArray(raw['fwLinks'])
      .map(attrs)
      .filter((a) => a['rel'] === 'enclosure')
      .map((a) => ({ url: a['href'], type: a['type'], length: a['length'] })),
    ...asArray(raw['fwMedia'])
      .map(attrs)
      .map((a) => ({ url: a['url'], type: a['type'], length: a['fileSize'] })),
  ];
  const out: Enclosure[] = [];
  for (const e of found) {
    const url = resolveLink(clean(e.url ?? null), ctx.base);
    if (!url || url.length > ctx.field || out.some((o) => o.url === url)) continue;
    const length = Number(e.length);
    out.push({
      url,
      type: clean(e.type ?? null)?.slice(0, 200) ?? null,
      length: e.length !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : null,
    });
    if (out.length >= MAX_ENCLOSURES) break;
  }
  return out;
}

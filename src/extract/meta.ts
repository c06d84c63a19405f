/**
 * Page metadata shared by every extractor: title, description, dates, author, tags, language, canonical URL
 * and share images, read from <meta> tags (Open Graph, article:*), JSON-LD, microdata (itemprop) and plain
 * markup. Also the date parser for the forms news sites write, including the Sputnik engine's compact
 * `20220305T1820+0600`.
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { ArticleImage } from '../model.js';
import { normalizeSpace } from './text.js';

export interface PageMeta {
  /** og:title, then the first <h1>, then <title> without the site-name suffix. */
  title: string | null;
  /** og:description, meta description, JSON-LD description. */
  description: string | null;
  /** ISO 8601 with offset. */
  publishedAt: string | null;
  modifiedAt: string | null;
  author: string | null;
  /** article:tag, else meta keywords, else JSON-LD keywords (in page order, duplicates removed). */
  tags: string[];
  /** Primary language subtag, lower case ("de", "ru"), from <html lang>, og:locale or Content-Language. */
  language: string | null;
  /** Absolute URL from link rel=canonical or og:url. */
  canonicalUrl: string | null;
  siteName: string | null;
  /** og:image (absolute), caption from og:image:alt. */
  images: ArticleImage[];
}

/** Reads everything `PageMeta` holds from a loaded page; `url` is the page's address (for relative links). */
export function extractMeta($: CheerioAPI, url: string): PageMeta {
  const page = scanPage($);
  const metas = page.metas;
  const ld = jsonLdArticle(page.ldJson);
  const first = (...keys: string[]): string | null => {
    for (const k of keys) {
      const v = metas.get(k)?.find((s) => s !== '');
      if (v) return v;
    }
    return null;
  };
  const siteName = first('og:site_name', 'application-name');
  const text = (el: Element | null) => (el ? normalizeSpace($(el).text()) || null : null);

  const docTitle = text(page.title);
  const title =
    first('og:title', 'twitter:title') ?? ldString(ld?.headline) ?? text(page.h1) ?? (docTitle ? stripSiteSuffix(docTitle, siteName) : null);

  const description = first('og:description', 'description', 'twitter:description') ?? ldString(ld?.description);

  const itemprop = (prop: string) => (page.itemprops.get(prop) ?? []).map((el) => normalizeSpace(el.attribs.content ?? el.attribs.datetime ?? $(el).text()));
  const publishedAt =
    firstDate(metas.get('article:published_time')) ??
    parseDateTime(ldString(ld?.datePublished)) ??
    firstDate(itemprop('datePublished')) ??
    firstDate(['date', 'pubdate', 'publishdate', 'dc.date', 'dc.date.issued'].flatMap((k) => metas.get(k) ?? [])) ??
    firstDate(page.times);
  const modifiedAt =
    firstDate(metas.get('article:modified_time')) ?? parseDateTime(ldString(ld?.dateModified)) ?? firstDate(itemprop('dateModified'));

  const author =
    first('author', 'article:author', 'dc.creator') ??
    ldAuthor(ld?.author) ??
    microdataAuthor($, page.itemprops.get('author')?.[0]) ??
    text(page.relAuthor);

  const tags = dedupe(
    nonEmpty(metas.get('article:tag')) ??
      nonEmpty(splitList(first('keywords', 'news_keywords'))) ??
      nonEmpty(ldKeywords(ld?.keywords)) ??
      [],
  );

  const language =
    normalizeLanguage(page.htmlLang) ?? normalizeLanguage(first('og:locale', 'content-language', 'language')) ?? normalizeLanguage(ldString(ld?.inLanguage));

  const canonicalUrl = resolveUrl(page.canonical, url) ?? resolveUrl(first('og:url'), url);

  const images: ArticleImage[] = [];
  const alts = metas.get('og:image:alt') ?? [];
  (metas.get('og:image') ?? metas.get('og:image:url') ?? metas.get('twitter:image') ?? []).forEach((src, i) => {
    const abs = resolveUrl(src, url);
    if (abs && !images.some((im) => im.url === abs)) images.push({ url: abs, caption: alts[i] || null, credit: null });
  });

  return { title, description, publishedAt, modifiedAt, author, tags, language, canonicalUrl, siteName, images };
}

/** What the metadata comes from, gathered in one walk over the page (one pass costs less than ten selectors). */
interface PageScan {
  /** <meta> values keyed by lower-cased property / name / http-equiv, in page order. */
  metas: Map<string, string[]>;
  title: Element | null;
  h1: Element | null;
  htmlLang: string | null;
  canonical: string | null;
  ldJson: string[];
  itemprops: Map<string, Element[]>;
  times: string[];
  relAuthor: Element | null;
}

const ITEMPROPS = new Set(['datePublished', 'dateModified', 'author']);

function scanPage($: CheerioAPI): PageScan {
  const scan: PageScan = { metas: new Map(), title: null, h1: null, htmlLang: null, canonical: null, ldJson: [], itemprops: new Map(), times: [], relAuthor: null };
  const stack: AnyNode[] = [...$.root()[0]!.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style') continue;
    const el = node as Element;
    const a = el.attribs;
    switch (el.name) {
      case 'meta': {
        const key = (a.property ?? a.name ?? a['http-equiv'] ?? '').trim().toLowerCase();
        if (key && a.content !== undefined) {
          const list = scan.metas.get(key) ?? [];
          list.push(normalizeSpace(a.content));
          scan.metas.set(key, list);
        }
        break;
      }
      case 'html':
        scan.htmlLang ??= a.lang ?? a['xml:lang'] ?? null;
        break;
      case 'title':
        scan.title ??= el;
        break;
      case 'h1':
        scan.h1 ??= el;
        break;
      case 'link':
        if (scan.canonical === null && /(?:^|\s)canonical(?:\s|$)/i.test(a.rel ?? '')) scan.canonical = a.href ?? null;
        break;
      case 'script':
        if ((a.type ?? '').trim().toLowerCase() === 'application/ld+json') scan.ldJson.push(textOf(el));
        break;
      case 'time':
        if (a.datetime) scan.times.push(a.datetime);
        break;
      case 'a':
        if (scan.relAuthor === null && /(?:^|\s)author(?:\s|$)/i.test(a.rel ?? '')) scan.relAuthor = el;
        break;
    }
    if (a.itemprop) {
      for (const prop of a.itemprop.split(/\s+/)) {
        if (!ITEMPROPS.has(prop)) continue;
        const list = scan.itemprops.get(prop) ?? [];
        list.push(el);
        scan.itemprops.set(prop, list);
      }
    }
    if (el.name === 'script' || el.name === 'style') continue;
    for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]!);
  }
  return scan;
}

function textOf(el: Element): string {
  return el.children.map((c) => (c.type === 'text' || c.type === 'cdata' ? ('data' in c ? String(c.data) : '') : '')).join('');
}

type LdObject = Record<string, unknown>;
const ARTICLE_TYPES = /(?:^|\b)(?:NewsArticle|Article|BlogPosting|ReportageNewsArticle|AnalysisNewsArticle|OpinionNewsArticle|Report|WebPage|LiveBlogPosting)$/;

/** The first JSON-LD object whose @type is an article (or, failing that, a web page). */
function jsonLdArticle(scripts: string[]): LdObject | null {
  const found: LdObject[] = [];
  for (const text of scripts) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      continue;
    }
    const stack: unknown[] = [data];
    while (stack.length > 0) {
      const v = stack.pop();
      if (Array.isArray(v)) stack.push(...[...v].reverse());
      else if (v && typeof v === 'object') {
        const o = v as LdObject;
        if (Array.isArray(o['@graph'])) stack.push(...[...(o['@graph'] as unknown[])].reverse());
        const types = ([] as unknown[]).concat(o['@type'] ?? []).map(String);
        if (types.some((t) => ARTICLE_TYPES.test(t))) found.push(o);
      }
    }
  }
  const isPage = (o: LdObject) => ([] as unknown[]).concat(o['@type'] ?? []).every((t) => String(t) === 'WebPage');
  return found.find((o) => !isPage(o)) ?? found[0] ?? null;
}

function ldString(v: unknown): string | null {
  if (typeof v === 'string') return normalizeSpace(v) || null;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return ldString(v[0]);
  if (v && typeof v === 'object') return ldString((v as LdObject)['@value'] ?? (v as LdObject).name);
  return null;
}

function ldAuthor(v: unknown): string | null {
  const names = ([] as unknown[])
    .concat(v ?? [])
    .map((a) => (typeof a === 'string' ? normalizeSpace(a) : a && typeof a === 'object' ? ldString((a as LdObject).name) : null))
    .filter((s): s is string => !!s);
  return names.length > 0 ? dedupe(names).join(', ') : null;
}

function ldKeywords(v: unknown): string[] {
  if (typeof v === 'string') return splitList(v);
  if (Array.isArray(v)) return v.flatMap((k) => (typeof k === 'string' ? splitList(k) : []));
  return [];
}

function microdataAuthor($: CheerioAPI, el: Element | undefined): string | null {
  if (!el) return null;
  const name = $(el).find('[itemprop="name"]').first();
  const text = name.length > 0 ? (name.attr('content') ?? name.text()) : (el.attribs.content ?? $(el).text());
  return normalizeSpace(text) || null;
}

function splitList(s: string | null): string[] {
  if (!s) return [];
  return s
    .split(/[,;]/)
    .map((t) => normalizeSpace(t))
    .filter((t) => t !== '');
}

function nonEmpty(list: string[] | undefined): string[] | null {
  const l = (list ?? []).filter((s) => s !== '');
  return l.length > 0 ? l : null;
}

function dedupe(list: string[]): string[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const k = s.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function firstDate(values: string[] | undefined): string | null {
  for (const v of values ?? []) {
    const d = parseDateTime(v);
    if (d) return d;
  }
  return null;
}

/** "de_DE" → "de", "ru-RU" → "ru", "EN" → "en"; null for anything that is not a language tag. */
export function normalizeLanguage(tag: string | null | undefined): string | null {
  const m = /^\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{1,8})*\s*$/.exec(tag ?? '');
  return m ? m[1]!.toLowerCase() : null;
}

/** Resolves `href` against `base`; null when missing or not an http(s) URL. */
export function resolveUrl(href: string | undefined | null, base: string): string | null {
  if (!href || !href.trim()) return null;
  try {
    const u = new URL(href.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

const SUFFIX_SEPARATORS = [' | ', ' - ', ' — ', ' – ', ' :: ', ' · ', ' » '];

/**
 * "Headline - 05.03.2022, Sputnik Кыргызстан" → "Headline". Drops the segment naming the site when the
 * site name is known, else the last segment when what remains still reads as a headline (3+ words).
 */
export function stripSiteSuffix(title: string, siteName: string | null): string {
  for (const sep of SUFFIX_SEPARATORS) {
    const i = title.lastIndexOf(sep);
    if (i <= 0) continue;
    const head = title.slice(0, i).trim();
    const tail = title.slice(i + sep.length).trim();
    const namesSite = siteName !== null && tail.toLowerCase().includes(siteName.toLowerCase());
    if (namesSite || (head.split(/\s+/).length >= 3 && tail.length < head.length)) return head;
  }
  return title;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

/**
 * Parses a date-time as news pages write it and returns ISO 8601 with the page's own offset
 * ("2022-03-05T18:20:00+06:00"), or null. Accepts ISO 8601 in extended or compact form
 * (`2022-03-05T18:20+0600`, `20220305T1820+0600`), `Z` (→ +00:00), a date alone (midnight UTC),
 * RFC 2822 (`Sat, 05 Mar 2022 18:20:00 +0600`) and, as a last resort, whatever Date.parse reads (as UTC).
 * A time without any offset is taken as UTC.
 */
export function parseDateTime(input: string | null | undefined): string | null {
  const s = (input ?? '').trim();
  if (!s) return null;
  const iso =
    /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,]\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(s);
  if (iso) {
    const [, y, mo, d, h = '00', mi = '00', sec = '00', off] = iso;
    return build(+y!, +mo!, +d!, +h, +mi, +sec, offsetMinutes(off));
  }
  const rfc = /^(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|GMT|UTC|UT|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (rfc) {
    const mo = MONTHS[rfc[2]!.toLowerCase()];
    if (mo) return build(+rfc[3]!, mo, +rfc[1]!, +rfc[4]!, +rfc[5]!, +(rfc[6] ?? 0), offsetMinutes(rfc[7]));
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : formatWithOffset(t, 0);
}

function offsetMinutes(off: string | undefined): number {
  if (!off || /^(z|gmt|utc|ut)$/i.test(off)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(off);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (+m[2]! * 60 + +(m[3] ?? 0));
}

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, offMin: number): string | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60 || Math.abs(offMin) > 18 * 60) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s) - offMin * 60_000;
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCDate() !== d) return null; // 31 February and the like
  return formatWithOffset(utc, offMin);
}

/** Formats an instant as local time at the given offset, e.g. "2022-03-05T18:20:00+06:00". */
export function formatWithOffset(epochMs: number, offMin: number): string {
  const local = new Date(epochMs + offMin * 60_000).toISOString().slice(0, 19);
  const sign = offMin < 0 ? '-' : '+';
  const a = Math.abs(offMin);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

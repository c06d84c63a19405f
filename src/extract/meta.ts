/**
 * Page metadata shared by every extractor: title, description, dates, author, tags, language, canonical URL
 * and share images, read from <meta> tags (Open Graph, article:*), JSON-LD, microdata (itemprop) and plain
 * markup. Also the date parser for the forms news sites write, including the Sputnik engine's compact
 * `20220305T1820+0600`.
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { ArticleImage } from '../model.js';
import { creativeWork, ldPublisherNames, ldTypes, parseJsonLd, type LdObject } from './generic-jsonld.js';
import { BYLINE_PREFIX, MAX_BYLINE_CHARS, nameKey, personNames, trimChars } from './meta-author.js';
import { findVisibleDate, monthNumber, weekdayIn, type VisibleDate } from './meta-dates.js';
import { linesBefore, PageMarks, scanPage, siteChrome, slugLetters, walkAfter, type LineWalk, type PageLine } from './meta-page.js';
import { chooseTitle, namesSite, siteKeys, stripSiteAffixes } from './meta-title.js';
import { normalizeSpace, textContent } from './text.js';

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
  const host = hostOf(url);
  const page = scanPage($, host);
  const metas = page.metas;
  const ldValues = page.ldJson.flatMap(parseJsonLd);
  const ld = creativeWork(ldValues);
  const first = (...keys: string[]): string | null => {
    for (const k of keys) {
      const v = metas.get(k)?.find((s) => s !== '');
      if (v) return v;
    }
    return null;
  };
  const siteName = first('og:site_name', 'application-name');
  const keys = siteKeys([siteName, first('apple-mobile-web-app-title'), ...ldPublisherNames(ldValues)], host);

  const docTitle = page.title ? normalizeSpace(textContent(page.title)) || null : null;
  const declared = [first('og:title', 'twitter:title'), ldString(ld?.headline), docTitle].filter((s): s is string => !!s);
  const title = chooseTitle({ declared, headings: page.headings, siteKeys: keys });
  const headline = title === null ? undefined : page.headings.find((h) => h.text === title);

  const description = first('og:description', 'description', 'twitter:description') ?? ldString(ld?.description);

  const itemprop = (prop: string) => (page.itemprops.get(prop) ?? []).map((el) => normalizeSpace(el.attribs.content ?? el.attribs.datetime ?? textContent(el)));
  const marks = new PageMarks();
  const chrome = siteChrome(headline?.el ?? null);
  const window = nearHeadline(headline?.el ?? page.body, marks, chrome);
  const near = window.near;
  const monthFirst = /^en\b/i.test(page.htmlLang ?? first('og:locale', 'content-language') ?? 'en');
  const machine =
    parseDateTime(ldString(ld?.datePublished)) ??
    firstDate(PUBLISHED_KEYS.flatMap((k) => metas.get(k) ?? [])) ??
    firstDate(itemprop('datePublished')) ??
    firstDate(page.times.filter((t) => t.pubdate).map((t) => t.datetime)) ??
    firstDate(near.flatMap((l) => (l.datetime ? [l.datetime] : []))) ??
    firstDate(page.times.map((t) => t.datetime));
  const shown = visibleDate(window.dateNear, monthFirst, machine, url) ?? visibleDate(window.all(), monthFirst, machine, url);
  // Nothing declared and nothing shown near the headline: a "Posted: …" line below a long article.
  const publishedAt = reconcileDates(machine, shown ?? (machine ? null : visibleDate(window.far(), monthFirst, machine, url, true)));
  const modifiedAt =
    firstDate(metas.get('article:modified_time')) ?? parseDateTime(ldString(ld?.dateModified)) ?? firstDate(itemprop('dateModified'));

  const author = chooseAuthor({
    ld: ld ? ldAuthorNames(ld.author) : [],
    byline: ((b) => (b.names.length > 0 || b.org ? b : bylineNames(window.all(), near.length, page.authorSlugs)))(bylineNames(near, near.length, page.authorSlugs)),
    meta: [
      ...AUTHOR_KEYS.flatMap((k) => metas.get(k) ?? []),
      ...(page.itemprops.get('author') ?? []).slice(0, 1).map((el) => microdataAuthor(el)),
      // A rel=author link in a sidebar or footer names the site's usual writer, not this page's.
      ...page.relAuthors
        .filter((el) => !chrome(el))
        .slice(0, 1)
        .map((el) => normalizeSpace(textContent(el))),
    ],
    siteKeys: keys,
  });

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

/** <meta> keys that carry the publication time, in order of trust. */
const PUBLISHED_KEYS = [
  'article:published_time', 'og:article:published_time', 'article:published', 'og:published_time', 'published_time',
  'datepublished', 'publish_date', 'publish-date', 'publishdate', 'pubdate', 'date', 'dc.date', 'dc.date.issued',
  'dcterms.created', 'dcterms.issued', 'sailthru.date', 'parsely-pub-date', 'article.published', 'cxenseparse:recs:publishtime',
];
/** <meta> keys that may name the author (each value checked: URLs, organisations and handles are not authors). */
const AUTHOR_KEYS = ['article:author', 'og:article:author', 'author', 'dc.creator', 'dcterms.creator', 'byl', 'parsely-author', 'sailthru.author'];

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

/**
 * The lines readers see around the headline, nearest first: `near` holds the dozen after it and the eight before
 * it; `dateNear` the same with more lines before it when some of those are single words (a row of share buttons
 * between a date and the headline); `all()` adds the rest of a bounded stretch after it (read only when `near` has no byline or date), `far()`
 * the lines after that down to the end of a long article. Comments, lists of other stories and the site's
 * furniture (sidebars, its header and footer) are left out, and a date written over several short elements ("23",
 * "Jul", "2012") is read as one line. Without a headline, the top of the page.
 */
function nearHeadline(
  headline: Element | null,
  marks: PageMarks,
  chrome: (el: Element) => boolean,
): { near: PageLine[]; dateNear: PageLine[]; all: () => PageLine[]; far: () => PageLine[] } {
  const visible = (lines: PageLine[]) => joinDateParts(lines.filter((l) => !l.apart && !(l.el && chrome(l.el))));
  if (headline === null) return { near: [], dateNear: [], all: () => [], far: () => [] };
  if (headline.name === 'body') {
    const walk = walkAfter(headline, marks, true);
    const read = walk.read(60, 6000);
    const top = visible(read);
    return { near: top, dateNear: top, all: () => top, far: () => visible(walk.read(400, 40_000).slice(read.length)) };
  }
  // One walk after the headline: the near lines first, continued for the rest only when asked.
  const after: LineWalk = walkAfter(headline, marks);
  const following = visible(after.read(12, 3000));
  const before = linesBefore(headline, marks, 8);
  const preceding = (lines: PageLine[]) => visible([...lines].reverse()).reverse();
  const near = [...following, ...preceding(before.slice(0, 8))];
  const dateNear = before.length > 8 ? [...following, ...preceding(before)] : near;
  let all: PageLine[] | null = null;
  let read = 0;
  const wider = () => {
    const lines = after.read(80, 6000);
    read = lines.length;
    return [...near, ...visible(lines.slice(12))];
  };
  return { near, dateNear, all: () => (all ??= wider()), far: () => visible(after.read(400, 40_000).slice(read)) };
}

/** The most characters of one part of a date written over several elements ("23", "Jul", "2012", "6:06pm, EDT"). */
const MAX_DATE_PART = 16;

/** A short date-marked line that holds a number, a month or a weekday: a piece of a date. */
function datePart(l: PageLine | undefined): boolean {
  if (l === undefined || !l.date || l.text.length > MAX_DATE_PART) return false;
  return /\d/.test(l.text) || monthNumber(l.text) !== null || weekdayIn(l.text) !== null;
}

/** Runs of date pieces, in page order, joined into one line each. */
function joinDateParts(lines: PageLine[]): PageLine[] {
  const out: PageLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const part = datePart;
    let j = i;
    while (j - i < 5 && part(lines[j])) j++;
    if (j - i < 2) {
      out.push(lines[i]!);
      continue;
    }
    const run = lines.slice(i, j);
    out.push({ ...run[0]!, text: run.map((l) => l.text).join(' '), author: run.some((l) => l.author), datetime: run.find((l) => l.datetime !== null)?.datetime ?? null });
    i = j - 1;
  }
  return out;
}

/** A date line: short, and mostly the date or introduced as one ("Posted on", "Published:", a byline, a date class). */
function visibleDate(window: readonly PageLine[], monthFirst: boolean, machine: string | null, url: string, posted = false): VisibleDate | null {
  // A date shown without its year ("Nov 19, 6:51 AM") takes the metadata's year, else the one in the page's address.
  const urlYear = /\/((?:19|20)\d\d)\/(?:[01]?\d\/)?/.exec(url.split(/[?#]/)[0]!.slice(0, 2000))?.[1];
  const refYear = machine ? +machine.slice(0, 4) : urlYear ? +urlYear : undefined;
  let updated: VisibleDate | null = null;
  for (const l of window) {
    if (l.text.length > 200 || !/\d/.test(l.text) || (posted && !POSTED_WORD.test(l.text))) continue;
    const d = findVisibleDate(l.text, { monthFirst, refYear });
    if (!d) continue;
    const before = l.text.slice(0, d.index);
    const introduced = /(?:^|\b)(?:posted|published|updated|submitted|date|on|am|le|el|il|em|от|publiziert|veröffentlicht|опубликовано)$/iu.test(trimChars(before, '', ' \t:\u00a0')) || BYLINE_PREFIX.test(l.text) || /\bby\b/i.test(l.text) || (before.length <= 16 && weekdayIn(before) !== null);
    if (!(l.date || l.author || introduced || d.span / l.text.length >= 0.3)) continue;
    // Far from the headline, only a line that says it gives the publication ("Posted: …", "Published …").
    if (posted && !POSTED.test(trimChars(before, '', ' \t:\u00a0'))) continue;
    if (/updated|modified|обновлено|aktualisiert/i.test(before) && !/posted|published|опубликовано/i.test(before)) {
      updated ??= d;
      continue;
    }
    return d;
  }
  return updated;
}

/** What a date line says before the date when it is the publication's. */
const POSTED_WORD = /posted|published|publiziert|veröffentlicht|опубликовано/iu;
const POSTED = /(?:^|\b)(?:posted|published|publiziert|veröffentlicht|опубликовано)(?:\s+on)?$/iu;

/**
 * The publication time from the metadata, shown in the page's own zone when the visible date says which one;
 * the visible date alone when the metadata has none or disagrees by a day or more. The zone is the one the page
 * names next to its time, else the whole number of quarter hours between the metadata's time and the visible
 * time of day, else (a visible date without a time on another calendar day than the metadata's) the whole-hour
 * offset nearest UTC that puts the instant on the visible day.
 */
function reconcileDates(machine: string | null, seen: VisibleDate | null): string | null {
  if (!seen) return machine;
  const shownDay = Date.UTC(seen.y, seen.m - 1, seen.d);
  const shownLocal = shownDay + (seen.time ? (seen.time.h * 60 + seen.time.mi) * 60_000 : 0);
  const shown = () => formatWithOffset(shownLocal - (seen.offsetMin ?? 0) * 60_000, seen.offsetMin ?? 0);
  const instant = machine ? Date.parse(machine) : NaN;
  if (!machine || Number.isNaN(instant)) return shown();
  const onShownDay = (off: number) => {
    const local = instant + off * 60_000;
    return local >= shownDay && local < shownDay + 86_400_000;
  };
  if (seen.time) {
    if (seen.offsetMin !== null) {
      // The page names its zone: the metadata's instant in it, or what the page shows when they disagree.
      return Math.abs(shownLocal - seen.offsetMin * 60_000 - instant) <= 120_000 || onShownDay(seen.offsetMin) ? formatWithOffset(instant, seen.offsetMin) : shown();
    }
    const diffMin = (shownLocal - instant) / 60_000;
    const offset = Math.round(diffMin / 15) * 15;
    if (Math.abs(diffMin - offset) <= 2 && Math.abs(offset) <= 14 * 60) return formatWithOffset(instant, offset);
  }
  if (machine.slice(0, 10) === new Date(shownDay).toISOString().slice(0, 10)) return machine;
  // The instant lies on the shown day at some offset between UTC-12 and UTC+14: use the one nearest UTC.
  for (let h = 0; h <= 14; h++) {
    for (const off of h === 0 ? [0] : [-h * 60, h * 60]) if (off >= -12 * 60 && onShownDay(off)) return formatWithOffset(instant, off);
  }
  // A day or more apart: the metadata describes something else (an update, another item); the page shows the date.
  return shown();
}

/** Lines that credit someone other than the writer, or the site's makers. */
const NOT_A_BYLINE = /©|copyright|powered by|designed by|theme by|(?:photo(?:graph)?s?|images?|illustrations?|videos?|graphics?|pictures?)\s*(?:by|:)/i;
/** "… by" or "Author:" inside a line, after a few lower-case words ending in a byline verb ("Post written by", "Music post by"). */
const INNER_BYLINE = /^(?:\p{Lu}?[\p{Ll}\s]{0,16})?\b(?:posted|written|post|filed|reported|story|words|text|entry)\s+by\s+(?=\p{Lu})|(?:^|[|·•]\s*|\s)(?:author|autor|автор)\s*:\s*(?=\p{Lu})/iu;

/**
 * The byline near the headline: the first line, nearest first, that is marked as an author, reads as a byline
 * ("By …", "Posted by …", "Author: …") or is the name an author page's address spells (`slugs`). `org` says that
 * line names no person but an outlet or agency ("By Reuters", "Associated Press November 19, 2019"): the page
 * credits an organisation, whatever its metadata says. A single first name counts beside a date, or when an
 * author page's address spells it ("By Jane", a link to /author/jane/).
 */
function bylineNames(window: readonly PageLine[], near: number, slugs: ReadonlySet<string>): { names: string[]; org: boolean } {
  const spelled = (name: string) => slugs.size > 0 && name.length <= 60 && slugs.has(slugLetters(name));
  for (let i = 0; i < window.length; i++) {
    const l = window[i]!;
    let text = l.text;
    if (text.length > 160 || NOT_A_BYLINE.test(text)) continue;
    // "By" alone, the name in the next element.
    if (BYLINE_PREFIX.test(text) && text.replace(BYLINE_PREFIX, '').trim() === '' && window[i + 1]) text = `${text} ${window[i + 1]!.text}`;
    const prefixed = BYLINE_PREFIX.test(text);
    // Far from the headline, only a line that starts as a byline or is marked as one.
    const inner = prefixed || i >= near ? null : (INNER_BYLINE.exec(text) ?? datedBy(text));
    const byline = prefixed ? text : inner ? text.slice(inner.index + inner[0].length) : l.author || spelled(text) ? text : null;
    if (byline === null) continue;
    const dated = /\d/.test(text) && findVisibleDate(text) !== null;
    let names = personNames(byline, { singleOk: dated });
    // A first name alone after "By" / "Posted by" when an author page spells it; a bare word is usually an agency.
    if (names.length === 0 && prefixed && slugs.size > 0) names = personNames(byline, { singleOk: true }).filter(spelled);
    if (names.length > 0) return { names, org: false };
    if ((prefixed || (l.author && (dated || byline === byline.toUpperCase()))) && organisationLike(byline)) return { names: [], org: true };
  }
  return { names: [], org: false };
}

/** "by" after a date ("Monday, November 12, 2012, by Matthew Kang"). */
function datedBy(text: string): RegExpExecArray | null {
  const m = /[\s,·|]by\s+(?=\p{Lu})/iu.exec(text);
  if (!m || m.index > 60) return null;
  const date = findVisibleDate(text.slice(0, m.index));
  return date !== null && date.span * 2 >= m.index ? m : null;
}

/** A byline that names an outlet: a few capitalised words ("Reuters", "Associated Press", "REUTERS, Washington"). */
function organisationLike(byline: string): boolean {
  const rest = byline.slice(0, MAX_BYLINE_CHARS).replace(BYLINE_PREFIX, '');
  const digit = rest.search(/\d/);
  const t = trimChars(digit >= 0 ? rest.slice(0, digit) : rest, ' \t\u00a0', ' \t\u00a0,.:;|–—-');
  const words = t.split(/[\s,]+/).filter((w) => w !== '');
  return words.length >= 1 && words.length <= 5 && words.every((w) => /^\p{Lu}/u.test(w) || /^(?:of|the|and|&)$/i.test(w)) && !/\b(?:view|follow|more|share|profile)\b/i.test(t);
}

function ldAuthorNames(v: unknown): string[] {
  const names: string[] = [];
  for (const a of ([] as unknown[]).concat(v ?? [])) {
    if (typeof a === 'string') names.push(...personNames(a));
    else if (a && typeof a === 'object') {
      const o = a as LdObject;
      if (ldTypes(o).some((t) => /Organization$/.test(t))) continue;
      const name = ldString(o.name);
      if (name) names.push(...personNames(name));
    }
  }
  return [...new Set(names)];
}

/**
 * None when the visible byline credits an organisation ("By Reuters"), whatever the metadata says. Else the
 * person names of JSON-LD's author, else of the author meta tags (URLs, organisations and handles are not names),
 * falling back to the visible byline; the byline instead when it names the same people and more, or spells them
 * out in full. Names that are the site's own are dropped.
 */
function chooseAuthor(src: { ld: string[]; byline: { names: string[]; org: boolean }; meta: string[]; siteKeys: string[] }): string | null {
  if (src.byline.org) return null;
  const notSite = (names: string[]) => names.filter((n) => !namesSite(n, src.siteKeys));
  const ld = notSite(src.ld);
  const byline = notSite(src.byline.names);
  const covers = (wide: string[], narrow: string[]) => narrow.every((n) => wide.some((w) => nameKey(w) === nameKey(n)));
  const meta = notSite([...new Set(src.meta.flatMap((m) => personNames(m)))]);
  // The first source that names people; the visible byline instead when it names the same people and more, or
  // spells them out in full ("Troy L. Smith" for "Troy Smith").
  const declared = ld.length > 0 ? ld : meta;
  const names = declared.length === 0 ? byline : byline.length >= declared.length && covers(byline, declared) ? byline : declared;
  return names.length > 0 ? names.join(', ') : null;
}

function ldString(v: unknown): string | null {
  if (typeof v === 'string') return normalizeSpace(v) || null;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return ldString(v[0]);
  if (v && typeof v === 'object') return ldString((v as LdObject)['@value'] ?? (v as LdObject).name);
  return null;
}

function ldKeywords(v: unknown): string[] {
  if (typeof v === 'string') return splitList(v);
  if (Array.isArray(v)) return v.flatMap((k) => (typeof k === 'string' ? splitList(k) : []));
  return [];
}

/** The author a microdata `author` element names: its first `[itemprop="name"]` element's content or text, else its own. */
function microdataAuthor(el: Element): string {
  const name = firstWithItemprop(el, 'name');
  const text = name ? (name.attribs.content ?? textContent(name)) : (el.attribs.content ?? textContent(el));
  return normalizeSpace(text);
}

/** The first element below `el`, in document order, whose itemprop is exactly `prop` (what `[itemprop="prop"]` finds first). */
function firstWithItemprop(el: Element, prop: string): Element | null {
  const stack: AnyNode[] = [];
  for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]!);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type !== 'tag' && n.type !== 'script' && n.type !== 'style') continue;
    const e = n as Element;
    if (e.attribs.itemprop === prop) return e;
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!);
  }
  return null;
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

/**
 * "Headline - 05.03.2022, Sputnik Кыргызстан" → "Headline". Drops the segments naming the site when the
 * site name is known, else the last segment when what remains still reads as a headline (3+ words).
 */
export function stripSiteSuffix(title: string, siteName: string | null): string {
  return stripSiteAffixes(title, siteName ? siteKeys([siteName], null) : []);
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
  // Whatever else Date.parse reads, when it names a plausible year ("Aug 09, 2:31 PM" would become 2001).
  const t = /(?:19|20)\d\d/.test(s) ? Date.parse(s) : NaN;
  return Number.isNaN(t) || new Date(t).getUTCFullYear() < 1990 ? null : formatWithOffset(t, 0);
}

function offsetMinutes(off: string | undefined): number {
  if (!off || /^(z|gmt|utc|ut)$/i.test(off)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(off);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (+m[2]! * 60 + +(m[3] ?? 0));
}

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, offMin: number): string | null {
  if (y < 1990 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60 || Math.abs(offMin) > 18 * 60) return null;
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

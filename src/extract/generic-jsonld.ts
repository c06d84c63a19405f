/**
 * JSON-LD as pages really write it. `parseJsonLd` reads a <script type="application/ld+json"> text tolerantly:
 * HTML comments and CDATA wrappers around it, raw control characters inside strings, trailing commas, and several
 * objects written one after another are all accepted. `creativeWork` finds the object that describes the page's
 * article among everything a page declares (@graph arrays, nested objects, lists): any schema.org CreativeWork
 * subtype (NewsArticle, ReportageNewsArticle, BlogPosting, ClaimReview, MedicalWebPage...), articles and reviews
 * before pages, media objects never. `jsonLdParagraphs` is the generic extractor's fallback text (the declared
 * `articleBody`), for pages whose HTML holds little text; often cut short elsewhere, so never preferred to the
 * markup.
 */
import type { CheerioAPI } from 'cheerio';
import { normalizeSpace } from './text.js';

export type LdObject = Record<string, unknown>;

/** Bounds on untrusted input: script size, values per script, objects visited, nesting depth. */
const MAX_SCRIPT_CHARS = 2_000_000;
const MAX_VALUES_PER_SCRIPT = 20;
const MAX_OBJECTS = 5_000;
const MAX_DEPTH = 12;

/** The JSON values in one JSON-LD script text; [] when nothing in it can be read. */
export function parseJsonLd(raw: string): unknown[] {
  if (raw.length > MAX_SCRIPT_CHARS) return [];
  const text = raw
    .replace(/<!--|-->/g, ' ')
    .replace(/^\s*(?:\/\/\s*)?<!\[CDATA\[|(?:\/\/\s*)?\]\]>\s*$/g, ' ')
    .trim();
  if (text === '') return [];
  try {
    return [JSON.parse(text)];
  } catch {
    // Fall through to the tolerant reading.
  }
  const values: unknown[] = [];
  for (const chunk of topLevelValues(text).slice(0, MAX_VALUES_PER_SCRIPT)) {
    const v = parseLenient(chunk);
    if (v !== undefined) values.push(v);
  }
  return values;
}

/** Splits text holding one or more JSON objects/arrays written one after another into their source texts. */
function topLevelValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = depth > 0;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if ((c === '}' || c === ']') && depth > 0) {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(text.slice(start, i + 1));
        start = -1;
      }
    }
  }
  return out;
}

function parseLenient(chunk: string): unknown {
  // Trailing commas before a closing bracket.
  const fixed = escapeControls(chunk).replace(/,\s*([}\]])/g, '$1');
  try {
    return JSON.parse(fixed);
  } catch {
    return undefined;
  }
}

/** Raw control characters are not allowed in JSON strings: line breaks become `\\n`, the others a space; outside strings, a space. */
function escapeControls(chunk: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i]!;
    const code = c.charCodeAt(0);
    if (code < 0x20) {
      out += inString && (c === '\n' || c === '\r') ? '\\n' : ' ';
      continue;
    }
    out += c;
    if (inString && c === '\\') {
      out += chunk[i + 1] ?? '';
      i++;
    } else if (c === '"') inString = !inString;
  }
  return out;
}

/** Every JSON-LD value of the page, in page order. */
export function pageJsonLd($: CheerioAPI): unknown[] {
  const out: unknown[] = [];
  $('script').each((_, el) => {
    if ((el.attribs.type ?? '').trim().toLowerCase() !== 'application/ld+json') return;
    out.push(...parseJsonLd($(el).text()));
  });
  return out;
}

/** The @type names of an object ("schema:NewsArticle" and "https://schema.org/NewsArticle" read as "NewsArticle"). */
export function ldTypes(o: LdObject): string[] {
  return ([] as unknown[])
    .concat(o['@type'] ?? [])
    .filter((t): t is string => typeof t === 'string')
    .map((t) => t.replace(/^.*[/#:]/, ''));
}

const MEDIA = /(?:Image|Video|Audio|Media)Object$|^Photograph$|^Clip$/;
const NOT_WORKS = /^(?:Organization|NewsMediaOrganization|Corporation|Person|Place|PostalAddress|WebSite|BreadcrumbList|ListItem|ItemList|SiteNavigationElement|SearchAction|ReadAction|EntryPoint|Brand|Offer|Rating|AggregateRating|ContactPoint|Country|City|GeoCoordinates|Comment|Answer|Question)$/;

/** 0: an article, posting, report or review; 1: a web page; 2: another creative work with a date; null: not one. */
function workRank(o: LdObject): number | null {
  const types = ldTypes(o);
  if (types.some((t) => MEDIA.test(t))) return null;
  if (types.some((t) => /(?:Article|Posting|Report|Review)$/.test(t))) return 0;
  if (types.some((t) => /Page$/.test(t))) return 1;
  if (types.length > 0 && types.every((t) => NOT_WORKS.test(t))) return null;
  if ('headline' in o || 'articleBody' in o) return 0;
  if ('datePublished' in o) return 2;
  return null;
}

/** Every object of the given values, depth-first in page order, bounded. */
export function ldObjects(values: readonly unknown[]): LdObject[] {
  const out: LdObject[] = [];
  const walk = (v: unknown, depth: number) => {
    if (out.length >= MAX_OBJECTS || depth > MAX_DEPTH || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as LdObject;
    out.push(o);
    for (const [k, x] of Object.entries(o)) {
      if (k === '@context') continue;
      if (x !== null && typeof x === 'object') walk(x, depth + 1);
    }
  };
  for (const v of values) walk(v, 0);
  return out;
}

/**
 * The creative work the page is about: the first article/posting/report/review, else the first web page, else
 * the first other creative work that has a publication date.
 */
export function creativeWork(values: readonly unknown[]): LdObject | null {
  let best: LdObject | null = null;
  let bestRank = Infinity;
  for (const o of ldObjects(values)) {
    const rank = workRank(o);
    if (rank !== null && rank < bestRank) {
      best = o;
      bestRank = rank;
      if (rank === 0) break;
    }
  }
  return best;
}

/** The publisher's (or the declared web site's) name, for recognising the outlet where it appears as author or title. */
export function ldPublisherNames(values: readonly unknown[]): string[] {
  const names: string[] = [];
  for (const o of ldObjects(values)) {
    for (const key of ['publisher', 'sourceOrganization']) {
      const p = o[key];
      for (const x of ([] as unknown[]).concat(p ?? [])) {
        if (typeof x === 'string') names.push(x);
        else if (x && typeof x === 'object' && typeof (x as LdObject).name === 'string') names.push((x as LdObject).name as string);
      }
    }
    if (ldTypes(o).some((t) => t === 'WebSite' || /Organization$/.test(t)) && typeof o.name === 'string') names.push(o.name);
  }
  return names.map(normalizeSpace).filter((n) => n !== '');
}

/** The paragraphs of the page's JSON-LD articleBody (split at line breaks), or [] when there is none. */
export function jsonLdParagraphs($: CheerioAPI): string[] {
  const body = ldObjects(pageJsonLd($)).find((o) => typeof o.articleBody === 'string' && o.articleBody.trim() !== '')?.articleBody as string | undefined;
  if (body === undefined) return [];
  return body
    .split(/\n+/)
    .map(normalizeSpace)
    .filter((p) => p !== '');
}

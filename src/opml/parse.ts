/**
 * OPML → the feeds it lists. OPML is the subscription list every feed reader imports and exports: an
 * `<opml><body>` of `<outline>` elements, where an outline with an `xmlUrl` is a feed and one without is a folder
 * whose text names a category of the feeds inside it. OPML 2.0 also allows a `category` attribute: comma-separated
 * slash-delimited paths (`/Tech/News,Russia`).
 *
 * The bytes are decoded like a fetched feed (BOM, XML declaration, then UTF-8 with a single-byte fallback), so
 * files written in windows-1251 or UTF-16 by older readers read right. The file is untrusted: its size, the
 * number of outlines and the folder depth are bounded, the walk is iterative, and cheerio's XML mode never loads
 * external entities.
 */
import { load } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { FeedwatchError } from '../errors.js';
import { decodeBody } from '../fetch/charset.js';
import { oneLine } from '../control-chars.js';

export interface OpmlFeed {
  /** The outline's `title`, else its `text`, else the feed URL's host: never empty. */
  title: string;
  xmlUrl: string;
  htmlUrl: string | null;
  /** Folder names from the root down, then the `category` attribute's paths; no duplicates. */
  categories: string[];
}

export interface OpmlParseResult {
  feeds: OpmlFeed[];
  /** Outlines that looked like feeds but were left out, with why (a bad or non-http URL). */
  skipped: { title: string; xmlUrl: string; reason: string }[];
}

export interface OpmlLimits {
  maxBytes: number;
  maxOutlines: number;
  maxDepth: number;
}

export const DEFAULT_OPML_LIMITS: OpmlLimits = { maxBytes: 10 * 1024 * 1024, maxOutlines: 100_000, maxDepth: 32 };

/** Parse an OPML file's bytes. Throws a `parse` (or `too-large`) FeedwatchError naming the file when it is not OPML. */
export function parseOpml(bytes: Uint8Array, file: string, limits: OpmlLimits = DEFAULT_OPML_LIMITS): OpmlParseResult {
  if (bytes.byteLength > limits.maxBytes) {
    throw new FeedwatchError('too-large', `${file}: ${bytes.byteLength} bytes is more than the ${limits.maxBytes} an OPML file may have`, { file, limit: limits.maxBytes }, { retryable: false });
  }
  const { text } = decodeBody(bytes, null, 'xml');
  const $ = load(text, { xml: true });
  const body = $('opml > body').first();
  if (body.length === 0) {
    throw new FeedwatchError('parse', `${file}: not an OPML file (no <opml><body> element)`, { file }, { retryable: false });
  }

  const feeds: OpmlFeed[] = [];
  const skipped: OpmlParseResult['skipped'] = [];
  let outlines = 0;
  // Depth-first, in document order, without recursion: each entry is an outline and the folder path above it.
  const stack: { el: Element; folders: string[] }[] = [];
  const pushChildren = (parent: Element, folders: string[]): void => {
    const kids = childOutlines(parent);
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ el: kids[i]!, folders });
  };
  pushChildren(body[0]! as Element, []);
  while (stack.length > 0) {
    const { el, folders } = stack.pop()!;
    if (++outlines > limits.maxOutlines) {
      throw new FeedwatchError('too-large', `${file}: more than ${limits.maxOutlines} outlines`, { file, limit: limits.maxOutlines }, { retryable: false });
    }
    const attr = (name: string): string => clean(attribute(el, name));
    const xmlUrl = attr('xmlUrl');
    const label = attr('title') || attr('text');
    if (!xmlUrl) {
      const kids = childOutlines(el);
      if (kids.length === 0) continue;
      if (folders.length >= limits.maxDepth) {
        throw new FeedwatchError('too-large', `${file}: folders nested more than ${limits.maxDepth} deep`, { file, limit: limits.maxDepth }, { retryable: false });
      }
      pushChildren(el, label ? [...folders, label] : folders);
      continue;
    }
    const url = httpUrl(xmlUrl);
    if (!url) {
      skipped.push({ title: label, xmlUrl, reason: 'xmlUrl is not an http(s) URL' });
      continue;
    }
    const htmlUrl = httpUrl(attr('htmlUrl'));
    const categories = unique([...folders, ...categoryPaths(attr('category'))]);
    feeds.push({ title: label || new URL(url).host, xmlUrl: url, htmlUrl, categories });
  }
  return { feeds, skipped };
}

function childOutlines(el: Element): Element[] {
  return el.children.filter((c: AnyNode): c is Element => c.type === 'tag' && (c as Element).name.toLowerCase() === 'outline');
}

/** Attribute names are matched without regard to case: readers write `xmlUrl`, `xmlurl` and `XMLURL`. */
function attribute(el: Element, name: string): string {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(el.attribs)) if (k.toLowerCase() === wanted) return v;
  return '';
}

/** Control characters out (the project's one stripper, escape sequences included), white space folded, trimmed. */
export function clean(s: string): string {
  return oneLine(s).replace(/\s+/g, ' ').trim();
}

function httpUrl(s: string): string | null {
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** `"/Tech/News, Russia"` → `["Tech/News", "Russia"]`. */
function categoryPaths(attr: string): string[] {
  return attr
    .split(',')
    .map((p) => trimSlashes(p.trim()))
    .filter((p) => p !== '');
}

/** Leading and trailing slashes off, in one linear pass (a `/\/+$/` search is quadratic on a run of slashes). */
function trimSlashes(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s[a] === '/') a++;
  while (b > a && s[b - 1] === '/') b--;
  return s.slice(a, b);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

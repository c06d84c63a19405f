/**
 * Boilerplate learned per site, the extractor's side: pure functions over an Article and a learned set (plain data
 * that the pipeline reads from storage; src/pipeline/boilerplate-stage.ts).
 *
 *  - `paragraphKey(text)`: the identity of a paragraph for counting: the text normalised (Unicode NFKC, lower
 *    case, ё as е, every number (digit groups split by a space, dot or comma included) as one 0, everything but letters and digits as one space) and hashed
 *    (SHA-256, the first 16 hex digits). "Subscribe to us on Telegram!" and "subscribe to us on telegram" are
 *    one key; so are "© 2024 Example" and "© 2025 Example". Too short a text (under MIN_KEY_CHARS letters and
 *    digits) has no key: a lone word or a number recurs everywhere without being a site's boilerplate.
 *  - `applyLearned(article, learned)`: the article without the paragraphs whose key is learned, unless a `keep`
 *    pattern (the site rules' `keepParagraphs`) matches the paragraph, and never down to no paragraph at all; with
 *    the keys of every paragraph it had (the pipeline counts them).
 */
import { compilePattern } from '../regex/linear.js';
import { createHash } from 'node:crypto';
import type { Article } from '../model.js';
import { DROP_FLAGS } from './rule-schema.js';
import type { SiteRule } from './rule-schema.js';
import { ruleMatchesHost } from './rule-host.js';

/** Fewest letters and digits a normalised paragraph needs to be counted. */
export const MIN_KEY_CHARS = 6;
/** Most paragraphs of one article that are counted (the rest are neither counted nor dropped). */
export const MAX_KEYED_PARAGRAPHS = 300;
/** Longest sample of a paragraph's text kept with its key (for `feedwatch boilerplate`). */
export const MAX_SAMPLE_CHARS = 300;

const NOT_WORD = /[^\p{L}\p{N}]+/gu;
/** A number as printed: digit groups split by spaces, dots or commas ("12 000", "1.5") count as one. */
const DIGITS = /\p{Nd}+(?:[\s.,]\p{Nd}+)*/gu;

/** The text as it is compared: NFKC, lower case, ё → е, digit runs → 0, punctuation and spaces → one space. */
export function normalizeParagraph(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/ё/g, 'е').replace(DIGITS, '0').replace(NOT_WORD, ' ').trim();
}

/** The key of a paragraph (16 hex digits), or null when it is too short to count. */
export function paragraphKey(text: string): string | null {
  const norm = normalizeParagraph(text);
  if (norm.replace(/ /g, '').length < MIN_KEY_CHARS) return null;
  return createHash('sha256').update(norm, 'utf8').digest('hex').slice(0, 16);
}

/** A paragraph as counted: its key and a sample of its text. */
export interface KeyedParagraph {
  hash: string;
  sample: string;
}

/** What the pipeline passes after extraction: the host's learned keys, and the patterns that protect a line. */
export interface LearnedBoilerplate {
  hashes: ReadonlySet<string>;
  /** Compiled `keepParagraphs` patterns of the site rules for the page's host. */
  keep: readonly RegExp[];
}

export interface AppliedLearned {
  /** The article without its learned boilerplate (the same object when nothing was dropped). */
  article: Article;
  /** Paragraphs dropped. */
  dropped: number;
  /** Every keyed paragraph of the article as extracted (dropped ones included), each key once, in order. */
  keys: KeyedParagraph[];
}

/** Whether a paragraph with key `hash` goes: learned, and no keep pattern protects it. */
function learnedOut(text: string, hash: string | null, learned: LearnedBoilerplate): boolean {
  return hash !== null && learned.hashes.has(hash) && !learned.keep.some((re) => re.test(text));
}

/** The paragraphs of `paragraphs` that stay, or null when none would go (or all would: an article is never emptied). */
export function keptParagraphs(paragraphs: readonly string[], learned: LearnedBoilerplate): string[] | null {
  if (learned.hashes.size === 0) return null;
  const kept: string[] = [];
  paragraphs.forEach((p, i) => {
    if (i >= MAX_KEYED_PARAGRAPHS || !learnedOut(p, paragraphKey(p), learned)) kept.push(p);
  });
  return kept.length === paragraphs.length || kept.length === 0 ? null : kept;
}

/** Drop the learned boilerplate of `article` (see the top of this file). Pure. */
export function applyLearned(article: Article, learned: LearnedBoilerplate): AppliedLearned {
  const keys: KeyedParagraph[] = [];
  const seen = new Set<string>();
  const kept: string[] = [];
  article.paragraphs.forEach((p, i) => {
    const hash = i < MAX_KEYED_PARAGRAPHS ? paragraphKey(p) : null;
    if (hash !== null && !seen.has(hash)) {
      seen.add(hash);
      keys.push({ hash, sample: p.length > MAX_SAMPLE_CHARS ? `${p.slice(0, MAX_SAMPLE_CHARS - 1)}…` : p });
    }
    if (!learnedOut(p, hash, learned)) kept.push(p);
  });
  const dropped = article.paragraphs.length - kept.length;
  if (dropped === 0 || kept.length === 0) return { article, dropped: 0, keys };
  return { article: { ...article, paragraphs: kept }, dropped, keys };
}

/** The `keepParagraphs` patterns (sources) of the rules whose hosts match `url`. */
export function keepSources(rules: readonly SiteRule[], url: string): string[] {
  return rules.filter((r) => r.keepParagraphs !== undefined && r.keepParagraphs.length > 0 && ruleMatchesHost(r, url)).flatMap((r) => r.keepParagraphs!);
}

/** `keepSources` compiled (case-insensitive, on RE2, as dropParagraphs). */
export function keepPatterns(rules: readonly SiteRule[], url: string): RegExp[] {
  return keepSources(rules, url).map((p) => compilePattern(p, DROP_FLAGS));
}

/**
 * Word tokens of a text and the folding that makes matching case-insensitive: lower case, ё→е, combining marks
 * (stress accents) and soft hyphens removed. Tokens are runs of letters and digits; offsets are UTF-16 indexes
 * into the raw text, so spans can be highlighted in what the reader sees.
 */

export interface RawToken {
  /** The token as written. */
  text: string;
  start: number;
  end: number;
}

/** Letters, digits, combining marks and the soft hyphen (invisible, often inside words of scraped text). */
const TOKEN_RE = /[\p{L}\p{N}\p{M}\u00AD]+/gu;
const STRIP_RE = /[\p{M}\u00AD]/gu;

/** Lower case, ё→е, no combining marks or soft hyphens. The form every key is made from. */
export function foldWord(word: string): string {
  return word.normalize('NFC').replace(STRIP_RE, '').toLowerCase().replace(/ё/g, 'е');
}

/**
 * Fold a whole text for regex matching while keeping every offset: each UTF-16 unit is lower-cased on its own
 * (when that keeps its length) and ё becomes е, so index i of the result is index i of the input.
 */
export function foldKeepingOffsets(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower.replace(/ё/g, 'е');
  let out = '';
  for (const ch of text) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out.replace(/ё/g, 'е');
}

/**
 * The word tokens of a text, in order, at most `max` of them (the scan stops there). Tokens made only of marks or
 * soft hyphens are skipped.
 */
export function tokenize(text: string, max = Infinity): RawToken[] {
  const out: RawToken[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    if (out.length >= max) break;
    const start = m.index;
    const t = m[0];
    if (!/[\p{L}\p{N}]/u.test(t)) continue;
    out.push({ text: t, start, end: start + t.length });
  }
  return out;
}

export type Script = 'cyrillic' | 'latin' | 'number' | 'other';

/** Which keying a folded token gets: digits anywhere make it a literal; else by its letters' script. */
export function scriptOf(folded: string): Script {
  if (/\p{N}/u.test(folded)) return 'number';
  const cyr = /\p{Script=Cyrillic}/u.test(folded);
  const lat = /\p{Script=Latin}/u.test(folded);
  if (cyr && !lat) return 'cyrillic';
  if (lat && !cyr) return 'latin';
  return 'other';
}

/**
 * Text normalization for deduplication: the same story republished by a sister site must normalize to the same
 * string. Removes the agency dateline ("БИШКЕК, 5 мар — Sputnik.", "МОСКВА, 14 фев - РИА Новости.",
 * "WASHINGTON (AP) —"), then unifies Unicode forms, quotes, dashes, ё/е, case and whitespace.
 * The result is only ever hashed or tokenized, never shown.
 */
import { fmix32 } from './hash.js';

// An all-caps place name of up to four words: "БИШКЕК", "НЬЮ-ЙОРК", "SAN FRANCISCO", "ST. LOUIS". Words are split
// at spaces only (a hyphen stays inside its word, as in НЬЮ-ЙОРК), so that a name splits into words one way: with
// the hyphen also a separator, "A-A-A-…" split many ways, and a failing match tried each (polynomial backtracking).
const PLACE_WORD = String.raw`[\p{Lu}][\p{Lu}\p{M}'’.\-]*`;
const PLACE = String.raw`${PLACE_WORD}(?: ${PLACE_WORD}){0,3}`;
// "5 мар", "14 февраля 2024", "Nov. 19", "November 19, 2019"
const DATE = String.raw`(?:\d{1,2}\s+\p{L}{3,9}\.?(?:\s+\d{4})?|\p{L}{3,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)`;
// A state or region after the place: "Calif.", "Kan."
const REGION = String.raw`\p{Lu}[\p{L}.]{1,14}`;
const DASH = String.raw`[—–‒―−-]`;

const DATELINE_PATTERNS: RegExp[] = [
  // Rossiya Segodnya style: "МОСКВА, 14 фев - РИА Новости." / "БИШКЕК, 5 мар — Sputnik, Анна Иванова."
  // The agency part is a few words ending with a full stop (followed by a space, taken too, or the end): up to 60
  // characters from its first non-space one, which the spaces before it cannot be (one way to split the spaces).
  new RegExp(String.raw`^${PLACE},\s*${DATE}\s*${DASH}\s*[^\s.][^.\n]{0,59}\.(?:\s|$)`, 'u'),
  // TASS style: "МОСКВА, 5 марта. /ТАСС/."
  new RegExp(String.raw`^${PLACE},\s*${DATE}\.?\s*/[^/\n]{1,30}/\.?`, 'u'),
  // Wire style: "WASHINGTON (AP) —", "LOS ANGELES, Calif. (AP) —", "LONDON, Nov 19 (Reuters) -"
  new RegExp(String.raw`^${PLACE}(?:,\s*(?:${DATE}|${REGION}))*\s*\([^()\n]{1,40}\)\s*${DASH}`, 'u'),
  // Bare place: "LONDON —" (two capital letters at least, so a lone initial is not taken for a place).
  new RegExp(String.raw`^[\p{Lu}][\p{Lu}\p{M}]+(?:[ \-][\p{Lu}][\p{Lu}\p{M}]+){0,3}\s+${DASH}\s`, 'u'),
];

/**
 * Longest stretch of a line the dateline patterns look at: two stacked datelines of four long place words, a date
 * and a 60-character agency fit easily.
 */
const DATELINE_MAX_CHARS = 400;

/** Remove datelines from the start of one line; a republisher may stack its own before the original one. */
function stripLeading(line: string): string | null {
  let rest = line;
  let stripped = false;
  for (let round = 0; round < 2; round++) {
    // Cut, the head ends in U+FFFF (no letter, space, dot or bracket) so that no pattern takes the cut for the end.
    const head = rest.length > DATELINE_MAX_CHARS ? `${rest.slice(0, DATELINE_MAX_CHARS)}\uffff` : rest;
    const m = DATELINE_PATTERNS.map((re) => re.exec(head)).find((x) => x !== null);
    if (!m) break;
    rest = rest.slice(m[0].length).trimStart();
    stripped = true;
  }
  return stripped ? rest : null;
}

/**
 * Remove the dateline found at the start of one of the first three paragraphs (a Sputnik lead comes before the
 * dateline paragraph). Paragraphs are separated by newlines.
 */
export function stripDateline(text: string): string {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length && seen < 3; i++) {
    const trimmed = (lines[i] ?? '').trimStart();
    if (trimmed === '') continue;
    seen++;
    const rest = stripLeading(trimmed);
    if (rest !== null) {
      lines[i] = rest;
      return lines.join('\n');
    }
  }
  return text;
}

// Invisible characters: soft hyphen, zero-width space/joiners, word joiner, BOM.
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
// Quotation marks and apostrophes of every style; removed outright so «Мы» = "Мы" = “Мы” and don't = don’t.
const QUOTES = /["'`´«»‹›“”„‟‘’‚‛〝〞＂]/g;
// Punctuation dashes (not the hyphen inside words) become " - "; a spaced hyphen is one already. (The whitespace
// around them is left to WHITESPACE, which collapses it with the spaces added here: the same result as replacing
// /\s*[—–‒―−]\s*|\s+-\s+/ with " - ", for much less work.)
const DASHES = /[—–‒―−]/g;
// Whitespace that is not already one plain space: a run of two or more, or a single other whitespace character.
// Replacing these with one space is replacing every /\s+/ run with one space, without rewriting single spaces.
const WHITESPACE = /\s\s+|[^\S ]/g;

/**
 * Normalize a body text for hashing: dateline removed, NFKC, ё→е, quotes removed, punctuation dashes unified,
 * all whitespace (paragraph breaks included) collapsed to one space, lower case.
 */
export function normalizeText(text: string): string {
  return stripDateline(text.replace(/\r\n?/g, '\n'))
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(/[ёЁ]/g, (c) => (c === 'ё' ? 'е' : 'Е'))
    .replace(QUOTES, '')
    .replace(DASHES, ' - ')
    .replace(WHITESPACE, ' ')
    .trim()
    .toLowerCase();
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The words of a normalized text (runs of letters, digits and combining marks). */
export function tokenize(normalized: string): string[] {
  return normalized.match(WORD) ?? [];
}

/** 1 for each UTF-16 code unit outside the surrogates that WORD's class matches as a code point; built once. */
let bmpWordUnits: Uint8Array | null = null;
function wordUnits(): Uint8Array {
  if (bmpWordUnits === null) {
    let all = '';
    for (let c = 0; c < 0x10000; c += 0x400) {
      all += String.fromCharCode(...Array.from({ length: 0x400 }, (_, i) => (c + i >= 0xd800 && c + i <= 0xdfff ? 0 : c + i)));
    }
    // One pass of the class itself over every code unit: what it does not match becomes U+0000 (not a word unit).
    const marked = all.replace(/[^\p{L}\p{N}\p{M}]/gu, '\0');
    const t = new Uint8Array(0x10000);
    for (let c = 0; c < 0x10000; c++) t[c] = marked.charCodeAt(c) === 0 ? 0 : 1;
    bmpWordUnits = t;
  }
  return bmpWordUnits;
}
const ASTRAL_WORD = /^[\p{L}\p{N}\p{M}]$/u;
const astralWords = new Map<number, boolean>();
function astralIsWord(hi: number, lo: number): boolean {
  const cp = (hi - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
  let w = astralWords.get(cp);
  if (w === undefined) {
    w = ASTRAL_WORD.test(String.fromCharCode(hi, lo));
    astralWords.set(cp, w);
  }
  return w;
}

/**
 * `wordHash` (hash.ts) of every word `tokenize(normalized)` returns, in order, without making the words: one pass
 * over the text's UTF-16 code units, hashing each run of word characters as it goes. Fingerprinting needs only
 * these hashes.
 */
export function tokenHashes(normalized: string): Int32Array {
  const t = wordUnits();
  // The code units without a method call per character (see jaccardEstimate in minhash.ts on String.prototype).
  const buf = Buffer.from(normalized, 'utf16le');
  const units = new Uint16Array(buf.buffer, buf.byteOffset, normalized.length);
  const n = units.length;
  const out = new Int32Array((n >>> 1) + 1);
  let count = 0;
  let inWord = false;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = units[i]!;
    let word: boolean;
    let width = 1;
    if (c < 0xd800 || c > 0xdfff) word = t[c] === 1;
    else if (c <= 0xdbff && i + 1 < n && units[i + 1]! >= 0xdc00 && units[i + 1]! <= 0xdfff) {
      word = astralIsWord(c, units[i + 1]!);
      width = 2;
    } else word = false; // a lone surrogate is no letter
    if (word) {
      if (!inWord) {
        inWord = true;
        h = 0x811c9dc5;
      }
      h = Math.imul(h ^ c, 0x01000193);
      if (width === 2) h = Math.imul(h ^ units[++i]!, 0x01000193);
    } else {
      if (inWord) out[count++] = fmix32(h);
      inWord = false;
      if (width === 2) i++;
    }
  }
  if (inWord) out[count++] = fmix32(h);
  return out.subarray(0, count);
}

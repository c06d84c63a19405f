/**
 * Text normalization for deduplication: the same story republished by a sister site must normalize to the same
 * string. Removes the agency dateline ("БИШКЕК, 5 мар — Sputnik.", "МОСКВА, 14 фев - РИА Новости.",
 * "WASHINGTON (AP) —"), then unifies Unicode forms, quotes, dashes, ё/е, case and whitespace.
 * The result is only ever hashed or tokenized, never shown.
 */

// An all-caps place name of up to four words: "БИШКЕК", "НЬЮ-ЙОРК", "SAN FRANCISCO", "ST. LOUIS".
const PLACE = String.raw`[\p{Lu}][\p{Lu}\p{M}'’.\-]*(?:[ \-][\p{Lu}][\p{Lu}\p{M}'’.\-]*){0,3}`;
// "5 мар", "14 февраля 2024", "Nov. 19", "November 19, 2019"
const DATE = String.raw`(?:\d{1,2}\s+\p{L}{3,9}\.?(?:\s+\d{4})?|\p{L}{3,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)`;
// A state or region after the place: "Calif.", "Kan."
const REGION = String.raw`\p{Lu}[\p{L}.]{1,14}`;
const DASH = String.raw`[—–‒―−-]`;

const DATELINE_PATTERNS: RegExp[] = [
  // Rossiya Segodnya style: "МОСКВА, 14 фев - РИА Новости." / "БИШКЕК, 5 мар — Sputnik, Анна Иванова."
  // The agency part is a few words ending with a full stop.
  new RegExp(String.raw`^${PLACE},\s*${DATE}\s*${DASH}\s*[^.\n]{1,60}?\.(?=\s|$)`, 'u'),
  // TASS style: "МОСКВА, 5 марта. /ТАСС/."
  new RegExp(String.raw`^${PLACE},\s*${DATE}\.?\s*/[^/\n]{1,30}/\.?`, 'u'),
  // Wire style: "WASHINGTON (AP) —", "LOS ANGELES, Calif. (AP) —", "LONDON, Nov 19 (Reuters) -"
  new RegExp(String.raw`^${PLACE}(?:,\s*(?:${DATE}|${REGION}))*\s*\([^()\n]{1,40}\)\s*${DASH}`, 'u'),
  // Bare place: "LONDON —" (two capital letters at least, so a lone initial is not taken for a place).
  new RegExp(String.raw`^[\p{Lu}][\p{Lu}\p{M}]+(?:[ \-][\p{Lu}][\p{Lu}\p{M}]+){0,3}\s+${DASH}\s`, 'u'),
];

/** Remove datelines from the start of one line; a republisher may stack its own before the original one. */
function stripLeading(line: string): string | null {
  let rest = line;
  let stripped = false;
  for (let round = 0; round < 2; round++) {
    const m = DATELINE_PATTERNS.map((re) => re.exec(rest)).find((x) => x !== null);
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
// Punctuation dashes (not the hyphen inside words) become " - "; a spaced hyphen too.
const DASHES = /\s*[—–‒―−]\s*|\s+-\s+/g;

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
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The words of a normalized text (runs of letters, digits and combining marks). */
export function tokenize(normalized: string): string[] {
  return normalized.match(WORD) ?? [];
}

/**
 * Control characters from untrusted text (feeds, pages) never reach storage, a terminal or a mail header.
 *
 * - `stripControls` (stored text): removes terminal escape sequences whole (CSI `ESC [ … final`, OSC
 *   `ESC ] … BEL|ESC \`, DCS/PM/APC/SOS strings, two-byte `ESC x`), then every remaining C0 control except tab
 *   and newline, DEL, and every C1 control (U+0080–U+009F, which include the 8-bit CSI and OSC). CR LF and a lone
 *   CR become a newline. Parameter runs are bounded (a sequence never swallows more than a few hundred
 *   characters of text); the escape sequences are found by a scan, and the character classes are linear
 *   (checked by tests/hostile/redos-check.ts).
 * - `printable` (terminal output of a whole report): the same, keeping the report's own newlines, and also
 *   removing the Unicode bidirectional overrides and isolates that can make a line display in another order
 *   than it reads.
 * - `oneLine` (a table cell or a mail subject): `printable`, with every line break and tab turned into a space.
 */

const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
const ANY_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
/** Longest string (OSC, DCS...) body removed with its ESC; the rest stays as plain text. */
const MAX_STRING = 512;

const inRange = (c: number, lo: number, hi: number): boolean => c >= lo && c <= hi;

/**
 * Where the escape sequence starting with ESC at `i` ends (exclusive), by ECMA-48: CSI `ESC [` parameters
 * 0x30–0x3F, intermediates 0x20–0x2F, one final 0x40–0x7E; OSC/DCS/SOS/PM/APC `ESC ] P X ^ _` up to BEL or ST
 * (`ESC \`), at most MAX_STRING characters and never past a newline; else ESC, intermediates, one final byte.
 * A scan, not a regex: linear whatever the input.
 */
function escapeEnd(text: string, i: number): number {
  const n = text.length;
  let j = i + 1;
  const intro = text.charCodeAt(j);
  if (intro === 0x5b) {
    j++;
    while (j < n && j - i < 80 && inRange(text.charCodeAt(j), 0x30, 0x3f)) j++;
    while (j < n && j - i < 96 && inRange(text.charCodeAt(j), 0x20, 0x2f)) j++;
    if (j < n && inRange(text.charCodeAt(j), 0x40, 0x7e)) j++;
    return j;
  }
  if (intro === 0x5d || intro === 0x50 || intro === 0x58 || intro === 0x5e || intro === 0x5f) {
    j++;
    while (j < n && j - i < MAX_STRING) {
      const c = text.charCodeAt(j);
      if (c === 0x07) return j + 1;
      if (c === 0x1b) return text.charCodeAt(j + 1) === 0x5c ? j + 2 : j;
      if (c === 0x0a) return j;
      j++;
    }
    return j;
  }
  while (j < n && j - i < 10 && inRange(text.charCodeAt(j), 0x20, 0x2f)) j++;
  if (j < n && inRange(text.charCodeAt(j), 0x30, 0x7e)) j++;
  return j;
}

/** Text with escape sequences and control characters removed (tab and newline kept; CR → newline). */
export function stripControls(text: string): string {
  if (!ANY_CONTROL.test(text)) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x1b) {
      out += text.slice(from, i);
      from = escapeEnd(text, i);
      i = from - 1;
    } else if (c === 0x0d) {
      out += `${text.slice(from, i)}\n`;
      from = text.charCodeAt(i + 1) === 0x0a ? i + 2 : i + 1;
      i = from - 1;
    }
  }
  out += text.slice(from);
  return out.replace(CONTROLS, '');
}

/** Text safe to write to a terminal: `stripControls` plus no bidirectional overrides. */
export function printable(text: string): string {
  if (!ANY_CONTROL.test(text)) return text;
  return stripControls(text).replace(BIDI, '');
}

/** One line for a table cell or a mail header: `printable` with line breaks and tabs as spaces. */
export function oneLine(text: string): string {
  return printable(text).replace(/[\n\t\u2028\u2029\u0085]/g, ' ');
}

/**
 * A value with `stripControls` applied to every string in it (arrays and plain objects walked, depth-bounded),
 * for whole records such as an extracted article.
 */
export function stripControlsDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return stripControls(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => stripControlsDeep(v, depth + 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = stripControlsDeep(v, depth + 1);
  return out as T;
}

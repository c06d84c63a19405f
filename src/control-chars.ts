/**
 * Control characters from untrusted text (feeds, pages) never reach storage, a terminal or a mail header.
 *
 * - `stripControls` (stored text): removes terminal escape sequences whole (CSI `ESC [ … final`, OSC
 *   `ESC ] … BEL|ESC \`, DCS/PM/APC/SOS strings, two-byte `ESC x`), then every remaining C0 control except tab
 *   and newline, DEL, and every C1 control (U+0080–U+009F, which include the 8-bit CSI and OSC). CR LF and a lone
 *   CR become a newline. Parameter runs are bounded (a sequence never swallows more than a few hundred
 *   characters of text), and the patterns are linear (checked by tests/hostile/redos.test.ts).
 * - `printable` (terminal output of a whole report): the same, keeping the report's own newlines, and also
 *   removing the Unicode bidirectional overrides and isolates that can make a line display in another order
 *   than it reads.
 * - `oneLine` (a table cell or a mail subject): `printable`, with every line break and tab turned into a space.
 */

// ESC-introduced sequences, bounded. ECMA-48: CSI params 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E;
// OSC and the other strings end at BEL or ST (ESC \); anything else is ESC + intermediates + one final byte.
const ESCAPE_SEQUENCE =
  /\x1b(?:\[[0-?]{0,64}[ -/]{0,16}[@-~]?|[\]PX^_][^\x07\x1b\n]{0,512}(?:\x07|\x1b\\)?|[ -/]{0,8}[0-~]?)/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const CRLF = /\r\n?/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
const ANY_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

/** Text with escape sequences and control characters removed (tab and newline kept; CR → newline). */
export function stripControls(text: string): string {
  if (!ANY_CONTROL.test(text)) return text;
  return text.replace(CRLF, '\n').replace(ESCAPE_SEQUENCE, '').replace(CONTROLS, '');
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

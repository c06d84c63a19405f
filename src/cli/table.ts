import { oneLine } from '../control-chars.js';

/**
 * Plain-text table for terminal summaries: columns padded to their widest cell. Cells hold untrusted text (titles,
 * feed errors): each is one line with no control characters or escape sequences (see control-chars.ts).
 */
export function formatTable(headers: string[], rows: Array<Array<string | number | null>>): string {
  const columns = headers.length;
  // One pass over the cells: each made safe once and measured once (a table of 10,000 rows has 80,000 cells).
  const cells: string[] = new Array<string>((rows.length + 1) * columns);
  const lengths = new Int32Array(cells.length);
  const widths = new Int32Array(columns);
  const put = (at: number, col: number, text: string) => {
    cells[at] = text;
    const n = codePoints(text);
    lengths[at] = n;
    if (n > widths[col]!) widths[col] = n;
  };
  for (let c = 0; c < columns; c++) put(c, c, oneLine(headers[c]!));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < columns; c++) {
      const v = row[c];
      const at = (r + 1) * columns + c;
      const plain = v === undefined ? '' : v === null ? '-' : typeof v === 'number' ? String(v) : UNUSUAL.test(v) ? null : v;
      if (plain === null) {
        put(at, c, oneLine(v as string));
      } else {
        // Most cells: nothing to clean, one UTF-16 unit per character.
        cells[at] = plain;
        lengths[at] = plain.length;
        if (plain.length > widths[c]!) widths[c] = plain.length;
      }
    }
  }
  const line = (r: number): string => {
    let out = '';
    for (let c = 0; c < columns; c++) {
      const at = r * columns + c;
      const cell = cells[at]!;
      if (c > 0) out += '  ';
      // The last column is not padded (no trailing spaces); a surrogate pair takes two units and one column.
      out += c < columns - 1 ? cell.padEnd(widths[c]! + cell.length - lengths[at]!) : cell;
    }
    return out.trimEnd();
  };
  const out = [line(0), Array.from(widths, (w) => '-'.repeat(w)).join('  ')];
  for (let r = 1; r <= rows.length; r++) out.push(line(r));
  return out.join('\n');
}

/** What `oneLine` would change (controls, line breaks, tabs, bidirectional marks) or a surrogate (a pair is one character). */
const UNUSUAL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\uD800-\uDFFF]/;

/** Length in code points (a surrogate pair is one character on the terminal); UTF-16 length when there is no pair. */
function codePoints(s: string): number {
  return /[\uD800-\uDBFF]/.test(s) ? [...s].length : s.length;
}

const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?Z$/;

/** An ISO timestamp (any offset) as `YYYY-MM-DD HH:MM` in UTC, the zone every table names in its header. */
export function utcMinute(iso: string | null | undefined): string | null {
  return utcTime(iso, 16);
}

/** The same to the second: `YYYY-MM-DD HH:MM:SS` in UTC. */
export function utcSecond(iso: string | null | undefined): string | null {
  return utcTime(iso, 19);
}

function utcTime(iso: string | null | undefined, length: number): string | null {
  if (!iso) return null;
  // What storage writes (toISOString): already UTC, cut without parsing (to `length`; a time without seconds has :00).
  if (CANONICAL_UTC.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${length > 16 ? (iso[16] === ':' ? iso.slice(16, 19) : ':00') : ''}`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, length).replace('T', ' ');
}

/** Text on one line, whitespace runs collapsed, cut to at most `n` characters (an ellipsis marks the cut). */
export function clip(s: string, n: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > n ? flat.slice(0, n - 1) + '…' : flat;
}

/** "1 feed", "2 feeds", "0 feeds": a count with its noun in the right number. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

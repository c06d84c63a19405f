import { oneLine } from '../control-chars.js';

/**
 * Plain-text table for terminal summaries: columns padded to their widest cell. Cells hold untrusted text (titles,
 * feed errors): each is one line with no control characters or escape sequences (see control-chars.ts).
 */
export function formatTable(headers: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '-' : oneLine(String(c)))))];
  const widths = headers.map(() => 0);
  for (const r of cells) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, codePoints(r[i] ?? ''));
  const line = (r: string[]) => r.map((c, i) => c + ' '.repeat(widths[i]! - codePoints(c))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Length in code points (a surrogate pair is one character on the terminal); UTF-16 length when there is no pair. */
function codePoints(s: string): number {
  return /[\uD800-\uDBFF]/.test(s) ? [...s].length : s.length;
}

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

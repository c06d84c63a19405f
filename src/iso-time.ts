/** A date or time the user typed (API `since=`, CLI `--since`): ISO 8601 only, bounded, read as UTC when it names no zone. */

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ]([\d:.]+)(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `2026-03-05` (midnight UTC), `2026-03-05T18:00` (UTC), `2026-03-05 18:00+06:00` → ISO 8601 UTC; null when it is
 * none of these. A time without a zone is UTC, not the zone of the machine that reads it.
 */
export function parseIsoTime(raw: string): string | null {
  const m = raw.length <= 40 ? ISO.exec(raw) : null;
  if (!m) return null;
  const t = Date.parse(m[2] === undefined ? m[1]! : `${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** Durations in config: a number of seconds, or a string such as "90s", "15m", "1h", "500ms", "2d". */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : null;
  const m = /^(\d+(?:\.\d+)?) *(ms|s|m|h|d)?$/i.exec(value.trim());
  if (!m) return null;
  const unit = (m[2] ?? 's').toLowerCase();
  return Math.round(Number(m[1]) * (UNIT_MS[unit] ?? 1000));
}

/** Sizes in config: a number of bytes, or "512KB", "10MB", "1GB" (powers of 1024). */
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function parseSize(value: string | number): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  const m = /^(\d+(?:\.\d+)?) *(b|kb|mb|gb)?$/i.exec(value.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * (UNIT_BYTES[(m[2] ?? 'b').toLowerCase()] ?? 1));
}

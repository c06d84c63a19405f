/**
 * An article's analyses (morphology.ts `AnalyzedText` per field) packed to cross between threads: structured clone
 * copies an array of numbers or of strings one element at a time (some 60 µs for an article's analyses), but a typed
 * array or a string in one piece. Used where analyses cross a thread: from a CPU worker to the pool (cpu/wire.ts) and
 * from the main thread to the SQLite storage thread (store/sqlite/threaded.ts).
 */
import type { AnalyzedText } from './morphology.js';

/**
 * Analyses packed: `offsets` holds each field's starts, then its ends; `keys` every token's keys, one token per line.
 */
export interface PackedAnalyses {
  fields: string[];
  by: string[];
  counts: number[];
  offsets: Int32Array;
  keys: string;
}

const ANALYSIS_KEYS = 'by,starts,ends,keys';

/** `analyzed` packed, or null when it is not exactly what the pack restores (then it crosses as it is). */
export function packAnalyses(analyzed: Record<string, AnalyzedText>): PackedAnalyses | null {
  const fields = Object.keys(analyzed);
  const by: string[] = [];
  const counts: number[] = [];
  let total = 0;
  for (const f of fields) {
    const a = analyzed[f]!;
    if (Object.keys(a).join(',') !== ANALYSIS_KEYS || typeof a.by !== 'string') return null;
    const n = Array.isArray(a.keys) ? a.keys.length : -1;
    if (!Array.isArray(a.starts) || !Array.isArray(a.ends) || a.starts.length !== n || a.ends.length !== n) return null;
    by.push(a.by);
    counts.push(n);
    total += n;
  }
  const offsets = new Int32Array(2 * total);
  const keys: string[] = [];
  let at = 0;
  /** Appends `values` to `offsets`; false when one is not an int32 (it would not come back as it was). */
  const putOffsets = (values: readonly number[]): boolean => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if ((v | 0) !== v) return false;
      offsets[at++] = v;
    }
    return true;
  };
  for (const f of fields) {
    const a = analyzed[f]!;
    // Each field's starts, then its ends; each key a string of one line.
    if (!putOffsets(a.starts) || !putOffsets(a.ends)) return null;
    for (let i = 0; i < a.keys.length; i++) {
      const k = a.keys[i]!;
      if (typeof k !== 'string' || k.includes('\n')) return null;
      keys.push(k);
    }
  }
  return { fields, by, counts, offsets, keys: keys.join('\n') };
}

/** The analyses `packAnalyses` packed, as they were (same fields and properties, in the same order). */
export function unpackAnalyses(p: PackedAnalyses): Record<string, AnalyzedText> {
  const total = p.counts.reduce((a, b) => a + b, 0);
  const keys = total === 0 ? [] : p.keys.split('\n');
  const out: Record<string, AnalyzedText> = {};
  let at = 0;
  let k = 0;
  p.fields.forEach((f, i) => {
    const n = p.counts[i]!;
    const starts = Array.from(p.offsets.subarray(at, at + n));
    const ends = Array.from(p.offsets.subarray(at + n, at + 2 * n));
    at += 2 * n;
    out[f] = { by: p.by[i]!, starts, ends, keys: keys.slice(k, k + n) };
    k += n;
  });
  return out;
}


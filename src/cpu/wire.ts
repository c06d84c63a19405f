/**
 * A task's result as it crosses from a CPU worker to the pool: an analysis (the `analyse` task's tokens, offsets and
 * keys, thousands of each for an article's body) crosses packed (alerts/packed-analyses.ts), which structured clone
 * copies in a few pieces instead of element by element, and comes out as it went in; any other result crosses as it
 * is. The in-thread runner (`budgets.threads: 0`) never packs.
 */
import type { AnalyzedText } from '../alerts/morphology.js';
import { packAnalyses, unpackAnalyses, type PackedAnalyses } from '../alerts/packed-analyses.js';
import type { CpuTaskType } from './tasks.js';

/** A packed analysis, marked as such (a plain result is never this shape: analyses are keyed by field name). */
interface PackedResult {
  packedAnalyses: PackedAnalyses;
}

/** What the worker sends for a task's `value`. */
export function encodeResult(type: CpuTaskType, value: unknown): unknown {
  if (type !== 'analyse') return value;
  const packed = packAnalyses(value as Record<string, AnalyzedText>);
  return packed === null ? value : ({ packedAnalyses: packed } satisfies PackedResult);
}

/** The task's value again, from what the worker sent. */
export function decodeResult(type: CpuTaskType, sent: unknown): unknown {
  if (type !== 'analyse' || sent === null || typeof sent !== 'object' || !('packedAnalyses' in sent)) return sent;
  return unpackAnalyses((sent as PackedResult).packedAnalyses);
}

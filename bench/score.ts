/**
 * The article-extraction benchmark's metric (scrapinghub/article-extraction-benchmark, evaluate.py),
 * re-stated in TypeScript so that our figures are comparable with the published ones.
 *
 * Tokens are the runs of word characters of a text (Python's Unicode `\w`: letters, digits, underscore).
 * Shingles are runs of 4 consecutive tokens (a text of 1–3 tokens gives one shorter shingle). Per page,
 * true positives / false positives / false negatives are counted over the multisets of shingles and
 * normalised by their sum, so that long pages weigh no more than short ones. Precision and recall are
 * means over pages (a page with no predicted shingles is left out of the precision mean, one with no
 * true shingles out of the recall mean), and F1 = 2PR / (P + R).
 */

export interface PageCounts {
  tp: number;
  fp: number;
  fn: number;
}

export interface Scores {
  f1: number;
  precision: number;
  recall: number;
}

const TOKEN_RE = /[\p{L}\p{N}_]+/gu;
const SHINGLE_SIZE = 4;

/** The word tokens of a text, as the benchmark's `\w+` finds them. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN_RE) ?? [];
}

/** Multiset of the text's shingles, keyed by their tokens joined with a separator no token contains. */
export function shingles(text: string, n = SHINGLE_SIZE): Map<string, number> {
  const tokens = tokenize(text);
  const counts = new Map<string, number>();
  const last = Math.max(1, tokens.length - n + 1);
  for (let i = 0; i < last; i++) {
    const part = tokens.slice(i, i + n);
    if (part.length === 0) continue;
    const key = part.join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Normalised TP/FP/FN of one page's predicted text against its true text. */
export function pageCounts(truth: string, predicted: string): PageCounts {
  const t = shingles(truth);
  const p = shingles(predicted);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [key, trueCount] of t) {
    const predCount = p.get(key) ?? 0;
    tp += Math.min(trueCount, predCount);
    fn += Math.max(0, trueCount - predCount);
  }
  for (const [key, predCount] of p) {
    fp += Math.max(0, predCount - (t.get(key) ?? 0));
  }
  const sum = tp + fp + fn;
  return sum > 0 ? { tp: tp / sum, fp: fp / sum, fn: fn / sum } : { tp: 0, fp: 0, fn: 0 };
}

function precisionOf(c: PageCounts): number {
  if (c.fp === 0 && c.fn === 0) return 1;
  if (c.tp === 0 && c.fp === 0) return 0;
  return c.tp / (c.tp + c.fp);
}

function recallOf(c: PageCounts): number {
  if (c.fp === 0 && c.fn === 0) return 1;
  if (c.tp === 0 && c.fn === 0) return 0;
  return c.tp / (c.tp + c.fn);
}

function mean(values: number[]): number {
  if (values.length === 0) return 0;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Corpus-level precision, recall and F1 from per-page counts. */
export function aggregate(pages: PageCounts[]): Scores {
  const precision = mean(pages.filter((c) => c.tp + c.fp > 0).map(precisionOf));
  const recall = mean(pages.filter((c) => c.tp + c.fn > 0).map(recallOf));
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { f1, precision, recall };
}

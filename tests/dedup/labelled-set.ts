/**
 * Replays the labelled dedup set through the real stage: fingerprint both sides, let side a be the only stored
 * article (found by exact hash, or as a near candidate when it shares an LSH band), and ask decideDuplicate about
 * side b. "Same story" is predicted when the decision is anything but 'new'. Shared by the quality test and
 * bench/dedup.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideDuplicate, DEFAULT_DEDUP } from '../../src/dedup/decide.js';
import { fingerprintBody, type BodyFingerprint } from '../../src/dedup/fingerprint.js';
import { sideText, type LabelledPair, type LabelledSet } from '../fixtures/dedup/edits.js';
import type { DedupMatch, DedupOptions } from '../../src/model.js';

const SET_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dedup', 'labelled-pairs.json');

export function loadLabelledSet(): LabelledSet {
  return JSON.parse(readFileSync(SET_PATH, 'utf8')) as LabelledSet;
}

export interface PairResult {
  pair: LabelledPair;
  decision: string;
  predictedSame: boolean;
}

export interface SetScore {
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Per pair kind: pairs, and how many were predicted "same story". */
  byKind: Record<string, { pairs: number; predictedSame: number }>;
  results: PairResult[];
}

/** The texts of every pair side, fingerprinted once each (sources recur as side a). */
export function fingerprintSides(set: LabelledSet): Map<LabelledPair, [BodyFingerprint, BodyFingerprint]> {
  const cache = new Map<string, BodyFingerprint>();
  const fp = (text: string): BodyFingerprint => {
    let f = cache.get(text);
    if (!f) {
      f = fingerprintBody(text);
      cache.set(text, f);
    }
    return f;
  };
  const out = new Map<LabelledPair, [BodyFingerprint, BodyFingerprint]>();
  for (const p of set.pairs) out.set(p, [fp(sideText(set, p.a)), fp(sideText(set, p.b))]);
  return out;
}

export function scoreSet(set: LabelledSet, opts: DedupOptions = DEFAULT_DEDUP, prints = fingerprintSides(set)): SetScore {
  const results: PairResult[] = [];
  for (const pair of set.pairs) {
    const [a, b] = prints.get(pair) ?? [fingerprintBody(''), fingerprintBody('')];
    const stored: DedupMatch = { articleId: 1, clusterId: 1, url: 'https://a.example/1', textHash: a.textHash, minhash: a.minhash };
    const sharesBand = b.bands.some((v, i) => a.bands[i] === v);
    const decision = decideDuplicate(
      { feedName: 'b', guid: 'b', url: 'https://b.example/2', canonicalUrl: 'https://b.example/2', textHash: b.textHash, minhash: b.minhash, bands: b.bands, tokenCount: b.tokenCount },
      { byHash: a.textHash === b.textHash ? stored : null, near: sharesBand ? [stored] : [] },
      opts,
    );
    results.push({ pair, decision: decision.kind, predictedSame: decision.kind !== 'new' });
  }
  const count = (f: (r: PairResult) => boolean): number => results.filter(f).length;
  const tp = count((r) => r.pair.same && r.predictedSame);
  const fp = count((r) => !r.pair.same && r.predictedSame);
  const fn = count((r) => r.pair.same && !r.predictedSame);
  const tn = count((r) => !r.pair.same && !r.predictedSame);
  const byKind: SetScore['byKind'] = {};
  for (const r of results) {
    const k = (byKind[r.pair.kind] ??= { pairs: 0, predictedSame: 0 });
    k.pairs++;
    if (r.predictedSame) k.predictedSame++;
  }
  return { precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn), tp, fp, fn, tn, byKind, results };
}

/**
 * MinHash over word shingles: the near-duplicate fingerprint (measured better than SimHash on the labelled set,
 * see bench/dedup.ts). A text becomes the set of its k-word shingles; each of `size` hash functions keeps the
 * smallest value over that set; two texts agree on a position with probability equal to the Jaccard similarity of
 * their shingle sets. The signature travels as hex, 16 bits per position (4 hex digits): truncating a minimum to
 * 16 bits adds a chance agreement of 1/65536, negligible at the thresholds used.
 */
import { fmix32, foldHash, wordHash } from './hash.js';
import type { MinhashHex } from './types.js';

export interface MinhashOptions {
  /** Words per shingle. */
  shingle: number;
  /** Number of hash functions (signature positions); a multiple of the LSH band width. */
  size: number;
}

/** Measured on the labelled set (bench/dedup.ts): word bigrams, 128 positions. */
export const DEFAULT_MINHASH: MinhashOptions = { shingle: 2, size: 128 };

// Hash function i is x ↦ fmix32(x·A[i] + B[i]) with odd A[i]: fixed constants, so signatures are stable across
// processes and versions. Changing them invalidates every stored signature.
const MAX_SIZE = 512;
const A = new Uint32Array(MAX_SIZE);
const B = new Uint32Array(MAX_SIZE);
for (let i = 0; i < MAX_SIZE; i++) {
  A[i] = (fmix32(0x51ed270b + i * 2 + 1) | 1) >>> 0;
  B[i] = fmix32(0x2545f491 ^ (i * 0x9e3779b9));
}

/** The distinct shingle hashes of a token list (32-bit each). */
export function shingleSet(tokens: readonly string[], shingle: number): Set<number> {
  const k = Math.max(1, shingle);
  const hashes = tokens.map(wordHash);
  const out = new Set<number>();
  for (let i = 0; i + k <= hashes.length; i++) {
    let h = 0x3c6ef372;
    for (let j = i; j < i + k; j++) h = foldHash(h, hashes[j] ?? 0);
    out.add(h);
  }
  return out;
}

/** Full 32-bit MinHash signature of a token list; null when there is no shingle at all. */
export function minhashSignature(tokens: readonly string[], opts: MinhashOptions = DEFAULT_MINHASH): Uint32Array | null {
  const size = Math.min(opts.size, MAX_SIZE);
  const set = shingleSet(tokens, opts.shingle);
  if (set.size === 0) return null;
  const sig = new Uint32Array(size).fill(0xffffffff);
  // fmix32(x·A[i] + B[i]) inlined (keep it equal to hash.ts): the hot loop of fingerprinting (every shingle ×
  // every position).
  for (const x of set) {
    for (let i = 0; i < size; i++) {
      let h = (Math.imul(x, A[i]!) + B[i]!) | 0;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      h >>>= 0;
      if (h < sig[i]!) sig[i] = h;
    }
  }
  return sig;
}

/** The signature as hex, the low 16 bits of each position (4 hex digits each). */
export function signatureHex(sig: Uint32Array): MinhashHex {
  let s = '';
  for (const v of sig) s += (v & 0xffff).toString(16).padStart(4, '0');
  return s;
}

/**
 * Estimated Jaccard similarity of two texts' shingle sets from their hex signatures: the share of equal positions,
 * corrected for chance agreement of 16-bit values. 0 when the signatures differ in length.
 */
export function jaccardEstimate(a: MinhashHex, b: MinhashHex): number {
  if (a.length !== b.length || a.length === 0) return 0;
  const n = a.length / 4;
  let equal = 0;
  // Indexing (a[i]) rather than charCodeAt: a method call on strings gets several times slower in a process where
  // String.prototype has gone to dictionary mode (ioredis subclasses String), and this runs for every candidate.
  for (let i = 0; i < a.length; i += 4) {
    if (a[i] === b[i] && a[i + 1] === b[i + 1] && a[i + 2] === b[i + 2] && a[i + 3] === b[i + 3]) equal++;
  }
  const chance = 1 / 65536;
  return Math.max(0, (equal / n - chance) / (1 - chance));
}

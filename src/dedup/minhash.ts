/**
 * MinHash over word shingles: the near-duplicate fingerprint (measured better than SimHash on the labelled set,
 * see bench/dedup.ts). A text becomes the set of its k-word shingles; each of `size` hash functions keeps the
 * smallest value over that set; two texts agree on a position with probability equal to the Jaccard similarity of
 * their shingle sets. The signature travels as hex, 16 bits per position (4 hex digits): truncating a minimum to
 * 16 bits adds a chance agreement of 1/65536, negligible at the thresholds used.
 */
import { fmix32, foldHash, wordHash } from './hash.js';
import type { MinhashHex } from '../model.js';

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

/** Shingle hashing starts from this value (then folds in each word hash of the shingle). */
const SHINGLE_SEED = 0x3c6ef372;

/**
 * The hash of every k-word shingle of a list of word hashes, in order (repeats included). `wordHashes[i]` is
 * `wordHash` of word i, as an unsigned or signed 32-bit value.
 */
export function shingleHashes(wordHashes: ArrayLike<number>, shingle: number): Int32Array {
  const k = Math.max(1, shingle);
  const n = wordHashes.length - k + 1;
  const out = new Int32Array(Math.max(0, n));
  for (let i = 0; i < n; i++) {
    let h = SHINGLE_SEED;
    for (let j = i; j < i + k; j++) h = foldHash(h, wordHashes[j]! >>> 0);
    out[i] = h;
  }
  return out;
}

/** The distinct shingle hashes of a token list (32-bit each). */
export function shingleSet(tokens: readonly string[], shingle: number): Set<number> {
  const out = new Set<number>();
  for (const h of shingleHashes(tokens.map(wordHash), shingle)) out.add(h >>> 0);
  return out;
}

/** Full 32-bit MinHash signature of a token list; null when there is no shingle at all. */
export function minhashSignature(tokens: readonly string[], opts: MinhashOptions = DEFAULT_MINHASH): Uint32Array | null {
  return minhashOfShingles(shingleHashes(tokens.map(wordHash), opts.shingle), opts.size);
}

/** The same signature from the words' hashes (`wordHash` of each word, in order). */
export function minhashOfWordHashes(wordHashes: ArrayLike<number>, opts: MinhashOptions = DEFAULT_MINHASH): Uint32Array | null {
  return minhashOfShingles(shingleHashes(wordHashes, opts.shingle), opts.size);
}

// A and B as signed 32-bit values, for the loop below (Math.imul and `+ … | 0` give the same low 32 bits).
const A32 = new Int32Array(A.buffer);
const B32 = new Int32Array(B.buffer);
/** Flips the sign bit: unsigned order of 32-bit values becomes signed order, so minima compare as int32. */
const FLIP = -0x80000000;

/**
 * Position i of the signature is the smallest fmix32(x·A[i] + B[i]) over the shingle hashes x. A shingle that
 * occurs twice changes no minimum, so repeats need not be removed. The hot loop of fingerprinting (every shingle ×
 * every position): fmix32 inlined (keep it equal to hash.ts), four positions per pass over the shingles (four
 * independent chains keep the CPU busy), and minima kept as sign-flipped int32 so that no value leaves int32.
 */
function minhashOfShingles(xs: Int32Array, sizeOpt: number): Uint32Array | null {
  const size = Math.min(sizeOpt, MAX_SIZE);
  const n = xs.length;
  if (n === 0) return null;
  const sig = new Uint32Array(size);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const a0 = A32[i]!, b0 = B32[i]!, a1 = A32[i + 1]!, b1 = B32[i + 1]!;
    const a2 = A32[i + 2]!, b2 = B32[i + 2]!, a3 = A32[i + 3]!, b3 = B32[i + 3]!;
    let m0 = 0x7fffffff, m1 = 0x7fffffff, m2 = 0x7fffffff, m3 = 0x7fffffff;
    for (let j = 0; j < n; j++) {
      const x = xs[j]!;
      let h0 = (Math.imul(x, a0) + b0) | 0;
      let h1 = (Math.imul(x, a1) + b1) | 0;
      let h2 = (Math.imul(x, a2) + b2) | 0;
      let h3 = (Math.imul(x, a3) + b3) | 0;
      h0 ^= h0 >>> 16;
      h1 ^= h1 >>> 16;
      h2 ^= h2 >>> 16;
      h3 ^= h3 >>> 16;
      h0 = Math.imul(h0, 0x85ebca6b);
      h1 = Math.imul(h1, 0x85ebca6b);
      h2 = Math.imul(h2, 0x85ebca6b);
      h3 = Math.imul(h3, 0x85ebca6b);
      h0 ^= h0 >>> 13;
      h1 ^= h1 >>> 13;
      h2 ^= h2 >>> 13;
      h3 ^= h3 >>> 13;
      h0 = Math.imul(h0, 0xc2b2ae35);
      h1 = Math.imul(h1, 0xc2b2ae35);
      h2 = Math.imul(h2, 0xc2b2ae35);
      h3 = Math.imul(h3, 0xc2b2ae35);
      h0 = h0 ^ (h0 >>> 16) ^ FLIP;
      h1 = h1 ^ (h1 >>> 16) ^ FLIP;
      h2 = h2 ^ (h2 >>> 16) ^ FLIP;
      h3 = h3 ^ (h3 >>> 16) ^ FLIP;
      if (h0 < m0) m0 = h0;
      if (h1 < m1) m1 = h1;
      if (h2 < m2) m2 = h2;
      if (h3 < m3) m3 = h3;
    }
    sig[i] = m0 ^ FLIP;
    sig[i + 1] = m1 ^ FLIP;
    sig[i + 2] = m2 ^ FLIP;
    sig[i + 3] = m3 ^ FLIP;
  }
  for (; i < size; i++) {
    const a = A32[i]!, b = B32[i]!;
    let m = 0x7fffffff;
    for (let j = 0; j < n; j++) {
      let h = (Math.imul(xs[j]!, a) + b) | 0;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h = h ^ (h >>> 16) ^ FLIP;
      if (h < m) m = h;
    }
    sig[i] = m ^ FLIP;
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

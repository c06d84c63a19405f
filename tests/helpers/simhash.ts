/**
 * 64-bit SimHash, the near-duplicate fingerprint that MinHash was measured against (bench/dedup.ts; MinHash measured
 * better and is what feedwatch uses, src/dedup/fingerprint.ts). Kept for the benchmark and its tests only.
 *
 * SimHash (Charikar 2002): every feature (here a shingle of `shingle` consecutive words) gets a 64-bit hash; each
 * bit position sums +w where the feature's bit is 1 and -w where it is 0; the fingerprint bit is 1 where the sum is
 * positive. Texts sharing most features land a few bits apart. Shingle size and weighting were chosen by
 * measurement on the labelled set (bench/dedup.ts): see DEFAULT_SIMHASH.
 */
import { fmix32, wordHash } from '../../src/dedup/hash.js';
import { normalizeText, tokenize } from '../../src/dedup/normalize.js';

/** A 64-bit SimHash as 16 lower-case hex digits, e.g. "0f3a9c0000000001". */
export type SimhashHex = string;

export interface SimhashOptions {
  /** Words per shingle (1-3). */
  shingle: number;
  /** 'tf': a shingle counts as often as it occurs; 'binary': each distinct shingle counts once. */
  weight: 'tf' | 'binary';
}

/**
 * The SimHash variant with the widest margin on the labelled set (bench/dedup.ts): distinct word bigrams. It needs
 * 12 bits for 0.95 recall, and the closest different-story pair is 20 bits apart.
 */
export const DEFAULT_SIMHASH: SimhashOptions = { shingle: 2, weight: 'binary' };

/** Combine the word hashes of one shingle into 32 bits, under a seed (two seeds give 64 bits). */
function shingleHash(hashes: Uint32Array, start: number, len: number, seed: number): number {
  let h = seed;
  for (let i = start; i < start + len; i++) {
    h = Math.imul(h ^ (hashes[i] ?? 0), 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593);
  }
  return fmix32(h ^ len);
}

const SEED_HI = 0x9e3779b9;
const SEED_LO = 0x7f4a7c15;

function toHex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** SimHash of already-tokenized words. Returns null when there are fewer words than one shingle. */
export function simhashTokens(tokens: readonly string[], opts: SimhashOptions = DEFAULT_SIMHASH): SimhashHex | null {
  const k = Math.max(1, Math.min(opts.shingle, 8));
  const n = tokens.length - k + 1;
  if (n <= 0) return null;
  const hashes = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) hashes[i] = wordHash(tokens[i] ?? '');
  const sums = new Int32Array(64);
  const seen = opts.weight === 'binary' ? new Set<number>() : null;
  for (let i = 0; i < n; i++) {
    const hi = shingleHash(hashes, i, k, SEED_HI);
    const lo = shingleHash(hashes, i, k, SEED_LO);
    if (seen) {
      // 53 bits of the pair identify a distinct shingle well enough for counting it once.
      const key = (hi & 0x1fffff) * 0x100000000 + lo;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    for (let b = 0; b < 32; b++) {
      sums[b] = (sums[b] ?? 0) + ((hi >>> b) & 1 ? 1 : -1);
      sums[32 + b] = (sums[32 + b] ?? 0) + ((lo >>> b) & 1 ? 1 : -1);
    }
  }
  let hiOut = 0;
  let loOut = 0;
  for (let b = 0; b < 32; b++) {
    if ((sums[b] ?? 0) > 0) hiOut |= 1 << b;
    if ((sums[32 + b] ?? 0) > 0) loOut |= 1 << b;
  }
  return toHex32(hiOut) + toHex32(loOut);
}

/** SimHash of a body text (normalized, then tokenized). Null when the text has fewer words than one shingle. */
export function simhash64(text: string, opts: SimhashOptions = DEFAULT_SIMHASH): SimhashHex | null {
  return simhashTokens(tokenize(normalizeText(text)), opts);
}

function popcount32(n: number): number {
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Number of differing bits between two 64-bit SimHashes given as 16-digit hex. */
export function hamming(a: SimhashHex, b: SimhashHex): number {
  const ahi = parseInt(a.slice(0, 8), 16);
  const alo = parseInt(a.slice(8, 16), 16);
  const bhi = parseInt(b.slice(0, 8), 16);
  const blo = parseInt(b.slice(8, 16), 16);
  return popcount32(ahi ^ bhi) + popcount32(alo ^ blo);
}

/** The SimHash as a bigint, for callers that want arithmetic on it. */
export function simhashToBigInt(h: SimhashHex): bigint {
  return BigInt('0x' + h);
}


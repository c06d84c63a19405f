/**
 * Text fingerprints for deduplication: an exact hash of the normalized text (contentHash), and the near-duplicate
 * fingerprints: fingerprintBody() gives the hash, the MinHash signature and its LSH bands that the pipeline uses;
 * simhash64() and hamming() are the 64-bit SimHash alternative, kept because the benchmark compares the two
 * (MinHash measured better: bench/dedup.ts). Fingerprints travel as hex strings so that they survive JSON.
 *
 * SimHash (Charikar 2002): every feature (here a shingle of `shingle` consecutive words) gets a 64-bit hash; each
 * bit position sums +w where the feature's bit is 1 and -w where it is 0; the fingerprint bit is 1 where the sum is
 * positive. Texts sharing most features land a few bits apart. Shingle size and weighting were chosen by
 * measurement on the labelled set (bench/dedup.ts): see DEFAULT_SIMHASH.
 */
import { createHash } from 'node:crypto';
import type { Article } from '../model.js';
import { bandValues, DEFAULT_BANDS, type BandOptions } from './bands.js';
import { fmix32, wordHash } from './hash.js';
import { DEFAULT_MINHASH, minhashOfWordHashes, signatureHex, type MinhashOptions } from './minhash.js';
import { normalizeText, tokenHashes, tokenize } from './normalize.js';
import type { MinhashHex, SimhashHex } from './types.js';

export { normalizeText, stripDateline, tokenize } from './normalize.js';

/** sha256 hex of the normalized text. */
export function contentHash(text: string): string {
  return createHash('sha256').update(normalizeText(text), 'utf8').digest('hex');
}

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

/** Texts shorter than this many words get no near-duplicate fingerprint: only their exact hash is compared. */
export const MIN_TOKENS = 10;

/** Everything dedup needs from a body text, computed in one pass over it. */
export interface BodyFingerprint {
  /** sha256 hex of the normalized text. */
  textHash: string;
  /** MinHash signature (hex), null under MIN_TOKENS words. */
  minhash: MinhashHex | null;
  /** LSH band values of the full signature; empty under MIN_TOKENS words. */
  bands: number[];
  tokenCount: number;
}

/** Fingerprint a body text: exact hash, MinHash signature and its LSH bands. */
export function fingerprintBody(text: string, opts: { minhash?: MinhashOptions; bands?: BandOptions } = {}): BodyFingerprint {
  const normalized = normalizeText(text);
  // The words' hashes straight from the text (tokenHashes = tokenize, then wordHash of each word).
  const words = tokenHashes(normalized);
  const textHash = createHash('sha256').update(normalized, 'utf8').digest('hex');
  const sig = words.length >= MIN_TOKENS ? minhashOfWordHashes(words, opts.minhash ?? DEFAULT_MINHASH) : null;
  return {
    textHash,
    minhash: sig ? signatureHex(sig) : null,
    bands: sig ? bandValues(sig, opts.bands ?? DEFAULT_BANDS) : [],
    tokenCount: words.length,
  };
}

/**
 * The text that is fingerprinted for an article: lead and body paragraphs, one per line. The title is left out:
 * sister sites rewrite headlines for their audience, and a headline is too short to tell two stories apart.
 */
export function bodyText(article: Pick<Article, 'lead' | 'paragraphs'>): string {
  const lines = article.lead ? [article.lead, ...article.paragraphs] : [...article.paragraphs];
  return lines.join('\n');
}

/**
 * Text fingerprints for deduplication: an exact hash of the normalized text (contentHash), and the near-duplicate
 * fingerprints: fingerprintBody() gives the hash, the MinHash signature and its LSH bands that the pipeline uses.
 * Fingerprints travel as hex strings so that they survive JSON. (The SimHash alternative that the benchmark compares
 * MinHash with lives with the benchmark's helpers: tests/helpers/simhash.ts.)
 */
import { createHash } from 'node:crypto';
import type { Article, MinhashHex } from '../model.js';
import { bandValues, DEFAULT_BANDS, type BandOptions } from './bands.js';
import { DEFAULT_MINHASH, minhashOfWordHashes, signatureHex, type MinhashOptions } from './minhash.js';
import { normalizeText, tokenHashes } from './normalize.js';

export { normalizeText, stripDateline, tokenize } from './normalize.js';

/** sha256 hex of the normalized text. */
export function contentHash(text: string): string {
  return createHash('sha256').update(normalizeText(text), 'utf8').digest('hex');
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

/**
 * Plain data crossing the dedup stage: what an extracted article brings to deduplication (DedupInput), what the
 * store found for it (DedupFound), and what the stage decided (DedupDecision). JSON-serialisable: fingerprints are
 * lower-case hex strings and plain numbers, never bigint or typed arrays. (The lead will move these into model.ts.)
 */

/** A 64-bit SimHash as 16 lower-case hex digits, e.g. "0f3a9c0000000001". */
export type SimhashHex = string;

/** A MinHash signature: 4 hex digits (the low 16 bits of the minimum) per position; 512 digits for 128 positions. */
export type MinhashHex = string;

/** What an article brings to deduplication, fingerprints already computed (see fingerprint.ts). */
export interface DedupInput {
  feedName: string;
  /** The feed item's guid (or its fallback identity). */
  guid: string;
  /** The URL as the feed or the fetch gave it (kept for the sighting). */
  url: string;
  /** canonicalUrl(url, { pageCanonical }) */
  canonicalUrl: string;
  /** sha256 hex of the normalized body text (contentHash). */
  textHash: string;
  /** MinHash signature of the body's word bigrams; null when the body is too short to fingerprint reliably. */
  minhash: MinhashHex | null;
  /** LSH band values of the full MinHash signature (index = band number): the store's near-candidate keys. */
  bands: number[];
  /** Word count of the normalized body. */
  tokenCount: number;
}

/** A stored article as the store reports it back for a lookup. */
export interface DedupMatch {
  articleId: number;
  clusterId: number;
  url: string;
  textHash: string;
  minhash: MinhashHex | null;
}

/** What the store found for a candidate: exact hits by key, and near candidates from the band index. */
export interface DedupFound {
  /** An article already seen under the same (feed, guid). */
  byGuid?: DedupMatch | null;
  /** The latest revision of the article stored under the same canonical URL. */
  byUrl?: DedupMatch | null;
  /** An article whose normalized text hashes the same. */
  byHash?: DedupMatch | null;
  /** Articles sharing at least one LSH band with the candidate (unverified candidates). */
  near: DedupMatch[];
}

export interface DedupOptions {
  /** Smallest estimated Jaccard similarity of word-bigram sets that still counts as the same story. */
  minSimilarity: number;
}

/** Why a candidate is or is not new. Every variant but 'new' names the stored article it matched. */
export type DedupDecision =
  /** Same feed and guid, same text: nothing to store but a sighting. */
  | { kind: 'duplicate-guid'; articleId: number; clusterId: number }
  /** Same canonical URL, same text (e.g. the link came back with utm parameters). */
  | { kind: 'duplicate-url'; articleId: number; clusterId: number }
  /** Same normalized text at another URL (a sister site republished it verbatim, new dateline at most). */
  | { kind: 'duplicate-text'; articleId: number; clusterId: number }
  /** Same canonical URL or guid, changed text: store a new revision of that article. */
  | { kind: 'revision'; articleId: number; clusterId: number; previousTextHash: string }
  /** A new text whose estimated Jaccard `similarity` to a stored article reaches the threshold: joins its cluster. */
  | { kind: 'near-duplicate'; articleId: number; clusterId: number; similarity: number }
  /** A new story. */
  | { kind: 'new' };

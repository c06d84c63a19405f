/**
 * The nouns of the pipeline. Every value that crosses a stage (or a queue) is one of these:
 * plain, JSON-serialisable data, no classes, no functions.
 *
 *   Feed ─poll→ FetchedResponse ─decode+parse→ FeedItem[] ─new?→ StoredItem ─fetch page→ ArticlePage
 *        ─extract→ Article ─fingerprint→ DedupInput ─look up→ DedupFound ─dedup→ DedupDecision
 *        ─store→ StoredArticle ─match→ AlertMatch[] ─deliver→ Delivery
 */

/** A feed as the config describes it (after validation and defaults). */
export interface Feed {
  /** Stable identifier: the feed's `name` from the config. */
  name: string;
  url: string;
  /** Poll interval in milliseconds. */
  intervalMs: number;
  /**
   * No new item for longer than this (ms) and the feed is stale (src/api/feed-health.ts). Set by the config loader
   * when the config gives it (`feeds[].staleAfter`, `defaults.staleAfter`); absent: derived from the interval.
   */
  staleAfterMs?: number;
  /** Polls failing for longer than this (ms) raise a feed health alert; set by the config loader. Absent: 1 hour. */
  failingAfterMs?: number;
  enabled: boolean;
  headers: Record<string, string>;
  tags: string[];
}

/** What we remember about a feed between polls. */
export interface FeedState {
  name: string;
  url: string;
  /** False when the config disables the feed or no longer lists it (its state and items are kept). */
  enabled: boolean;
  etag: string | null;
  lastModified: string | null;
  /** HTTP status of the last poll, or null when it failed before a status (timeout, DNS...). */
  lastStatus: number | null;
  /** Error kind and message of the last poll, null when it succeeded. */
  lastError: string | null;
  /** Consecutive failed polls; 0 after a success. */
  errorCount: number;
  /** ISO 8601 start of the first of those failed polls; null after a success. */
  failingSince: string | null;
  /** When the last poll found an HTML page instead of a feed: the feed links the page declares (else empty). */
  declaredFeeds: string[];
  /** ISO 8601 time of the last poll attempt. */
  lastFetchedAt: string | null;
  /** ISO 8601 time of the next poll. */
  nextDueAt: string | null;
  /** Target of a permanent redirect (301/308) seen on the last poll, if any. */
  movedTo: string | null;
  itemCount: number;
}

/** One redirect hop followed by the fetcher. */
export interface RedirectHop {
  from: string;
  to: string;
  status: number;
}

/** The raw result of one HTTP GET: bytes, not text yet. */
export interface FetchedResponse {
  requestedUrl: string;
  finalUrl: string;
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Body after content-encoding (gzip/br/deflate) decoding; empty for 304. */
  body: Uint8Array;
  redirects: RedirectHop[];
  /** Set when any hop was a permanent redirect (301/308): the final URL to record against the feed. */
  permanentRedirectTo: string | null;
  notModified: boolean;
  etag: string | null;
  lastModified: string | null;
  /** Seconds from a Retry-After header, if present. */
  retryAfterSeconds: number | null;
  elapsedMs: number;
}

/** Text decoded from bytes, with where the charset came from. */
export interface DecodedText {
  text: string;
  charset: string;
  charsetSource: 'header' | 'bom' | 'declaration' | 'meta' | 'sniffed' | 'default';
  /** Why this charset: the claim believed and the checks it passed, or the claims overruled and why. */
  charsetReason: string;
}

export interface Enclosure {
  url: string;
  type: string | null;
  length: number | null;
}

/** One item of a parsed feed. */
export interface FeedItem {
  feedName: string;
  /** The feed's guid/id, or a fallback identity (link, then title + content hash). */
  guid: string;
  link: string | null;
  title: string | null;
  description: string | null;
  author: string | null;
  /** ISO 8601 with offset, or null when the feed gave no readable date. */
  publishedAt: string | null;
  categories: string[];
  enclosures: Enclosure[];
  /** Extension fields such as ria.ru's `rian:` namespace, keyed by their qualified name. */
  extra: Record<string, string | string[]>;
}

/** An article page fetched for an item. */
export interface ArticlePage {
  url: string;
  finalUrl: string;
  html: string;
  fetchedAt: string;
}

export interface ArticleImage {
  url: string;
  caption: string | null;
  credit: string | null;
}

/** A clean article extracted from a page. */
export interface Article {
  title: string | null;
  lead: string | null;
  paragraphs: string[];
  /** The dateline as printed, e.g. "БИШКЕК, 5 мар — Sputnik." */
  dateline: string | null;
  /** The place named in the dateline, e.g. "БИШКЕК". */
  place: string | null;
  author: string | null;
  /** ISO 8601 with offset. */
  publishedAt: string | null;
  tags: string[];
  language: string | null;
  canonicalUrl: string | null;
  images: ArticleImage[];
  /** Which extractor produced this: "sputnik", "generic", or "rule:<name>". */
  extractor: string;
  /**
   * Set when the text was cut to `budgets.articleChars` (src/extract/article-cap.ts): the characters of lead and
   * paragraphs, and the paragraphs, that the page's article had before.
   */
  cut?: { chars: number; paragraphs: number };
}

/** Outcome of fetching and extracting the page for an item. */
export type ArticleOutcome =
  | { ok: true; article: Article; finalUrl: string }
  | { ok: false; reason: string; kind: string };

/** Result of one poll of one feed, as recorded against the feed. */
export interface PollOutcome {
  feedName: string;
  startedAt: string;
  status: number | null;
  ok: boolean;
  notModified: boolean;
  errorKind: string | null;
  errorMessage: string | null;
  etag: string | null;
  lastModified: string | null;
  movedTo: string | null;
  itemsSeen: number;
  elapsedMs: number;
  retryAfterSeconds: number | null;
  /** The poll found an HTML page (error kind not-a-feed): the feed links it declares (src/feed/discover.ts). */
  declaredFeeds?: string[];
}

/** An item as stored: the feed's item plus its row id and article state. */
export interface StoredItem extends FeedItem {
  id: number;
  firstSeenAt: string;
  /** 'pending' (page not fetched yet or to be retried), 'done', 'failed' (gave up; the description stands in). */
  articleState: 'pending' | 'done' | 'failed';
  articleAttempts: number;
  articleError: string | null;
}

/* --- Deduplication: what an article brings (DedupInput), what the store found (DedupFound), the decision. --- */

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

export type DedupKind = DedupDecision['kind'];

/** What `storeArticle` did. Plain data: the value that travels to the alert stage. */
export interface StoredArticle {
  articleId: number;
  clusterId: number;
  /** The article's revision this item's page carried. */
  revision: number;
  /** The decision as applied (it can differ from the one given when another worker got there first). */
  kind: DedupKind;
  /** For near duplicates: estimated Jaccard similarity to the matched article; otherwise null. */
  similarity: number | null;
  /** A new story cluster was created ('new'). */
  isNewStory: boolean;
  /** A new article row was created ('new' or 'near-duplicate'). */
  isNewArticle: boolean;
  /**
   * The item had been stored before (a retried job): nothing was written, and the fields above are what the first
   * store recorded for it, so a retry reports the same outcome.
   */
  repeated: boolean;
}

export interface DedupOutcome {
  input: DedupInput;
  /** The decision made on what the lookup saw. */
  decision: DedupDecision;
  /** What was stored. */
  stored: StoredArticle;
}

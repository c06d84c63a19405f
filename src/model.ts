/**
 * The nouns of the pipeline. Every value that crosses a stage (or a queue) is one of these:
 * plain, JSON-serialisable data, no classes, no functions.
 *
 *   Feed ─poll→ FetchedResponse ─decode+parse→ FeedItem[] ─new?→ FeedItem ─fetch page→ ArticlePage
 *        ─extract→ Article ─dedup→ DedupDecision ─store→ StoredArticle ─match→ AlertMatch[] ─deliver→ Delivery
 */

/** A feed as the config describes it (after validation and defaults). */
export interface Feed {
  /** Stable identifier: the feed's `name` from the config. */
  name: string;
  url: string;
  /** Poll interval in milliseconds. */
  intervalMs: number;
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
}

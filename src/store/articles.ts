/**
 * The deduplicated-article part of the storage interface (`Store extends ArticleStore`), its plain result types,
 * and the driver-neutral rules both drivers (sqlite/articles.ts, postgres/articles.ts) follow.
 *
 * Model: an article is one distinct text (its current revision's normalized-text hash is unique), in a story
 * cluster (cluster id = id of the cluster's first article); an article keeps every revision (same canonical URL,
 * changed text); every feed item whose page carried an article is a sighting (feed, URL, time), so provenance is
 * kept; items point at their article; the MinHash bands of each article's current text are indexed for
 * near-duplicate lookups (a few index probes, never a scan).
 *
 * Writing is optimistic: the pipeline decides on what `findDuplicates` saw, and `storeArticle` applies that
 * decision guarded by unique constraints and compare-and-set updates. When a guard trips (another worker stored
 * the same text or URL, or revised the article, in between), the driver reads again, decides again with
 * `decideForStore` and retries, so two workers storing one story at the same moment give one article.
 */
import type { DedupDecision, DedupFound, DedupInput, DedupOptions } from '../dedup/types.js';
import { decideDuplicate, DEFAULT_DEDUP } from '../dedup/decide.js';
import { FeedwatchError } from '../errors.js';
import type { Article } from '../model.js';

/** Most near candidates `findDuplicates` returns (those sharing the most bands first). */
export const NEAR_CANDIDATE_LIMIT = 50;
/** Most article ids read from one band bucket (the newest): a bucket that common is boilerplate, not a story. */
export const BAND_BUCKET_LIMIT = 100;
/** Attempts of one `storeArticle` before it gives up with a (retryable) storage error. */
export const STORE_ATTEMPTS = 5;

export type DedupKind = DedupDecision['kind'];

export const DEDUP_KINDS: readonly DedupKind[] = ['new', 'near-duplicate', 'revision', 'duplicate-guid', 'duplicate-url', 'duplicate-text'];

/** What `storeArticle` stores: one item's extracted article, fingerprinted, with the pipeline's decision. */
export interface StoreArticleRequest {
  /** The item whose page carried the article (its feed and first-seen time make the sighting). */
  itemId: number;
  input: DedupInput;
  article: Article;
  /** `decideForStore(input, await findDuplicates(input))`; made again by the store when it no longer holds. */
  decision: DedupDecision;
  /** ISO 8601 time of storing. */
  at: string;
  /** Threshold for deciding again. Default DEFAULT_DEDUP. */
  options?: DedupOptions;
}

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

export interface StoryRevision {
  revision: number;
  textHash: string;
  /** The page the text was read from. */
  url: string;
  createdAt: string;
}

export interface StoryArticle {
  articleId: number;
  canonicalUrl: string;
  title: string | null;
  /** Current revision. */
  revision: number;
  textHash: string;
  firstSeenAt: string;
  updatedAt: string;
  revisions: StoryRevision[];
}

export interface StorySighting {
  itemId: number;
  articleId: number;
  feedName: string;
  /** The page's URL as fetched. */
  url: string;
  canonicalUrl: string;
  revision: number;
  kind: DedupKind;
  similarity: number | null;
  /** When the feed first listed the item. */
  seenAt: string;
  /** The item's own publication time, as the feed gave it. */
  publishedAt: string | null;
}

/** A story cluster: its articles (oldest first) and every sighting of them (earliest first). */
export interface Story {
  clusterId: number;
  /** Earliest sighting (or article) time. */
  firstSeenAt: string;
  articles: StoryArticle[];
  sightings: StorySighting[];
}

/** A story's article row as a driver reads it; `Id` and `Time` are the driver's integer and timestamp types. */
export interface StoryArticleRow<Id, Time> {
  id: Id;
  canonical_url: string;
  title: string | null;
  revision: number;
  text_hash: string;
  first_seen_at: Time;
  updated_at: Time;
}

export interface StoryRevisionRow<Id, Time> {
  article_id: Id;
  revision: number;
  text_hash: string;
  url: string;
  created_at: Time;
}

export interface StorySightingRow<Id, Time> {
  item_id: Id;
  article_id: Id;
  feed_name: string;
  url: string;
  canonical_url: string;
  revision: number;
  decision: DedupKind;
  similarity: number | null;
  seen_at: Time;
  published_at: string | null;
}

/** How a driver's ids and times become the model's numbers and ISO 8601 UTC strings. */
export interface StoryRowTypes<Id, Time> {
  id(v: Id): number;
  time(v: Time): string;
}

/**
 * A story from its rows: the cluster's articles (oldest first), each with its revisions, and its sightings
 * (earliest first), as the driver's cluster queries return them; `firstSeenAt` is the earliest sighting or
 * article time.
 */
export function storyFromRows<Id, Time>(
  clusterId: number,
  rows: { articles: readonly StoryArticleRow<Id, Time>[]; revisions: readonly StoryRevisionRow<Id, Time>[]; sightings: readonly StorySightingRow<Id, Time>[] },
  types: StoryRowTypes<Id, Time>,
): Story {
  const articles: StoryArticle[] = rows.articles.map((a) => ({
    articleId: types.id(a.id),
    canonicalUrl: a.canonical_url,
    title: a.title,
    revision: a.revision,
    textHash: a.text_hash,
    firstSeenAt: types.time(a.first_seen_at),
    updatedAt: types.time(a.updated_at),
    revisions: rows.revisions
      .filter((r) => r.article_id === a.id)
      .map((r) => ({ revision: r.revision, textHash: r.text_hash, url: r.url, createdAt: types.time(r.created_at) })),
  }));
  const sightings: StorySighting[] = rows.sightings.map((r) => ({
    itemId: types.id(r.item_id),
    articleId: types.id(r.article_id),
    feedName: r.feed_name,
    url: r.url,
    canonicalUrl: r.canonical_url,
    revision: r.revision,
    kind: r.decision,
    similarity: r.similarity,
    seenAt: types.time(r.seen_at),
    publishedAt: r.published_at,
  }));
  const times = [...sightings.map((x) => x.seenAt), ...articles.map((a) => a.firstSeenAt)].sort();
  return { clusterId, firstSeenAt: times[0] ?? '', articles, sightings };
}

export interface ArticleStore {
  /**
   * What is stored that `input` may duplicate: the article its (feed, guid) item already points at, the article
   * first stored under its canonical URL, the article whose current text has its hash, and the articles sharing a
   * MinHash band with it (at most NEAR_CANDIDATE_LIMIT: most shared bands first, then newest; unverified
   * candidates).
   */
  findDuplicates(input: DedupInput): Promise<DedupFound>;
  /**
   * Store an item's article as decided: a sighting only (duplicates), a new revision of an article (revision), or
   * a new article in an existing cluster (near-duplicate) or in a new one (new); the item then points at it.
   * Idempotent per item; safe with many workers at once (see the top of this file).
   */
  storeArticle(req: StoreArticleRequest): Promise<StoredArticle>;
  /** A story cluster with its articles and sightings, or null when there is none with that id. */
  story(clusterId: number): Promise<Story | null>;
}

/**
 * `decideDuplicate`, plus the one case the store's unique text hash adds: a revision whose new text is already
 * another article's current text becomes a sighting of that article (duplicate-text), not a second copy.
 */
export function decideForStore(input: DedupInput, found: DedupFound, opts: DedupOptions = DEFAULT_DEDUP): DedupDecision {
  const decision = decideDuplicate(input, found, opts);
  const h = found.byHash;
  if (decision.kind === 'revision' && h && h.textHash === input.textHash && h.articleId !== decision.articleId) {
    return { kind: 'duplicate-text', articleId: h.articleId, clusterId: h.clusterId };
  }
  return decision;
}

/** The StoredArticle for an applied decision. */
export function storedArticle(kind: DedupKind, articleId: number, clusterId: number, revision: number, similarity: number | null, repeated = false): StoredArticle {
  return {
    articleId,
    clusterId,
    revision,
    kind,
    similarity,
    isNewStory: kind === 'new',
    isNewArticle: kind === 'new' || kind === 'near-duplicate',
    repeated,
  };
}

/** Thrown inside a driver's write when a guard trips: the driver reads again, decides again and retries. */
export class ArticleConflict extends Error {
  constructor(what: string) {
    super(`store conflict: ${what}`);
    this.name = 'ArticleConflict';
  }
}

/** The similarity of a decision, for the sighting. */
export function decisionSimilarity(d: DedupDecision): number | null {
  return d.kind === 'near-duplicate' ? d.similarity : null;
}

/** Checks what the tables would otherwise reject with a less helpful message. */
export function checkInput(input: DedupInput): void {
  const bad = (what: string) => new FeedwatchError('storage', `dedup input: ${what}`, { feed: input.feedName, url: input.url }, { retryable: false });
  if (typeof input.textHash !== 'string' || input.textHash === '') throw bad('no text hash');
  if (typeof input.canonicalUrl !== 'string' || input.canonicalUrl === '') throw bad('no canonical URL');
  if (!Array.isArray(input.bands) || input.bands.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
    throw bad('band values must be unsigned 32-bit integers');
  }
}

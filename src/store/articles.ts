/**
 * The deduplicated-article part of the storage interface (`Store extends ArticleStore`), its plain result types,
 * and the store-article algorithm itself, driver-neutral: `storeArticleSteps` runs over `ArticleRows`, the few row
 * operations each driver (sqlite/articles.ts, postgres/articles.ts) implements in its SQL (see ./steps.ts for how one
 * algorithm runs on a synchronous and an asynchronous driver).
 *
 * Model: an article is one distinct text (its current revision's normalized-text hash is unique), in a story
 * cluster (cluster id = id of the cluster's first article); an article keeps every revision (same canonical URL,
 * changed text); every feed item whose page carried an article is a sighting (feed, URL, time), so provenance is
 * kept; items point at their article; the MinHash bands of each article's current text are indexed for
 * near-duplicate lookups (a few index probes, never a scan).
 *
 * Writing is optimistic: the pipeline decides on what `findDuplicates` saw, and `storeArticle` applies that
 * decision guarded by unique constraints and compare-and-set updates. Each attempt runs in a transaction of its own
 * (on SQLite a savepoint inside the call's write transaction) and:
 *  1. reads the item, locked where the driver needs it (PostgreSQL: FOR UPDATE; SQLite holds the write lock), so
 *     two stores of one item take turns;
 *  2. whatever the decision, when the item already points at an article, reports the item's sighting as it was
 *     recorded, `repeated`, and writes nothing (a retried job, or another worker that got there first);
 *  3. for a 'new' decision, and on every attempt after the first, takes the driver's band locks (PostgreSQL) and
 *     looks again: two workers storing one story, or two near duplicates, at once give one story;
 *  4. applies the decision; when a guard trips (another worker stored the same text or URL, or revised the article,
 *     or sighted the item, in between) it throws ArticleConflict, the attempt is undone, and the next one decides
 *     again (at most STORE_ATTEMPTS).
 */
import { decideDuplicate, DEFAULT_DEDUP } from '../dedup/decide.js';
import { dedupInput } from '../dedup/input.js';
import { FeedwatchError } from '../errors.js';
import type { Article, DedupDecision, DedupFound, DedupInput, DedupKind, DedupOptions, DedupOutcome, StoredArticle, StoredItem } from '../model.js';
import { isoUtc } from './rows.js';
import { step, type Row, type Steps } from './steps.js';

/** Most near candidates `findDuplicates` returns (those sharing the most bands first). */
export const NEAR_CANDIDATE_LIMIT = 50;
/** Most article ids read from one band bucket (the newest): a bucket that common is boilerplate, not a story. */
export const BAND_BUCKET_LIMIT = 100;
/** Attempts of one `storeArticle` before it gives up with a (retryable) storage error. */
export const STORE_ATTEMPTS = 5;

/** Every kind of dedup decision, as stored in a sighting. */
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

/** What `FindAndStore.findAndStoreArticle` is asked: storeArticle's request, with the makings of its input. */
export interface FindAndStoreRequest extends Omit<StoreArticleRequest, 'decision' | 'input'> {
  item: Pick<StoredItem, 'feedName' | 'guid'>;
  finalUrl: string;
}

/**
 * A store that can fingerprint, look up, decide and store in one call (the SQLite store on its thread, where each
 * call is a round trip between threads and the main thread is the busy one): dedupArticle's steps, in its order.
 */
export interface FindAndStore {
  findAndStoreArticle(req: FindAndStoreRequest): Promise<DedupOutcome>;
}

/**
 * The dedup stage's steps for one article (src/pipeline/dedup-stage.ts): its fingerprints (dedupInput, pure), what the
 * store holds that it may duplicate, the decision (decideForStore, pure), then storeArticle with it. The stage runs
 * it on the main thread; the SQLite store's thread runs it as one call (one round trip instead of two, the near
 * candidates stay in the thread, and the fingerprinting leaves the main thread).
 */
export async function findAndStoreArticle(store: Pick<ArticleStore, 'findDuplicates' | 'storeArticle'>, req: FindAndStoreRequest): Promise<DedupOutcome> {
  const input = dedupInput(req.item, req.article, req.finalUrl);
  const found = await store.findDuplicates(input);
  const decision = decideForStore(input, found, req.options);
  const stored = await store.storeArticle({ itemId: req.itemId, input, article: req.article, decision, at: req.at, ...(req.options === undefined ? {} : { options: req.options }) });
  return { input, decision, stored };
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

/** An item as storing its article needs it. */
export interface ItemRef {
  id: number;
  feedName: string;
  /** ISO 8601: when the feed first listed it (the sighting's time, and a new article's first-seen time). */
  firstSeenAt: string;
  /** The article the item points at (it has a sighting), or null. */
  articleId: number | null;
}

/** An article row's identity, as a write returned it. */
export interface ArticleRef {
  id: number;
  clusterId: number;
  revision: number;
}

/** What an item's sighting recorded. */
export interface SightingRef {
  articleId: number;
  clusterId: number;
  revision: number;
  kind: DedupKind;
  similarity: number | null;
}

/** A text as an article row holds it. */
export interface ArticleTextRow {
  textHash: string;
  minhash: string | null;
  tokenCount: number;
  title: string | null;
  /** ISO 8601 time of the write (updated_at). */
  at: string;
}

export interface NewArticleRow extends ArticleTextRow {
  /** The cluster to join; null founds a cluster of its own (cluster id = the new article's id). */
  clusterId: number | null;
  canonicalUrl: string;
  firstSeenAt: string;
}

export interface RevisionRow {
  articleId: number;
  revision: number;
  textHash: string;
  minhash: string | null;
  tokenCount: number;
  itemId: number;
  url: string;
  article: Article;
  at: string;
}

/** A sighting as written: the story's sighting but for the item's publication time, plus the time of storing. */
export interface SightingRow extends Omit<StorySighting, 'publishedAt'> {
  at: string;
}

/** The row operations of storing an article, inside one attempt's transaction: each driver's SQL. */
export interface ArticleRows {
  /** The item; on a driver with row locks, locked until the attempt ends. Undefined when there is none. */
  item(itemId: number): Row<ItemRef | undefined>;
  /** What the item's sighting recorded, if it has one. */
  sightingOf(itemId: number): Row<SightingRef | undefined>;
  /** Locks taken before a 'new' decision is made again, so that two near duplicates stored at once meet. */
  lockBands(bands: readonly number[]): Row<void>;
  findDuplicates(input: DedupInput): Row<DedupFound>;
  article(id: number): Row<ArticleRef | undefined>;
  /** The id of the article whose current text hashes to `textHash`, if any. */
  articleWithText(textHash: string): Row<number | undefined>;
  /** Undefined when an article with this text hash or canonical URL exists. */
  insertArticle(a: NewArticleRow): Row<ArticleRef | undefined>;
  /** Compare-and-set: the next revision, only while the article's current text is `previousTextHash`. */
  reviseArticle(id: number, previousTextHash: string, text: ArticleTextRow): Row<ArticleRef | undefined>;
  deleteBands(articleId: number): Row<void>;
  insertRevision(r: RevisionRow): Row<void>;
  insertBands(articleId: number, bands: readonly number[]): Row<void>;
  /** False when the item has a sighting already (nothing was written). */
  insertSighting(s: SightingRow): Row<boolean>;
  pointItem(itemId: number, articleId: number): Row<void>;
}

/** How a driver runs the attempts of one `storeArticle`. */
export interface ArticleAttempts {
  /** Run one attempt's steps in a transaction (or savepoint) of its own, undone when they throw. */
  attempt<T>(steps: (rows: ArticleRows) => Steps<T>): Row<T>;
  /** Whether an attempt that failed with `err` is tried again: ArticleConflict, and the driver's own retryable errors. */
  conflict(err: unknown): boolean;
}

/** `storeArticle`, driver-neutral (see the top of this file). */
export function* storeArticleSteps(attempts: ArticleAttempts, req: StoreArticleRequest): Steps<StoredArticle> {
  checkInput(req.input);
  const at = isoUtc(req.at, 'at');
  for (let attempt = 1; ; attempt++) {
    try {
      return yield* step(attempts.attempt((rows) => attemptSteps(rows, req, at, attempt)));
    } catch (err) {
      if (!attempts.conflict(err)) throw err;
      if (attempt >= STORE_ATTEMPTS) {
        const why = err instanceof Error ? err.message : String(err);
        throw new FeedwatchError('storage', `storeArticle gave up after ${attempt} attempts: ${why}`, { itemId: req.itemId }, { cause: err, retryable: true });
      }
    }
  }
}

function* attemptSteps(rows: ArticleRows, req: StoreArticleRequest, at: string, attempt: number): Steps<StoredArticle> {
  const item = yield* step(rows.item(req.itemId));
  if (!item) throw new FeedwatchError('storage', `no item with id ${req.itemId}`, { itemId: req.itemId }, { retryable: false });
  if (item.articleId !== null) {
    const seen = yield* step(rows.sightingOf(item.id));
    if (seen) return storedArticle(seen.kind, seen.articleId, seen.clusterId, seen.revision, seen.similarity, true);
  }
  let d = req.decision;
  if (d.kind === 'new' || attempt > 1) {
    yield* step(rows.lockBands(req.input.bands));
    d = decideForStore(req.input, yield* step(rows.findDuplicates(req.input)), req.options);
  }
  const target = yield* applySteps(rows, req, d, item, at);
  const similarity = decisionSimilarity(d);
  const { input } = req;
  const sighted = yield* step(
    rows.insertSighting({
      itemId: item.id,
      articleId: target.id,
      feedName: item.feedName,
      url: input.url,
      canonicalUrl: input.canonicalUrl,
      revision: target.revision,
      kind: d.kind,
      similarity,
      seenAt: item.firstSeenAt,
      at,
    }),
  );
  // The item has a sighting already: this attempt is undone, and the next one reports that sighting.
  if (!sighted) throw new ArticleConflict(`item ${item.id} was stored meanwhile`);
  yield* step(rows.pointItem(item.id, target.id));
  return storedArticle(d.kind, target.id, target.clusterId, target.revision, similarity);
}

/** The article `d` makes the item a sighting of, written first when it is a new article or revision. */
function* applySteps(rows: ArticleRows, req: StoreArticleRequest, d: DedupDecision, item: ItemRef, at: string): Steps<ArticleRef> {
  if (d.kind === 'duplicate-guid' || d.kind === 'duplicate-url' || d.kind === 'duplicate-text') {
    const found = yield* step(rows.article(d.articleId));
    if (!found) throw new ArticleConflict(`article ${d.articleId} is gone`);
    return found;
  }
  const { input } = req;
  const text: ArticleTextRow = { textHash: input.textHash, minhash: input.minhash, tokenCount: input.tokenCount, title: req.article.title, at };
  let target: ArticleRef;
  if (d.kind === 'revision') {
    const clash = yield* step(rows.articleWithText(input.textHash));
    if (clash !== undefined) throw new ArticleConflict(`the revised text is already article ${clash}`);
    const revised = yield* step(rows.reviseArticle(d.articleId, d.previousTextHash, text));
    if (!revised) throw new ArticleConflict(`article ${d.articleId} no longer has the text the decision saw`);
    target = revised;
    yield* step(rows.deleteBands(target.id));
  } else {
    const inserted = yield* step(
      rows.insertArticle({ ...text, clusterId: d.kind === 'near-duplicate' ? d.clusterId : null, canonicalUrl: input.canonicalUrl, firstSeenAt: item.firstSeenAt }),
    );
    if (!inserted) throw new ArticleConflict('an article with this text or canonical URL was stored meanwhile');
    target = inserted;
  }
  yield* step(
    rows.insertRevision({
      articleId: target.id,
      revision: target.revision,
      textHash: input.textHash,
      minhash: input.minhash,
      tokenCount: input.tokenCount,
      itemId: item.id,
      url: input.url,
      article: req.article,
      at,
    }),
  );
  if (input.bands.length > 0) yield* step(rows.insertBands(target.id, input.bands));
  return target;
}

/** The row operations of reading a story: a cluster's articles, their revisions and sightings, in the driver's types. */
export interface StoryRows<Id, Time> {
  clusterArticles(clusterId: number): Row<readonly StoryArticleRow<Id, Time>[]>;
  clusterRevisions(clusterId: number): Row<readonly StoryRevisionRow<Id, Time>[]>;
  clusterSightings(clusterId: number): Row<readonly StorySightingRow<Id, Time>[]>;
}

/** `story`, driver-neutral. */
export function* storySteps<Id, Time>(rows: StoryRows<Id, Time>, clusterId: number, types: StoryRowTypes<Id, Time>): Steps<Story | null> {
  const articles = yield* step(rows.clusterArticles(clusterId));
  if (articles.length === 0) return null;
  const revisions = yield* step(rows.clusterRevisions(clusterId));
  const sightings = yield* step(rows.clusterSightings(clusterId));
  return storyFromRows(clusterId, { articles, revisions, sightings }, types);
}

/**
 * The retention part of the storage interface (`Store extends RetentionStore`): removing what is older than the
 * retention window in small batches, one short transaction each, so that the daemon never holds a long lock.
 * Both drivers (sqlite/retention.ts, postgres/retention.ts) follow these rules; tests/store/retention-contract.ts
 * proves them. The pipeline's loop over batches is src/pipeline/retention-stage.ts.
 *
 * What goes, given `before` (now − days), in this order (one kind per batch; `pruneExpired` does the first kind
 * that has anything left):
 *  1. stories: a story cluster last seen before `before` — its latest sighting, i.e. the latest time a feed first
 *     listed an item carrying one of its articles — goes with all its articles, and with them their revisions,
 *     MinHash bands, sightings, alert documents and search index rows. A story seen again recently keeps ALL its
 *     articles, however old the first one is: `feedwatch story` stays whole, and a republished story does not
 *     come back as new. (Kept per cluster in the table story_clusters, moved forward by each new sighting.)
 *  2. items: items first listed before `before` that have no article (never stored, their page failed, or their
 *     story went in step 1), with the alert document a failed page's feed entry stood in with (article id
 *     −itemId). A pending item whose next attempt is still ahead (a retry, or a worker's claim) stays until it is
 *     done. Items of a kept story keep their article and stay.
 *  3. deliveries: delivered and failed deliveries that reached that state before `before`. Pending ones stay,
 *     however old.
 *  4. matches: a (rule, cluster) match made before `before` with no delivery left and no story left: a numeric
 *     cluster with no article in it, an "item:N" cluster whose item is gone (any other cluster id names nothing
 *     stored). A match whose story is still there stays, so that story never alerts twice.
 * Feeds are never removed. An item that a feed still lists after its row went is new again at the next poll: keep
 * `days` longer than feeds keep their items.
 *
 * `pruneSteps` is that order, driver-neutral, over `RetentionRows` (each driver's SQL, run in one transaction).
 */
import { FeedwatchError } from '../errors.js';
import { step, type Row, type Steps } from './steps.js';

export type RetentionPhase = 'stories' | 'items' | 'deliveries' | 'matches';

/** The kinds in the order `pruneExpired` removes them. */
export const RETENTION_PHASES: readonly RetentionPhase[] = ['stories', 'items', 'deliveries', 'matches'];

/** Most rows of one kind a batch may remove. */
export const MAX_PRUNE_LIMIT = 10_000;

export interface PruneRequest {
  /** ISO 8601 time: what was last seen (or finished, or matched) before it goes. */
  before: string;
  /** ISO 8601 time of now: a pending item due after it is still in hand and stays. */
  now: string;
  /** Most stories' articles, items, deliveries or matches removed by this batch (1..MAX_PRUNE_LIMIT). */
  limit: number;
}

/** Rows removed. Revisions and bands go with their articles and are not counted. */
export interface PruneCounts {
  /** Story clusters removed whole (a cluster larger than a batch goes over several batches). */
  clusters: number;
  articles: number;
  sightings: number;
  /** Alert documents (and their search index rows) of removed articles and items. */
  alertDocs: number;
  items: number;
  deliveries: number;
  matches: number;
}

export interface PruneBatch extends PruneCounts {
  /** The kind this batch removed; null when nothing was left to remove (nothing was done). */
  phase: RetentionPhase | null;
}

export interface RetentionStore {
  /**
   * One batch: in one short transaction, remove at most `limit` rows of the first kind (see the top of this file)
   * that has anything older than `before`. Call again until `phase` is null. Idempotent; safe with several
   * workers at once (each batch takes rows no other batch holds).
   */
  pruneExpired(req: PruneRequest): Promise<PruneBatch>;
}

export function emptyCounts(): PruneCounts {
  return { clusters: 0, articles: 0, sightings: 0, alertDocs: 0, items: 0, deliveries: 0, matches: 0 };
}

/** Adds `b` into `into`. */
export function addCounts(into: PruneCounts, b: PruneCounts): PruneCounts {
  for (const k of Object.keys(into) as (keyof PruneCounts)[]) into[k] += b[k];
  return into;
}

/** The request with its times as ISO 8601 UTC with milliseconds (what both drivers compare), checked. */
export function checkPrune(req: PruneRequest): PruneRequest {
  const bad = (what: string) => new FeedwatchError('storage', `pruneExpired: ${what}`, { before: req.before, now: req.now, limit: req.limit }, { retryable: false });
  if (!Number.isInteger(req.limit) || req.limit < 1 || req.limit > MAX_PRUNE_LIMIT) throw bad(`limit must be an integer from 1 to ${MAX_PRUNE_LIMIT}, not ${req.limit}`);
  const time = (v: string, what: string) => {
    const ms = typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) throw bad(`${what} "${v}" is not an ISO 8601 time`);
    return new Date(ms).toISOString();
  };
  return { before: time(req.before, 'before'), now: time(req.now, 'now'), limit: req.limit };
}


/**
 * The row operations of one retention batch, inside its transaction: each driver's SQL. Each takes at most `limit`
 * rows, through an index range, and (on a driver with row locks) only rows no other batch holds.
 */
export interface RetentionRows {
  /** Story clusters last seen before `before`, oldest first (locked for this batch where the driver locks rows). */
  expiredClusters(before: string, limit: number): Row<number[]>;
  /** The articles of `clusters`, the first cluster's first, at most `limit`. */
  clusterArticles(clusters: readonly number[], limit: number): Row<number[]>;
  /** Sightings of these articles (they go with them). */
  countSightings(articleIds: readonly number[]): Row<number>;
  /** Remove the alert documents (and search rows) of these article ids; how many there were. */
  deleteAlertDocs(articleIds: readonly number[]): Row<number>;
  /** Remove these articles (their revisions, bands and sightings go with them); how many. */
  deleteArticles(articleIds: readonly number[]): Row<number>;
  /** Remove those of `clusters` that have no article left; how many. */
  deleteEmptyClusters(clusters: readonly number[]): Row<number>;
  /** Remove items first listed before `before` with no article and no attempt ahead of `now`; their ids. */
  deleteOldItems(before: string, now: string, limit: number): Row<number[]>;
  /** Remove delivered and failed deliveries finished before `before`; how many. */
  deleteDeliveries(before: string, limit: number): Row<number>;
  /** Remove matches made before `before` with no delivery and no story left; how many. */
  deleteMatches(before: string, limit: number): Row<number>;
}

/** One `pruneExpired` batch, driver-neutral: the first kind (see the top of this file) with anything left. */
export function* pruneSteps(rows: RetentionRows, request: PruneRequest): Steps<PruneBatch> {
  const { before, now, limit } = checkPrune(request);
  const out = emptyCounts();
  const done = (phase: RetentionPhase | null): PruneBatch => ({ ...out, phase });

  const clusters = yield* step(rows.expiredClusters(before, limit));
  if (clusters.length > 0) {
    const ids = yield* step(rows.clusterArticles(clusters, limit));
    if (ids.length > 0) {
      out.sightings = yield* step(rows.countSightings(ids));
      out.alertDocs = yield* step(rows.deleteAlertDocs(ids));
      out.articles = yield* step(rows.deleteArticles(ids));
    }
    out.clusters = yield* step(rows.deleteEmptyClusters(clusters));
    return done('stories');
  }

  const items = yield* step(rows.deleteOldItems(before, now, limit));
  if (items.length > 0) {
    out.items = items.length;
    // A failed page's feed entry stood in under the article id −itemId.
    out.alertDocs = yield* step(rows.deleteAlertDocs(items.map((id) => -id)));
    return done('items');
  }

  out.deliveries = yield* step(rows.deleteDeliveries(before, limit));
  if (out.deliveries > 0) return done('deliveries');

  out.matches = yield* step(rows.deleteMatches(before, limit));
  if (out.matches > 0) return done('matches');
  return done(null);
}

/**
 * What alerts and search ask of storage (`AlertStore`, on top of the `DeliveryStore` of src/alerts/deliver.ts), and
 * the one implementation of it both drivers share, `RowAlertStore`, over a small per-driver interface of row
 * operations (`AlertRows`: sqlite/alerts.ts and postgres/alerts.ts hold only their SQL and type conversion):
 *
 *  - an article's alert document: its field texts (title, lead, body, feed name, tags) and their analysis
 *    (tokens and lemma keys, see src/alerts/morphology.ts), made ONCE when the article is stored and kept, so
 *    that neither alerts nor search lemmatize it again;
 *  - a search index over the lemma keys (SQLite: FTS5 over `lemmaText`; PostgreSQL: a tsvector), used only to
 *    NARROW: `searchCandidates` returns every document a rule can match, maybe more, and `searchArticles` below
 *    confirms each with `matchRule`, the very function alerts use, so search and alerts always agree;
 *  - matches and deliveries: a (rule, story cluster) is recorded once, and only the first match of a cluster
 *    creates its deliveries (one per channel), in one transaction;
 *  - claims: `pending` hands out due deliveries claimed by this store instance until the lease ends (renewed by
 *    `renewClaims` while a pass goes on), never to two instances at once; in the same transaction it first
 *    releases the claims of owners known to be dead (a crashed process of this host, see ../store/claim-owner.ts),
 *    so a restarted daemon sends at once what its previous life held;
 *  - message ids: before a message goes out for the first time, its deliveries get one id (`assignMessage`); a
 *    repeat (a crash after the send, before it was recorded) carries the same id, so a receiver drops it;
 *  - the delivery log: every delivery with its rule, article, channel, status, attempts and last error.
 *  - alert history: a failed delivery made pending again (`retryDelivery`), and which stories a rule has matched
 *    (`alertedClusters`, what a dry-run replay asks; src/pipeline/alert-replay.ts).
 *
 * tests/store/alerts-contract.ts proves every driver against one suite.
 */
import type { DeliveryRecord, DeliveryStatus, DeliveryStore, NewMatch, PendingDelivery } from '../alerts/deliver.js';
import { buildAlertDoc, matchRule, regexTermsOf, type AlertDoc, type CompiledRule, type MatchSpan, type RegexHits, type RegexTerm } from '../alerts/match.js';
import type { AnalyzedText, Lemmatizer } from '../alerts/morphology.js';
import type { Field } from '../alerts/rule-parser.js';
import { FeedwatchError } from '../errors.js';
import { newOwner, ownerLiveness, thisProcess, type Liveness, type ProcessIdentity } from './claim-owner.js';
import { isoUtc } from './rows.js';
import { step, type Row, type Steps } from './steps.js';

/** An article as alerts and search see it, with the analysis made when it was stored. Plain data. */
export interface AlertDocRecord {
  /** The stored article this document describes; the key of the search index. */
  articleId: number;
  /** Its story cluster: one alert per (rule, cluster). */
  clusterId: string;
  /** Name of the feed it came from (what `feed:` looks in). */
  feed: string;
  url: string | null;
  title: string;
  lead: string;
  /** Paragraphs joined with "\n\n". */
  body: string;
  /** Article tags, the feed item's categories and the feed's configured tags (what `tag:` looks in). */
  tags: string[];
  /** As the article or feed gave it (with its offset), or null. */
  publishedAt: string | null;
  /**
   * The analyses of the five fields, each made by the lemmatizer named in its `by`: all five when the document is
   * saved (the search index is keyed by them). Not stored (0012_text_once): a document read back has none, and
   * matching and search analyse its fields again when they need them (`alertDocOf`).
   */
  analyzed: Partial<Record<Field, AnalyzedText>>;
  /** Read back: the lemmatizer id its search-index keys were made with (`analyzedBy` of the saved analyses). */
  analyzedBy?: string;
  /** ISO 8601 UTC time the document was stored. */
  storedAt: string;
}

export interface SearchPage {
  /** Most documents to return (1..1000). */
  limit: number;
  /** Only documents with a smaller article id (the previous page's last id); none: start from the newest. */
  beforeArticleId?: number;
  /**
   * Id of the lemmatizer that keyed the rule. Documents analysed by another one are always returned (their
   * index keys may differ), so a changed key scheme never hides an article: `searchArticles` re-analyses them.
   */
  lemmatizer: string;
  /** Only documents of this feed. */
  feed?: string;
  /** Only documents stored at or after this ISO 8601 time. */
  since?: string;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  rule?: string;
  /** Default 1000. */
  limit?: number;
  /** Newest first (highest id first) instead of oldest first. */
  newestFirst?: boolean;
  /** Only deliveries with a smaller id (keyset pagination with `newestFirst`). */
  beforeId?: number;
}

export interface PendingClaimOptions {
  /**
   * How long the returned deliveries stay claimed by this store instance (default `DEFAULT_DELIVERY_LEASE_MS`):
   * another instance asking meanwhile does not get them; this instance does (its next pass takes up what the
   * last one deferred). A worker that dies holding a claim leaves it to the others when the lease ends, or at
   * once to a process of its own host (see claim-owner.ts).
   */
  leaseMs?: number;
}

/** Default claim on pending deliveries (`alerts.delivery.lease`): renewed while a pass goes on, so it can be short. */
export const DEFAULT_DELIVERY_LEASE_MS = 60_000;

/** Most documents `searchCandidates` returns at once. */
export const MAX_SEARCH_PAGE = 1000;

export interface AlertStore extends DeliveryStore {
  /**
   * Pending deliveries with dueAt ≤ now that no other live store instance holds, oldest due first, at most
   * `limit`; each is claimed by this instance until `now + leaseMs` (see `PendingClaimOptions`).
   */
  pending(now: string, limit: number, opts?: PendingClaimOptions): Promise<PendingDelivery[]>;
  /** Give up every claim this instance holds (a process that stops leaves its deliveries to the others at once). */
  releaseClaims(): Promise<void>;
  /** Store (or replace) an article's alert document and its entry in the search index, in one transaction. */
  saveAlertDoc(doc: AlertDocRecord): Promise<void>;
  getAlertDoc(articleId: number): Promise<AlertDocRecord | null>;
  /**
   * Documents the rule may match, newest article first: every document it does match, narrowed by the index
   * (all documents when the rule cannot be narrowed, e.g. `NOT x` or a lone /regex/, or is null). Confirm with matchRule.
   */
  searchCandidates(rule: CompiledRule | null, page: SearchPage): Promise<AlertDocRecord[]>;
  /** Recorded deliveries, oldest first (newest first with `newestFirst`). */
  deliveries(filter?: DeliveryFilter): Promise<DeliveryRecord[]>;
  /**
   * A delivery that failed for good made pending again, due at `now` (attempts, last error and message id kept, so
   * the next pass makes one more attempt under the same id). `retried` false: the id is unknown (`status` null) or
   * the delivery is not failed (its `status`); nothing changed.
   */
  retryDelivery(id: number, now: string): Promise<RetryOutcome>;
  /** Those of `clusterIds` the rule has matched already (each has its one recorded (rule, cluster) match). */
  alertedClusters(rule: string, clusterIds: string[]): Promise<string[]>;
  /** Every feed whose health was ever alerted, with what was last alerted. */
  feedHealthAlerts(): Promise<FeedHealthRecord[]>;
  /**
   * Claim a feed's health transition and queue its alert, in one transaction: the feed's alerted health moves from
   * `t.from` to `t.to` only if it still is `t.from` (no record counts as 'ok'), and only then is `alert` recorded
   * (its match and one pending delivery per channel). Of processes claiming one transition at once, exactly one
   * gets `claimed: true`; a restarted process reads what was alerted and claims nothing twice.
   */
  recordHealthTransition(t: HealthTransition, alert: NewMatch): Promise<{ claimed: boolean }>;
}

export type RetryOutcome = { retried: true } | { retried: false; status: DeliveryStatus | null };

/** A feed's health as feed health alerts last reported it (src/pipeline/health-stage.ts); never alerted: 'ok'. */
export type AlertedHealth = 'ok' | 'stale' | 'failing';

export interface FeedHealthRecord {
  feed: string;
  alerted: AlertedHealth;
  /** ISO 8601 UTC time of the last alerted transition. */
  changedAt: string;
  /** Transitions alerted so far. */
  transitions: number;
}

/** A change of a feed's alerted health, as one process saw it: from what it read to what it found. */
export interface HealthTransition {
  feed: string;
  from: AlertedHealth;
  to: AlertedHealth;
  /** ISO 8601. */
  at: string;
}

/** Most cluster ids `alertedClusters` takes at once. */
export const MAX_CLUSTER_LOOKUP = 1000;

/** A page of search candidates as the drivers receive it. */
export interface CandidatePage {
  before: number;
  limit: number;
  lemmatizer: string;
  feed: string | null;
  /** ISO 8601 UTC with milliseconds. */
  since: string | null;
}

/** A delivery filter as the drivers receive it. */
export interface DeliveryQuery {
  status: DeliveryStatus | null;
  rule: string | null;
  limit: number;
  newestFirst: boolean;
  beforeId: number | null;
}

/**
 * The row operations `RowAlertStore` asks of a driver: SQL and type conversion only. Times come in as ISO 8601
 * UTC text with milliseconds; rows go out as plain values (`DeliveryRecord`, `AlertDocRecord`).
 */
export interface AlertRows {
  /**
   * Insert or replace the document and its search-index entry (`analyzedBy`: the lemmatizer of all its analyses, or
   * 'mixed'). `bodyRevision` not null: the body is that revision's text, not stored again (read back from it).
   */
  upsertDoc(doc: SavedAlertDoc, analyzedBy: string, bodyRevision: number | null): Row<void>;
  /** The current revision of a stored article and its body (paragraphs, a blank line apart), or null when there is none. */
  currentBody(articleId: number): Row<{ revision: number; body: string } | null>;
  doc(articleId: number): Row<AlertDocRecord | null>;
  /**
   * Documents with article id < `before` (of `feed`, stored since `since`, when not null), newest first, at most
   * `limit`, narrowed by the driver's index where it can (a null rule: every document).
   */
  candidates(rule: CompiledRule | null, page: CandidatePage): Row<AlertDocRecord[]>;
  /** Insert the (rule, cluster) match; false when it was there already. */
  insertMatch(m: NewMatch): Row<boolean>;
  /** One pending delivery of the match per channel. */
  insertDeliveries(m: NewMatch, channels: string[]): Row<void>;
  /** Whether any pending delivery is due at `now`, claimed or not: a read, no lock taken. */
  anyDue(now: string): Row<boolean>;
  /** The distinct owners of claims on pending deliveries that last beyond `now`. */
  claimOwners(now: string): Row<string[]>;
  /** Release every claim of these owners on pending deliveries. */
  dropClaims(owners: string[]): Row<void>;
  /**
   * Ids of pending deliveries due at `now` that are unclaimed, claimed until no later than `now`, or claimed by
   * `owner`, oldest due first (then by id), at most `limit`; PostgreSQL locks them for the transaction, skipping
   * rows another transaction has locked.
   */
  dueIds(now: string, owner: string, limit: number): Row<number[]>;
  /** Claim these deliveries for `owner` until `until`, and return them. */
  claim(ids: number[], owner: string, until: string): Row<DeliveryRecord[]>;
  /** Push every claim of `owner` on pending deliveries to `until`. */
  extendClaims(owner: string, until: string): Row<void>;
  /** Set the message id of those of `ids` that are pending, claimed by `owner` and have none; how many did. */
  setMessageId(ids: number[], messageId: string, owner: string): Row<number>;
  /** Pending → delivered, claim released (a delivery no longer pending is left as it is). */
  markDelivered(id: number, f: { attempts: number; at: string }): Row<void>;
  /** Pending → pending again at `retryAt`, or failed when null; claim released (no-op unless pending). */
  markFailed(id: number, f: { attempts: number; error: string; retryAt: string | null; at: string }): Row<void>;
  deliveries(filter: DeliveryQuery): Row<DeliveryRecord[]>;
  /** Failed → pending, due at `at`, claim released; false when the delivery is not failed (or not there). */
  requeueFailed(id: number, at: string): Row<boolean>;
  /** The delivery's status, or null when there is none with this id. */
  deliveryStatus(id: number): Row<DeliveryStatus | null>;
  /** Those of `clusterIds` with a recorded match of `rule`. */
  matchedClusters(rule: string, clusterIds: string[]): Row<string[]>;
  /** Every feed_health row, by feed name. */
  healthRecords(): Row<FeedHealthRecord[]>;
  /** The feed's row from `t.from` to `t.to` (one more transition, changed at `t.at`) if it is `t.from`; false when not (or no row). */
  moveHealth(t: HealthTransition): Row<boolean>;
  /** A row for the feed at `t.to` (its first transition) unless it has one; false when it had. */
  insertHealth(t: HealthTransition): Row<boolean>;
}

/**
 * How a driver runs an algorithm over its rows, turning driver errors into storage FeedwatchErrors that name `op`:
 * `read` for reads; `write` for one row operation that writes (the driver makes it atomic: on SQLite a document
 * and its FTS entry are several statements); `transaction` for several row operations that must hold together
 * (SQLite: one IMMEDIATE transaction, so two connections never claim one delivery; PostgreSQL: one transaction on
 * one connection).
 */
export interface AlertRowsRunner {
  read<T>(op: string, context: Record<string, unknown>, algorithm: (rows: AlertRows) => Steps<T>): Promise<T>;
  write<T>(op: string, context: Record<string, unknown>, algorithm: (rows: AlertRows) => Steps<T>): Promise<T>;
  transaction<T>(op: string, context: Record<string, unknown>, algorithm: (rows: AlertRows) => Steps<T>): Promise<T>;
}

/** Who this store's claims belong to, and how it tells whether another claim's owner is alive. */
export interface ClaimOptions {
  /** The process the claims are made for. Default: this process. (A test gives another to stand for a dead one.) */
  identity?: ProcessIdentity;
  /** Default: `ownerLiveness` judged from this process, with /proc. */
  liveness?: (owner: string) => Liveness;
}

/** A document as saved: with the analyses of all five fields. */
export type SavedAlertDoc = AlertDocRecord & { analyzed: Record<Field, AnalyzedText> };

const FIELDS: readonly Field[] = ['title', 'lead', 'body', 'feed', 'tag'];

/** The document with all five analyses, or a storage error naming the ones it lacks. */
function savedDoc(doc: AlertDocRecord): SavedAlertDoc {
  const missing = FIELDS.filter((f) => doc.analyzed[f] === undefined);
  if (missing.length > 0) {
    throw new FeedwatchError('storage', `saveAlertDoc: no analysis of ${missing.join(', ')}`, { articleId: doc.articleId }, { retryable: false });
  }
  return doc as SavedAlertDoc;
}

/** Save a document: its body refers to the article's current revision when it is that revision's text. */
function* saveDocSteps(rows: AlertRows, doc: SavedAlertDoc): Steps<void> {
  const current = doc.articleId > 0 ? yield* step(rows.currentBody(doc.articleId)) : null;
  yield* step(rows.upsertDoc(doc, analyzedBy(doc), current !== null && current.body === doc.body ? current.revision : null));
}

/** The lemmatizer id shared by the document's five analyses (what its index entry was keyed by), or 'mixed'. */
export function analyzedBy(doc: Pick<AlertDocRecord, 'analyzed'>): string {
  const ids = new Set(Object.values(doc.analyzed).map((a) => a.by));
  return ids.size === 1 ? [...ids][0]! : 'mixed';
}

/** A claimed delivery as deliverPending sees it: the record without its outcome fields. */
function toPending(r: DeliveryRecord): PendingDelivery {
  const { status: _status, lastError: _lastError, deliveredAt: _deliveredAt, updatedAt: _updatedAt, ...pending } = r;
  return pending;
}

function* recordMatchSteps(rows: AlertRows, m: NewMatch): Steps<{ created: boolean }> {
  if (!(yield* step(rows.insertMatch(m)))) return { created: false };
  yield* step(rows.insertDeliveries(m, [...new Set(m.channels)]));
  return { created: true };
}

/** Claim the transition (a row still at `from`, or none while `from` is 'ok'), then queue its alert. */
function* healthSteps(rows: AlertRows, t: HealthTransition, alert: NewMatch): Steps<{ claimed: boolean }> {
  let claimed = yield* step(rows.moveHealth(t));
  if (!claimed && t.from === 'ok') claimed = yield* step(rows.insertHealth(t));
  if (!claimed) return { claimed: false };
  yield* recordMatchSteps(rows, alert);
  return { claimed: true };
}

function* retrySteps(rows: AlertRows, id: number, at: string): Steps<RetryOutcome> {
  if (yield* step(rows.requeueFailed(id, at))) return { retried: true };
  return { retried: false, status: yield* step(rows.deliveryStatus(id)) };
}

/** Release the claims of dead owners, then claim what is due: one transaction. */
function* claimSteps(rows: AlertRows, now: string, limit: number, until: string, owner: string, isDead: (owner: string) => boolean): Steps<PendingDelivery[]> {
  const owners = yield* step(rows.claimOwners(now));
  const dead = owners.filter((o) => o !== owner && isDead(o));
  if (dead.length > 0) yield* step(rows.dropClaims(dead));
  const ids = yield* step(rows.dueIds(now, owner, limit));
  if (ids.length === 0) return [];
  const claimed = yield* step(rows.claim(ids, owner, until));
  return claimed.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.id - b.id).map(toPending);
}

/** The AlertStore of both drivers: the algorithm, over the driver's `AlertRows`. */
export class RowAlertStore implements AlertStore {
  /** Names this instance's claims on deliveries (see claim-owner.ts). */
  readonly owner: string;
  private readonly liveness: (owner: string) => Liveness;

  constructor(
    private readonly run: AlertRowsRunner,
    claims: ClaimOptions = {},
  ) {
    const me = thisProcess();
    this.owner = newOwner(claims.identity ?? me);
    this.liveness = claims.liveness ?? ((o) => ownerLiveness(o, me));
  }

  async saveAlertDoc(doc: AlertDocRecord): Promise<void> {
    return this.checked('saveAlertDoc', { articleId: doc.articleId }, () => {
      const stored = savedDoc({ ...doc, storedAt: isoUtc(doc.storedAt, 'storedAt') });
      return this.run.transaction('saveAlertDoc', { articleId: doc.articleId }, (r) => saveDocSteps(r, stored));
    });
  }

  async getAlertDoc(articleId: number): Promise<AlertDocRecord | null> {
    return this.run.read('getAlertDoc', { articleId }, (r) => step(r.doc(articleId)));
  }

  async searchCandidates(rule: CompiledRule | null, page: SearchPage): Promise<AlertDocRecord[]> {
    checkLimit(page.limit, MAX_SEARCH_PAGE, 'searchCandidates');
    const q: CandidatePage = {
      before: page.beforeArticleId ?? Number.MAX_SAFE_INTEGER,
      limit: page.limit,
      lemmatizer: page.lemmatizer,
      feed: page.feed ?? null,
      since: page.since === undefined ? null : isoUtc(page.since, 'since'),
    };
    return this.run.read('searchCandidates', { rule: rule?.source ?? null }, (r) => step(r.candidates(rule, q)));
  }

  async recordMatch(m: NewMatch): Promise<{ created: boolean }> {
    const match = { ...m, matchedAt: isoUtc(m.matchedAt, 'matchedAt'), dueAt: isoUtc(m.dueAt, 'dueAt') };
    return this.run.transaction('recordMatch', { rule: m.rule, clusterId: m.clusterId }, (r) => recordMatchSteps(r, match));
  }

  async pending(now: string, limit: number, opts: PendingClaimOptions = {}): Promise<PendingDelivery[]> {
    const context = { limit };
    return this.checked('pendingDeliveries', context, async () => {
      checkLimit(limit, MAX_SEARCH_PAGE, 'pending');
      const leaseMs = opts.leaseMs ?? DEFAULT_DELIVERY_LEASE_MS;
      checkLease(leaseMs);
      const at = isoUtc(now, 'now');
      const until = new Date(Date.parse(at) + leaseMs).toISOString();
      // Most passes find nothing due: a read says so without the claiming transaction (a write lock, and a commit, a
      // second). Its answer is the transaction's: nothing due gives no ids, whatever the claims; a dead owner's claims
      // are dropped by the first pass that finds a delivery due, before it picks them.
      if (!(await this.run.read('pendingDeliveries', context, (r) => step(r.anyDue(at))))) return [];
      return this.run.transaction('pendingDeliveries', context, (r) => claimSteps(r, at, limit, until, this.owner, (o) => this.liveness(o) === 'dead'));
    });
  }

  async renewClaims(now: string, leaseMs: number): Promise<void> {
    return this.checked('renewClaims', {}, () => {
      checkLease(leaseMs);
      const until = new Date(Date.parse(isoUtc(now, 'now')) + leaseMs).toISOString();
      return this.run.write('renewClaims', {}, (r) => step(r.extendClaims(this.owner, until)));
    });
  }

  async releaseClaims(): Promise<void> {
    return this.run.write('releaseClaims', {}, (r) => step(r.dropClaims([this.owner])));
  }

  async assignMessage(ids: number[], messageId: string): Promise<boolean> {
    if (ids.length === 0) return true;
    const n = await this.run.write('assignMessage', { messageId }, (r) => step(r.setMessageId(ids, messageId, this.owner)));
    return n === ids.length;
  }

  async markDelivered(id: number, f: { attempts: number; at: string }): Promise<void> {
    const at = isoUtc(f.at, 'at');
    return this.run.write('markDelivered', { deliveryId: id }, (r) => step(r.markDelivered(id, { attempts: f.attempts, at })));
  }

  async markFailed(id: number, f: { attempts: number; error: string; retryAt: string | null; at: string }): Promise<void> {
    const fields = { attempts: f.attempts, error: f.error, at: isoUtc(f.at, 'at'), retryAt: f.retryAt === null ? null : isoUtc(f.retryAt, 'retryAt') };
    return this.run.write('markFailed', { deliveryId: id }, (r) => step(r.markFailed(id, fields)));
  }

  async deliveries(filter: DeliveryFilter = {}): Promise<DeliveryRecord[]> {
    const limit = filter.limit ?? 1000;
    checkLimit(limit, 100_000, 'deliveries');
    const query: DeliveryQuery = { status: filter.status ?? null, rule: filter.rule ?? null, limit, newestFirst: filter.newestFirst ?? false, beforeId: filter.beforeId ?? null };
    return this.run.read('deliveries', {}, (r) => step(r.deliveries(query)));
  }

  async retryDelivery(id: number, now: string): Promise<RetryOutcome> {
    return this.checked('retryDelivery', { deliveryId: id }, () => {
      if (!Number.isSafeInteger(id) || id < 1) return Promise.resolve({ retried: false, status: null });
      const at = isoUtc(now, 'now');
      return this.run.transaction('retryDelivery', { deliveryId: id }, (r) => retrySteps(r, id, at));
    });
  }

  async alertedClusters(rule: string, clusterIds: string[]): Promise<string[]> {
    return this.checked('alertedClusters', { rule }, () => {
      checkLimit(Math.max(1, clusterIds.length), MAX_CLUSTER_LOOKUP, 'alertedClusters');
      if (clusterIds.length === 0) return Promise.resolve([]);
      const ids = [...new Set(clusterIds)];
      return this.run.read('alertedClusters', { rule }, (r) => step(r.matchedClusters(rule, ids)));
    });
  }

  async feedHealthAlerts(): Promise<FeedHealthRecord[]> {
    return this.run.read('feedHealthAlerts', {}, (r) => step(r.healthRecords()));
  }

  async recordHealthTransition(t: HealthTransition, alert: NewMatch): Promise<{ claimed: boolean }> {
    return this.checked('recordHealthTransition', { feed: t.feed }, () => {
      if (t.from === t.to) return Promise.resolve({ claimed: false });
      const at = isoUtc(t.at, 'at');
      const match = { ...alert, matchedAt: isoUtc(alert.matchedAt, 'matchedAt'), dueAt: isoUtc(alert.dueAt, 'dueAt') };
      return this.run.transaction('recordHealthTransition', { feed: t.feed, from: t.from, to: t.to }, (r) => healthSteps(r, { ...t, at }, match));
    });
  }

  /** Run `fn`; a non-storage error thrown before it reaches the driver (a bad argument) becomes a storage error naming `op`. */
  private async checked<T>(op: string, context: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof FeedwatchError) throw err;
      throw new FeedwatchError('storage', `${op} failed: ${err instanceof Error ? err.message : String(err)}`, { op, ...context }, { cause: err, retryable: false });
    }
  }
}

/** Tokens of one field analysed at most when a stored document is matched again (search, replay, export). */
export const READ_ANALYZED_TOKENS = 10_000;

/**
 * The matching view of a stored document: its fields analysed by `lem` (the store keeps no analyses; any the record
 * carries are reused when `lem` made them), at most `maxTokens` tokens of a field.
 */
export function alertDocOf(rec: AlertDocRecord, lem: Lemmatizer, maxTokens = READ_ANALYZED_TOKENS): AlertDoc {
  return buildAlertDoc({ title: rec.title, lead: rec.lead, body: rec.body, feed: rec.feed, tags: rec.tags, analyzed: rec.analyzed }, lem, maxTokens);
}

export interface SearchHit {
  doc: AlertDocRecord;
  spans: MatchSpan[];
}

/** What `searchPage` is asked for. */
export interface SearchRequest {
  /** Most hits to return. */
  limit: number;
  /** Continue below this article id (a previous page's `next`); none: from the newest. */
  cursor?: number;
  feed?: string;
  /** ISO 8601: only documents stored at or after it. */
  since?: string;
  /** Candidates read per round trip (default 200, at most MAX_SEARCH_PAGE). */
  pageSize?: number;
  /** Stop after reading this many candidates (a bound on one request's work); none: until `limit` hits or the end. */
  maxScanned?: number;
  /**
   * Where the rule's regex terms match a candidate, found elsewhere (alert replay: in the CPU pool); none: matchRule
   * runs them here.
   */
  regexes?: (doc: AlertDocRecord, terms: RegexTerm[]) => Promise<RegexHits>;
}

export interface SearchResult {
  hits: SearchHit[];
  /**
   * The cursor of the next page: the article id below which reading goes on (all documents above it were looked
   * at), or null when every document was.
   */
  next: number | null;
  /** Candidates read. */
  scanned: number;
}

/**
 * One page of stored articles the rule matches (every article for a null rule), newest first: pages through the
 * index's candidates and keeps those `matchRule` confirms (the same decision alerts make). Keyset pagination: the
 * page ends after `limit` hits or `maxScanned` candidates, and `next` continues exactly where it stopped.
 */
export async function searchPage(store: Pick<AlertStore, 'searchCandidates'>, rule: CompiledRule | null, lem: Lemmatizer, req: SearchRequest): Promise<SearchResult> {
  const hits: SearchHit[] = [];
  const pageSize = Math.min(MAX_SEARCH_PAGE, Math.max(1, req.pageSize ?? 200));
  const maxScanned = req.maxScanned ?? Number.POSITIVE_INFINITY;
  let before = req.cursor;
  let scanned = 0;
  const terms = rule !== null && req.regexes ? regexTermsOf([rule]) : [];
  for (;;) {
    const want = Math.min(pageSize, Math.max(1, maxScanned - scanned), rule === null ? req.limit - hits.length : pageSize);
    const page = await store.searchCandidates(rule, {
      limit: want,
      lemmatizer: lem.id,
      ...(before === undefined ? {} : { beforeArticleId: before }),
      ...(req.feed === undefined ? {} : { feed: req.feed }),
      ...(req.since === undefined ? {} : { since: req.since }),
    });
    for (const doc of page) {
      scanned++;
      before = doc.articleId;
      if (rule === null) hits.push({ doc, spans: [] });
      else {
        const analysed = alertDocOf(doc, lem);
        const m = matchRule(rule, terms.length > 0 ? { ...analysed, regex: await req.regexes!(doc, terms) } : analysed);
        if (m.match) hits.push({ doc, spans: m.spans });
      }
      if (hits.length >= req.limit || scanned >= maxScanned) return { hits, next: before, scanned };
    }
    if (page.length < want) return { hits, next: null, scanned };
  }
}

/**
 * `feedwatch search`: stored articles the rule matches, newest first, at most `limit` (searchPage to the end).
 */
export async function searchArticles(
  store: Pick<AlertStore, 'searchCandidates'>,
  rule: CompiledRule,
  lem: Lemmatizer,
  opts: { limit: number; pageSize?: number },
): Promise<SearchHit[]> {
  return (await searchPage(store, rule, lem, opts)).hits;
}

/** A page size must be a whole number from 1 to `max`. */
export function checkLimit(limit: number, max: number, what: string): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new FeedwatchError('storage', `${what} limit must be an integer from 1 to ${max}, not ${limit}`, { limit }, { retryable: false });
  }
}

/** A claim must last a positive whole number of milliseconds. */
export function checkLease(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs < 1) {
    throw new FeedwatchError('storage', `pending leaseMs must be a positive whole number of milliseconds, not ${leaseMs}`, { leaseMs }, { retryable: false });
  }
}

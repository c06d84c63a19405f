/**
 * The SQLite store on a second thread (`storage.thread: true`): a `Store` whose every method posts
 * {id, method, args} to a worker_threads Worker that owns a real SqliteStore (./store-worker.ts, its own
 * connection to the file) and resolves with its reply. better-sqlite3 is synchronous, so on the main thread every
 * query stalls fetching and extraction; here they run beside them.
 *
 * Arguments and results cross by structured clone: every Store method takes and returns plain data (a compiled
 * rule's RegExp clones too). An argument that does not clone (a function, say) rejects that call with a storage
 * error. A FeedwatchError thrown in the thread is rebuilt here with its kind, message, context, retryable flag and
 * (as a plain Error with its `code`) its cause, so `instanceof FeedwatchError` and `kind` checks work as in-process.
 * The thread does not keep the process alive while no call is in flight. `close()` closes the thread's store and
 * ends the thread; later calls reject with a storage error, as a closed SqliteStore's do.
 *
 * The migrations' `applied_at` comes from the system clock (a Clock does not cross threads).
 *
 * Two calls travel in forms of their own, because each message costs the main thread its cloning and the wait for
 * a reply: saveAlertDoc packs the document's analyses (`packAnalyses`: arrays of numbers clone one element at a
 * time), and `findAndStoreArticle` makes the dedup stage's lookup, decision and store one round trip.
 */
import { Worker } from 'node:worker_threads';
import type { NewMatch } from '../../alerts/deliver.js';
import type { CompiledRule } from '../../alerts/match.js';
import { packAnalyses, unpackAnalyses, type PackedAnalyses } from '../../alerts/packed-analyses.js';
import { FeedwatchError } from '../../errors.js';
import { rebuildError, type SerializedError } from '../../thread-errors.js';
import type { ArticleOutcome, DedupFound, DedupInput, DedupOutcome, Feed, FeedItem, FeedState, PollOutcome, StoredArticle, StoredItem } from '../../model.js';
import type { ActivityStore } from '../activity.js';
import type { AlertDocRecord, AlertStore, DeliveryFilter, PendingClaimOptions, SearchPage } from '../alerts.js';
import type { ProcessIdentity } from '../claim-owner.js';
import type { FindAndStoreRequest, StoreArticleRequest, Story } from '../articles.js';
import type { MigrateResult } from '../migrate.js';
import type { PruneBatch, PruneRequest } from '../retention.js';
import type { BoilerplateStore } from '../boilerplate.js';
import type { ItemArticle, PendingOptions, Store } from '../store.js';

/** Every Store method the thread answers (close is handled apart). */
export const STORE_METHODS = [
  'ping',
  'migrate',
  'syncFeeds',
  'feedStates',
  'feedState',
  'recordPoll',
  'pendingArticles',
  'saveArticle',
  'getItem',
  'getArticle',
  'saveAlertDoc',
  'getAlertDoc',
  'searchCandidates',
  'recordMatch',
  'pending',
  'renewClaims',
  'assignMessage',
  'releaseClaims',
  'markDelivered',
  'markFailed',
  'deliveries',
  'retryDelivery',
  'alertedClusters',
  'feedHealthAlerts',
  'recordHealthTransition',
  'findDuplicates',
  'storeArticle',
  'story',
  'pruneExpired',
  'recordParagraphs',
  'learnedBoilerplate',
  'boilerplateEntries',
  'recleanCandidates',
  'recleanArticle',
  'moveRecleanCursor',
  'feedOverview',
  'itemsPerHour',
] as const satisfies readonly Exclude<keyof Store, 'close'>[];

// Fails to compile when the Store interface gains a method that STORE_METHODS does not list.
type Unlisted = Exclude<keyof Store, (typeof STORE_METHODS)[number] | 'close'>;
const _allListed: [Unlisted] extends [never] ? true : Unlisted = true;
void _allListed;

export interface ThreadedSqliteStoreOptions {
  /** How long a statement waits for another connection's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
  /** Folder of numbered .sql files. Default: the migrations shipped with the SQLite store. */
  migrationsDir?: URL;
  /** The process the thread's claims on deliveries name (plain data). Default: this process. */
  claimIdentity?: ProcessIdentity;
  /** Least time between two commits of the thread's store (SqliteStoreOptions.commitGapMs). Default THREAD_COMMIT_GAP_MS. */
  commitGapMs?: number;
}

/**
 * The storage thread's commit gap, ms: the daemon's article jobs send their writes one or two at a time, as each page
 * comes back from extraction; at most one commit per this long lets them share commits (the storage phase of an
 * article cost about half as much CPU batched 16 to a commit as alone, bench/scale-ingest.ts), for at most this
 * long added to each write's wait.
 */
export const THREAD_COMMIT_GAP_MS = 20;

/** What the thread is started with (structured-clone data only). */
export interface StoreWorkerData {
  path: string;
  busyTimeoutMs?: number;
  migrate?: boolean;
  /** A file: URL's href. */
  migrationsDir?: string;
  claimIdentity?: ProcessIdentity;
  commitGapMs: number;
}

/** The thread's first message. */
/** How errors of the storage thread are rebuilt here (thread-errors.ts). */
const STORAGE_THREAD = { thread: 'storage thread', kind: 'storage' } as const;

/**
 * The storage thread's young generation, capped at 8 MB (V8's default lets it grow to 48 MB, of which it kept 28 MB
 * resident with 10,000 feeds polled every minute). What it allocates (statement parameters, rows, messages) dies
 * within the call, so a small young generation costs little more scavenging; the old generation keeps V8's limit.
 */
const STORAGE_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 };

export type StoreWorkerHello = { type: 'ready'; lastMigration: MigrateResult | null } | { type: 'open-failed'; error: SerializedError };

export interface StoreRequest {
  id: number;
  method: string;
  args: unknown[];
}

export type StoreReply = { id: number; value: unknown; error?: undefined } | { id: number; error: SerializedError };

/** saveAlertDoc's arguments for the thread: the document, its analyses packed when they pack. */
export function alertDocArgs(doc: AlertDocRecord): unknown[] {
  const packed = packAnalyses(doc.analyzed);
  return packed === null ? [doc] : [{ ...doc, analyzed: null }, packed];
}

/** The document `alertDocArgs` sent, whole again (in the thread). */
export function alertDocFromArgs(args: unknown[]): AlertDocRecord {
  const doc = args[0] as AlertDocRecord;
  return args.length === 2 ? { ...doc, analyzed: unpackAnalyses(args[1] as PackedAnalyses) as AlertDocRecord['analyzed'] } : doc;
}

/** The worker's entry: the built body next to this file, or, running from the sources, the tsx shim. */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./store-worker-tsx.mjs', import.meta.url) : new URL('./store-worker.js', import.meta.url);
}

/** Start the storage thread, open (creating and migrating) the SQLite file in it, and return the Store. */
export async function openThreadedSqliteStore(path: string, opts: ThreadedSqliteStoreOptions = {}): Promise<ThreadedSqliteStore> {
  const data: StoreWorkerData = {
    path,
    ...(opts.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: opts.busyTimeoutMs }),
    ...(opts.migrate === undefined ? {} : { migrate: opts.migrate }),
    ...(opts.migrationsDir === undefined ? {} : { migrationsDir: opts.migrationsDir.href }),
    ...(opts.claimIdentity === undefined ? {} : { claimIdentity: opts.claimIdentity }),
    commitGapMs: opts.commitGapMs ?? THREAD_COMMIT_GAP_MS,
  };
  const worker = new Worker(workerEntry(), { workerData: data, resourceLimits: STORAGE_THREAD_LIMITS });
  const hello = await new Promise<StoreWorkerHello>((resolve, reject) => {
    const onError = (err: Error) => {
      cleanup();
      reject(new FeedwatchError('storage', `cannot start the storage thread for ${path}: ${err.message}`, { path }, { cause: err, retryable: false }));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new FeedwatchError('storage', `the storage thread for ${path} stopped while opening (exit code ${code})`, { path }, { retryable: false }));
    };
    const onMessage = (m: StoreWorkerHello) => {
      cleanup();
      resolve(m);
    };
    const cleanup = () => {
      worker.off('error', onError).off('exit', onExit).off('message', onMessage);
    };
    worker.on('error', onError).on('exit', onExit).once('message', onMessage);
  });
  if (hello.type === 'open-failed') {
    await worker.terminate();
    throw rebuildError(hello.error, STORAGE_THREAD);
  }
  return new ThreadedSqliteStore(worker, path, hello.lastMigration);
}

interface Waiting {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

export class ThreadedSqliteStore implements Store {
  private readonly waiting = new Map<number, Waiting>();
  private seq = 0;
  /** Why calls are refused: set by close() or when the thread stops on its own. */
  private stopped: FeedwatchError | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly worker: Worker,
    private readonly path: string,
    /** What the migration on open did (as SqliteStore's `lastMigration`). */
    readonly lastMigration: MigrateResult | null,
  ) {
    worker.on('message', (m: StoreReply | StoreReply[]) => {
      if (Array.isArray(m)) for (const r of m) this.settle(r);
      else this.settle(m);
    });
    worker.on('error', (err: Error) => this.fail(`the storage thread failed: ${err.message}`, err));
    worker.on('exit', (code: number) => this.fail(`the storage thread stopped (exit code ${code})`));
    worker.unref();
  }

  ping = (): Promise<void> => this.call('ping', []);
  migrate = (): Promise<void> => this.call('migrate', []);
  syncFeeds = (feeds: Feed[]): Promise<void> => this.call('syncFeeds', [feeds]);
  feedStates = (): Promise<FeedState[]> => this.call('feedStates', []);
  feedState = (name: string): Promise<FeedState | null> => this.call('feedState', [name]);
  recordPoll = (outcome: PollOutcome, items: FeedItem[], nextDueAt: string): Promise<StoredItem[]> => this.call('recordPoll', [outcome, items, nextDueAt]);
  pendingArticles = (limit: number, now: string, opts?: PendingOptions): Promise<StoredItem[]> => this.call('pendingArticles', [limit, now, opts]);
  saveArticle = (itemId: number, outcome: ArticleOutcome, at: string, retryAt: string | null): Promise<void> =>
    this.call('saveArticle', [itemId, outcome, at, retryAt]);
  getItem = (id: number): Promise<StoredItem | null> => this.call('getItem', [id]);
  getArticle = (itemId: number): Promise<ItemArticle | null> => this.call('getArticle', [itemId]);
  saveAlertDoc = (doc: AlertDocRecord): Promise<void> => this.call('saveAlertDoc', alertDocArgs(doc));
  getAlertDoc = (articleId: number): Promise<AlertDocRecord | null> => this.call('getAlertDoc', [articleId]);
  searchCandidates = (rule: CompiledRule | null, page: SearchPage): Promise<AlertDocRecord[]> => this.call('searchCandidates', [rule, page]);
  recordMatch = (m: NewMatch): Promise<{ created: boolean }> => this.call('recordMatch', [m]);
  pending = (now: string, limit: number, opts?: PendingClaimOptions): ReturnType<AlertStore['pending']> => this.call('pending', [now, limit, opts]);
  renewClaims: AlertStore['renewClaims'] = (now, leaseMs) => this.call('renewClaims', [now, leaseMs]);
  assignMessage: AlertStore['assignMessage'] = (ids, messageId) => this.call('assignMessage', [ids, messageId]);
  releaseClaims: AlertStore['releaseClaims'] = () => this.call('releaseClaims', []);
  markDelivered: AlertStore['markDelivered'] = (id, f) => this.call('markDelivered', [id, f]);
  markFailed: AlertStore['markFailed'] = (id, f) => this.call('markFailed', [id, f]);
  deliveries = (filter?: DeliveryFilter): ReturnType<AlertStore['deliveries']> => this.call('deliveries', [filter]);
  retryDelivery: AlertStore['retryDelivery'] = (id, now) => this.call('retryDelivery', [id, now]);
  alertedClusters: AlertStore['alertedClusters'] = (rule, clusterIds) => this.call('alertedClusters', [rule, clusterIds]);
  feedHealthAlerts: AlertStore['feedHealthAlerts'] = () => this.call('feedHealthAlerts', []);
  recordHealthTransition: AlertStore['recordHealthTransition'] = (t, alert) => this.call('recordHealthTransition', [t, alert]);
  findDuplicates = (input: DedupInput): Promise<DedupFound> => this.call('findDuplicates', [input]);
  storeArticle = (req: StoreArticleRequest): Promise<StoredArticle> => this.call('storeArticle', [req]);
  /** `findAndStoreArticle` in the thread: the dedup stage uses it when the store offers it. */
  findAndStoreArticle = (req: FindAndStoreRequest): Promise<DedupOutcome> => this.call('findAndStoreArticle', [req]);
  story = (clusterId: number): Promise<Story | null> => this.call('story', [clusterId]);
  pruneExpired = (req: PruneRequest): Promise<PruneBatch> => this.call('pruneExpired', [req]);
  recordParagraphs: BoilerplateStore['recordParagraphs'] = (req) => this.call('recordParagraphs', [req]);
  learnedBoilerplate: BoilerplateStore['learnedBoilerplate'] = (host) => this.call('learnedBoilerplate', [host]);
  boilerplateEntries: BoilerplateStore['boilerplateEntries'] = (filter) => this.call('boilerplateEntries', [filter]);
  recleanCandidates: BoilerplateStore['recleanCandidates'] = (req) => this.call('recleanCandidates', [req]);
  recleanArticle: BoilerplateStore['recleanArticle'] = (req) => this.call('recleanArticle', [req]);
  moveRecleanCursor: BoilerplateStore['moveRecleanCursor'] = (host, from, to) => this.call('moveRecleanCursor', [host, from, to]);
  feedOverview: ActivityStore['feedOverview'] = () => this.call('feedOverview', []);
  itemsPerHour: ActivityStore['itemsPerHour'] = (since, until) => this.call('itemsPerHour', [since, until]);

  /** Close the thread's store, then end the thread. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (this.stopped === null) await this.call('close', []);
      } finally {
        this.stopped ??= this.closedError();
        await this.worker.terminate();
      }
    })();
    return this.closing;
  }

  private closedError(): FeedwatchError {
    return new FeedwatchError('storage', `the SQLite store ${this.path} is closed`, { path: this.path }, { retryable: false });
  }

  private call<T>(method: string, args: unknown[]): Promise<T> {
    if (this.stopped !== null) {
      const why = this.stopped;
      return Promise.reject(new FeedwatchError('storage', `${method} failed: ${why.message}`, { op: method, ...why.context }, { retryable: false, cause: why }));
    }
    return new Promise<T>((resolve, reject) => {
      const id = ++this.seq;
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      // Keep the process alive only while a call is in flight, as a SqliteStore holds nothing open.
      if (this.waiting.size === 1) this.worker.ref();
      this.outbox.push({ id, method, args });
      if (this.outbox.length === 1) setImmediate(this.flush);
    });
  }

  /** Calls made since the last flush, sent together at the end of this turn of the event loop. */
  private outbox: StoreRequest[] = [];

  /**
   * Send the calls of one turn as one message: each message costs both threads a wake-up and a clone, which with
   * thousands of feeds polled (a state read and a write per poll) was a quarter of the daemon's CPU. A batch that
   * does not clone is sent call by call, so that only the call with the bad argument fails.
   */
  private readonly flush = (): void => {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0) return;
    try {
      this.worker.postMessage(batch.length === 1 ? batch[0] : batch);
      return;
    } catch (err) {
      if (batch.length === 1) return this.refuse(batch[0]!, err);
    }
    for (const req of batch) {
      try {
        this.worker.postMessage(req);
      } catch (err) {
        this.refuse(req, err);
      }
    }
  };

  /** A call whose arguments do not clone: rejected here, never sent. */
  private refuse(req: StoreRequest, err: unknown): void {
    const w = this.waiting.get(req.id);
    if (w === undefined) return;
    this.waiting.delete(req.id);
    if (this.waiting.size === 0) this.worker.unref();
    const msg = err instanceof Error ? err.message : String(err);
    w.reject(new FeedwatchError('storage', `${req.method}: its arguments cannot be sent to the storage thread: ${msg}`, { op: req.method }, { cause: err, retryable: false }));
  }

  private settle(m: StoreReply): void {
    const w = this.waiting.get(m.id);
    if (w === undefined) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (m.error !== undefined) w.reject(rebuildError(m.error, STORAGE_THREAD));
    else w.resolve(m.value);
  }

  /** The thread is gone: refuse further calls and reject those in flight. */
  private fail(message: string, cause?: Error): void {
    if (this.stopped === null) {
      this.stopped = new FeedwatchError('storage', `${message} (${this.path})`, { path: this.path }, { retryable: false, ...(cause === undefined ? {} : { cause }) });
    }
    const why = this.stopped;
    for (const w of this.waiting.values()) w.reject(why);
    this.waiting.clear();
  }
}

/**
 * The SQLite storage (better-sqlite3): one file, WAL so readers (`feedwatch feeds`) never block the daemon,
 * migrations from src/store/migrations/sqlite applied on open, statements prepared once, and one IMMEDIATE
 * transaction per feed poll. better-sqlite3 is synchronous; the methods are async only to share the `Store`
 * interface with network databases. Every failure surfaces as a FeedwatchError of kind 'storage'.
 *
 * Group commit: a write does not run when it is called but at the end of the current turn of the event loop
 * (setImmediate), with the other calls made in that turn, in one IMMEDIATE transaction committed once; each call in a
 * savepoint of its own, so one that fails leaves the others. A commit costs far more than most writes (every page a
 * write touched goes to the WAL), and concurrent article jobs write in the same turns. Calls still take effect in
 * the order they are made: a read runs at once only when no write is waiting, otherwise after those. A call's
 * promise settles once its transaction is committed. While another connection (another worker process) holds the
 * write lock, the batch waits without stalling this process (see `flush`).
 *
 * Some rows wait for the end of their batch (./deferred.ts): the search index's, written once before the COMMIT
 * instead of one segment per call's savepoint.
 *
 * With `commitGapMs` (the daemon's storage thread, threaded.ts), a batch that comes less than that long after the last
 * commit waits for the rest of it: writes that arrive one or two at a time (each article job's storage calls, as its
 * page comes back from extraction) then share a commit instead of paying one each.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { systemClock, systemTimers, type Clock, type Timers } from '../../clock.js';
import { FeedwatchError } from '../../errors.js';
import type { ArticleOutcome, DedupFound, DedupInput, Feed, FeedItem, FeedState, PollOutcome, StoredArticle, StoredItem } from '../../model.js';
import { migrateSqlite, type MigrateResult } from '../migrate.js';
import type { ItemArticle, PendingOptions, Store } from '../store.js';
import type { AlertDocRecord, AlertStore, ClaimOptions, DeliveryFilter, PendingClaimOptions, RowAlertStore, SearchPage } from '../alerts.js';
import type { CompiledRule } from '../../alerts/match.js';
import type { NewMatch } from '../../alerts/deliver.js';
import { deferredFts, sqliteAlertStore, type FtsRow } from './alerts.js';
import { BatchDeferrals, type DeferredRows } from './deferred.js';
import { checkSpan } from '../activity.js';
import { SqliteActivity } from './activity.js';
import type { StoreArticleRequest, Story } from '../articles.js';
import { SqliteArticles } from './articles.js';
import type { PruneBatch, PruneRequest } from '../retention.js';
import { SqliteRetention } from './retention.js';
import type { BoilerplateFilter, RecleanArticleRequest, RecleanCandidatesRequest, RecordParagraphsRequest } from '../boilerplate.js';
import { SqliteBoilerplate } from './boilerplate.js';
import { declaredFeedsParam, errorText, isoUtc, itemParams, pendingLeaseMs } from '../rows.js';
import { FEED_COLUMNS, feedParams, toFeedState, toItemArticle, toStoredItem, type FeedRow, type ItemArticleRow, type ItemRow } from './rows.js';
import { registerTextFunctions } from './packed.js';
import { SqliteFileCheck, sqliteCodeFault } from './file-check.js';
import { sqliteMigrationsDir } from './read-only.js';

export { sqliteMigrationsDir };

/** Page size of a new file (bytes). */
export const PAGE_SIZE = 16384;

/** WAL pages after which a commit checkpoints (see openSqliteStore). */
export const WAL_AUTOCHECKPOINT = 4096;

/** Most items `pendingArticles` returns at once (the same for every driver). */
export { MAX_PENDING_LIMIT } from '../rows.js';

export interface SqliteStoreOptions {
  /** How long a statement waits for another connection's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
  /** Source of `applied_at` in schema_migrations. Default: the system clock. */
  clock?: Clock;
  /** Folder of numbered .sql files. Default: `sqliteMigrationsDir`. */
  migrationsDir?: URL;
  /** Whose claims on deliveries this store makes (see src/store/claim-owner.ts). Default: this process. */
  claims?: ClaimOptions;
  /**
   * Least time between two commits, ms (see the top of this file): a batch due sooner waits, and takes the writes
   * made meanwhile. Default 0: every turn's writes commit at the end of that turn.
   */
  commitGapMs?: number;
  /** Clock and timers of the commit gap (tests pass a ManualClock). Default: the system's. */
  commitTimers?: Clock & Timers;
}

/** Open (creating the file and its folder if needed), configure and migrate a SQLite store. */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  let db: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (err) {
    throw storageError(`cannot open SQLite database ${path}`, { path }, err);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // A new file: 16 KB pages (an article's packed text, 2-4 KB, takes a 4 KB page to itself; four or five share a
    // 16 KB one), and pages freed by retention given back (incremental_vacuum in pruneExpired). Both take effect only
    // before the first table is created; an older file is switched after migrating (reclaimable).
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // A checkpoint (copying the WAL's pages into the file) once the WAL holds WAL_AUTOCHECKPOINT pages: SQLite's default,
    // 1,000 pages, is 16 MB at 16 KB pages, and a page written by several commits between two checkpoints is copied
    // once. With 4,096 (64 MB) the daemon's storage thread wrote 0.57 instead of 0.72 MB per stored article, for
    // 0.03-0.08 ms less CPU (bench/ingest-phase.ts, 4,000 articles).
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT}`);
    // Statement journals in memory: every call of a batch runs in a savepoint (see `flush`), and a savepoint keeps the
    // original of each page it changes in a statement journal, which SQLite spills to a temporary file past 64 KB (four
    // 16 KB pages). On disk that was 1.2 MB written per stored article, more than the WAL itself (0.8 MB), and about
    // a tenth of the storage thread's CPU in the kernel's write path (bench/ingest-phase.ts). Sorts and temporary
    // tables go to memory too; the one VACUUM (`reclaimable`), which builds a copy of the whole file, uses files.
    db.pragma('temp_store = MEMORY');
    db.pragma('foreign_keys = ON');
    const file = path === ':memory:' || path === '' ? null : new SqliteFileCheck(path);
    const store = new SqliteStore(db, opts.clock ?? systemClock, opts.migrationsDir ?? sqliteMigrationsDir, opts.claims ?? {}, file, {
      gapMs: opts.commitGapMs ?? 0,
      timers: opts.commitTimers ?? { now: systemClock.now, after: systemTimers.after },
    });
    if (opts.migrate !== false) await store.migrate();
    return store;
  } catch (err) {
    db.close();
    throw err instanceof FeedwatchError ? err : storageError(`cannot set up SQLite database ${path}`, { path }, err);
  }
}

// Item columns returned to the pipeline (the article JSON is read only by getArticle).
const ITEM_COLUMNS = `id, feed_name, guid, link, title, description, author, published_at, categories, enclosures, extra,
  first_seen_at, article_state, article_attempts, article_error, next_article_attempt_at`;
const FEED_SELECT = `SELECT ${FEED_COLUMNS} FROM feeds f`;

function prepareAll(db: BetterSqlite3.Database) {
  return {
    allFeeds: db.prepare<[], FeedRow>(`${FEED_SELECT} ORDER BY f.name`),
    oneFeed: db.prepare<[string], FeedRow>(`${FEED_SELECT} WHERE f.name = ?`),
    upsertFeed: db.prepare(`INSERT INTO feeds (name, url, interval_ms, enabled, tags)
      VALUES (@name, @url, @intervalMs, @enabled, @tags)
      ON CONFLICT (name) DO UPDATE SET
        etag          = CASE WHEN feeds.url = excluded.url THEN feeds.etag END,
        last_modified = CASE WHEN feeds.url = excluded.url THEN feeds.last_modified END,
        moved_to      = CASE WHEN feeds.url = excluded.url THEN feeds.moved_to END,
        next_due_at   = CASE WHEN feeds.url = excluded.url THEN feeds.next_due_at END,
        error_count   = CASE WHEN feeds.url = excluded.url THEN feeds.error_count ELSE 0 END,
        failing_since = CASE WHEN feeds.url = excluded.url THEN feeds.failing_since END,
        declared_feeds = CASE WHEN feeds.url = excluded.url THEN feeds.declared_feeds END,
        url = excluded.url, interval_ms = excluded.interval_ms, enabled = excluded.enabled, tags = excluded.tags`),
    disableMissing: db.prepare<[string]>(
      'UPDATE feeds SET enabled = 0 WHERE enabled = 1 AND name NOT IN (SELECT value FROM json_each(?))',
    ),
    pollOk: db.prepare(`UPDATE feeds SET last_status = @status, last_error = NULL, error_count = 0, failing_since = NULL, declared_feeds = NULL,
        etag = coalesce(@etag, etag), last_modified = coalesce(@lastModified, last_modified), moved_to = @movedTo,
        last_fetched_at = @startedAt, next_due_at = @nextDueAt
      WHERE name = @feedName`),
    pollFailed: db.prepare(`UPDATE feeds SET last_status = @status, last_error = @error, error_count = error_count + 1,
        failing_since = coalesce(failing_since, @startedAt), declared_feeds = @declaredFeeds,
        moved_to = coalesce(@movedTo, moved_to), last_fetched_at = @startedAt, next_due_at = @nextDueAt
      WHERE name = @feedName`),
    insertItem: db.prepare<[ReturnType<typeof itemParams>], ItemRow>(`INSERT INTO items (feed_name, guid, link, title,
        description, author, published_at, categories, enclosures, extra, first_seen_at, next_article_attempt_at)
      VALUES (@feedName, @guid, @link, @title, @description, @author, @publishedAt, @categories, @enclosures, @extra,
        @firstSeenAt, @firstSeenAt)
      ON CONFLICT (feed_name, guid) DO NOTHING
      RETURNING ${ITEM_COLUMNS}`),
    pending: db.prepare<[string, number], ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items
      WHERE article_state = 'pending' AND next_article_attempt_at <= ?
      ORDER BY next_article_attempt_at, id LIMIT ?`),
    lease: db.prepare<[string, number]>('UPDATE items SET next_article_attempt_at = ? WHERE id = ?'),
    saveOk: db.prepare(`UPDATE items SET article_state = 'done', article_attempts = article_attempts + 1,
        article_error = NULL, next_article_attempt_at = NULL, article_url = @finalUrl, article_fetched_at = @at,
        article = CASE WHEN article_id IS NULL THEN @article END
      WHERE id = @id`),
    saveFailed: db.prepare(`UPDATE items SET article_state = CASE WHEN @retryAt IS NULL THEN 'failed' ELSE 'pending' END,
        article_attempts = article_attempts + 1, article_error = @error, next_article_attempt_at = @retryAt
      WHERE id = @id`),
    item: db.prepare<[number], ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ?`),
    // An item with a sighting has its text in the revision the sighting names (0012_text_once.sql).
    article: db.prepare<[number], ItemArticleRow>(`SELECT i.id, i.article, i.article_url, i.article_fetched_at, r.packed
      FROM items i LEFT JOIN sightings s ON s.item_id = i.id AND i.article IS NULL
        LEFT JOIN article_revisions r ON r.article_id = s.article_id AND r.revision = s.revision
      WHERE i.id = ? AND i.article_state = 'done'`),
  };
}

type Statements = ReturnType<typeof prepareAll>;

/** Most calls one batch runs (a longer queue takes several turns), so that no batch holds the write lock long. */
const MAX_BATCH = 64;

interface QueuedCall {
  op: string;
  context: Record<string, unknown>;
  fn: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

function prepareBatch(db: BetterSqlite3.Database) {
  const busyTimeoutMs = Number(db.pragma('busy_timeout', { simple: true }));
  return {
    busyTimeoutMs,
    noWait: db.prepare('PRAGMA busy_timeout = 0'),
    restoreWait: db.prepare(`PRAGMA busy_timeout = ${busyTimeoutMs}`),
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT feedwatch_call'),
    release: db.prepare('RELEASE feedwatch_call'),
    rollbackTo: db.prepare('ROLLBACK TO feedwatch_call'),
  };
}
type BatchStatements = ReturnType<typeof prepareBatch>;

/** BEGIN IMMEDIATE if the write lock is free now; false when another connection holds it. */
function beginWithoutWaiting(t: BatchStatements): boolean {
  t.noWait.get();
  try {
    t.begin.run();
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return false;
    throw err;
  } finally {
    t.restoreWait.get();
  }
}

export class SqliteStore implements Store {
  private stmts: Statements | null = null;

  constructor(
    /** The connection; exposed for tests and maintenance commands, not for the pipeline. */
    readonly db: BetterSqlite3.Database,
    private readonly clock: Clock,
    private readonly migrationsDir: URL,
    private readonly claims: ClaimOptions = {},
    /** The file's identity and writability (file-check.ts); null for an in-memory database. */
    private readonly file: SqliteFileCheck | null = null,
    /** The commit gap (`SqliteStoreOptions.commitGapMs`) and the clock and timers that measure it. */
    private readonly grouping: { gapMs: number; timers: Clock & Timers } = { gapMs: 0, timers: { now: systemClock.now, after: systemTimers.after } },
  ) {}

  /** Transactions committed by `flush` (batches of calls), since open: what the commit gap saves shows here. */
  commits = 0;
  /** When the last batch committed (the grouping clock's ms), or null. */
  private lastCommitAt: number | null = null;

  /**
   * A storage fault that holds until restart (src/store/fault.ts): an SQLite error that retrying cannot mend (I/O,
   * read-only, corruption). Once set, every call fails with it.
   */
  private fault: FeedwatchError | null = null;

  /** Why nothing may be read now: a standing fault, or a file that is no longer the one opened. */
  private readFault(): FeedwatchError | null {
    return this.fault ?? this.file?.moved() ?? null;
  }

  /** Why nothing may be written now: as for reads, or a file or directory that cannot be written. */
  private writeFault(): FeedwatchError | null {
    return this.fault ?? this.file?.check() ?? null;
  }

  /** Statements are prepared once, on first use (after migrations created the tables). */
  private get s(): Statements {
    this.stmts ??= prepareAll(this.db);
    return this.stmts;
  }

  /** What the last `migrate()` did (which files it applied, the schema version): for a log line at start. */
  lastMigration: MigrateResult | null = null;

  /** Calls waiting for the next batch, in the order they were made (see the top of this file). */
  private queued: QueuedCall[] = [];
  /** The next flush is scheduled (setImmediate, or a retry timer while another connection holds the write lock). */
  private flushScheduled = false;
  /** Since when (performance.now()) the queued batch has waited for the write lock, or null. */
  private lockWaitSince: number | null = null;
  private batchStmts: BatchStatements | null = null;
  /** A call of a batch is running, in a savepoint of its own (`flush`): it needs no transaction of its own to be atomic. */
  private inBatch = false;

  /** Rows the calls of a batch leave to its end (./deferred.ts): the search index's. */
  private readonly deferrals = new BatchDeferrals();
  private ftsRows: DeferredRows<number, FtsRow> | null = null;
  private get fts(): DeferredRows<number, FtsRow> {
    this.ftsRows ??= deferredFts(this.db, this.deferrals);
    return this.ftsRows;
  }

  /**
   * `fn` as one unit: within a batch, the call's own savepoint already makes it one (what it wrote is rolled back when
   * it throws), so it runs as it is, sparing a transaction function and a nested savepoint per call (about a quarter
   * of the CPU of a 304 poll's write); a call run on its own gets an IMMEDIATE transaction.
   */
  private atomically<T>(fn: () => T): T {
    return this.inBatch ? fn() : this.db.transaction(fn).immediate();
  }

  /** A read: runs now when no write waits, otherwise after the writes made before it. */
  private read<T>(op: string, context: Record<string, unknown>, fn: () => T): Promise<T> {
    if (this.queued.length === 0) {
      const fault = this.readFault();
      if (fault) return Promise.reject(fault);
      try {
        return Promise.resolve(this.guard(op, context, fn));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.enqueue(op, context, fn);
  }

  /** A write: runs in this turn's batch, and settles once the batch is committed. */
  private write<T>(op: string, context: Record<string, unknown>, fn: () => T): Promise<T> {
    return this.enqueue(op, context, fn);
  }

  private enqueue<T>(op: string, context: Record<string, unknown>, fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ op, context, fn, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(delayMs = 0): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const run = () => {
      this.flushScheduled = false;
      this.flush(false);
    };
    const { gapMs, timers } = this.grouping;
    const rest = gapMs > 0 && this.lastCommitAt !== null ? this.lastCommitAt + gapMs - timers.now() : 0;
    if (rest > 0 && rest >= delayMs) timers.after(rest, run);
    else if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  }

  /**
   * Run the queued calls (at most MAX_BATCH; the rest in the next turn) in one IMMEDIATE transaction, each in a
   * savepoint of its own, in call order, and commit once. The write lock is asked for without waiting: while another
   * connection holds it, the batch is tried again a millisecond later and the event loop goes on meanwhile (SQLite's
   * own wait would stall the whole process), until the connection's busy timeout has passed; then it waits as a lone
   * statement would (`wait`: at once, for close()).
   */
  private flush(wait: boolean): void {
    if (this.queued.length === 0) return;
    if (!this.db.open || this.db.inTransaction) {
      // Nothing to batch in: each call runs, and fails, as on its own.
      for (const c of this.takeBatch()) {
        try {
          c.resolve(this.guard(c.op, c.context, c.fn));
        } catch (err) {
          c.reject(err);
        }
      }
      return;
    }
    // A file deleted, replaced or made read-only: nothing of the batch is written (see file-check.ts).
    const fault = this.writeFault();
    if (fault) {
      this.lockWaitSince = null;
      for (const c of this.takeBatch()) c.reject(fault);
      return;
    }
    const t = (this.batchStmts ??= prepareBatch(this.db));
    const since = (this.lockWaitSince ??= performance.now());
    let locked: boolean;
    try {
      locked = wait || performance.now() - since >= t.busyTimeoutMs ? (t.begin.run(), true) : beginWithoutWaiting(t);
    } catch (err) {
      this.lockWaitSince = null;
      for (const c of this.takeBatch()) c.reject(this.noteFault(err) ?? storageError(`${c.op} failed`, { op: c.op, ...c.context }, err));
      return;
    }
    if (!locked) {
      this.scheduleFlush(1);
      return;
    }
    this.lockWaitSince = null;
    const calls = this.takeBatch();
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      for (const c of calls) {
        // SQLite ends a transaction itself on some errors (a full disk, an I/O error): nothing of the batch holds.
        if (!this.db.inTransaction) throw new Error('the transaction was rolled back');
        t.savepoint.run();
        this.deferrals.beginCall();
        let released = false;
        try {
          this.inBatch = true;
          let value: unknown;
          try {
            value = this.guard(c.op, c.context, c.fn);
          } finally {
            this.inBatch = false;
          }
          t.release.run();
          released = true;
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (this.db.inTransaction) {
            t.rollbackTo.run();
            t.release.run();
          }
          outcomes.push({ ok: false, error });
        } finally {
          this.deferrals.endCall(released);
        }
      }
      if (!this.db.inTransaction) throw new Error('the transaction was rolled back');
      // The rows the calls deferred, after the last savepoint: the search index makes one segment of them.
      this.deferrals.writeAll();
      t.commit.run();
      this.commits++;
      this.lastCommitAt = this.grouping.timers.now();
    } catch (err) {
      this.deferrals.discard();
      if (this.db.inTransaction) t.rollback.run();
      for (const c of calls) c.reject(this.noteFault(err) ?? storageError(`${c.op} failed`, { op: c.op, ...c.context }, err));
      return;
    }
    // Committed, but to the file the path still names? If it was deleted or replaced meanwhile, the batch went to a
    // file no one will read: none of it is acknowledged.
    const moved = this.file?.moved() ?? null;
    if (moved) {
      for (const c of calls) c.reject(moved);
      return;
    }
    calls.forEach((c, i) => {
      const o = outcomes[i]!;
      if (o.ok) c.resolve(o.value);
      else c.reject(o.error);
    });
  }

  /** The next batch out of the queue; what remains gets a flush of its own. */
  private takeBatch(): QueuedCall[] {
    const calls = this.queued.splice(0, MAX_BATCH);
    if (this.queued.length > 0) this.scheduleFlush();
    return calls;
  }

  /**
   * A read like any other (after the writes queued before it), so that a stuck write queue shows; it fails with the
   * storage fault (src/store/fault.ts) when the file was deleted or replaced, or it or its directory cannot be written.
   */
  ping(): Promise<void> {
    const fault = this.writeFault();
    if (fault) return Promise.reject(fault);
    return this.read('ping', {}, () => void this.db.prepare('SELECT 1').get());
  }

  async migrate(): Promise<void> {
    this.lastMigration = this.guard('migrate', {}, () => {
      registerTextFunctions(this.db);
      const result = migrateSqlite(this.db, this.migrationsDir, () => new Date(this.clock.now()).toISOString());
      this.reclaimable();
      return result;
    });
  }

  /**
   * A file made before auto_vacuum was set (feedwatch before 0012_text_once) is switched to incremental auto-vacuum by
   * one VACUUM, which also gives back what the migration freed: it rewrites the file, once (about as long as copying
   * it). When another connection is busy the VACUUM is left to the next start.
   */
  private reclaimable(): void {
    if (this.db.pragma('auto_vacuum', { simple: true }) === 2 || this.db.inTransaction) return;
    const wal = this.db.pragma('journal_mode', { simple: true }) === 'wal';
    try {
      // The page size changes only outside WAL mode; leaving it needs the file to itself, else 4 KB pages stay.
      if (wal) this.db.pragma('journal_mode = DELETE');
      if (this.db.pragma('journal_mode', { simple: true }) !== 'wal') this.db.pragma(`page_size = ${PAGE_SIZE}`);
    } catch {
      // Another connection has the file: keep its page size.
    }
    this.db.pragma('auto_vacuum = INCREMENTAL');
    // VACUUM builds the new file in a temporary database: on disk, not in memory (temp_store, see openSqliteStore).
    const temp = this.db.pragma('temp_store', { simple: true });
    this.db.pragma('temp_store = FILE');
    try {
      this.db.exec('VACUUM');
    } catch {
      // Busy (another process has the file open in a transaction): the next start tries again.
    } finally {
      this.db.pragma(`temp_store = ${Number(temp)}`);
      if (wal) this.db.pragma('journal_mode = WAL');
    }
  }

  async syncFeeds(feeds: Feed[]): Promise<void> {
    return this.write('syncFeeds', { feeds: feeds.length }, () =>
      this.db
        .transaction(() => {
          for (const feed of feeds) this.s.upsertFeed.run(feedParams(feed));
          this.s.disableMissing.run(JSON.stringify(feeds.map((f) => f.name)));
        })
        .immediate(),
    );
  }

  async feedStates(): Promise<FeedState[]> {
    return this.read('feedStates', {}, () => this.s.allFeeds.all().map(toFeedState));
  }

  async feedState(name: string): Promise<FeedState | null> {
    return this.read('feedState', { feed: name }, () => {
      const row = this.s.oneFeed.get(name);
      return row ? toFeedState(row) : null;
    });
  }

  async recordPoll(outcome: PollOutcome, items: FeedItem[], nextDueAt: string): Promise<StoredItem[]> {
    const feed = outcome.feedName;
    return this.write('recordPoll', { feed }, () => {
      const startedAt = isoUtc(outcome.startedAt, 'startedAt');
      const state = {
        feedName: feed,
        status: outcome.status,
        movedTo: outcome.movedTo,
        startedAt,
        nextDueAt: isoUtc(nextDueAt, 'nextDueAt'),
      };
      return this.atomically(() => {
        const changed = outcome.ok
          ? this.s.pollOk.run({ ...state, etag: outcome.etag, lastModified: outcome.lastModified })
          : this.s.pollFailed.run({ ...state, error: errorText(outcome.errorKind, outcome.errorMessage), declaredFeeds: declaredFeedsParam(outcome) });
        if (changed.changes === 0) {
          throw new FeedwatchError('storage', `unknown feed "${feed}": syncFeeds must add it before it is polled`, { feed }, { retryable: false });
        }
        const fresh: StoredItem[] = [];
        for (const item of items) {
          const row = this.s.insertItem.get(itemParams(feed, item, startedAt));
          if (row) fresh.push(toStoredItem(row));
        }
        return fresh;
      });
    });
  }

  async pendingArticles(limit: number, now: string, opts: PendingOptions = {}): Promise<StoredItem[]> {
    const leaseMs = this.guard('pendingArticles', { limit }, () => pendingLeaseMs(limit, opts));
    if (leaseMs === 0) return this.read('pendingArticles', { limit }, () => this.s.pending.all(isoUtc(now, 'now'), limit).map(toStoredItem));
    return this.write('pendingArticles', { limit }, () => {
      const at = isoUtc(now, 'now');
      // Claim: select and move the due time forward in one write transaction, so no other connection sees them due.
      const until = new Date(Date.parse(at) + leaseMs).toISOString();
      return this.atomically(() => {
        const rows = this.s.pending.all(at, limit);
        for (const row of rows) this.s.lease.run(until, row.id);
        return rows.map(toStoredItem);
      });
    });
  }

  async saveArticle(itemId: number, outcome: ArticleOutcome, at: string, retryAt: string | null): Promise<void> {
    return this.write('saveArticle', { itemId }, () => {
      const fetchedAt = isoUtc(at, 'at');
      const changed = outcome.ok
        ? this.s.saveOk.run({ id: itemId, at: fetchedAt, finalUrl: outcome.finalUrl, article: JSON.stringify(outcome.article) })
        : this.s.saveFailed.run({ id: itemId, error: errorText(outcome.kind, outcome.reason), retryAt: retryAt === null ? null : isoUtc(retryAt, 'retryAt') });
      if (changed.changes === 0) {
        throw new FeedwatchError('storage', `no item with id ${itemId}`, { itemId }, { retryable: false });
      }
    });
  }

  async getItem(id: number): Promise<StoredItem | null> {
    return this.read('getItem', { itemId: id }, () => {
      const row = this.s.item.get(id);
      return row ? toStoredItem(row) : null;
    });
  }

  async getArticle(itemId: number): Promise<ItemArticle | null> {
    return this.read('getArticle', { itemId }, () => {
      const row = this.s.article.get(itemId);
      return row ? toItemArticle(row) : null;
    });
  }

  // --- AlertStore: the algorithm in ../alerts.ts over the rows of ./alerts.ts ---
  private alertsPart: RowAlertStore | null = null;
  private get alerts(): RowAlertStore {
    this.alertsPart ??= sqliteAlertStore(
      this.db,
      { read: (op, context, fn) => this.read(op, context, fn), write: (op, context, fn) => this.write(op, context, fn) },
      () => this.fts,
      this.claims,
    );
    return this.alertsPart;
  }
  saveAlertDoc = (doc: AlertDocRecord) => this.alerts.saveAlertDoc(doc);
  getAlertDoc = (articleId: number) => this.alerts.getAlertDoc(articleId);
  searchCandidates = (rule: CompiledRule | null, page: SearchPage) => this.alerts.searchCandidates(rule, page);
  recordMatch = (m: NewMatch) => this.alerts.recordMatch(m);
  pending = (now: string, limit: number, opts?: PendingClaimOptions) => this.alerts.pending(now, limit, opts);
  renewClaims: AlertStore['renewClaims'] = (now, leaseMs) => this.alerts.renewClaims(now, leaseMs);
  assignMessage: AlertStore['assignMessage'] = (ids, messageId) => this.alerts.assignMessage(ids, messageId);
  releaseClaims: AlertStore['releaseClaims'] = () => this.alerts.releaseClaims();
  markDelivered: AlertStore['markDelivered'] = (id, f) => this.alerts.markDelivered(id, f);
  markFailed: AlertStore['markFailed'] = (id, f) => this.alerts.markFailed(id, f);
  deliveries = (filter?: DeliveryFilter) => this.alerts.deliveries(filter);
  retryDelivery: AlertStore['retryDelivery'] = (id, now) => this.alerts.retryDelivery(id, now);
  alertedClusters: AlertStore['alertedClusters'] = (rule, clusterIds) => this.alerts.alertedClusters(rule, clusterIds);
  feedHealthAlerts: AlertStore['feedHealthAlerts'] = () => this.alerts.feedHealthAlerts();
  recordHealthTransition: AlertStore['recordHealthTransition'] = (t, alert) => this.alerts.recordHealthTransition(t, alert);

  // --- ArticleStore: implemented in ./articles.ts ---
  private articlesPart: SqliteArticles | null = null;
  private get articles(): SqliteArticles {
    this.articlesPart ??= new SqliteArticles(this.db);
    return this.articlesPart;
  }
  async findDuplicates(input: DedupInput): Promise<DedupFound> {
    return this.read('findDuplicates', { feed: input.feedName, url: input.url }, () => this.articles.findDuplicates(input));
  }
  async storeArticle(req: StoreArticleRequest): Promise<StoredArticle> {
    return this.write('storeArticle', { itemId: req.itemId }, () => this.articles.storeArticle(req));
  }
  async story(clusterId: number): Promise<Story | null> {
    return this.read('story', { clusterId }, () => this.articles.story(clusterId));
  }

  // --- RetentionStore: implemented in ./retention.ts ---
  private retentionPart: SqliteRetention | null = null;
  async pruneExpired(req: PruneRequest): Promise<PruneBatch> {
    return this.write('pruneExpired', { before: req.before }, () => (this.retentionPart ??= new SqliteRetention(this.db, () => this.fts.writePending())).pruneExpired(req));
  }

  // --- BoilerplateStore: implemented in ./boilerplate.ts ---
  private boilerplatePart: SqliteBoilerplate | null = null;
  private get boilerplate(): SqliteBoilerplate {
    this.boilerplatePart ??= new SqliteBoilerplate(this.db);
    return this.boilerplatePart;
  }
  recordParagraphs = (req: RecordParagraphsRequest) => this.write('recordParagraphs', { host: req.host }, () => this.boilerplate.recordParagraphs(req));
  learnedBoilerplate = (host: string) => this.read('learnedBoilerplate', { host }, () => this.boilerplate.learnedBoilerplate(host));
  boilerplateEntries = (filter?: BoilerplateFilter) => this.read('boilerplateEntries', {}, () => this.boilerplate.boilerplateEntries(filter));
  recleanCandidates = (req: RecleanCandidatesRequest) => this.read('recleanCandidates', { host: req.host }, () => this.boilerplate.recleanCandidates(req));
  recleanArticle = (req: RecleanArticleRequest) => this.write('recleanArticle', { articleId: req.articleId }, () => this.boilerplate.recleanArticle(req));
  moveRecleanCursor = (host: string, from: number, to: number | null) => this.write('moveRecleanCursor', { host }, () => this.boilerplate.moveRecleanCursor(host, from, to));

  // --- ActivityStore: implemented in ./activity.ts ---
  private activityPart: SqliteActivity | null = null;
  private get activity(): SqliteActivity {
    this.activityPart ??= new SqliteActivity(this.db);
    return this.activityPart;
  }
  feedOverview = () => this.read('feedOverview', {}, () => this.activity.feedOverview());
  itemsPerHour = (since: string, until: string) =>
    this.read('itemsPerHour', { since, until }, () => {
      checkSpan(since, until);
      return this.activity.itemsPerHour(isoUtc(since, 'since'), isoUtc(until, 'until'));
    });

  async close(): Promise<void> {
    // A store that sent alerts leaves its claims to the others at once; then what was called before close is done.
    const released = this.alertsPart !== null && this.db.open ? this.alertsPart.releaseClaims().catch(() => undefined) : null;
    while (this.queued.length > 0) this.flush(true);
    await released;
    if (this.db.open) this.db.close();
  }

  /** Run `fn`, turning driver errors into a storage FeedwatchError that names the operation. */
  private guard<T>(op: string, context: Record<string, unknown>, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof FeedwatchError) throw err;
      throw this.noteFault(err) ?? storageError(`${op} failed`, { op, ...context }, err);
    }
  }

  /** The storage fault an SQLite error means, now standing (see `fault`); null for an error that may pass. */
  private noteFault(err: unknown): FeedwatchError | null {
    if (this.file === null) return null;
    const fault = sqliteCodeFault((err as { code?: unknown } | null)?.code, this.file.path, err instanceof Error ? err.message : String(err), err);
    if (fault) this.fault ??= fault;
    return this.fault;
  }
}

function storageError(what: string, context: Record<string, unknown>, err: unknown): FeedwatchError {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return new FeedwatchError('storage', `${what}: ${message}`, { ...context, code: typeof code === 'string' ? code : null }, {
    cause: err,
    // A constraint violation will fail again; a busy or full database may not.
    retryable: !(typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')),
  });
}

/**
 * The PostgreSQL storage (pg Pool), for distributed mode: several workers on several hosts share one database.
 * Migrations from src/store/migrations/postgres are applied on open under an advisory lock. A poll is one
 * transaction whose items go in as one multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING per chunk of
 * rows, so two workers recording the same poll store each item once. `pendingArticles` with a lease claims
 * rows with FOR UPDATE SKIP LOCKED, so workers asking at once get disjoint items. Every failure surfaces as a
 * FeedwatchError of kind 'storage' whose text never holds the connection URL or its password.
 */
import pg from 'pg';
import { systemClock, type Clock } from '../../clock.js';
import { FeedwatchError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ArticleOutcome, DedupFound, DedupInput, Feed, FeedItem, FeedState, PollOutcome, StoredArticle, StoredItem } from '../../model.js';
import type { MigrateResult } from '../migrate.js';
import { declaredFeedsParam, errorText, isoUtc, itemParams, pendingLeaseMs } from '../rows.js';
import type { ItemArticle, PendingOptions, Store } from '../store.js';
import type { AlertDocRecord, AlertStore, ClaimOptions, DeliveryFilter, PendingClaimOptions, RowAlertStore, SearchPage } from '../alerts.js';
import type { CompiledRule } from '../../alerts/match.js';
import type { NewMatch } from '../../alerts/deliver.js';
import { postgresAlertStore } from './alerts.js';
import { checkSpan } from '../activity.js';
import { PostgresActivity } from './activity.js';
import type { StoreArticleRequest, Story } from '../articles.js';
import { PostgresArticles } from './articles.js';
import type { PruneBatch, PruneRequest } from '../retention.js';
import { PostgresRetention } from './retention.js';
import type { BoilerplateFilter, RecleanArticleRequest, RecleanCandidatesRequest, RecordParagraphsRequest } from '../boilerplate.js';
import { PostgresBoilerplate } from './boilerplate.js';
import { redact, safeTarget } from './errors.js';
import { migratePostgres } from './migrate.js';
import { guarded, inTransaction } from './tx.js';
import { FEED_COLUMNS, ITEM_COLUMNS, cleanJsonText, cleanText, jsonParam, toFeedState, toItemArticle, toStoredItem, type ArticleRow, type FeedRow, type ItemRow } from './rows.js';

/** The migrations shipped with this module (the build copies src/store/migrations to dist/store/migrations). */
export const postgresMigrationsDir = new URL('../migrations/postgres/', import.meta.url);

/** Most items `pendingArticles` returns at once (the same for every driver). */
export { MAX_PENDING_LIMIT } from '../rows.js';

/** Rows per multi-row INSERT of a poll's items. */
export const INSERT_CHUNK_ROWS = 500;

/** Key of the transaction lock that serializes `syncFeeds` between workers ("FWSF"). */
const SYNC_LOCK_KEY = 0x46575346;

export interface PostgresStoreOptions {
  /** Schema to work in (tables and migrations); default: the server's search_path. Letters, digits, `_`. */
  schema?: string;
  /** Most connections in the pool. Default 10. */
  maxConnections?: number;
  /** How long to wait for a new connection before failing. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
  /** Source of `applied_at` in schema_migrations. Default: the system clock. */
  clock?: Clock;
  /** Folder of numbered .sql files. Default: `postgresMigrationsDir`. */
  migrationsDir?: URL;
  /** Where errors of pooled connections go (the pool drops those connections itself). */
  logger?: Logger;
  /** Server-side timeouts set on every connection of the pool. Default `DEFAULT_PG_TIMEOUTS`. */
  timeouts?: PostgresTimeouts;
  /** Whose claims on deliveries this store makes (see src/store/claim-owner.ts). Default: this process. */
  claims?: ClaimOptions;
}

/**
 * Server-side limits of every pooled connection, in milliseconds (0: the server's own setting). They are sent as
 * startup parameters, so they hold on every connection the pool opens, from its first statement:
 *  - `statementMs` (statement_timeout): a statement running longer is cancelled (SQLSTATE 57014);
 *  - `lockMs` (lock_timeout): a statement waiting longer for a lock (a row, a table, an advisory lock) is
 *    cancelled (55P03), so one stuck transaction cannot stall every writer behind it;
 *  - `idleInTransactionMs` (idle_in_transaction_session_timeout): a session that holds a transaction open
 *    without running a statement for longer is ended by the server (25P03), releasing its locks.
 * Each failure becomes a retryable storage FeedwatchError whose context names the limit (`timeout`, see
 * `pgStorageError`).
 */
export interface PostgresTimeouts {
  statementMs: number;
  lockMs: number;
  idleInTransactionMs: number;
}

/** The defaults of `storage.statementTimeout`, `storage.lockTimeout` and `storage.idleInTransactionTimeout`. */
export const DEFAULT_PG_TIMEOUTS: Readonly<PostgresTimeouts> = { statementMs: 30_000, lockMs: 5_000, idleInTransactionMs: 60_000 };

/** The pool settings `openPostgresStore` uses for a connection string (exported so that tests check the very same). */
export function postgresPoolConfig(connectionString: string, opts: Pick<PostgresStoreOptions, 'maxConnections' | 'connectTimeoutMs' | 'timeouts'> = {}): pg.PoolConfig {
  const t = opts.timeouts ?? DEFAULT_PG_TIMEOUTS;
  for (const [name, v] of Object.entries(t)) {
    if (!Number.isInteger(v) || v < 0) throw new FeedwatchError('storage', `PostgreSQL timeout ${name} must be a whole number of milliseconds ≥ 0, not ${v}`, { [name]: v }, { retryable: false });
  }
  return {
    connectionString,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    application_name: 'feedwatch',
    // 0 is not sent at all (pg skips falsy values): the server's setting applies.
    statement_timeout: t.statementMs,
    lock_timeout: t.lockMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
  };
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Connect a pool to `url`, check the connection and migrate. `url` never appears in errors or logs. */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const target = safeTarget(url);
  let connectionString: string;
  try {
    const parsed = new URL(url);
    if (opts.schema !== undefined) {
      if (!SCHEMA_NAME.test(opts.schema)) {
        throw new FeedwatchError('storage', `schema "${opts.schema}" must be letters, digits and _`, { schema: opts.schema }, { retryable: false });
      }
      // pg lets the URL override separate settings, so the schema goes into the URL's startup options.
      const given = parsed.searchParams.get('options');
      parsed.searchParams.set('options', `${given ? `${given} ` : ''}-c search_path=${opts.schema}`);
    }
    connectionString = parsed.href;
  } catch (err) {
    if (err instanceof FeedwatchError) throw err;
    throw new FeedwatchError('storage', 'the PostgreSQL URL is not a valid URL (expected postgres://user:password@host:5432/database)', { ...target }, { retryable: false });
  }
  const pool = new pg.Pool(postgresPoolConfig(connectionString, opts));
  pool.on('error', (err) => {
    opts.logger?.warn({ ...target, err_message: redact(err.message, url) }, 'an idle PostgreSQL connection failed; the pool drops it');
  });
  // The pool listens for errors of idle connections only. A connection checked out (in a transaction, or between
  // a transaction's statements) whose server session ends — terminated by an administrator, by
  // idle_in_transaction_session_timeout, by a restart — would emit an 'error' nobody handles and bring the
  // process down. Every connection gets its own listener for its whole life; the statement in flight still
  // fails with the error, and the pool discards the connection when it is released.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      opts.logger?.warn({ ...target, err_message: redact(err.message, url) }, 'a PostgreSQL connection in use failed; it is discarded');
    });
  });
  const store = new PostgresStore(pool, url, opts.clock ?? systemClock, opts.migrationsDir ?? postgresMigrationsDir, opts.claims ?? {});
  try {
    await store.ping();
    if (opts.migrate !== false) await store.migrate();
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

const FEED_SELECT = `SELECT ${FEED_COLUMNS} FROM feeds f`;

const UPSERT_FEEDS = `INSERT INTO feeds AS f (name, url, interval_ms, enabled, tags)
  SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::bool[], $5::jsonb[])
  ON CONFLICT (name) DO UPDATE SET
    etag          = CASE WHEN f.url = excluded.url THEN f.etag END,
    last_modified = CASE WHEN f.url = excluded.url THEN f.last_modified END,
    moved_to      = CASE WHEN f.url = excluded.url THEN f.moved_to END,
    next_due_at   = CASE WHEN f.url = excluded.url THEN f.next_due_at END,
    error_count   = CASE WHEN f.url = excluded.url THEN f.error_count ELSE 0 END,
    failing_since = CASE WHEN f.url = excluded.url THEN f.failing_since END,
    declared_feeds = CASE WHEN f.url = excluded.url THEN f.declared_feeds END,
    url = excluded.url, interval_ms = excluded.interval_ms, enabled = excluded.enabled, tags = excluded.tags`;

const POLL_OK = `UPDATE feeds SET last_status = $2, last_error = NULL, error_count = 0, failing_since = NULL, declared_feeds = NULL,
    etag = coalesce($3, etag), last_modified = coalesce($4, last_modified), moved_to = $5,
    last_fetched_at = $6, next_due_at = $7
  WHERE name = $1`;

const POLL_FAILED = `UPDATE feeds SET last_status = $2, last_error = $3, error_count = error_count + 1,
    failing_since = coalesce(failing_since, $5), declared_feeds = $7::jsonb,
    moved_to = coalesce($4, moved_to), last_fetched_at = $5, next_due_at = $6
  WHERE name = $1`;

// One statement per chunk: the rows come in as one array per column, in input order (so ids follow it).
const INSERT_ITEMS = `INSERT INTO items (feed_name, guid, link, title, description, author, published_at,
    categories, enclosures, extra, first_seen_at, next_article_attempt_at)
  SELECT $1::text, u.guid, u.link, u.title, u.description, u.author, u.published_at, u.categories, u.enclosures, u.extra,
    $2::timestamptz, $2::timestamptz
  FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::jsonb[], $11::jsonb[])
    WITH ORDINALITY AS u (guid, link, title, description, author, published_at, categories, enclosures, extra, n)
  ORDER BY u.n
  ON CONFLICT (feed_name, guid) DO NOTHING
  RETURNING ${ITEM_COLUMNS}`;

const PENDING = `SELECT ${ITEM_COLUMNS} FROM items
  WHERE article_state = 'pending' AND next_article_attempt_at <= $1
  ORDER BY next_article_attempt_at, id LIMIT $2`;

// Claims due items: rows another worker is claiming right now are skipped, not waited for.
const CLAIM = `WITH due AS (
    SELECT id, next_article_attempt_at AS due_at FROM items
    WHERE article_state = 'pending' AND next_article_attempt_at <= $1
    ORDER BY next_article_attempt_at, id LIMIT $2
    FOR UPDATE SKIP LOCKED)
  UPDATE items SET next_article_attempt_at = $1::timestamptz + $3::int8 * interval '1 millisecond'
  FROM due WHERE items.id = due.id
  RETURNING due.due_at, ${ITEM_COLUMNS.replace(/\b(\w+)\b/g, 'items.$1')}`;

const SAVE_OK = `UPDATE items SET article_state = 'done', article_attempts = article_attempts + 1, article_error = NULL,
    next_article_attempt_at = NULL, article_url = $2, article_fetched_at = $3, article = CASE WHEN article_id IS NULL THEN $4::jsonb END
  WHERE id = $1`;

// An item with a sighting has its text in the revision the sighting names (0012_text_once.sql).
const GET_ARTICLE = `SELECT i.id, coalesce(i.article, r.article) AS article, i.article_url, i.article_fetched_at
  FROM items i LEFT JOIN sightings s ON s.item_id = i.id AND i.article IS NULL
    LEFT JOIN article_revisions r ON r.article_id = s.article_id AND r.revision = s.revision
  WHERE i.id = $1 AND i.article_state = 'done'`;

const SAVE_FAILED = `UPDATE items SET article_state = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
    article_attempts = article_attempts + 1, article_error = $2, next_article_attempt_at = $3
  WHERE id = $1`;

export class PostgresStore implements Store {
  private closed = false;
  /** What the last `migrate()` did (which files it applied, the schema version): for a log line at start. */
  lastMigration: MigrateResult | null = null;

  constructor(
    /** The pool; exposed for tests and maintenance commands, not for the pipeline. Never log it: it holds the URL. */
    readonly pool: pg.Pool,
    private readonly url: string,
    private readonly clock: Clock,
    private readonly migrationsDir: URL,
    private readonly claims: ClaimOptions = {},
  ) {}

  /** One round trip, so that a wrong URL or a server that is down fails at open with a clear message. */
  async ping(): Promise<void> {
    await this.guard('connect', {}, () => this.pool.query('SELECT 1'));
  }

  async migrate(): Promise<void> {
    this.lastMigration = await this.guard('migrate', {}, () =>
      migratePostgres(this.pool, this.migrationsDir, () => new Date(this.clock.now()).toISOString()),
    );
  }

  async syncFeeds(feeds: Feed[]): Promise<void> {
    // The last entry of a repeated name wins, as in SQLite; sorted so that concurrent upserts lock in one order.
    const byName = new Map(feeds.map((f) => [f.name, f]));
    const list = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names = list.map((f) => cleanText(f.name));
    await this.guard('syncFeeds', { feeds: list.length }, () =>
      inTransaction(this.pool, async (client) => {
        // Two workers syncing different configs at once would otherwise lock rows in crossing orders.
        await client.query('SELECT pg_advisory_xact_lock($1)', [SYNC_LOCK_KEY]);
        await client.query(UPSERT_FEEDS, [
          names,
          list.map((f) => cleanText(f.url)),
          list.map((f) => f.intervalMs),
          list.map((f) => f.enabled),
          list.map((f) => jsonParam(f.tags ?? [])),
        ]);
        await client.query('UPDATE feeds SET enabled = false WHERE enabled AND NOT (name = ANY ($1::text[]))', [names]);
      }),
    );
  }

  async feedStates(): Promise<FeedState[]> {
    return this.guard('feedStates', {}, async () => (await this.pool.query<FeedRow>(`${FEED_SELECT} ORDER BY f.name`)).rows.map(toFeedState));
  }

  async feedState(name: string): Promise<FeedState | null> {
    return this.guard('feedState', { feed: name }, async () => {
      const { rows } = await this.pool.query<FeedRow>(`${FEED_SELECT} WHERE f.name = $1`, [name]);
      return rows[0] ? toFeedState(rows[0]) : null;
    });
  }

  async recordPoll(outcome: PollOutcome, items: FeedItem[], nextDueAt: string): Promise<StoredItem[]> {
    const feed = outcome.feedName;
    return this.guard('recordPoll', { feed }, async () => {
      // Everything that can be checked is checked before the transaction starts.
      const startedAt = isoUtc(outcome.startedAt, 'startedAt');
      const due = isoUtc(nextDueAt, 'nextDueAt');
      const params = items.map((item) => itemParams(feed, item, startedAt));
      return inTransaction(this.pool, async (client) => {
        // The feed row is updated first: it locks the row, so polls of one feed queue up behind each other.
        const changed = outcome.ok
          ? await client.query(POLL_OK, [feed, outcome.status, cleanText(outcome.etag), cleanText(outcome.lastModified), cleanText(outcome.movedTo), startedAt, due])
          : await client.query(POLL_FAILED, [feed, outcome.status, cleanText(errorText(outcome.errorKind, outcome.errorMessage)), cleanText(outcome.movedTo), startedAt, due, declaredFeedsParam(outcome)]);
        if (changed.rowCount === 0) {
          throw new FeedwatchError('storage', `unknown feed "${feed}": syncFeeds must add it before it is polled`, { feed }, { retryable: false });
        }
        const inserted = new Map<string, StoredItem>();
        for (let i = 0; i < params.length; i += INSERT_CHUNK_ROWS) {
          const chunk = params.slice(i, i + INSERT_CHUNK_ROWS);
          const { rows } = await client.query<ItemRow>(INSERT_ITEMS, [
            feed,
            startedAt,
            chunk.map((p) => cleanText(p.guid)),
            chunk.map((p) => cleanText(p.link)),
            chunk.map((p) => cleanText(p.title)),
            chunk.map((p) => cleanText(p.description)),
            chunk.map((p) => cleanText(p.author)),
            chunk.map((p) => cleanText(p.publishedAt)),
            chunk.map((p) => cleanJsonText(p.categories)),
            chunk.map((p) => cleanJsonText(p.enclosures)),
            chunk.map((p) => cleanJsonText(p.extra)),
          ]);
          for (const row of rows) inserted.set(row.guid, toStoredItem(row));
        }
        // RETURNING promises no order: answer in the order of the input, each new item once.
        const fresh: StoredItem[] = [];
        for (const p of params) {
          const stored = inserted.get(cleanText(p.guid));
          if (stored) {
            fresh.push(stored);
            inserted.delete(stored.guid);
          }
        }
        return fresh;
      });
    });
  }

  async pendingArticles(limit: number, now: string, opts: PendingOptions = {}): Promise<StoredItem[]> {
    return this.guard('pendingArticles', { limit }, async () => {
      const leaseMs = pendingLeaseMs(limit, opts);
      const at = isoUtc(now, 'now');
      if (leaseMs === 0) return (await this.pool.query<ItemRow>(PENDING, [at, limit])).rows.map(toStoredItem);
      const { rows } = await this.pool.query<ItemRow & { due_at: Date }>(CLAIM, [at, limit, leaseMs]);
      rows.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || Number(a.id) - Number(b.id));
      return rows.map(toStoredItem);
    });
  }

  async saveArticle(itemId: number, outcome: ArticleOutcome, at: string, retryAt: string | null): Promise<void> {
    await this.guard('saveArticle', { itemId }, async () => {
      const fetchedAt = isoUtc(at, 'at');
      const changed = outcome.ok
        ? await this.pool.query(SAVE_OK, [itemId, cleanText(outcome.finalUrl), fetchedAt, jsonParam(outcome.article)])
        : await this.pool.query(SAVE_FAILED, [itemId, cleanText(errorText(outcome.kind, outcome.reason)), retryAt === null ? null : isoUtc(retryAt, 'retryAt')]);
      if (changed.rowCount === 0) {
        throw new FeedwatchError('storage', `no item with id ${itemId}`, { itemId }, { retryable: false });
      }
    });
  }

  async getItem(id: number): Promise<StoredItem | null> {
    return this.guard('getItem', { itemId: id }, async () => {
      const { rows } = await this.pool.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1`, [id]);
      return rows[0] ? toStoredItem(rows[0]) : null;
    });
  }

  async getArticle(itemId: number): Promise<ItemArticle | null> {
    return this.guard('getArticle', { itemId }, async () => {
      const { rows } = await this.pool.query<ArticleRow>(GET_ARTICLE, [itemId]);
      return rows[0] ? toItemArticle(rows[0]) : null;
    });
  }

  // --- AlertStore: the algorithm in ../alerts.ts over the rows of ./alerts.ts ---
  private alertsPart: RowAlertStore | null = null;
  private get alerts(): RowAlertStore {
    if (this.closed) throw new FeedwatchError('storage', 'the store is closed', {}, { retryable: false });
    this.alertsPart ??= postgresAlertStore(this.pool, this.url, this.claims);
    return this.alertsPart;
  }
  saveAlertDoc = async (doc: AlertDocRecord) => this.alerts.saveAlertDoc(doc);
  getAlertDoc = async (articleId: number) => this.alerts.getAlertDoc(articleId);
  searchCandidates = async (rule: CompiledRule | null, page: SearchPage) => this.alerts.searchCandidates(rule, page);
  recordMatch = async (m: NewMatch) => this.alerts.recordMatch(m);
  pending = async (now: string, limit: number, opts?: PendingClaimOptions) => this.alerts.pending(now, limit, opts);
  renewClaims: AlertStore['renewClaims'] = async (now, leaseMs) => this.alerts.renewClaims(now, leaseMs);
  assignMessage: AlertStore['assignMessage'] = async (ids, messageId) => this.alerts.assignMessage(ids, messageId);
  releaseClaims: AlertStore['releaseClaims'] = async () => this.alerts.releaseClaims();
  markDelivered: AlertStore['markDelivered'] = async (id, f) => this.alerts.markDelivered(id, f);
  markFailed: AlertStore['markFailed'] = async (id, f) => this.alerts.markFailed(id, f);
  deliveries = async (filter?: DeliveryFilter) => this.alerts.deliveries(filter);
  retryDelivery: AlertStore['retryDelivery'] = async (id, now) => this.alerts.retryDelivery(id, now);
  alertedClusters: AlertStore['alertedClusters'] = async (rule, clusterIds) => this.alerts.alertedClusters(rule, clusterIds);
  feedHealthAlerts: AlertStore['feedHealthAlerts'] = async () => this.alerts.feedHealthAlerts();
  recordHealthTransition: AlertStore['recordHealthTransition'] = async (t, alert) => this.alerts.recordHealthTransition(t, alert);

  // --- ArticleStore: implemented in ./articles.ts ---
  private articlesPart: PostgresArticles | null = null;
  private get articles(): PostgresArticles {
    this.articlesPart ??= new PostgresArticles(this.pool);
    return this.articlesPart;
  }
  async findDuplicates(input: DedupInput): Promise<DedupFound> {
    return this.guard('findDuplicates', { feed: input.feedName }, () => this.articles.findDuplicates(input));
  }
  async storeArticle(req: StoreArticleRequest): Promise<StoredArticle> {
    return this.guard('storeArticle', { itemId: req.itemId }, () => this.articles.storeArticle(req));
  }
  async story(clusterId: number): Promise<Story | null> {
    return this.guard('story', { clusterId }, () => this.articles.story(clusterId));
  }

  // --- RetentionStore: implemented in ./retention.ts ---
  private retentionPart: PostgresRetention | null = null;
  async pruneExpired(req: PruneRequest): Promise<PruneBatch> {
    return this.guard('pruneExpired', { before: req.before }, () => (this.retentionPart ??= new PostgresRetention(this.pool)).pruneExpired(req));
  }

  // --- BoilerplateStore: implemented in ./boilerplate.ts ---
  private boilerplatePart: PostgresBoilerplate | null = null;
  private get boilerplate(): PostgresBoilerplate {
    this.boilerplatePart ??= new PostgresBoilerplate(this.pool);
    return this.boilerplatePart;
  }
  recordParagraphs = (req: RecordParagraphsRequest) => this.guard('recordParagraphs', { host: req.host }, () => this.boilerplate.recordParagraphs(req));
  learnedBoilerplate = (host: string) => this.guard('learnedBoilerplate', { host }, () => this.boilerplate.learnedBoilerplate(host));
  boilerplateEntries = (filter?: BoilerplateFilter) => this.guard('boilerplateEntries', {}, () => this.boilerplate.boilerplateEntries(filter));
  recleanCandidates = (req: RecleanCandidatesRequest) => this.guard('recleanCandidates', { host: req.host }, () => this.boilerplate.recleanCandidates(req));
  recleanArticle = (req: RecleanArticleRequest) => this.guard('recleanArticle', { articleId: req.articleId }, () => this.boilerplate.recleanArticle(req));
  moveRecleanCursor = (host: string, from: number, to: number | null) => this.guard('moveRecleanCursor', { host }, () => this.boilerplate.moveRecleanCursor(host, from, to));

  // --- ActivityStore: implemented in ./activity.ts ---
  private activityPart: PostgresActivity | null = null;
  private get activity(): PostgresActivity {
    this.activityPart ??= new PostgresActivity(this.pool);
    return this.activityPart;
  }
  feedOverview = () => this.guard('feedOverview', {}, () => this.activity.feedOverview());
  itemsPerHour = (since: string, until: string) =>
    this.guard('itemsPerHour', { since, until }, async () => {
      checkSpan(since, until);
      return this.activity.itemsPerHour(isoUtc(since, 'since'), isoUtc(until, 'until'));
    });

  async close(): Promise<void> {
    if (this.closed) return;
    // A store that sent alerts leaves its claims to the others at once.
    await this.alertsPart?.releaseClaims().catch(() => undefined);
    this.closed = true;
    await this.pool.end();
  }

  /** Run `fn`, turning driver errors into a redacted storage FeedwatchError that names the operation. */
  private async guard<T>(op: string, context: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new FeedwatchError('storage', `${op} failed: the store is closed`, { op, ...context }, { retryable: false });
    return guarded(this.url, op, op === 'connect' ? { ...safeTarget(this.url), ...context } : context, fn);
  }
}

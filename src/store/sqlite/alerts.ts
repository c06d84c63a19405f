/**
 * The alert rows on SQLite (tables of migrations/sqlite/0003_alerts.sql, 0007_delivery_ids.sql and 0012_text_once.sql): SQL and type
 * conversion only; the algorithm is RowAlertStore (../alerts.ts). Alert documents with their FTS5 entry, (rule,
 * cluster) matches with their deliveries, claims and message ids. Every algorithm runs synchronously
 * (better-sqlite3) in SqliteStore's read or write path; a `transaction` is one IMMEDIATE transaction, so two
 * connections to one file never record a match twice nor claim one delivery together.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { DeliveryRecord, DeliveryStatus, NewMatch } from '../../alerts/deliver.js';
import { ftsQuery } from '../../alerts/fts-query.js';
import type { CompiledRule } from '../../alerts/match.js';
import type { AlertItem } from '../../alerts/message.js';
import { lemmaText } from '../../alerts/morphology.js';
import { RowAlertStore, type AlertedHealth, type FeedHealthRecord, type HealthTransition, type AlertDocRecord, type SavedAlertDoc, type CandidatePage, type DeliveryQuery, type AlertRows, type AlertRowsRunner, type ClaimOptions } from '../alerts.js';
import { runSync, type Steps } from '../steps.js';
import { DeferredRows, type BatchDeferrals } from './deferred.js';
import { bodyText, unpackArticle } from './packed.js';

interface DocRow {
  article_id: number;
  cluster_id: string;
  feed: string;
  url: string | null;
  title: string;
  lead: string;
  body: string;
  tags: string;
  published_at: string | null;
  analyzed_by: string;
  stored_at: string;
  /** The revision the body is, packed, when `body` is NULL. */
  packed: Buffer | null;
}

interface DeliveryRow {
  id: number;
  rule: string;
  cluster_id: string;
  article_id: number;
  channel: string;
  item: string;
  digest: number;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  due_at: string;
  delivered_at: string | null;
  updated_at: string;
  message_id: string | null;
}

const DOC_COLUMNS = 'article_id, cluster_id, feed, url, title, lead, body, tags, published_at, analyzed_by, stored_at';
/** A document with the revision its body refers to (0012_text_once.sql): `FROM ${DOC_FROM} WHERE ...`. */
const DOC_SELECT = `SELECT d.article_id, d.cluster_id, d.feed, d.url, d.title, d.lead, d.body, d.tags, d.published_at, d.analyzed_by,
    d.stored_at, r.packed
  FROM alert_docs d LEFT JOIN article_revisions r ON d.body IS NULL AND r.article_id = d.article_id AND r.revision = d.body_revision`;
const DELIVERY_COLUMNS = 'id, rule, cluster_id, article_id, channel, item, digest, status, attempts, last_error, due_at, delivered_at, updated_at, message_id';

const DOC_FILTER = 'AND (@feed IS NULL OR d.feed = @feed) AND (@since IS NULL OR d.stored_at >= @since)';
const DELIVERY_FILTER = '(@status IS NULL OR status = @status) AND (@rule IS NULL OR rule = @rule) AND (@before IS NULL OR id < @before)';
type DeliveryParams = { status: string | null; rule: string | null; limit: number; before: number | null };

function prepareAll(db: BetterSqlite3.Database) {
  return {
    upsertDoc: db.prepare(`INSERT INTO alert_docs (${DOC_COLUMNS}, body_revision)
      VALUES (@articleId, @clusterId, @feed, @url, @title, @lead, @body, @tags, @publishedAt, @analyzedBy, @storedAt, @bodyRevision)
      ON CONFLICT (article_id) DO UPDATE SET cluster_id = excluded.cluster_id, feed = excluded.feed, url = excluded.url,
        title = excluded.title, lead = excluded.lead, body = excluded.body, body_revision = excluded.body_revision,
        tags = excluded.tags, published_at = excluded.published_at, analyzed_by = excluded.analyzed_by,
        stored_at = excluded.stored_at`),
    currentBody: db.prepare<[number], { revision: number; packed: Buffer }>(`SELECT a.revision, r.packed FROM articles a
      JOIN article_revisions r ON r.article_id = a.id AND r.revision = a.revision WHERE a.id = ?`),
    doc: db.prepare<[number], DocRow>(`${DOC_SELECT} WHERE d.article_id = ?`),
    candidatesAll: db.prepare<{ before: number; limit: number; feed: string | null; since: string | null }, DocRow>(
      `${DOC_SELECT} WHERE d.article_id < @before ${DOC_FILTER} ORDER BY d.article_id DESC LIMIT @limit`,
    ),
    candidatesFts: db.prepare<{ before: number; limit: number; q: string; lem: string; feed: string | null; since: string | null }, DocRow>(
      `${DOC_SELECT}
       WHERE d.article_id < @before ${DOC_FILTER}
         AND (d.analyzed_by <> @lem OR d.article_id IN (SELECT rowid FROM alert_fts WHERE alert_fts MATCH @q))
       ORDER BY d.article_id DESC LIMIT @limit`,
    ),
    insertMatch: db.prepare(`INSERT INTO alert_matches (rule, cluster_id, article_id, matched_at)
      VALUES (@rule, @clusterId, @articleId, @matchedAt) ON CONFLICT (rule, cluster_id) DO NOTHING`),
    insertDelivery: db.prepare(`INSERT INTO alert_deliveries (rule, cluster_id, article_id, channel, item, digest, due_at, created_at, updated_at)
      VALUES (@rule, @clusterId, @articleId, @channel, @item, @digest, @dueAt, @matchedAt, @matchedAt)`),
    anyDue: db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM alert_deliveries WHERE status = 'pending' AND due_at <= ? LIMIT 1`),
    owners: db.prepare<[string], { claimed_by: string }>(
      `SELECT DISTINCT claimed_by FROM alert_deliveries WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_until > ?`,
    ),
    dropClaims: db.prepare<[string]>(`UPDATE alert_deliveries SET claimed_by = NULL, claimed_until = NULL
      WHERE status = 'pending' AND claimed_by IN (SELECT value FROM json_each(?))`),
    dueIds: db.prepare<{ now: string; me: string; limit: number }, { id: number }>(`SELECT id FROM alert_deliveries
      WHERE status = 'pending' AND due_at <= @now AND (claimed_until IS NULL OR claimed_until <= @now OR claimed_by = @me)
      ORDER BY due_at, id LIMIT @limit`),
    claim: db.prepare<{ ids: string; me: string; until: string }, DeliveryRow>(`UPDATE alert_deliveries SET claimed_by = @me, claimed_until = @until
      WHERE id IN (SELECT value FROM json_each(@ids)) RETURNING ${DELIVERY_COLUMNS}`),
    extendClaims: db.prepare<{ me: string; until: string }>(`UPDATE alert_deliveries SET claimed_until = @until WHERE status = 'pending' AND claimed_by = @me`),
    setMessageId: db.prepare<{ ids: string; messageId: string; me: string }>(`UPDATE alert_deliveries SET message_id = @messageId
      WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'pending' AND claimed_by = @me AND message_id IS NULL`),
    delivered: db.prepare(`UPDATE alert_deliveries SET status = 'delivered', attempts = @attempts, delivered_at = @at, updated_at = @at,
        claimed_by = NULL, claimed_until = NULL
      WHERE id = @id AND status = 'pending'`),
    failed: db.prepare(`UPDATE alert_deliveries SET attempts = @attempts, last_error = @error, updated_at = @at,
        status = CASE WHEN @retryAt IS NULL THEN 'failed' ELSE 'pending' END, due_at = coalesce(@retryAt, due_at),
        claimed_by = NULL, claimed_until = NULL
      WHERE id = @id AND status = 'pending'`),
    deliveries: db.prepare<DeliveryParams, DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries WHERE ${DELIVERY_FILTER} ORDER BY id LIMIT @limit`),
    deliveriesNewest: db.prepare<DeliveryParams, DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries WHERE ${DELIVERY_FILTER} ORDER BY id DESC LIMIT @limit`),
    requeue: db.prepare<{ id: number; at: string }>(`UPDATE alert_deliveries SET status = 'pending', due_at = @at, updated_at = @at,
        claimed_by = NULL, claimed_until = NULL
      WHERE id = @id AND status = 'failed'`),
    status: db.prepare<[number], { status: DeliveryStatus }>('SELECT status FROM alert_deliveries WHERE id = ?'),
    health: db.prepare<[], { feed_name: string; alerted: AlertedHealth; changed_at: string; transitions: number }>(
      'SELECT feed_name, alerted, changed_at, transitions FROM feed_health ORDER BY feed_name',
    ),
    moveHealth: db.prepare<{ feed: string; from: string; to: string; at: string }>(`UPDATE feed_health
      SET alerted = @to, changed_at = @at, transitions = transitions + 1 WHERE feed_name = @feed AND alerted = @from`),
    insertHealth: db.prepare<{ feed: string; to: string; at: string }>(`INSERT INTO feed_health (feed_name, alerted, changed_at, transitions)
      VALUES (@feed, @to, @at, 1) ON CONFLICT (feed_name) DO NOTHING`),
    matched: db.prepare<{ rule: string; ids: string }, { cluster_id: string }>(
      'SELECT cluster_id FROM alert_matches WHERE rule = @rule AND cluster_id IN (SELECT value FROM json_each(@ids))',
    ),
  };
}

type Statements = ReturnType<typeof prepareAll>;

/** A document's search-index entry: the index keys of each field (lemmaText), a space apart. */
export interface FtsRow {
  title: string;
  lead: string;
  body: string;
  feed: string;
  tags: string;
}

/**
 * The search index's rows, keyed by article id, deferred to the end of a write batch (./deferred.ts): FTS5 writes a
 * segment at each savepoint, and every call of a batch has one. Written as one document's entry replacing the one
 * it had. Whatever reads or deletes alert_fts inside a batch calls `writePending()` first.
 */
export function deferredFts(db: BetterSqlite3.Database, deferrals: BatchDeferrals): DeferredRows<number, FtsRow> {
  const del = db.prepare<[number]>('DELETE FROM alert_fts WHERE rowid = ?');
  const insert = db.prepare<[number, string, string, string, string, string]>('INSERT INTO alert_fts (rowid, title, lead, body, feed, tags) VALUES (?, ?, ?, ?, ?, ?)');
  return new DeferredRows<number, FtsRow>(deferrals, (rows) => {
    for (const [id, r] of rows) {
      del.run(id);
      insert.run(id, r.title, r.lead, r.body, r.feed, r.tags);
    }
  });
}

function toDoc(row: DocRow): AlertDocRecord {
  return {
    articleId: row.article_id,
    clusterId: row.cluster_id,
    feed: row.feed,
    url: row.url,
    title: row.title,
    lead: row.lead,
    body: row.body ?? (row.packed ? bodyText(unpackArticle(row.packed)) : ''),
    tags: JSON.parse(row.tags) as string[],
    publishedAt: row.published_at,
    analyzed: {},
    analyzedBy: row.analyzed_by,
    storedAt: row.stored_at,
  };
}

function toRecord(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    rule: row.rule,
    channel: row.channel,
    clusterId: row.cluster_id,
    articleId: row.article_id,
    item: JSON.parse(row.item) as AlertItem,
    digest: row.digest === 1,
    attempts: row.attempts,
    dueAt: row.due_at,
    messageId: row.message_id,
    status: row.status,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    updatedAt: row.updated_at,
  };
}

/** The statements of the alert tables, as the row operations RowAlertStore asks for. */
class SqliteAlertRows implements AlertRows {
  constructor(
    private readonly s: Statements,
    private readonly fts: DeferredRows<number, FtsRow>,
  ) {}

  upsertDoc(doc: SavedAlertDoc, analyzedBy: string, bodyRevision: number | null): void {
    this.s.upsertDoc.run({
      articleId: doc.articleId,
      clusterId: doc.clusterId,
      feed: doc.feed,
      url: doc.url,
      title: doc.title,
      lead: doc.lead,
      body: bodyRevision === null ? doc.body : null,
      bodyRevision,
      tags: JSON.stringify(doc.tags),
      publishedAt: doc.publishedAt,
      analyzedBy,
      storedAt: doc.storedAt,
    });
    const a = doc.analyzed;
    this.fts.put(doc.articleId, { title: lemmaText(a.title), lead: lemmaText(a.lead), body: lemmaText(a.body), feed: lemmaText(a.feed), tags: lemmaText(a.tag) });
  }

  currentBody(articleId: number): { revision: number; body: string } | null {
    const r = this.s.currentBody.get(articleId);
    return r ? { revision: r.revision, body: bodyText(unpackArticle(r.packed)) } : null;
  }

  doc(articleId: number): AlertDocRecord | null {
    const r = this.s.doc.get(articleId);
    return r ? toDoc(r) : null;
  }

  candidates(rule: CompiledRule | null, page: CandidatePage): AlertDocRecord[] {
    // alert_fts has detail = none (0012_text_once.sql): no column queries.
    const q = rule === null ? null : ftsQuery(rule, null);
    const params = { before: page.before, limit: page.limit, feed: page.feed, since: page.since };
    if (q !== null) this.fts.writePending();
    const rows = q === null ? this.s.candidatesAll.all(params) : this.s.candidatesFts.all({ ...params, q, lem: page.lemmatizer });
    return rows.map(toDoc);
  }

  insertMatch(m: NewMatch): boolean {
    return this.s.insertMatch.run({ rule: m.rule, clusterId: m.clusterId, articleId: m.articleId, matchedAt: m.matchedAt }).changes > 0;
  }

  insertDeliveries(m: NewMatch, channels: string[]): void {
    const item = JSON.stringify(m.item);
    for (const channel of channels) {
      this.s.insertDelivery.run({ rule: m.rule, clusterId: m.clusterId, articleId: m.articleId, channel, item, digest: m.digest ? 1 : 0, dueAt: m.dueAt, matchedAt: m.matchedAt });
    }
  }

  anyDue(now: string): boolean {
    return this.s.anyDue.get(now) !== undefined;
  }

  claimOwners(now: string): string[] {
    return this.s.owners.all(now).map((r) => r.claimed_by);
  }

  dropClaims(owners: string[]): void {
    this.s.dropClaims.run(JSON.stringify(owners));
  }

  dueIds(now: string, owner: string, limit: number): number[] {
    return this.s.dueIds.all({ now, me: owner, limit }).map((r) => r.id);
  }

  claim(ids: number[], owner: string, until: string): DeliveryRecord[] {
    return this.s.claim.all({ ids: JSON.stringify(ids), me: owner, until }).map(toRecord);
  }

  extendClaims(owner: string, until: string): void {
    this.s.extendClaims.run({ me: owner, until });
  }

  setMessageId(ids: number[], messageId: string, owner: string): number {
    return this.s.setMessageId.run({ ids: JSON.stringify(ids), messageId, me: owner }).changes;
  }

  markDelivered(id: number, f: { attempts: number; at: string }): void {
    this.s.delivered.run({ id, attempts: f.attempts, at: f.at });
  }

  markFailed(id: number, f: { attempts: number; error: string; retryAt: string | null; at: string }): void {
    this.s.failed.run({ id, attempts: f.attempts, error: f.error, at: f.at, retryAt: f.retryAt });
  }

  deliveries(filter: DeliveryQuery): DeliveryRecord[] {
    const params = { status: filter.status, rule: filter.rule, limit: filter.limit, before: filter.beforeId };
    return (filter.newestFirst ? this.s.deliveriesNewest : this.s.deliveries).all(params).map(toRecord);
  }

  requeueFailed(id: number, at: string): boolean {
    return this.s.requeue.run({ id, at }).changes > 0;
  }

  deliveryStatus(id: number): DeliveryStatus | null {
    return this.s.status.get(id)?.status ?? null;
  }

  matchedClusters(rule: string, clusterIds: string[]): string[] {
    return this.s.matched.all({ rule, ids: JSON.stringify(clusterIds) }).map((r) => r.cluster_id);
  }

  healthRecords(): FeedHealthRecord[] {
    return this.s.health.all().map((r) => ({ feed: r.feed_name, alerted: r.alerted, changedAt: r.changed_at, transitions: r.transitions }));
  }

  moveHealth(t: HealthTransition): boolean {
    return this.s.moveHealth.run({ feed: t.feed, from: t.from, to: t.to, at: t.at }).changes > 0;
  }

  insertHealth(t: HealthTransition): boolean {
    return this.s.insertHealth.run({ feed: t.feed, to: t.to, at: t.at }).changes > 0;
  }
}

/** How SqliteStore runs a call: a read now (after any waiting write), a write in its batch. */
export interface SqliteRunner {
  read<T>(op: string, context: Record<string, unknown>, fn: () => T): Promise<T>;
  write<T>(op: string, context: Record<string, unknown>, fn: () => T): Promise<T>;
}

/**
 * The AlertStore of a SQLite connection: RowAlertStore over these rows, run through SqliteStore's `run`, its search
 * index rows deferred by `fts` (made on first use: the table exists once migrations ran).
 */
export function sqliteAlertStore(db: BetterSqlite3.Database, run: SqliteRunner, fts: () => DeferredRows<number, FtsRow>, claims: ClaimOptions = {}): RowAlertStore {
  let rows: SqliteAlertRows | null = null;
  const r = (): SqliteAlertRows => (rows ??= new SqliteAlertRows(prepareAll(db), fts()));
  // Writes and transactions alike: one IMMEDIATE transaction (a savepoint inside SqliteStore's batch).
  const write = <T>(op: string, context: Record<string, unknown>, algorithm: (rows: AlertRows) => Steps<T>): Promise<T> =>
    run.write(op, context, () => db.transaction(() => runSync(algorithm(r()))).immediate());
  const runner: AlertRowsRunner = {
    read: (op, context, algorithm) => run.read(op, context, () => runSync(algorithm(r()))),
    write,
    transaction: write,
  };
  return new RowAlertStore(runner, claims);
}

/**
 * AlertStore on SQLite (tables of migrations/sqlite/0003_alerts.sql): alert documents with their FTS5 entry,
 * (rule, cluster) matches with their deliveries, and claims on pending deliveries. SqliteStore delegates its
 * alert methods here. Every write that spans tables is one IMMEDIATE transaction, so two connections to one
 * file never record a match twice nor claim one delivery together.
 */
import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { DeliveryRecord, NewMatch, PendingDelivery } from '../../alerts/deliver.js';
import { ftsQuery } from '../../alerts/fts-query.js';
import type { CompiledRule } from '../../alerts/match.js';
import type { AlertItem } from '../../alerts/message.js';
import { lemmaText } from '../../alerts/morphology.js';
import {
  checkLease,
  checkLimit,
  DELIVERY_LEASE_MS,
  MAX_SEARCH_PAGE,
  type AlertDocRecord,
  type AlertStore,
  type DeliveryFilter,
  type PendingClaimOptions,
  type SearchPage,
} from '../alerts.js';
import { isoUtc } from './rows.js';

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
  analysis: string;
  stored_at: string;
}

interface DeliveryRow {
  id: number;
  rule: string;
  cluster_id: string;
  article_id: number;
  channel: string;
  item: string;
  digest: number;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_error: string | null;
  due_at: string;
  delivered_at: string | null;
  updated_at: string;
}

const DOC_COLUMNS = 'article_id, cluster_id, feed, url, title, lead, body, tags, published_at, analysis, stored_at';
const DELIVERY_COLUMNS = 'id, rule, cluster_id, article_id, channel, item, digest, status, attempts, last_error, due_at, delivered_at, updated_at';

function prepareAll(db: BetterSqlite3.Database) {
  return {
    upsertDoc: db.prepare(`INSERT INTO alert_docs (${DOC_COLUMNS}, analyzed_by)
      VALUES (@articleId, @clusterId, @feed, @url, @title, @lead, @body, @tags, @publishedAt, @analysis, @storedAt, @analyzedBy)
      ON CONFLICT (article_id) DO UPDATE SET cluster_id = excluded.cluster_id, feed = excluded.feed, url = excluded.url,
        title = excluded.title, lead = excluded.lead, body = excluded.body, tags = excluded.tags,
        published_at = excluded.published_at, analysis = excluded.analysis, analyzed_by = excluded.analyzed_by,
        stored_at = excluded.stored_at`),
    deleteFts: db.prepare<[number]>('DELETE FROM alert_fts WHERE rowid = ?'),
    insertFts: db.prepare('INSERT INTO alert_fts (rowid, title, lead, body, feed, tags) VALUES (@rowid, @title, @lead, @body, @feed, @tags)'),
    doc: db.prepare<[number], DocRow>(`SELECT ${DOC_COLUMNS} FROM alert_docs WHERE article_id = ?`),
    candidatesAll: db.prepare<{ before: number; limit: number }, DocRow>(
      `SELECT ${DOC_COLUMNS} FROM alert_docs WHERE article_id < @before ORDER BY article_id DESC LIMIT @limit`,
    ),
    candidatesFts: db.prepare<{ before: number; limit: number; q: string; lem: string }, DocRow>(
      `SELECT ${DOC_COLUMNS} FROM alert_docs
       WHERE article_id < @before
         AND (analyzed_by <> @lem OR article_id IN (SELECT rowid FROM alert_fts WHERE alert_fts MATCH @q))
       ORDER BY article_id DESC LIMIT @limit`,
    ),
    insertMatch: db.prepare(`INSERT INTO alert_matches (rule, cluster_id, article_id, matched_at)
      VALUES (@rule, @clusterId, @articleId, @matchedAt) ON CONFLICT (rule, cluster_id) DO NOTHING`),
    insertDelivery: db.prepare(`INSERT INTO alert_deliveries (rule, cluster_id, article_id, channel, item, digest, due_at, created_at, updated_at)
      VALUES (@rule, @clusterId, @articleId, @channel, @item, @digest, @dueAt, @matchedAt, @matchedAt)`),
    due: db.prepare<{ now: string; me: string; limit: number }, DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries
      WHERE status = 'pending' AND due_at <= @now AND (claimed_until IS NULL OR claimed_until <= @now OR claimed_by = @me)
      ORDER BY due_at, id LIMIT @limit`),
    claim: db.prepare<{ id: number; me: string; until: string }>('UPDATE alert_deliveries SET claimed_by = @me, claimed_until = @until WHERE id = @id'),
    delivered: db.prepare(`UPDATE alert_deliveries SET status = 'delivered', attempts = @attempts, delivered_at = @at, updated_at = @at,
        claimed_by = NULL, claimed_until = NULL
      WHERE id = @id AND status = 'pending'`),
    failed: db.prepare(`UPDATE alert_deliveries SET attempts = @attempts, last_error = @error, updated_at = @at,
        status = CASE WHEN @retryAt IS NULL THEN 'failed' ELSE 'pending' END, due_at = coalesce(@retryAt, due_at),
        claimed_by = NULL, claimed_until = NULL
      WHERE id = @id AND status = 'pending'`),
    deliveries: db.prepare<{ status: string | null; rule: string | null; limit: number }, DeliveryRow>(`SELECT ${DELIVERY_COLUMNS}
      FROM alert_deliveries WHERE (@status IS NULL OR status = @status) AND (@rule IS NULL OR rule = @rule) ORDER BY id LIMIT @limit`),
  };
}

type Statements = ReturnType<typeof prepareAll>;

function toDoc(row: DocRow): AlertDocRecord {
  return {
    articleId: row.article_id,
    clusterId: row.cluster_id,
    feed: row.feed,
    url: row.url,
    title: row.title,
    lead: row.lead,
    body: row.body,
    tags: JSON.parse(row.tags) as string[],
    publishedAt: row.published_at,
    analyzed: JSON.parse(row.analysis) as AlertDocRecord['analyzed'],
    storedAt: row.stored_at,
  };
}

function toPending(row: DeliveryRow): PendingDelivery {
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
  };
}

function toRecord(row: DeliveryRow): DeliveryRecord {
  return { ...toPending(row), status: row.status, lastError: row.last_error, deliveredAt: row.delivered_at, updatedAt: row.updated_at };
}

/** The analysis JSON stores only the five analyses; `by` must be the same for all of them to be indexed as one. */
function analyzedBy(doc: AlertDocRecord): string {
  const ids = new Set(Object.values(doc.analyzed).map((a) => a.by));
  return ids.size === 1 ? [...ids][0]! : 'mixed';
}

/** How SqliteStore runs a call: a read now (after any waiting write), a write in its batch. */
export interface SqliteRunner {
  read<T>(op: string, context: Record<string, unknown>, fn: () => T): Promise<T>;
  write<T>(op: string, context: Record<string, unknown>, fn: () => T): Promise<T>;
}

export class SqliteAlertStore implements AlertStore {
  private stmts: Statements | null = null;
  /** Names this instance's claims on deliveries. */
  readonly workerId = randomUUID();

  constructor(
    private readonly db: BetterSqlite3.Database,
    /**
     * Runs `fn` as SqliteStore runs its own reads and writes (writes in its batch), turning driver errors into storage
     * FeedwatchErrors naming the operation.
     */
    private readonly run: SqliteRunner,
  ) {}

  private get s(): Statements {
    this.stmts ??= prepareAll(this.db);
    return this.stmts;
  }

  async saveAlertDoc(doc: AlertDocRecord): Promise<void> {
    return this.run.write('saveAlertDoc', { articleId: doc.articleId }, () => {
      const storedAt = isoUtc(doc.storedAt, 'storedAt');
      this.db
        .transaction(() => {
          this.s.upsertDoc.run({
            articleId: doc.articleId,
            clusterId: doc.clusterId,
            feed: doc.feed,
            url: doc.url,
            title: doc.title,
            lead: doc.lead,
            body: doc.body,
            tags: JSON.stringify(doc.tags),
            publishedAt: doc.publishedAt,
            analysis: JSON.stringify(doc.analyzed),
            analyzedBy: analyzedBy(doc),
            storedAt,
          });
          this.s.deleteFts.run(doc.articleId);
          const a = doc.analyzed;
          this.s.insertFts.run({
            rowid: doc.articleId,
            title: lemmaText(a.title),
            lead: lemmaText(a.lead),
            body: lemmaText(a.body),
            feed: lemmaText(a.feed),
            tags: lemmaText(a.tag),
          });
        })
        .immediate();
    });
  }

  async getAlertDoc(articleId: number): Promise<AlertDocRecord | null> {
    return this.run.read('getAlertDoc', { articleId }, () => {
      const row = this.s.doc.get(articleId);
      return row ? toDoc(row) : null;
    });
  }

  async searchCandidates(rule: CompiledRule, page: SearchPage): Promise<AlertDocRecord[]> {
    return this.run.read('searchCandidates', { rule: rule.source }, () => {
      checkLimit(page.limit, MAX_SEARCH_PAGE, 'searchCandidates');
      const before = page.beforeArticleId ?? Number.MAX_SAFE_INTEGER;
      const q = ftsQuery(rule);
      const rows =
        q === null ? this.s.candidatesAll.all({ before, limit: page.limit }) : this.s.candidatesFts.all({ before, limit: page.limit, q, lem: page.lemmatizer });
      return rows.map(toDoc);
    });
  }

  async recordMatch(m: NewMatch): Promise<{ created: boolean }> {
    return this.run.write('recordMatch', { rule: m.rule, clusterId: m.clusterId }, () => {
      const matchedAt = isoUtc(m.matchedAt, 'matchedAt');
      const dueAt = isoUtc(m.dueAt, 'dueAt');
      const item = JSON.stringify(m.item);
      return this.db
        .transaction(() => {
          const base = { rule: m.rule, clusterId: m.clusterId, articleId: m.articleId, matchedAt };
          if (this.s.insertMatch.run(base).changes === 0) return { created: false };
          for (const channel of new Set(m.channels)) this.s.insertDelivery.run({ ...base, channel, item, digest: m.digest ? 1 : 0, dueAt });
          return { created: true };
        })
        .immediate();
    });
  }

  async pending(now: string, limit: number, opts: PendingClaimOptions = {}): Promise<PendingDelivery[]> {
    return this.run.write('pendingDeliveries', { limit }, () => {
      checkLimit(limit, MAX_SEARCH_PAGE, 'pending');
      const leaseMs = opts.leaseMs ?? DELIVERY_LEASE_MS;
      checkLease(leaseMs);
      const at = isoUtc(now, 'now');
      const until = new Date(Date.parse(at) + leaseMs).toISOString();
      return this.db
        .transaction(() => {
          const rows = this.s.due.all({ now: at, me: this.workerId, limit });
          for (const row of rows) this.s.claim.run({ id: row.id, me: this.workerId, until });
          return rows.map(toPending);
        })
        .immediate();
    });
  }

  async markDelivered(id: number, f: { attempts: number; at: string }): Promise<void> {
    return this.run.write('markDelivered', { deliveryId: id }, () => {
      this.s.delivered.run({ id, attempts: f.attempts, at: isoUtc(f.at, 'at') });
    });
  }

  async markFailed(id: number, f: { attempts: number; error: string; retryAt: string | null; at: string }): Promise<void> {
    return this.run.write('markFailed', { deliveryId: id }, () => {
      this.s.failed.run({ id, attempts: f.attempts, error: f.error, at: isoUtc(f.at, 'at'), retryAt: f.retryAt === null ? null : isoUtc(f.retryAt, 'retryAt') });
    });
  }

  async deliveries(filter: DeliveryFilter = {}): Promise<DeliveryRecord[]> {
    return this.run.read('deliveries', {}, () => {
      const limit = filter.limit ?? 1000;
      checkLimit(limit, 100_000, 'deliveries');
      return this.s.deliveries.all({ status: filter.status ?? null, rule: filter.rule ?? null, limit }).map(toRecord);
    });
  }
}

/**
 * The RetentionStore part of the SQLite storage (rules and the batch's steps: src/store/retention.ts; tables and
 * indexes: migrations/sqlite/0004_retention.sql): the SQL of `RetentionRows`. Each `pruneExpired` call is one
 * IMMEDIATE transaction that removes at most `limit` rows of the first kind with anything left, found through an
 * index range (never a scan), so the write lock is held for one small batch. Synchronous (better-sqlite3); SqliteStore wraps it into its async,
 * error-guarded interface. Article revisions, bands and sightings go by the foreign keys' ON DELETE CASCADE;
 * alert documents and their FTS5 rows have no foreign key and are removed here, in the same transaction. Each batch
 * ends with an incremental_vacuum, so the freed pages leave the file.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { pruneSteps, type PruneBatch, type PruneRequest, type RetentionRows } from '../retention.js';
import { runSync } from '../steps.js';

const IDS = 'SELECT value FROM json_each(?)';

/** Most free pages one pruneExpired batch gives back (16 MB of 4 KB pages): more than a batch of 500 frees. */
export const VACUUM_PAGES_PER_BATCH = 4096;

// A match's cluster: a number (a story cluster), "item:N" (a feed-only item), or anything else (names nothing).
const MATCH_STORY_GONE = `CASE
    WHEN m.cluster_id <> '' AND m.cluster_id NOT GLOB '*[^0-9]*'
      THEN NOT EXISTS (SELECT 1 FROM articles a WHERE a.cluster_id = CAST(m.cluster_id AS INTEGER))
    WHEN m.cluster_id GLOB 'item:[0-9]*' AND substr(m.cluster_id, 6) NOT GLOB '*[^0-9]*'
      THEN NOT EXISTS (SELECT 1 FROM items i WHERE i.id = CAST(substr(m.cluster_id, 6) AS INTEGER))
    ELSE 1 END`;

function prepareAll(db: BetterSqlite3.Database) {
  return {
    expiredClusters: db
      .prepare<[string, number], number>('SELECT cluster_id FROM story_clusters WHERE last_seen_at < ? ORDER BY last_seen_at, cluster_id LIMIT ?')
      .pluck(),
    // The oldest story's articles first, so that a story larger than a batch is finished before the next is begun.
    clusterArticles: db
      .prepare<[string, number], number>('SELECT a.id FROM json_each(?) c JOIN articles a ON a.cluster_id = c.value ORDER BY c.key, a.id LIMIT ?')
      .pluck(),
    countSightings: db.prepare<[string], number>(`SELECT count(*) FROM sightings WHERE article_id IN (${IDS})`).pluck(),
    // FTS rows first, while alert_docs still says which of the ids have one.
    deleteFts: db.prepare<[string]>(`DELETE FROM alert_fts WHERE rowid IN (SELECT article_id FROM alert_docs WHERE article_id IN (${IDS}))`),
    deleteDocs: db.prepare<[string]>(`DELETE FROM alert_docs WHERE article_id IN (${IDS})`),
    deleteArticles: db.prepare<[string]>(`DELETE FROM articles WHERE id IN (${IDS})`),
    deleteEmptyClusters: db.prepare<[string]>(`DELETE FROM story_clusters
      WHERE cluster_id IN (${IDS}) AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.cluster_id = story_clusters.cluster_id)`),
    oldItems: db
      .prepare<{ before: string; now: string; limit: number }, number>(`SELECT id FROM items
        WHERE article_id IS NULL AND first_seen_at < @before AND (article_state <> 'pending' OR next_article_attempt_at <= @now)
        ORDER BY first_seen_at, id LIMIT @limit`)
      .pluck(),
    deleteItems: db.prepare<[string]>(`DELETE FROM items WHERE id IN (${IDS})`),
    deleteDeliveries: db.prepare<{ before: string; limit: number }>(`DELETE FROM alert_deliveries WHERE id IN (
        SELECT id FROM alert_deliveries WHERE status <> 'pending' AND updated_at < @before ORDER BY updated_at, id LIMIT @limit)`),
    deleteMatches: db.prepare<{ before: string; limit: number }>(`DELETE FROM alert_matches WHERE rowid IN (
        SELECT m.rowid FROM alert_matches m
        WHERE m.matched_at < @before
          AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.rule = m.rule AND d.cluster_id = m.cluster_id)
          AND ${MATCH_STORY_GONE}
        ORDER BY m.matched_at LIMIT @limit)`),
  };
}

type Statements = ReturnType<typeof prepareAll>;

export class SqliteRetention {
  private stmts: Statements | null = null;

  constructor(
    private readonly db: BetterSqlite3.Database,
    /** Writes the search index rows a write batch deferred (./deferred.ts), before documents are deleted from it. */
    private readonly writeDeferredFts: () => void = () => undefined,
  ) {}

  private get s(): Statements {
    this.stmts ??= prepareAll(this.db);
    return this.stmts;
  }

  pruneExpired(request: PruneRequest): PruneBatch {
    return this.db
      .transaction(() => {
        const batch = runSync(pruneSteps(this.rows, request));
        // The pages the batch freed go back to the file system (auto_vacuum = INCREMENTAL, set by the store), a
        // bounded number per batch, so that a file under retention stays as large as what it keeps.
        if (batch.phase !== null) this.db.pragma(`incremental_vacuum(${VACUUM_PAGES_PER_BATCH})`);
        return batch;
      })
      .immediate();
  }

  private readonly rows: RetentionRows = {
    expiredClusters: (before, limit) => this.s.expiredClusters.all(before, limit),
    clusterArticles: (clusters, limit) => this.s.clusterArticles.all(JSON.stringify(clusters), limit),
    countSightings: (ids) => this.s.countSightings.get(JSON.stringify(ids)) ?? 0,
    deleteAlertDocs: (ids) => {
      const json = JSON.stringify(ids);
      this.writeDeferredFts();
      this.s.deleteFts.run(json);
      return this.s.deleteDocs.run(json).changes;
    },
    deleteArticles: (ids) => this.s.deleteArticles.run(JSON.stringify(ids)).changes,
    deleteEmptyClusters: (clusters) => this.s.deleteEmptyClusters.run(JSON.stringify(clusters)).changes,
    deleteOldItems: (before, now, limit) => {
      const items = this.s.oldItems.all({ before, now, limit });
      if (items.length > 0) this.s.deleteItems.run(JSON.stringify(items));
      return items;
    },
    deleteDeliveries: (before, limit) => this.s.deleteDeliveries.run({ before, limit }).changes,
    deleteMatches: (before, limit) => this.s.deleteMatches.run({ before, limit }).changes,
  };
}

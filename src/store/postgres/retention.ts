/**
 * The RetentionStore part of the PostgreSQL storage (rules and the batch's steps: src/store/retention.ts; tables and
 * indexes: migrations/postgres/0004_retention.sql): the SQL of `RetentionRows`. Each `pruneExpired` call is one short READ COMMITTED transaction that
 * removes at most `limit` rows of the first kind with anything left. Rows are taken FOR UPDATE SKIP LOCKED, so
 * several workers pruning at once take disjoint batches and none waits on rows a writer holds:
 *  - stories: the expired story_clusters rows are locked first (and re-checked: a story seen again meanwhile is no
 *    longer expired and is left alone); a sighting being added to one of them takes the same row in its trigger
 *    (see the migration's header for what happens when both meet);
 *  - items, deliveries, matches: one DELETE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED).
 * Article revisions, bands and sightings go by ON DELETE CASCADE; alert documents (whose tsvector is the search
 * index) are removed here, in the same transaction.
 */
import type pg from 'pg';
import { pruneSteps, type PruneBatch, type PruneRequest, type RetentionRows } from '../retention.js';
import { runAsync } from '../steps.js';
import { inTransaction } from './tx.js';

const EXPIRED_CLUSTERS = `SELECT cluster_id FROM story_clusters WHERE last_seen_at < $1
  ORDER BY last_seen_at, cluster_id LIMIT $2 FOR UPDATE SKIP LOCKED`;

// The oldest story's articles first, so that a story larger than a batch is finished before the next is begun.
const CLUSTER_ARTICLES = `SELECT a.id FROM unnest($1::int8[]) WITH ORDINALITY AS c (cluster_id, n)
  JOIN articles a ON a.cluster_id = c.cluster_id ORDER BY c.n, a.id LIMIT $2`;

const DELETE_EMPTY_CLUSTERS = `DELETE FROM story_clusters c
  WHERE c.cluster_id = ANY ($1::int8[]) AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.cluster_id = c.cluster_id)`;

const DELETE_ITEMS = `DELETE FROM items WHERE id IN (
    SELECT id FROM items
    WHERE article_id IS NULL AND first_seen_at < $1 AND (article_state <> 'pending' OR next_article_attempt_at <= $2)
    ORDER BY first_seen_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
  RETURNING id`;

const DELETE_DELIVERIES = `DELETE FROM alert_deliveries WHERE id IN (
    SELECT id FROM alert_deliveries WHERE status <> 'pending' AND updated_at < $1
    ORDER BY updated_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)`;

// A match's cluster: a number (a story cluster), "item:N" (a feed-only item), or anything else (names nothing).
// CASE evaluates the casts only for ids of their shape.
const DELETE_MATCHES = `DELETE FROM alert_matches WHERE (rule, cluster_id) IN (
    SELECT m.rule, m.cluster_id FROM alert_matches m
    WHERE m.matched_at < $1
      AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.rule = m.rule AND d.cluster_id = m.cluster_id)
      AND CASE
        WHEN m.cluster_id ~ '^[0-9]{1,18}$'
          THEN NOT EXISTS (SELECT 1 FROM articles a WHERE a.cluster_id = m.cluster_id::int8)
        WHEN m.cluster_id ~ '^item:[0-9]{1,18}$'
          THEN NOT EXISTS (SELECT 1 FROM items i WHERE i.id = substr(m.cluster_id, 6)::int8)
        ELSE true END
    ORDER BY m.matched_at LIMIT $2 FOR UPDATE SKIP LOCKED)`;

export class PostgresRetention {
  constructor(private readonly pool: pg.Pool) {}

  pruneExpired(request: PruneRequest): Promise<PruneBatch> {
    return inTransaction(this.pool, (c) => runAsync(pruneSteps(rowsOn(c), request)));
  }
}

const ids = (rows: Array<{ id: string }>): number[] => rows.map((r) => Number(r.id));

function rowsOn(c: pg.PoolClient): RetentionRows {
  const count = async (sql: string, params: unknown[]) => (await c.query(sql, params)).rowCount ?? 0;
  return {
    expiredClusters: async (before, limit) => (await c.query<{ cluster_id: string }>(EXPIRED_CLUSTERS, [before, limit])).rows.map((r) => Number(r.cluster_id)),
    clusterArticles: async (clusters, limit) => ids((await c.query<{ id: string }>(CLUSTER_ARTICLES, [clusters, limit])).rows),
    countSightings: async (articleIds) =>
      Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM sightings WHERE article_id = ANY ($1::int8[])', [articleIds])).rows[0]?.n ?? 0),
    deleteAlertDocs: (articleIds) => count('DELETE FROM alert_docs WHERE article_id = ANY ($1::int8[])', [articleIds]),
    deleteArticles: (articleIds) => count('DELETE FROM articles WHERE id = ANY ($1::int8[])', [articleIds]),
    deleteEmptyClusters: (clusters) => count(DELETE_EMPTY_CLUSTERS, [clusters]),
    deleteOldItems: async (before, now, limit) => ids((await c.query<{ id: string }>(DELETE_ITEMS, [before, now, limit])).rows),
    deleteDeliveries: (before, limit) => count(DELETE_DELIVERIES, [before, limit]),
    deleteMatches: (before, limit) => count(DELETE_MATCHES, [before, limit]),
  };
}

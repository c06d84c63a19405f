/**
 * The ArticleStore part of the PostgreSQL storage (tables of migrations/postgres/0002_dedup.sql), for many workers
 * on many hosts: the SQL of duplicate lookups, of the row operations that src/store/articles.ts `storeArticleSteps`
 * stores an article with, and of the story query. PostgresStore wraps each method into its error-guarded interface.
 *
 * `findDuplicates` is one round trip: the guid, URL and hash lookups and the band probes (one LATERAL index probe
 * per band, each bounded) in one statement, so one snapshot. Each attempt of `storeArticle` is one READ COMMITTED
 * transaction:
 *  - `item` locks the item's row (FOR UPDATE): two workers storing one item take turns, and the second's later
 *    statements see the first's sighting;
 *  - a new article goes in with INSERT ... ON CONFLICT DO NOTHING (unique text hash, unique canonical URL): when a
 *    concurrent worker inserted the same text or URL first, the insert waits for it and returns no row;
 *  - a revision is a compare-and-set (UPDATE ... WHERE text_hash = the text the decision saw);
 *  - `lockBands` takes transaction advisory locks on the band values (in band order, so two transactions never wait
 *    on each other in a cycle) before a 'new' decision is made again: two workers storing two near-duplicate texts
 *    at once share a band, so the second waits, sees the first, and joins its cluster;
 *  - a unique violation (23505), deadlock (40P01), serialization failure (40001) or a foreign key whose row
 *    retention just removed (23503) retries the attempt, as a tripped guard does.
 */
import type pg from 'pg';
import {
  ArticleConflict,
  BAND_BUCKET_LIMIT,
  checkInput,
  NEAR_CANDIDATE_LIMIT,
  storeArticleSteps,
  storySteps,
  type ArticleAttempts,
  type ArticleRef,
  type ArticleRows,
  type SightingRef,
  type StoreArticleRequest,
  type Story,
  type StoryArticleRow,
  type StoryRevisionRow,
  type StoryRows,
  type StoryRowTypes,
  type StorySightingRow,
} from '../articles.js';
import { runAsync, type Steps } from '../steps.js';
import { cleanText, jsonParam } from './rows.js';
import { inTransaction } from './tx.js';
import type { DedupFound, DedupInput, DedupKind, DedupMatch, StoredArticle } from '../../model.js';

/** First key of the band advisory locks, plus the band number ("FWB" + band); the second key is the band value. */
export const BAND_LOCK_CLASS = 0x46574200;

/** Story rows: pg returns bigint ids as strings and timestamptz as Date. */
const POSTGRES_TYPES: StoryRowTypes<string, Date> = { id: Number, time: (d) => d.toISOString() };

/** SQLSTATEs after which an attempt is simply tried again (see the top of this file). */
const RETRY_CODES = new Set(['23505', '40P01', '40001', '23503']);

interface MatchRow {
  via: 'guid' | 'url' | 'hash' | 'near';
  shared: string | number;
  id: string | number;
  cluster_id: string | number;
  canonical_url: string;
  text_hash: string;
  minhash: string | null;
}

type Id = string | number;

interface ArticleRefRow {
  id: Id;
  cluster_id: Id;
  revision: number;
}

interface ItemRefRow {
  id: Id;
  feed_name: string;
  first_seen_at: Date;
  article_id: Id | null;
}

interface SightingRefRow {
  article_id: Id;
  cluster_id: Id;
  revision: number;
  decision: DedupKind;
  similarity: number | null;
}

const articleRef = (r: ArticleRefRow | undefined): ArticleRef | undefined => r && { id: Number(r.id), clusterId: Number(r.cluster_id), revision: r.revision };

const MATCH = 'a.id, a.cluster_id, a.canonical_url, a.text_hash, a.minhash';

/** The lookup of `findDuplicates`, one statement: $1 feed, $2 guid, $3 canonical URL, $4 text hash, $5/$6 band numbers
 * and values, $7 bucket limit, $8 candidate limit. */
export const FIND = `WITH near AS (
    SELECT b.article_id, count(*) AS shared
    FROM unnest($5::int2[], $6::int4[]) AS q (band_no, band_value)
    CROSS JOIN LATERAL (
      SELECT ab.article_id FROM article_band ab
      WHERE ab.band_no = q.band_no AND ab.band_value = q.band_value
      ORDER BY ab.article_id DESC LIMIT $7) b
    GROUP BY b.article_id
    ORDER BY shared DESC, b.article_id DESC
    LIMIT $8)
  SELECT 'guid' AS via, 0::int8 AS shared, ${MATCH} FROM items i JOIN articles a ON a.id = i.article_id WHERE i.feed_name = $1 AND i.guid = $2
  UNION ALL
  SELECT 'url', 0, ${MATCH} FROM articles a WHERE md5(a.canonical_url) = md5($3) AND a.canonical_url = $3
  UNION ALL
  SELECT 'hash', 0, ${MATCH} FROM articles a WHERE a.text_hash = $4
  UNION ALL
  SELECT 'near', n.shared, ${MATCH} FROM near n JOIN articles a ON a.id = n.article_id`;

// The arrays come sorted by band number, and a function scan of unnest yields them in order.
const LOCK_BANDS = 'SELECT count(pg_advisory_xact_lock(u.k1, u.k2)) FROM unnest($1::int4[], $2::int4[]) AS u (k1, k2)';

// nextval once, for both columns: a new story's article is its own cluster.
const INSERT_ARTICLE = `WITH n AS (SELECT nextval(pg_get_serial_sequence('articles', 'id')) AS id)
  INSERT INTO articles (id, cluster_id, canonical_url, text_hash, minhash, token_count, title, first_seen_at, updated_at)
  SELECT n.id, coalesce($1::int8, n.id), $2, $3, $4, $5, $6, $7, $8 FROM n
  ON CONFLICT DO NOTHING
  RETURNING id, cluster_id, revision`;

const REVISE = `UPDATE articles SET text_hash = $2, minhash = $3, token_count = $4, title = $5, revision = revision + 1, updated_at = $6
  WHERE id = $1 AND text_hash = $7
  RETURNING id, cluster_id, revision`;

// No minhash: the article's is its current text's (0012_text_once.sql).
const INSERT_REVISION = `INSERT INTO article_revisions (article_id, revision, text_hash, token_count, item_id, url, article, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;

const INSERT_BANDS = `INSERT INTO article_band (band_no, band_value, article_id)
  SELECT u.n - 1, u.v, $1 FROM unnest($2::int4[]) WITH ORDINALITY AS u (v, n)
  ON CONFLICT DO NOTHING`;

const INSERT_SIGHTING = `INSERT INTO sightings (item_id, article_id, feed_name, url, canonical_url, revision, decision, similarity, seen_at, stored_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (item_id) DO NOTHING`;

const SIGHTING_OF = `SELECT s.article_id, a.cluster_id, s.revision, s.decision, s.similarity
  FROM sightings s JOIN articles a ON a.id = s.article_id WHERE s.item_id = $1`;

const toMatch = (r: MatchRow): DedupMatch => ({
  articleId: Number(r.id),
  clusterId: Number(r.cluster_id),
  url: r.canonical_url,
  textHash: r.text_hash,
  minhash: r.minhash,
});

/** An unsigned 32-bit band value as the signed int4 stored. */
const int4 = (v: number): number => v | 0;

export class PostgresArticles {
  constructor(private readonly pool: pg.Pool) {}

  findDuplicates(input: DedupInput): Promise<DedupFound> {
    return findDuplicatesOn(this.pool, input);
  }

  storeArticle(req: StoreArticleRequest): Promise<StoredArticle> {
    return runAsync(storeArticleSteps(this.attempts, req));
  }

  story(clusterId: number): Promise<Story | null> {
    return runAsync(storySteps(this.storyRows, clusterId, POSTGRES_TYPES));
  }

  /** Each attempt a transaction of its own on one pooled connection. */
  private readonly attempts: ArticleAttempts = {
    attempt: <T>(steps: (rows: ArticleRows) => Steps<T>): Promise<T> => inTransaction(this.pool, (c) => runAsync(steps(postgresArticleRows(c)))),
    conflict: (err) => {
      const code = (err as { code?: unknown } | null)?.code;
      return err instanceof ArticleConflict || (typeof code === 'string' && RETRY_CODES.has(code));
    },
  };

  private readonly storyRows: StoryRows<string, Date> = {
    clusterArticles: async (clusterId) =>
      (
        await this.pool.query<StoryArticleRow<string, Date>>(
          'SELECT id, canonical_url, title, revision, text_hash, first_seen_at, updated_at FROM articles WHERE cluster_id = $1 ORDER BY id',
          [clusterId],
        )
      ).rows,
    clusterRevisions: async (clusterId) =>
      (
        await this.pool.query<StoryRevisionRow<string, Date>>(
          `SELECT r.article_id, r.revision, r.text_hash, r.url, r.created_at
           FROM articles a JOIN article_revisions r ON r.article_id = a.id WHERE a.cluster_id = $1 ORDER BY r.article_id, r.revision`,
          [clusterId],
        )
      ).rows,
    clusterSightings: async (clusterId) =>
      (
        await this.pool.query<StorySightingRow<string, Date>>(
          `SELECT s.item_id, s.article_id, s.feed_name, s.url, s.canonical_url, s.revision, s.decision, s.similarity, s.seen_at, i.published_at
           FROM articles a JOIN sightings s ON s.article_id = a.id JOIN items i ON i.id = s.item_id
           WHERE a.cluster_id = $1 ORDER BY s.seen_at, s.id`,
          [clusterId],
        )
      ).rows,
  };
}

/** The lookup of `findDuplicates`, on the pool or on a connection inside a transaction. */
async function findDuplicatesOn(client: pg.Pool | pg.PoolClient, input: DedupInput): Promise<DedupFound> {
  checkInput(input);
  const { rows } = await client.query<MatchRow>(FIND, [
    cleanText(input.feedName),
    cleanText(input.guid),
    cleanText(input.canonicalUrl),
    input.textHash,
    input.bands.map((_, i) => i),
    input.bands.map(int4),
    BAND_BUCKET_LIMIT,
    NEAR_CANDIDATE_LIMIT,
  ]);
  const one = (via: MatchRow['via']) => {
    const r = rows.find((x) => x.via === via);
    return r ? toMatch(r) : null;
  };
  const near = rows
    .filter((r) => r.via === 'near')
    .sort((a, b) => Number(b.shared) - Number(a.shared) || Number(b.id) - Number(a.id))
    .map(toMatch);
  return { byGuid: one('guid'), byUrl: one('url'), byHash: one('hash'), near };
}

/** The row operations of storing an article, on a connection inside its transaction. */
export function postgresArticleRows(c: pg.PoolClient): ArticleRows {
  const one = async <R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R | undefined> => (await c.query<R>(sql, params)).rows[0];
  return {
    item: async (itemId) => {
      const r = await one<ItemRefRow>('SELECT id, feed_name, first_seen_at, article_id FROM items WHERE id = $1 FOR UPDATE', [itemId]);
      return r && { id: Number(r.id), feedName: r.feed_name, firstSeenAt: r.first_seen_at.toISOString(), articleId: r.article_id === null ? null : Number(r.article_id) };
    },
    sightingOf: async (itemId): Promise<SightingRef | undefined> => {
      const r = await one<SightingRefRow>(SIGHTING_OF, [itemId]);
      return r && { articleId: Number(r.article_id), clusterId: Number(r.cluster_id), revision: r.revision, kind: r.decision, similarity: r.similarity };
    },
    lockBands: async (bands) => {
      if (bands.length > 0) await c.query(LOCK_BANDS, [bands.map((_, i) => BAND_LOCK_CLASS + i), bands.map(int4)]);
    },
    findDuplicates: (input) => findDuplicatesOn(c, input),
    article: async (id) => articleRef(await one<ArticleRefRow>('SELECT id, cluster_id, revision FROM articles WHERE id = $1', [id])),
    articleWithText: async (textHash) => {
      const r = await one<{ id: Id }>('SELECT id FROM articles WHERE text_hash = $1', [textHash]);
      return r && Number(r.id);
    },
    insertArticle: async (a) =>
      articleRef(await one<ArticleRefRow>(INSERT_ARTICLE, [a.clusterId, cleanText(a.canonicalUrl), a.textHash, a.minhash, a.tokenCount, cleanText(a.title), a.firstSeenAt, a.at])),
    reviseArticle: async (id, previousTextHash, t) =>
      articleRef(await one<ArticleRefRow>(REVISE, [id, t.textHash, t.minhash, t.tokenCount, cleanText(t.title), t.at, previousTextHash])),
    deleteBands: async (articleId) => void (await c.query('DELETE FROM article_band WHERE article_id = $1', [articleId])),
    insertRevision: async (r) =>
      void (await c.query(INSERT_REVISION, [r.articleId, r.revision, r.textHash, r.tokenCount, r.itemId, cleanText(r.url), jsonParam(r.article), r.at])),
    insertBands: async (articleId, bands) => void (await c.query(INSERT_BANDS, [articleId, bands.map(int4)])),
    insertSighting: async (x) =>
      ((
        await c.query(INSERT_SIGHTING, [x.itemId, x.articleId, x.feedName, cleanText(x.url), cleanText(x.canonicalUrl), x.revision, x.kind, x.similarity, x.seenAt, x.at])
      ).rowCount ?? 0) > 0,
    pointItem: async (itemId, articleId) => void (await c.query('UPDATE items SET article_id = $1 WHERE id = $2', [articleId, itemId])),
  };
}

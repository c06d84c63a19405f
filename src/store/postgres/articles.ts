/**
 * The ArticleStore part of the PostgreSQL storage (tables of migrations/postgres/0002_dedup.sql), for many workers
 * on many hosts. PostgresStore wraps each method into its error-guarded interface.
 *
 * `findDuplicates` is one round trip: the guid, URL and hash lookups and the band probes (one LATERAL index probe
 * per band, each bounded) in one statement. `storeArticle` is one READ COMMITTED transaction per attempt, optimistic:
 *  - a new article goes in with INSERT ... ON CONFLICT DO NOTHING (unique text hash, unique canonical URL): when a
 *    concurrent worker inserted the same text or URL first, the insert waits for it, returns no row, and the
 *    attempt is retried after deciding again on what is now committed;
 *  - a revision is a compare-and-set (UPDATE ... WHERE text_hash = the text the decision saw);
 *  - a 'new' decision first takes transaction advisory locks on its band values (in band order, so two
 *    transactions never wait on each other in a cycle), then looks again: two workers storing two near-duplicate
 *    texts at once share a band, so the second waits, sees the first, and joins its cluster instead of founding
 *    another one;
 *  - a unique violation (23505), deadlock (40P01) or serialization failure (40001) also retries the attempt;
 *  - every attempt first locks the item's row and looks for the item's own sighting, whatever the decision: two
 *    workers storing one item take turns, and the second reports the first's sighting as repeated.
 */
import type pg from 'pg';
import type { DedupDecision, DedupFound, DedupInput, DedupMatch } from '../../dedup/types.js';
import { FeedwatchError } from '../../errors.js';
import {
  ArticleConflict,
  BAND_BUCKET_LIMIT,
  checkInput,
  decideForStore,
  decisionSimilarity,
  NEAR_CANDIDATE_LIMIT,
  STORE_ATTEMPTS,
  storedArticle,
  type DedupKind,
  type StoreArticleRequest,
  type StoredArticle,
  storyFromRows,
  type Story,
  type StoryArticleRow,
  type StoryRevisionRow,
  type StoryRowTypes,
  type StorySightingRow,
} from '../articles.js';
import { isoUtc } from '../rows.js';
import { cleanText, jsonParam } from './rows.js';
import { inTransaction } from './tx.js';

/** First key of the band advisory locks, plus the band number ("FWB" + band); the second key is the band value. */
export const BAND_LOCK_CLASS = 0x46574200;

/** Story rows: pg returns bigint ids as strings and timestamptz as Date. */
const POSTGRES_TYPES: StoryRowTypes<string, Date> = { id: Number, time: (d) => d.toISOString() };

/** SQLSTATEs after which an attempt is simply tried again. */
// unique violation, deadlock, serialization failure, and a foreign key whose row retention just removed: decide again.
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

interface ArticleRef {
  id: string | number;
  cluster_id: string | number;
  revision: number;
}

interface ItemRef {
  id: string | number;
  feed_name: string;
  first_seen_at: Date;
}

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

const INSERT_REVISION = `INSERT INTO article_revisions (article_id, revision, text_hash, minhash, token_count, item_id, url, article, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

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

  async findDuplicates(input: DedupInput, client: pg.Pool | pg.PoolClient = this.pool): Promise<DedupFound> {
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

  async storeArticle(req: StoreArticleRequest): Promise<StoredArticle> {
    checkInput(req.input);
    const at = isoUtc(req.at, 'at');
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, async (c) => {
          // The item's row lock: two workers storing one item take turns, and the second sees the first's sighting.
          const item = (await c.query<ItemRef>('SELECT id, feed_name, first_seen_at FROM items WHERE id = $1 FOR UPDATE', [req.itemId])).rows[0];
          if (!item) throw new FeedwatchError('storage', `no item with id ${req.itemId}`, { itemId: req.itemId }, { retryable: false });
          // Whatever was decided: an item stored before (a retried job, or another worker that got there first) is
          // reported as the first store recorded it, and nothing is written.
          const seen = (await c.query<ArticleRef & { article_id: string; decision: DedupKind; similarity: number | null }>(SIGHTING_OF, [req.itemId])).rows[0];
          if (seen) return storedArticle(seen.decision, Number(seen.article_id), Number(seen.cluster_id), seen.revision, seen.similarity, true);
          let d = req.decision;
          if (d.kind === 'new' || attempt > 1) {
            await this.lockBands(c, req.input.bands);
            d = decideForStore(req.input, await this.findDuplicates(req.input, c), req.options);
          }
          return this.apply(c, req, d, item, at);
        });
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        const again = err instanceof ArticleConflict || (typeof code === 'string' && RETRY_CODES.has(code));
        if (!again) throw err;
        if (attempt >= STORE_ATTEMPTS) {
          const why = err instanceof Error ? err.message : String(err);
          throw new FeedwatchError('storage', `storeArticle gave up after ${attempt} attempts: ${why}`, { itemId: req.itemId }, { cause: err, retryable: true });
        }
      }
    }
  }

  async story(clusterId: number): Promise<Story | null> {
    const articles = await this.pool.query<StoryArticleRow<string, Date>>(
      'SELECT id, canonical_url, title, revision, text_hash, first_seen_at, updated_at FROM articles WHERE cluster_id = $1 ORDER BY id',
      [clusterId],
    );
    if (articles.rows.length === 0) return null;
    const revisions = await this.pool.query<StoryRevisionRow<string, Date>>(
      `SELECT r.article_id, r.revision, r.text_hash, r.url, r.created_at
       FROM articles a JOIN article_revisions r ON r.article_id = a.id WHERE a.cluster_id = $1 ORDER BY r.article_id, r.revision`,
      [clusterId],
    );
    const sightings = await this.pool.query<StorySightingRow<string, Date>>(
      `SELECT s.item_id, s.article_id, s.feed_name, s.url, s.canonical_url, s.revision, s.decision, s.similarity, s.seen_at, i.published_at
       FROM articles a JOIN sightings s ON s.article_id = a.id JOIN items i ON i.id = s.item_id
       WHERE a.cluster_id = $1 ORDER BY s.seen_at, s.id`,
      [clusterId],
    );
    return storyFromRows(clusterId, { articles: articles.rows, revisions: revisions.rows, sightings: sightings.rows }, POSTGRES_TYPES);
  }

  private async lockBands(c: pg.PoolClient, bands: readonly number[]): Promise<void> {
    if (bands.length === 0) return;
    await c.query(LOCK_BANDS, [bands.map((_, i) => BAND_LOCK_CLASS + i), bands.map(int4)]);
  }

  /** One attempt at writing `d`; throws ArticleConflict when `d` no longer holds. */
  private async apply(c: pg.PoolClient, req: StoreArticleRequest, d: DedupDecision, item: ItemRef, at: string): Promise<StoredArticle> {
    const { input } = req;
    const itemId = Number(item.id);
    let target: ArticleRef;
    if (d.kind === 'duplicate-guid' || d.kind === 'duplicate-url' || d.kind === 'duplicate-text') {
      const found = (await c.query<ArticleRef>('SELECT id, cluster_id, revision FROM articles WHERE id = $1', [d.articleId])).rows[0];
      if (!found) throw new ArticleConflict(`article ${d.articleId} is gone`);
      target = found;
    } else {
      const title = cleanText(req.article.title);
      if (d.kind === 'revision') {
        const clash = (await c.query<{ id: string }>('SELECT id FROM articles WHERE text_hash = $1', [input.textHash])).rows[0];
        if (clash) throw new ArticleConflict(`the revised text is already article ${clash.id}`);
        const revised = (await c.query<ArticleRef>(REVISE, [d.articleId, input.textHash, input.minhash, input.tokenCount, title, at, d.previousTextHash])).rows[0];
        if (!revised) throw new ArticleConflict(`article ${d.articleId} no longer has the text the decision saw`);
        target = revised;
        await c.query('DELETE FROM article_band WHERE article_id = $1', [target.id]);
      } else {
        const cluster = d.kind === 'near-duplicate' ? d.clusterId : null;
        const inserted = (
          await c.query<ArticleRef>(INSERT_ARTICLE, [cluster, cleanText(input.canonicalUrl), input.textHash, input.minhash, input.tokenCount, title, item.first_seen_at, at])
        ).rows[0];
        if (!inserted) throw new ArticleConflict('an article with this text or canonical URL was stored meanwhile');
        target = inserted;
      }
      await c.query(INSERT_REVISION, [target.id, target.revision, input.textHash, input.minhash, input.tokenCount, itemId, cleanText(input.url), jsonParam(req.article), at]);
      if (input.bands.length > 0) await c.query(INSERT_BANDS, [target.id, input.bands.map(int4)]);
    }
    const similarity = decisionSimilarity(d);
    const sighted = await c.query(INSERT_SIGHTING, [
      itemId,
      target.id,
      item.feed_name,
      cleanText(input.url),
      cleanText(input.canonicalUrl),
      target.revision,
      d.kind,
      similarity,
      item.first_seen_at,
      at,
    ]);
    // The item has a sighting already: this attempt is undone, and the next one reports that sighting.
    if (sighted.rowCount === 0) throw new ArticleConflict(`item ${itemId} was stored meanwhile`);
    await c.query('UPDATE items SET article_id = $1 WHERE id = $2', [target.id, itemId]);
    return storedArticle(d.kind, Number(target.id), Number(target.cluster_id), target.revision, similarity);
  }
}

/**
 * The BoilerplateStore part of the PostgreSQL storage (tables of migrations/postgres/0008_boilerplate.sql): the SQL
 * of the rules in src/store/boilerplate.ts. `recordParagraphs` is one READ COMMITTED transaction that first upserts
 * the article's paragraph rows in key order (so two workers counting the same paragraphs lock them in one order and
 * the second waits for the first), then adds the sightings and recounts in statements of their own, each of which
 * sees what the first worker committed: two stories counted at once are both counted.
 */
import type pg from 'pg';
import type { Article } from '../../model.js';
import {
  checkEntriesFilter,
  checkHost,
  checkRecleanCandidates,
  checkRecord,
  planReclean,
  hostUrlRange,
  learnedOf,
  windowStart,
  type BoilerplateEntry,
  type BoilerplateFilter,
  type RecleanArticleRequest,
  type RecleanArticleResult,
  type RecleanCandidate,
  type RecleanCandidatesRequest,
  type RecordParagraphsRequest,
  type RecordParagraphsResult,
} from '../boilerplate.js';
import { cleanText, jsonParam } from './rows.js';
import { inTransaction } from './tx.js';

const UPSERT_PARAGRAPHS = `INSERT INTO boilerplate_paragraphs AS p (host, hash, sample, stories, first_seen_at, last_seen_at)
  SELECT $1, u.hash, u.sample, 0, $4, $4 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u (hash, sample, n) ORDER BY u.n
  ON CONFLICT (host, hash) DO UPDATE SET last_seen_at = greatest(p.last_seen_at, excluded.last_seen_at)`;

const INSERT_SIGHTINGS = `INSERT INTO boilerplate_sightings (host, hash, story, seen_at)
  SELECT $1, u.hash, $3, $4 FROM unnest($2::text[]) AS u (hash)
  ON CONFLICT DO NOTHING RETURNING hash`;

const RECOUNT = `UPDATE boilerplate_paragraphs p SET stories = (SELECT count(*) FROM boilerplate_sightings s
    WHERE s.host = p.host AND s.hash = p.hash AND s.seen_at >= $3)
  WHERE p.host = $1 AND p.hash = ANY ($2::text[])`;

const LEARN = `UPDATE boilerplate_paragraphs SET learned_at = $3
  WHERE host = $1 AND hash = ANY ($2::text[]) AND learned_at IS NULL AND stories >= $4 RETURNING hash`;

const RESTART_RECLEAN = `INSERT INTO boilerplate_hosts (host, reclean_after, learned_at) VALUES ($1, 0, $2)
  ON CONFLICT (host) DO UPDATE SET reclean_after = 0, learned_at = $2`;

const LEARNED = 'SELECT hash FROM boilerplate_paragraphs WHERE host = $1 AND learned_at IS NOT NULL ORDER BY hash';

const CAP = `DELETE FROM boilerplate_paragraphs WHERE host = $1 AND hash IN (
    SELECT hash FROM boilerplate_paragraphs WHERE host = $1 ORDER BY learned_at IS NOT NULL, last_seen_at, hash LIMIT $2)
  RETURNING hash`;

const CANDIDATES = `SELECT id, cluster_id FROM articles
  WHERE left(canonical_url, 200) >= $1 AND left(canonical_url, 200) < $2 AND id > $3 ORDER BY id LIMIT $4`;

const CURRENT_REVISION = `SELECT a.id, a.text_hash, a.revision, r.article FROM articles a
  JOIN article_revisions r ON r.article_id = a.id AND r.revision = a.revision WHERE a.id = $1 FOR UPDATE OF a`;

const ITEM_COPIES = 'SELECT id, article FROM items WHERE article_id = $1 AND article IS NOT NULL ORDER BY id FOR UPDATE';

const INSERT_BANDS = `INSERT INTO article_band (band_no, band_value, article_id)
  SELECT u.n - 1, u.v, $1 FROM unnest($2::int4[]) WITH ORDINALITY AS u (v, n) ON CONFLICT DO NOTHING`;

// No minhash on a revision: the article's is its current text's (0012_text_once.sql).
const REWRITE_REVISION = `UPDATE article_revisions SET article = $1, text_hash = $4, minhash = NULL, token_count = $5
  WHERE article_id = $2 AND revision = $3`;

interface EntryRow {
  host: string;
  hash: string;
  sample: string;
  stories: number;
  first_seen_at: Date;
  last_seen_at: Date;
  learned_at: Date | null;
}

const toEntry = (r: EntryRow): BoilerplateEntry => ({
  host: r.host,
  hash: r.hash,
  sample: r.sample,
  stories: r.stories,
  firstSeenAt: r.first_seen_at.toISOString(),
  lastSeenAt: r.last_seen_at.toISOString(),
  learnedAt: r.learned_at === null ? null : r.learned_at.toISOString(),
});

/** An unsigned 32-bit band value as the signed int4 stored. */
const int4 = (v: number): number => v | 0;

export class PostgresBoilerplate {
  constructor(private readonly pool: pg.Pool) {}

  async recordParagraphs(request: RecordParagraphsRequest): Promise<RecordParagraphsResult> {
    const req = checkRecord(request);
    const { host, at } = req;
    const since = windowStart(at, req.windowMs);
    const hashes = req.paragraphs.map((p) => p.hash);
    return inTransaction(this.pool, async (c) => {
      let newlyLearned: string[] = [];
      if (hashes.length > 0) {
        await c.query(UPSERT_PARAGRAPHS, [host, hashes, req.paragraphs.map((p) => cleanText(p.sample)), at]);
        const fresh = (await c.query<{ hash: string }>(INSERT_SIGHTINGS, [host, hashes, cleanText(req.story), at])).rows.map((r) => r.hash);
        if (fresh.length > 0) {
          await c.query(RECOUNT, [host, fresh, since]);
          newlyLearned = (await c.query<{ hash: string }>(LEARN, [host, fresh, at, req.minStories])).rows.map((r) => r.hash).sort();
        }
      }
      if (newlyLearned.length > 0) await c.query(RESTART_RECLEAN, [host, at]);
      let pruned = 0;
      if (req.prune) {
        pruned += (await c.query('DELETE FROM boilerplate_sightings WHERE host = $1 AND seen_at < $2', [host, since])).rowCount ?? 0;
        pruned += (await c.query('DELETE FROM boilerplate_paragraphs WHERE host = $1 AND last_seen_at < $2', [host, since])).rowCount ?? 0;
        const count = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM boilerplate_paragraphs WHERE host = $1', [host])).rows[0]!.n);
        if (count > req.maxPerHost) {
          const gone = (await c.query<{ hash: string }>(CAP, [host, count - req.maxPerHost])).rows.map((r) => r.hash);
          pruned += gone.length;
          pruned += (await c.query('DELETE FROM boilerplate_sightings WHERE host = $1 AND hash = ANY ($2::text[])', [host, gone])).rowCount ?? 0;
        }
      }
      const learned = (await c.query<{ hash: string }>(LEARNED, [host])).rows.map((r) => r.hash);
      const cursor = (await c.query<{ reclean_after: string | null }>('SELECT reclean_after FROM boilerplate_hosts WHERE host = $1', [host])).rows[0];
      return { learned, newlyLearned, recleanAfter: cursor?.reclean_after == null ? null : Number(cursor.reclean_after), pruned };
    });
  }

  async learnedBoilerplate(host: string): Promise<string[]> {
    checkHost('learnedBoilerplate', host);
    return (await this.pool.query<{ hash: string }>(LEARNED, [host])).rows.map((r) => r.hash);
  }

  async boilerplateEntries(filter: BoilerplateFilter = {}): Promise<BoilerplateEntry[]> {
    const f = checkEntriesFilter(filter);
    const { rows } = await this.pool.query<EntryRow>(
      `SELECT host, hash, sample, stories, first_seen_at, last_seen_at, learned_at FROM boilerplate_paragraphs
       WHERE ($1::text IS NULL OR host = $1) AND (NOT $2 OR learned_at IS NOT NULL)
       ORDER BY host, stories DESC, last_seen_at DESC, hash LIMIT $3`,
      [f.host, f.learnedOnly, f.limit],
    );
    return rows.map(toEntry);
  }

  async recleanCandidates(req: RecleanCandidatesRequest): Promise<RecleanCandidate[]> {
    checkRecleanCandidates(req);
    const { lo, hi } = hostUrlRange(req.host);
    const { rows } = await this.pool.query<{ id: string; cluster_id: string }>(CANDIDATES, [lo, hi, req.afterId, req.limit]);
    return rows.map((r) => ({ articleId: Number(r.id), clusterId: Number(r.cluster_id) }));
  }

  async recleanArticle(req: RecleanArticleRequest): Promise<RecleanArticleResult> {
    const learned = learnedOf(req);
    return inTransaction(this.pool, async (c) => {
      const row = (await c.query<{ id: string; text_hash: string; revision: number; article: Article }>(CURRENT_REVISION, [req.articleId])).rows[0];
      const copies = (await c.query<{ id: string; article: Article }>(ITEM_COPIES, [req.articleId])).rows.map((r) => ({ id: Number(r.id), article: r.article }));
      const plan = planReclean(row?.article ?? null, copies, learned);
      const result: RecleanArticleResult = { dropped: plan.revision?.dropped ?? 0, items: plan.items.length, hashTaken: false };
      if (row && plan.revision) {
        const { article, fingerprint: fp } = plan.revision;
        const owner = (await c.query<{ id: string }>('SELECT id FROM articles WHERE text_hash = $1', [fp.textHash])).rows[0];
        result.hashTaken = owner !== undefined && owner.id !== row.id;
        if (result.hashTaken) {
          await c.query('UPDATE article_revisions SET article = $1 WHERE article_id = $2 AND revision = $3', [jsonParam(article), row.id, row.revision]);
        } else {
          await c.query('UPDATE articles SET text_hash = $2, minhash = $3, token_count = $4 WHERE id = $1', [row.id, fp.textHash, fp.minhash, fp.tokenCount]);
          await c.query('DELETE FROM article_band WHERE article_id = $1', [row.id]);
          if (fp.bands.length > 0) await c.query(INSERT_BANDS, [row.id, fp.bands.map(int4)]);
          await c.query(REWRITE_REVISION, [jsonParam(article), row.id, row.revision, fp.textHash, fp.tokenCount]);
        }
      }
      for (const item of plan.items) await c.query('UPDATE items SET article = $1 WHERE id = $2', [jsonParam(item.article), item.id]);
      return result;
    });
  }

  async moveRecleanCursor(host: string, from: number, to: number | null): Promise<boolean> {
    checkHost('moveRecleanCursor', host);
    const r = await this.pool.query('UPDATE boilerplate_hosts SET reclean_after = $3 WHERE host = $1 AND reclean_after = $2', [host, from, to]);
    return (r.rowCount ?? 0) > 0;
  }
}

/**
 * The ArticleStore part of the SQLite storage (tables of migrations/sqlite/0002_dedup.sql): the SQL of duplicate
 * lookups, of the row operations that src/store/articles.ts `storeArticleSteps` stores an article with, and of the
 * story query. Synchronous (better-sqlite3); SqliteStore wraps each method into its async, error-guarded interface.
 *
 * `storeArticle` runs in one IMMEDIATE transaction, so writers on other connections wait for it (the write lock is
 * what serializes two stores of one item or one story: `item` and `lockBands` need no lock of their own); each
 * attempt is a nested transaction (a savepoint), rolled back when a guard trips. `findDuplicates` is one statement,
 * so it reads one snapshot.
 */
import type BetterSqlite3 from 'better-sqlite3';
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
  type ItemRef,
  type SightingRef,
  type StoreArticleRequest,
  type Story,
  type StoryArticleRow,
  type StoryRevisionRow,
  type StoryRows,
  type StoryRowTypes,
  type StorySightingRow,
} from '../articles.js';
import { runSync, type Steps } from '../steps.js';
import { packArticle } from './packed.js';
import type { DedupFound, DedupInput, DedupMatch, StoredArticle } from '../../model.js';

interface MatchRow {
  id: number;
  cluster_id: number;
  canonical_url: string;
  text_hash: string;
  minhash: string | null;
}

interface FoundRow extends MatchRow {
  via: 0 | 1 | 2 | 3;
}

/** Story rows: SQLite ids are numbers already, and times ISO 8601 UTC text. */
const SQLITE_TYPES: StoryRowTypes<number, string> = { id: (v) => v, time: (v) => v };

const MATCH = 'a.id, a.cluster_id, a.canonical_url, a.text_hash, a.minhash';

/** One primary-key probe of the band index: the newest article ids of one bucket (band number, band value, limit). */
export const BAND_PROBE = 'SELECT article_id FROM article_band WHERE band_no = ? AND band_value = ? ORDER BY article_id DESC LIMIT ?';

/**
 * The near candidates of a signature with `bands` bands, in one statement (parameter i is band i's value): one
 * BAND_PROBE per band, the ids counted by shared bands, the top NEAR_CANDIDATE_LIMIT (most shared bands, then
 * newest) read from articles in that order. One statement instead of a probe per band plus a read: the counting and
 * sorting stay in SQLite, and only the candidates cross into JavaScript.
 */
export function nearCandidatesSql(bands: number): string {
  return `WITH ${nearCte(bands)} SELECT ${MATCH} FROM top JOIN articles a ON a.id = top.article_id ORDER BY top.shared DESC, top.article_id DESC`;
}

/** The CTEs `hits` and `top` (article_id, shared) of the near candidates of a signature with `bands` bands. */
function nearCte(bands: number): string {
  const probes = Array.from(
    { length: bands },
    (_, i) => `SELECT * FROM (SELECT article_id FROM article_band WHERE band_no = ${i} AND band_value = ? ORDER BY article_id DESC LIMIT ${BAND_BUCKET_LIMIT})`,
  );
  // SQLite allows at most 500 terms in one compound SELECT: probes go in groups of 100 (one group for 32 bands).
  const groups: string[] = [];
  for (let i = 0; i < probes.length; i += 100) groups.push(`SELECT * FROM (${probes.slice(i, i + 100).join(' UNION ALL ')})`);
  return `hits (article_id) AS (${groups.join(' UNION ALL ')}),
    top (article_id, shared) AS (SELECT article_id, count(*) FROM hits GROUP BY article_id ORDER BY 2 DESC, 1 DESC LIMIT ${NEAR_CANDIDATE_LIMIT})`;
}

/**
 * The whole lookup of `findDuplicates` in one statement, so that it reads one snapshot (several statements would
 * each read their own, and a lookup could see another connection's store of the same item half-way): parameters
 * are the `bands` band values, then feed, guid, canonical URL and text hash. `via` is 0 for the guid, 1 the URL,
 * 2 the hash, 3 the near candidates (in their order).
 */
export function findSql(bands: number): string {
  const exact = `SELECT 0 AS via, 0 AS shared, ${MATCH} FROM items i JOIN articles a ON a.id = i.article_id WHERE i.feed_name = ? AND i.guid = ?
    UNION ALL SELECT 1, 0, ${MATCH} FROM articles a WHERE a.canonical_url = ?
    UNION ALL SELECT 2, 0, ${MATCH} FROM articles a WHERE a.text_hash = ?`;
  if (bands === 0) return exact;
  return `WITH ${nearCte(bands)}
    ${exact}
    UNION ALL SELECT 3, top.shared, ${MATCH} FROM top JOIN articles a ON a.id = top.article_id
    ORDER BY 1, 2 DESC, 3 DESC`;
}

const ARTICLE_REF = 'id, cluster_id AS clusterId, revision';

function prepareAll(db: BetterSqlite3.Database) {
  return {
    articleWithText: db.prepare<[string], number>('SELECT id FROM articles WHERE text_hash = ?').pluck(),
    item: db.prepare<[number], ItemRef>('SELECT id, feed_name AS feedName, first_seen_at AS firstSeenAt, article_id AS articleId FROM items WHERE id = ?'),
    article: db.prepare<[number], ArticleRef>(`SELECT ${ARTICLE_REF} FROM articles WHERE id = ?`),
    sightingOf: db.prepare<[number], SightingRef>(`SELECT s.article_id AS articleId, a.cluster_id AS clusterId, s.revision, s.decision AS kind, s.similarity
      FROM sightings s JOIN articles a ON a.id = s.article_id WHERE s.item_id = ?`),
    insertArticle: db.prepare<[Record<string, unknown>], ArticleRef>(`INSERT INTO articles (cluster_id, canonical_url, text_hash, minhash,
        token_count, title, first_seen_at, updated_at)
      VALUES (@clusterId, @canonicalUrl, @textHash, @minhash, @tokenCount, @title, @firstSeenAt, @at)
      ON CONFLICT DO NOTHING
      RETURNING ${ARTICLE_REF}`),
    ownCluster: db.prepare<[number], ArticleRef>(`UPDATE articles SET cluster_id = id WHERE id = ? RETURNING ${ARTICLE_REF}`),
    // Compare-and-set: only the text the decision saw is revised.
    revise: db.prepare<[Record<string, unknown>], ArticleRef>(`UPDATE articles SET text_hash = @textHash, minhash = @minhash,
        token_count = @tokenCount, title = @title, revision = revision + 1, updated_at = @at
      WHERE id = @id AND text_hash = @previousTextHash
      RETURNING ${ARTICLE_REF}`),
    // No minhash: the current text's is the article's (0012_text_once.sql).
    insertRevision: db.prepare(`INSERT INTO article_revisions (article_id, revision, text_hash, token_count, item_id, url, packed, created_at)
      VALUES (@articleId, @revision, @textHash, @tokenCount, @itemId, @url, @packed, @at)`),
    deleteBands: db.prepare<[number]>('DELETE FROM article_band WHERE article_id = ?'),
    // One run per band: measured 2.5 times cheaper than one INSERT of all 32 bands (SELECT from json_each of a JSON
    // array, or a VALUES list of 32 rows).
    insertBand: db.prepare<[number, number, number]>(`INSERT INTO article_band (band_no, band_value, article_id) VALUES (?, ?, ?)
      ON CONFLICT DO NOTHING`),
    insertSighting: db.prepare(`INSERT INTO sightings (item_id, article_id, feed_name, url, canonical_url, revision, decision,
        similarity, seen_at, stored_at)
      VALUES (@itemId, @articleId, @feedName, @url, @canonicalUrl, @revision, @kind, @similarity, @seenAt, @at)
      ON CONFLICT (item_id) DO NOTHING`),
    pointItem: db.prepare<[number, number]>('UPDATE items SET article_id = ? WHERE id = ?'),
    clusterArticles: db.prepare<[number], StoryArticleRow<number, string>>(`SELECT id, canonical_url, title, revision, text_hash, first_seen_at, updated_at
      FROM articles WHERE cluster_id = ? ORDER BY id`),
    clusterRevisions: db.prepare<[number], StoryRevisionRow<number, string>>(`SELECT r.article_id, r.revision, r.text_hash, r.url, r.created_at
      FROM articles a JOIN article_revisions r ON r.article_id = a.id WHERE a.cluster_id = ? ORDER BY r.article_id, r.revision`),
    clusterSightings: db.prepare<[number], StorySightingRow<number, string>>(`SELECT s.item_id, s.article_id, s.feed_name, s.url, s.canonical_url,
        s.revision, s.decision, s.similarity, s.seen_at, i.published_at
      FROM articles a JOIN sightings s ON s.article_id = a.id JOIN items i ON i.id = s.item_id
      WHERE a.cluster_id = ? ORDER BY s.seen_at, s.id`),
  };
}

type Statements = ReturnType<typeof prepareAll>;

const toMatch = (r: MatchRow): DedupMatch => ({ articleId: r.id, clusterId: r.cluster_id, url: r.canonical_url, textHash: r.text_hash, minhash: r.minhash });

export class SqliteArticles {
  private stmts: Statements | null = null;

  constructor(private readonly db: BetterSqlite3.Database) {}

  private get s(): Statements {
    this.stmts ??= prepareAll(this.db);
    return this.stmts;
  }

  /** The lookup statement for signatures of `bands` bands (32 by default), prepared once. */
  private readonly findStatements = new Map<number, BetterSqlite3.Statement<unknown[], FoundRow>>();
  private findStatement(bands: number): BetterSqlite3.Statement<unknown[], FoundRow> {
    let stmt = this.findStatements.get(bands);
    if (!stmt) {
      stmt = this.db.prepare<unknown[], FoundRow>(findSql(bands));
      this.findStatements.set(bands, stmt);
    }
    return stmt;
  }

  findDuplicates(input: DedupInput): DedupFound {
    checkInput(input);
    const rows = this.findStatement(input.bands.length).all(...input.bands, input.feedName, input.guid, input.canonicalUrl, input.textHash);
    const found: DedupFound = { byGuid: null, byUrl: null, byHash: null, near: [] };
    for (const r of rows) {
      if (r.via === 0) found.byGuid = toMatch(r);
      else if (r.via === 1) found.byUrl = toMatch(r);
      else if (r.via === 2) found.byHash = toMatch(r);
      else found.near.push(toMatch(r));
    }
    return found;
  }

  storeArticle(req: StoreArticleRequest): StoredArticle {
    return this.db.transaction(() => runSync(storeArticleSteps(this.attempts, req))).immediate();
  }

  story(clusterId: number): Story | null {
    return runSync(storySteps(this.storyRows, clusterId, SQLITE_TYPES));
  }

  /** Each attempt a savepoint inside storeArticle's transaction. */
  private readonly attempts: ArticleAttempts = {
    attempt: <T>(steps: (rows: ArticleRows) => Steps<T>): T => this.db.transaction(() => runSync(steps(this.rows)))(),
    conflict: (err) => err instanceof ArticleConflict,
  };

  private readonly rows: ArticleRows = {
    item: (itemId) => this.s.item.get(itemId),
    sightingOf: (itemId) => this.s.sightingOf.get(itemId),
    // The IMMEDIATE transaction holds the database's write lock already.
    lockBands: () => undefined,
    findDuplicates: (input) => this.findDuplicates(input),
    article: (id) => this.s.article.get(id),
    articleWithText: (textHash) => this.s.articleWithText.get(textHash),
    insertArticle: (a) => {
      const inserted = this.s.insertArticle.get({ ...a, clusterId: a.clusterId ?? 0 });
      // A new story's article is its own cluster.
      return inserted && a.clusterId === null ? (this.s.ownCluster.get(inserted.id) ?? inserted) : inserted;
    },
    reviseArticle: (id, previousTextHash, text) => this.s.revise.get({ ...text, id, previousTextHash }),
    deleteBands: (articleId) => void this.s.deleteBands.run(articleId),
    insertRevision: (r) => {
      const { article, minhash: _minhash, ...row } = r;
      this.s.insertRevision.run({ ...row, packed: packArticle(article) });
    },
    insertBands: (articleId, bands) => {
      for (let band = 0; band < bands.length; band++) this.s.insertBand.run(band, bands[band]!, articleId);
    },
    insertSighting: (sighting) => this.s.insertSighting.run(sighting).changes > 0,
    pointItem: (itemId, articleId) => void this.s.pointItem.run(articleId, itemId),
  };

  private readonly storyRows: StoryRows<number, string> = {
    clusterArticles: (clusterId) => this.s.clusterArticles.all(clusterId),
    clusterRevisions: (clusterId) => this.s.clusterRevisions.all(clusterId),
    clusterSightings: (clusterId) => this.s.clusterSightings.all(clusterId),
  };
}

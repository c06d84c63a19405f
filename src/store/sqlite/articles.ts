/**
 * The ArticleStore part of the SQLite storage (tables of migrations/sqlite/0002_dedup.sql): duplicate lookups,
 * storing an item's article as decided, and the story query. Synchronous (better-sqlite3); SqliteStore wraps each
 * method into its async, error-guarded interface.
 *
 * `storeArticle` runs in one IMMEDIATE transaction, so writers on other connections wait for it; inside, each
 * attempt is a nested transaction (a savepoint). A decision that no longer holds (another connection stored the
 * same text or URL, or revised the article, since the pipeline looked) trips a guard — the insert's ON CONFLICT DO
 * NOTHING returns no row, or the revision's compare-and-set updates nothing — and the attempt is rolled back to
 * its savepoint, the store looks again and decides again. A 'new' decision is always looked at again first: in
 * this serialized transaction that makes "two connections, one story" give one article. Every attempt first looks
 * for the item's own sighting, whatever the decision: an item already stored is reported as repeated.
 * `findDuplicates` is one statement, so it reads one snapshot.
 */
import type BetterSqlite3 from 'better-sqlite3';
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
import { isoUtc } from './rows.js';

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

interface ItemRef {
  id: number;
  feed_name: string;
  first_seen_at: string;
}

interface ArticleRef {
  id: number;
  cluster_id: number;
  revision: number;
}

interface SightingRef {
  article_id: number;
  cluster_id: number;
  revision: number;
  decision: DedupKind;
  similarity: number | null;
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

function prepareAll(db: BetterSqlite3.Database) {
  return {
    byHash: db.prepare<[string], MatchRow>(`SELECT ${MATCH} FROM articles a WHERE a.text_hash = ?`),
    item: db.prepare<[number], ItemRef>('SELECT id, feed_name, first_seen_at FROM items WHERE id = ?'),
    article: db.prepare<[number], ArticleRef>('SELECT id, cluster_id, revision FROM articles WHERE id = ?'),
    sightingOf: db.prepare<[number], SightingRef>(`SELECT s.article_id, a.cluster_id, s.revision, s.decision, s.similarity
      FROM sightings s JOIN articles a ON a.id = s.article_id WHERE s.item_id = ?`),
    insertArticle: db.prepare<[Record<string, unknown>], ArticleRef>(`INSERT INTO articles (cluster_id, canonical_url, text_hash, minhash,
        token_count, title, first_seen_at, updated_at)
      VALUES (@clusterId, @canonicalUrl, @textHash, @minhash, @tokenCount, @title, @firstSeenAt, @at)
      ON CONFLICT DO NOTHING
      RETURNING id, cluster_id, revision`),
    ownCluster: db.prepare<[number], ArticleRef>('UPDATE articles SET cluster_id = id WHERE id = ? RETURNING id, cluster_id, revision'),
    // Compare-and-set: only the text the decision saw is revised.
    revise: db.prepare<[Record<string, unknown>], ArticleRef>(`UPDATE articles SET text_hash = @textHash, minhash = @minhash,
        token_count = @tokenCount, title = @title, revision = revision + 1, updated_at = @at
      WHERE id = @id AND text_hash = @previousTextHash
      RETURNING id, cluster_id, revision`),
    insertRevision: db.prepare(`INSERT INTO article_revisions (article_id, revision, text_hash, minhash, token_count, item_id, url,
        article, created_at)
      VALUES (@articleId, @revision, @textHash, @minhash, @tokenCount, @itemId, @url, @article, @at)`),
    deleteBands: db.prepare<[number]>('DELETE FROM article_band WHERE article_id = ?'),
    // One run per band: measured 2.5 times cheaper than one INSERT of all 32 bands (SELECT from json_each of a JSON
    // array, or a VALUES list of 32 rows).
    insertBand: db.prepare<[number, number, number]>(`INSERT INTO article_band (band_no, band_value, article_id) VALUES (?, ?, ?)
      ON CONFLICT DO NOTHING`),
    insertSighting: db.prepare(`INSERT INTO sightings (item_id, article_id, feed_name, url, canonical_url, revision, decision,
        similarity, seen_at, stored_at)
      VALUES (@itemId, @articleId, @feedName, @url, @canonicalUrl, @revision, @decision, @similarity, @seenAt, @at)
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
    checkInput(req.input);
    const at = isoUtc(req.at, 'at');
    return this.db
      .transaction(() => {
        const item = this.s.item.get(req.itemId);
        if (!item) throw new FeedwatchError('storage', `no item with id ${req.itemId}`, { itemId: req.itemId }, { retryable: false });
        for (let attempt = 1; ; attempt++) {
          try {
            // A nested transaction is a savepoint: a tripped guard undoes only this attempt.
            return this.db.transaction(() => {
              // Whatever was decided: an item stored before (a retried job, or another worker that got there first)
              // is reported as the first store recorded it, and nothing is written.
              const seen = this.s.sightingOf.get(item.id);
              if (seen) return storedArticle(seen.decision, seen.article_id, seen.cluster_id, seen.revision, seen.similarity, true);
              const decision = attempt === 1 && req.decision.kind !== 'new' ? req.decision : this.decide(req);
              return this.apply(req, decision, item, at);
            })();
          } catch (err) {
            if (!(err instanceof ArticleConflict)) throw err;
            if (attempt >= STORE_ATTEMPTS) {
              throw new FeedwatchError('storage', `storeArticle gave up after ${attempt} attempts: ${err.message}`, { itemId: req.itemId }, { cause: err, retryable: true });
            }
          }
        }
      })
      .immediate();
  }

  story(clusterId: number): Story | null {
    const articles = this.s.clusterArticles.all(clusterId);
    if (articles.length === 0) return null;
    const revisions = this.s.clusterRevisions.all(clusterId);
    const sightings = this.s.clusterSightings.all(clusterId);
    return storyFromRows(clusterId, { articles, revisions, sightings }, SQLITE_TYPES);
  }

  private decide(req: StoreArticleRequest): DedupDecision {
    return decideForStore(req.input, this.findDuplicates(req.input), req.options);
  }

  /** One attempt at writing `d`; throws ArticleConflict when `d` no longer holds. */
  private apply(req: StoreArticleRequest, d: DedupDecision, item: ItemRef, at: string): StoredArticle {
    const s = this.s;
    const { input } = req;
    let target: ArticleRef;
    if (d.kind === 'duplicate-guid' || d.kind === 'duplicate-url' || d.kind === 'duplicate-text') {
      const found = s.article.get(d.articleId);
      if (!found) throw new ArticleConflict(`article ${d.articleId} is gone`);
      target = found;
    } else {
      const text = {
        textHash: input.textHash,
        minhash: input.minhash,
        tokenCount: input.tokenCount,
        title: req.article.title,
        at,
      };
      if (d.kind === 'revision') {
        const clash = s.byHash.get(input.textHash);
        if (clash) throw new ArticleConflict(`the revised text is already article ${clash.id}`);
        const revised = s.revise.get({ ...text, id: d.articleId, previousTextHash: d.previousTextHash });
        if (!revised) throw new ArticleConflict(`article ${d.articleId} no longer has the text the decision saw`);
        target = revised;
        s.deleteBands.run(target.id);
      } else {
        const inserted = s.insertArticle.get({ ...text, clusterId: d.kind === 'near-duplicate' ? d.clusterId : 0, canonicalUrl: input.canonicalUrl, firstSeenAt: item.first_seen_at });
        if (!inserted) throw new ArticleConflict('an article with this text or canonical URL was stored meanwhile');
        target = d.kind === 'new' ? (s.ownCluster.get(inserted.id) ?? inserted) : inserted;
      }
      s.insertRevision.run({
        articleId: target.id,
        revision: target.revision,
        textHash: input.textHash,
        minhash: input.minhash,
        tokenCount: input.tokenCount,
        itemId: item.id,
        url: input.url,
        article: JSON.stringify(req.article),
        at,
      });
      for (let band = 0; band < input.bands.length; band++) s.insertBand.run(band, input.bands[band]!, target.id);
    }
    const similarity = decisionSimilarity(d);
    const sighted = s.insertSighting.run({
      itemId: item.id,
      articleId: target.id,
      feedName: item.feed_name,
      url: input.url,
      canonicalUrl: input.canonicalUrl,
      revision: target.revision,
      decision: d.kind,
      similarity,
      seenAt: item.first_seen_at,
      at,
    });
    // The item has a sighting already: this attempt is undone, and the next one reports that sighting.
    if (sighted.changes === 0) throw new ArticleConflict(`item ${item.id} was stored meanwhile`);
    s.pointItem.run(target.id, item.id);
    return storedArticle(d.kind, target.id, target.cluster_id, target.revision, similarity);
  }
}

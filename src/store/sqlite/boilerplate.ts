/**
 * The BoilerplateStore part of the SQLite storage (tables of migrations/sqlite/0008_boilerplate.sql): the SQL of the
 * rules in src/store/boilerplate.ts. Synchronous (better-sqlite3); SqliteStore runs each method in its write or
 * read queue, so a `recordParagraphs` is one IMMEDIATE transaction and two workers never count the same sighting
 * apart.
 */
import type BetterSqlite3 from 'better-sqlite3';
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
import { packArticle, unpackArticle } from './packed.js';

interface EntryRow {
  host: string;
  hash: string;
  sample: string;
  stories: number;
  first_seen_at: string;
  last_seen_at: string;
  learned_at: string | null;
}

interface RevisionRow {
  id: number;
  text_hash: string;
  revision: number;
  /** The revision's Article, packed (./packed.ts). */
  packed: Buffer;
}

function prepareAll(db: BetterSqlite3.Database) {
  return {
    upsertParagraph: db.prepare(`INSERT INTO boilerplate_paragraphs (host, hash, sample, stories, first_seen_at, last_seen_at)
      VALUES (@host, @hash, @sample, 0, @at, @at)
      ON CONFLICT (host, hash) DO UPDATE SET last_seen_at = max(last_seen_at, excluded.last_seen_at)`),
    insertSighting: db.prepare(`INSERT INTO boilerplate_sightings (host, hash, story, seen_at) VALUES (@host, @hash, @story, @at)
      ON CONFLICT DO NOTHING`),
    // "+s.seen_at": the count probes the primary key (host, hash), not the host's whole window by the seen_at index.
    recount: db.prepare<[Record<string, unknown>], { stories: number; learned_at: string | null }>(`UPDATE boilerplate_paragraphs
      SET stories = (SELECT count(*) FROM boilerplate_sightings s WHERE s.host = @host AND s.hash = @hash AND +s.seen_at >= @since)
      WHERE host = @host AND hash = @hash RETURNING stories, learned_at`),
    learn: db.prepare<[Record<string, unknown>], { hash: string }>(`UPDATE boilerplate_paragraphs SET learned_at = @at
      WHERE host = @host AND hash = @hash AND learned_at IS NULL RETURNING hash`),
    restartReclean: db.prepare(`INSERT INTO boilerplate_hosts (host, reclean_after, learned_at) VALUES (@host, 0, @at)
      ON CONFLICT (host) DO UPDATE SET reclean_after = 0, learned_at = @at`),
    learned: db.prepare<[string], string>(
      'SELECT hash FROM boilerplate_paragraphs INDEXED BY boilerplate_paragraphs_learned WHERE host = ? AND learned_at IS NOT NULL ORDER BY hash',
    ).pluck(),
    cursor: db.prepare<[string], number | null>('SELECT reclean_after FROM boilerplate_hosts WHERE host = ?').pluck(),
    pruneSightings: db.prepare<[string, string]>('DELETE FROM boilerplate_sightings WHERE host = ? AND seen_at < ?'),
    pruneParagraphs: db.prepare<[string, string]>('DELETE FROM boilerplate_paragraphs WHERE host = ? AND last_seen_at < ?'),
    countParagraphs: db.prepare<[string], number>('SELECT count(*) FROM boilerplate_paragraphs WHERE host = ?').pluck(),
    capParagraphs: db.prepare<[{ host: string; n: number }], { hash: string }>(`DELETE FROM boilerplate_paragraphs WHERE host = @host AND hash IN (
        SELECT hash FROM boilerplate_paragraphs WHERE host = @host ORDER BY learned_at IS NOT NULL, last_seen_at, hash LIMIT @n)
      RETURNING hash`),
    dropSightings: db.prepare<[string, string]>('DELETE FROM boilerplate_sightings WHERE host = ? AND hash = ?'),
    candidates: db.prepare<[string, string, number, number], { id: number; cluster_id: number }>(`SELECT id, cluster_id FROM articles
      WHERE canonical_url >= ? AND canonical_url < ? AND id > ? ORDER BY id LIMIT ?`),
    moveCursor: db.prepare<[number | null, string, number]>('UPDATE boilerplate_hosts SET reclean_after = ? WHERE host = ? AND reclean_after = ?'),
    currentRevision: db.prepare<[number], RevisionRow>(`SELECT a.id, a.text_hash, a.revision, r.packed FROM articles a
      JOIN article_revisions r ON r.article_id = a.id AND r.revision = a.revision WHERE a.id = ?`),
    hashOwner: db.prepare<[string], number>('SELECT id FROM articles WHERE text_hash = ?').pluck(),
    refingerprint: db.prepare(`UPDATE articles SET text_hash = @textHash, minhash = @minhash, token_count = @tokenCount
      WHERE id = @id AND text_hash = @previous`),
    deleteBands: db.prepare<[number]>('DELETE FROM article_band WHERE article_id = ?'),
    insertBand: db.prepare<[number, number, number]>('INSERT INTO article_band (band_no, band_value, article_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    rewriteRevisionArticle: db.prepare<[Buffer, number, number]>('UPDATE article_revisions SET packed = ? WHERE article_id = ? AND revision = ?'),
    rewriteRevision: db.prepare(`UPDATE article_revisions SET packed = @packed, text_hash = @textHash, minhash = NULL,
        token_count = @tokenCount WHERE article_id = @id AND revision = @revision`),
    itemCopies: db.prepare<[number], { id: number; article: string }>('SELECT id, article FROM items WHERE article_id = ? AND article IS NOT NULL'),
    rewriteItem: db.prepare<[string, number]>('UPDATE items SET article = ? WHERE id = ?'),
  };
}

type Statements = ReturnType<typeof prepareAll>;

const ENTRY_COLUMNS = 'host, hash, sample, stories, first_seen_at, last_seen_at, learned_at';

const toEntry = (r: EntryRow): BoilerplateEntry => ({
  host: r.host,
  hash: r.hash,
  sample: r.sample,
  stories: r.stories,
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
  learnedAt: r.learned_at,
});

export class SqliteBoilerplate {
  private stmts: Statements | null = null;

  constructor(private readonly db: BetterSqlite3.Database) {}

  private get s(): Statements {
    this.stmts ??= prepareAll(this.db);
    return this.stmts;
  }

  recordParagraphs(request: RecordParagraphsRequest): RecordParagraphsResult {
    const req = checkRecord(request);
    const s = this.s;
    const { host, story, at } = req;
    const since = windowStart(at, req.windowMs);
    return this.db
      .transaction(() => {
        const newlyLearned: string[] = [];
        for (const { hash, sample } of req.paragraphs) {
          s.upsertParagraph.run({ host, hash, sample, at });
          if (s.insertSighting.run({ host, hash, story, at }).changes === 0) continue;
          const counted = s.recount.get({ host, hash, since })!;
          if (counted.learned_at === null && counted.stories >= req.minStories && s.learn.get({ host, hash, at })) newlyLearned.push(hash);
        }
        if (newlyLearned.length > 0) s.restartReclean.run({ host, at });
        const pruned = req.prune ? this.prune(host, since, req.maxPerHost) : 0;
        return { learned: s.learned.all(host), newlyLearned, recleanAfter: s.cursor.get(host) ?? null, pruned };
      })
      .immediate();
  }

  private prune(host: string, since: string, maxPerHost: number): number {
    const s = this.s;
    let n = s.pruneSightings.run(host, since).changes + s.pruneParagraphs.run(host, since).changes;
    const excess = s.countParagraphs.get(host)! - maxPerHost;
    if (excess > 0) {
      for (const { hash } of s.capParagraphs.all({ host, n: excess })) n += 1 + s.dropSightings.run(host, hash).changes;
    }
    return n;
  }

  learnedBoilerplate(host: string): string[] {
    checkHost('learnedBoilerplate', host);
    return this.s.learned.all(host);
  }

  boilerplateEntries(filter: BoilerplateFilter = {}): BoilerplateEntry[] {
    const f = checkEntriesFilter(filter);
    const where = [f.host === null ? '' : 'host = @host', f.learnedOnly ? 'learned_at IS NOT NULL' : ''].filter(Boolean);
    const sql = `SELECT ${ENTRY_COLUMNS} FROM boilerplate_paragraphs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY host, stories DESC, last_seen_at DESC, hash LIMIT @limit`;
    return this.db.prepare<[Record<string, unknown>], EntryRow>(sql).all({ host: f.host, limit: f.limit }).map(toEntry);
  }

  recleanCandidates(req: RecleanCandidatesRequest): RecleanCandidate[] {
    checkRecleanCandidates(req);
    const { lo, hi } = hostUrlRange(req.host);
    return this.s.candidates.all(lo, hi, req.afterId, req.limit).map((r) => ({ articleId: r.id, clusterId: r.cluster_id }));
  }

  recleanArticle(req: RecleanArticleRequest): RecleanArticleResult {
    const learned = learnedOf(req);
    const s = this.s;
    return this.db
      .transaction(() => {
        const row = s.currentRevision.get(req.articleId);
        const copies = s.itemCopies.all(req.articleId).map((c) => ({ id: c.id, article: JSON.parse(c.article) as Article }));
        const plan = planReclean(row ? unpackArticle(row.packed) : null, copies, learned);
        const result: RecleanArticleResult = { dropped: plan.revision?.dropped ?? 0, items: plan.items.length, hashTaken: false };
        if (row && plan.revision) {
          const { article, fingerprint: fp } = plan.revision;
          const owner = s.hashOwner.get(fp.textHash);
          result.hashTaken = owner !== undefined && owner !== row.id;
          if (result.hashTaken) {
            s.rewriteRevisionArticle.run(packArticle(article), row.id, row.revision);
          } else {
            const text = { id: row.id, textHash: fp.textHash, minhash: fp.minhash, tokenCount: fp.tokenCount };
            s.refingerprint.run({ ...text, previous: row.text_hash });
            s.deleteBands.run(row.id);
            fp.bands.forEach((v, band) => s.insertBand.run(band, v, row.id));
            s.rewriteRevision.run({ ...text, packed: packArticle(article), revision: row.revision });
          }
        }
        for (const item of plan.items) s.rewriteItem.run(JSON.stringify(item.article), item.id);
        return result;
      })
      .immediate();
  }

  moveRecleanCursor(host: string, from: number, to: number | null): boolean {
    checkHost('moveRecleanCursor', host);
    return this.s.moveCursor.run(to, host, from).changes > 0;
  }
}

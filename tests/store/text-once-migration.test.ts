/**
 * Migration 0012_text_once on both drivers: a database written in the previous layout (migrations up to 0011 only,
 * its rows inserted as the previous version wrote them: the article JSON in items.article and in
 * article_revisions.article, each alert document with its body and analysis JSON, the FTS5 index keyed from it) is
 * opened by the current store, which migrates it; nothing is lost: every item's article, the story with its
 * revisions, alert documents with their texts, search through the rebuilt index, a dry-run alert replay, and the
 * export all answer as before, while the texts are now stored once.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { buildAlertDoc, compileRule } from '../../src/alerts/match.js';
import { lemmaText, StemOnly } from '../../src/alerts/morphology.js';
import { exportedDocs } from '../../src/export/read.js';
import type { Article } from '../../src/model.js';
import { replayRule } from '../../src/pipeline/alert-replay.js';
import { migrateSqlite } from '../../src/store/migrate.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { openPostgresStore, postgresMigrationsDir } from '../../src/store/postgres/store.js';
import { openSqliteStore, sqliteMigrationsDir } from '../../src/store/sqlite/store.js';
import { searchArticles } from '../../src/store/alerts.js';
import type { Store } from '../../src/store/store.js';
import { migrationsBefore } from '../helpers/migrations.js';
import { pgTestSchemas } from '../helpers/postgres.js';
import { testArticle } from '../helpers/store-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'feedwatch-text-once-'));
const pgSchemas = pgTestSchemas();
after(async () => {
  rmSync(root, { recursive: true, force: true });
  await pgSchemas.dropAll();
});

/** The driver's migrations before 0012_text_once. */
const previousMigrations = (dir: URL): URL => migrationsBefore(root, dir, 12);

const lem = new StemOnly();
const T = (min: number) => new Date(Date.parse('2026-04-01T08:00:00.000Z') + min * 60_000).toISOString();
const rev1 = testArticle('Snow closes the pass', ['Heavy snow closed the mountain pass on Monday.', 'Drivers waited for hours.'], { lead: 'The road is shut.' });
const rev2 = testArticle('Snow closes the pass', ['Heavy snow closed the mountain pass on Monday night.', 'Drivers waited for hours.', 'It reopened at noon.'], { lead: 'The road is shut.' });
const other = testArticle('Minister visits Bishkek', ['The foreign minister arrived in Bishkek for talks.', 'Trade was on the agenda.'], { lead: null });
const body = (a: Article) => a.paragraphs.join('\n\n');

interface Row {
  table: string;
  values: Record<string, unknown>;
}

/** The rows the previous version wrote for: two revisions of one article (three items), another story, a failed page. */
function previousRows(): Row[] {
  const rows: Row[] = [];
  const add = (table: string, values: Record<string, unknown>) => rows.push({ table, values });
  add('feeds', { name: 'wire', url: 'https://wire.example/rss', interval_ms: 900_000 });
  add('feeds', { name: 'other', url: 'https://other.example/rss', interval_ms: 900_000 });
  const item = (id: number, feed: string, article: Article | null, state: string) =>
    add('items', {
      id,
      feed_name: feed,
      guid: `g${id}`,
      link: `https://${feed}.example/${id}`,
      title: article?.title ?? 'Avalanche warning',
      description: article ? null : 'An avalanche warning for the <b>pass</b>.',
      first_seen_at: T(id),
      article_state: state,
      article_attempts: 1,
      next_article_attempt_at: null,
      article_url: article ? `https://${feed}.example/${id}` : null,
      article_fetched_at: article ? T(id) : null,
      article: article ? JSON.stringify(article) : null,
    });
  item(1, 'wire', rev1, 'done');
  item(2, 'wire', rev2, 'done');
  item(3, 'other', rev2, 'done');
  item(4, 'other', other, 'done');
  item(5, 'wire', null, 'failed');
  add('articles', { id: 1, cluster_id: 1, canonical_url: 'wire.example/pass', text_hash: 'h2', minhash: 'ab'.repeat(8), token_count: 20, title: rev2.title, revision: 2, first_seen_at: T(1), updated_at: T(2) });
  add('articles', { id: 2, cluster_id: 2, canonical_url: 'other.example/bishkek', text_hash: 'h3', minhash: null, token_count: 14, title: other.title, revision: 1, first_seen_at: T(4), updated_at: T(4) });
  const revision = (articleId: number, n: number, hash: string, itemId: number, url: string, a: Article) =>
    add('article_revisions', { article_id: articleId, revision: n, text_hash: hash, minhash: null, token_count: 10, item_id: itemId, url, article: JSON.stringify(a), created_at: T(itemId) });
  revision(1, 1, 'h1', 1, 'https://wire.example/1', rev1);
  revision(1, 2, 'h2', 2, 'https://wire.example/2', rev2);
  revision(2, 1, 'h3', 4, 'https://other.example/4', other);
  const sighting = (itemId: number, articleId: number, feed: string, n: number, decision: string) =>
    add('sightings', { item_id: itemId, article_id: articleId, feed_name: feed, url: `https://${feed}.example/${itemId}`, canonical_url: 'x', revision: n, decision, similarity: null, seen_at: T(itemId), stored_at: T(itemId) });
  sighting(1, 1, 'wire', 1, 'new');
  sighting(2, 1, 'wire', 2, 'revision');
  sighting(3, 1, 'other', 2, 'duplicate-text');
  sighting(4, 2, 'other', 1, 'new');
  const doc = (articleId: number, clusterId: string, feed: string, title: string, lead: string, text: string) => {
    const analyzed = buildAlertDoc({ title, lead, body: text, feed, tags: ['news'] }, lem).analyzed;
    add('alert_docs', { article_id: articleId, cluster_id: clusterId, feed, url: `https://${feed}.example/`, title, lead, body: text, tags: '["news"]', published_at: null, analyzed_by: lem.id, analysis: JSON.stringify(analyzed), stored_at: T(Math.abs(articleId)) });
    return analyzed;
  };
  const fts: Row[] = [];
  for (const [id, a] of [
    [1, doc(1, '1', 'wire', rev2.title!, rev2.lead!, body(rev2))],
    [2, doc(2, '2', 'other', other.title!, '', body(other))],
    [-5, doc(-5, 'item:5', 'wire', 'Avalanche warning', 'An avalanche warning for the pass.', '')],
  ] as const) {
    fts.push({ table: 'alert_fts', values: { rowid: id, title: lemmaText(a.title), lead: lemmaText(a.lead), body: lemmaText(a.body), feed: lemmaText(a.feed), tags: lemmaText(a.tag) } });
  }
  add('alert_matches', { rule: 'kg', cluster_id: '2', article_id: 2, matched_at: T(10) });
  return [...rows, ...fts];
}

const POINT_ITEMS = 'UPDATE items SET article_id = CASE id WHEN 4 THEN 2 WHEN 5 THEN NULL ELSE 1 END';

/** What the migrated store must answer as the previous version did. */
async function checkNothingLost(store: Store): Promise<void> {
  // Every item's article, the duplicate's from the revision its sighting names.
  for (const [itemId, a] of [
    [1, rev1],
    [2, rev2],
    [3, rev2],
    [4, other],
  ] as const) {
    const got = await store.getArticle(itemId);
    assert.deepEqual(got?.article, a, `item ${itemId}`);
    assert.equal(got?.finalUrl, `https://${itemId === 3 || itemId === 4 ? 'other' : 'wire'}.example/${itemId}`);
  }
  assert.equal(await store.getArticle(5), null);
  // The story with both revisions.
  const story = await store.story(1);
  assert.deepEqual(
    story?.articles[0]?.revisions.map((r) => [r.revision, r.textHash, r.url]),
    [
      [1, 'h1', 'https://wire.example/1'],
      [2, 'h2', 'https://wire.example/2'],
    ],
  );
  assert.equal(story?.sightings.length, 3);
  // Alert documents with their texts (what `story --text`, the API and alerts read).
  const d1 = await store.getAlertDoc(1);
  assert.deepEqual([d1?.title, d1?.lead, d1?.body, d1?.tags, d1?.analyzedBy], [rev2.title, rev2.lead, body(rev2), ['news'], lem.id]);
  assert.equal((await store.getAlertDoc(2))?.body, body(other));
  assert.deepEqual([(await store.getAlertDoc(-5))?.lead, (await store.getAlertDoc(-5))?.body], ['An avalanche warning for the pass.', '']);
  // Search through the rebuilt index: a word only in the second revision's body, a word of a title, a feed-only entry.
  const ids = async (q: string) => (await searchArticles(store, compileRule(q, lem), lem, { limit: 10 })).map((h) => h.doc.articleId);
  assert.deepEqual(await ids('reopened'), [1]);
  assert.deepEqual(await ids('Bishkek'), [2]);
  assert.deepEqual(await ids('avalanche'), [-5]);
  assert.deepEqual(await ids('feed:other AND trade'), [2]);
  assert.deepEqual(await ids('"mountain pass"'), [1]);
  // Alert replay, dry run: two stories match, one was alerted already.
  const rule = { name: 'kg', channels: ['log'], compiled: compileRule('Bishkek OR snow', lem) };
  const replay = await replayRule({ store, clock: { now: () => Date.parse(T(60)) }, lemmatizer: lem }, rule, { since: T(-60), dryRun: true });
  assert.deepEqual([replay.matched, replay.alreadyAlerted, replay.alerted.map((h) => h.articleId)], [2, 1, [1]]);
  // The export reads every document with its body.
  const exported: [number, string][] = [];
  for await (const d of exportedDocs(store, lem, { rule: null })) exported.push([d.articleId, d.body]);
  assert.deepEqual(exported, [
    [2, body(other)],
    [1, body(rev2)],
    [-5, ''],
  ]);
}

describe('0012_text_once migrates a database of the previous layout', () => {
  test('SQLite: nothing is lost, each text is stored once, and the file can give pages back', async () => {
    const path = join(root, 'previous.db');
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      migrateSqlite(db, previousMigrations(sqliteMigrationsDir), () => T(0));
      db.transaction(() => {
        for (const { table, values } of previousRows()) {
          const cols = Object.keys(values);
          db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...Object.values(values));
        }
        db.exec(POINT_ITEMS);
      })();
      assert.equal(db.pragma('auto_vacuum', { simple: true }), 0, 'made as the previous version made files');
    } finally {
      db.close();
    }

    const store = await openSqliteStore(path);
    try {
      // The VACUUM ran with its temporary database on disk; the store's own statement journals are in memory again.
      assert.equal(store.db.pragma('temp_store', { simple: true }), 2);
      await checkNothingLost(store);
    } finally {
      await store.close();
    }
    const after = new Database(path, { readonly: true });
    try {
      assert.equal(after.pragma('auto_vacuum', { simple: true }), 2, 'switched to incremental auto-vacuum');
      assert.equal(after.prepare('SELECT count(*) FROM items WHERE article IS NOT NULL').pluck().get(), 0, 'no item keeps a copy of a stored text');
      assert.deepEqual(after.prepare('SELECT article_id, body IS NULL AS ref, body_revision FROM alert_docs ORDER BY article_id').raw().all(), [
        [-5, 0, null],
        [1, 1, 2],
        [2, 1, 1],
      ]);
      const columns = (t: string) => after.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all();
      assert.ok(!columns('alert_docs').includes('analysis') && !columns('article_revisions').includes('article'));
    } finally {
      after.close();
    }
  });

  test('PostgreSQL: nothing is lost, and each text is stored once', async () => {
    const schema = await pgSchemas.create();
    const pool = new pg.Pool({ connectionString: pgSchemas.urlFor(schema), max: 1 });
    try {
      await migratePostgres(pool, previousMigrations(postgresMigrationsDir), () => T(0));
      // PostgreSQL's index is alert_docs.search (NULL here: such a row is always a candidate), not an FTS5 table.
      for (const { table, values } of previousRows().filter((r) => r.table !== 'alert_fts')) {
        const cols = Object.keys(values);
        const overriding = table === 'items' ? ' OVERRIDING SYSTEM VALUE' : '';
        await pool.query(`INSERT INTO ${table} (${cols.join(', ')})${overriding} VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(values));
      }
      await pool.query(POINT_ITEMS);
    } finally {
      await pool.end();
    }

    const store = await openPostgresStore(pgSchemas.url, { schema });
    try {
      await checkNothingLost(store);
    } finally {
      await store.close();
    }
    assert.deepEqual(await pgSchemas.query(`SELECT count(*)::int AS n FROM ${schema}.items WHERE article IS NOT NULL`), [{ n: 0 }]);
    assert.deepEqual(await pgSchemas.query(`SELECT article_id::int AS id, body IS NULL AS ref, body_revision FROM ${schema}.alert_docs ORDER BY article_id`), [
      { id: -5, ref: false, body_revision: null },
      { id: 1, ref: true, body_revision: 2 },
      { id: 2, ref: true, body_revision: 1 },
    ]);
  });
});

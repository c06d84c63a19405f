/**
 * Migration 0013_first_story on both drivers, and what it saves on SQLite: a paragraph's first story is kept in its
 * row instead of a sighting row. Counts made before the migration (every story a sighting row, first_story NULL)
 * go on as they were: the same story is not counted twice, a new one adds to them. On SQLite, paragraphs sighted in
 * one story leave no sighting row.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { paragraphKey } from '../../src/extract/learned.js';
import type { RecordParagraphsRequest } from '../../src/store/boilerplate.js';
import { migrateSqlite } from '../../src/store/migrate.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { openPostgresStore, postgresMigrationsDir } from '../../src/store/postgres/store.js';
import { registerTextFunctions } from '../../src/store/sqlite/packed.js';
import { openSqliteStore, sqliteMigrationsDir } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { migrationsBefore } from '../helpers/migrations.js';
import { pgTestSchemas } from '../helpers/postgres.js';

const root = mkdtempSync(join(tmpdir(), 'feedwatch-first-story-'));
const pgSchemas = pgTestSchemas();
after(async () => {
  rmSync(root, { recursive: true, force: true });
  await pgSchemas.dropAll();
});

/** The driver's migrations before 0013_first_story. */
const previousMigrations = (dir: URL): URL => migrationsBefore(root, dir, 13);

const HOST = 'news.example.test';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-04-01T08:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const ONE = 'A promo line that came with the first story and no other yet.';
const TWO = 'A promo line already seen in two stories before the upgrade.';
const key = (text: string): string => paragraphKey(text)!;

/** What the previous version wrote for: ONE sighted in story 1, TWO in stories 1 and 2 (a sighting row each). */
const previous = {
  paragraphs: [
    { host: HOST, hash: key(ONE), sample: ONE, stories: 1, first_seen_at: at(0), last_seen_at: at(0) },
    { host: HOST, hash: key(TWO), sample: TWO, stories: 2, first_seen_at: at(0), last_seen_at: at(HOUR) },
  ],
  sightings: [
    { host: HOST, hash: key(ONE), story: '1', seen_at: at(0) },
    { host: HOST, hash: key(TWO), story: '1', seen_at: at(0) },
    { host: HOST, hash: key(TWO), story: '2', seen_at: at(HOUR) },
  ],
};

function record(story: string, texts: string[], ms: number): RecordParagraphsRequest {
  return { host: HOST, story, paragraphs: texts.map((t) => ({ hash: key(t), sample: t })), at: at(ms), minStories: 3, windowMs: 7 * 24 * HOUR, maxPerHost: 1000 };
}

/** After the migration: story 1 again counts nothing; story 3 makes ONE's second story and TWO's third (learned). */
async function checkCountsGoOn(store: Store): Promise<void> {
  const again = await store.recordParagraphs(record('1', [ONE, TWO], 2 * HOUR));
  assert.deepEqual(again.newlyLearned, []);
  const third = await store.recordParagraphs(record('3', [ONE, TWO], 3 * HOUR));
  assert.deepEqual(third.newlyLearned, [key(TWO)]);
  const stories = Object.fromEntries((await store.boilerplateEntries({ host: HOST, learnedOnly: false })).map((e) => [e.sample, e.stories]));
  assert.deepEqual(stories, { [ONE]: 2, [TWO]: 3 });
}

describe('0013_first_story', () => {
  test('SQLite: counts made before it go on; a story that adds paragraphs leaves no sighting rows', async () => {
    const path = join(root, 'previous.db');
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      registerTextFunctions(db);
      migrateSqlite(db, previousMigrations(sqliteMigrationsDir), () => at(0));
      const insert = (table: string, values: Record<string, unknown>) =>
        db.prepare(`INSERT INTO ${table} (${Object.keys(values).join(', ')}) VALUES (${Object.keys(values).map(() => '?').join(', ')})`).run(...Object.values(values));
      for (const p of previous.paragraphs) insert('boilerplate_paragraphs', p);
      for (const s of previous.sightings) insert('boilerplate_sightings', s);
    } finally {
      db.close();
    }
    const store = await openSqliteStore(path);
    try {
      await checkCountsGoOn(store);
      const sightings = () => store.db.prepare('SELECT count(*) FROM boilerplate_sightings').pluck().get();
      // The three rows from before, and story 3's of ONE and of TWO (their first stories are sighting rows too).
      assert.equal(sightings(), 5);
      // Five new paragraphs in one story: five rows, no sighting row.
      const texts = ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((w) => `The ${w} paragraph of a story of its own, sighted once.`);
      assert.equal(new Set(texts.map(key)).size, 5);
      await store.recordParagraphs(record('4', texts, 4 * HOUR));
      assert.equal(sightings(), 5);
      assert.equal(store.db.prepare('SELECT count(*) FROM boilerplate_paragraphs WHERE first_story = ?').pluck().get('4'), 5);
      // A second story of one of them: one sighting row, and it counts two stories.
      await store.recordParagraphs(record('5', [texts[0]!], 5 * HOUR));
      assert.equal(sightings(), 6);
      assert.equal((await store.boilerplateEntries({ host: HOST, learnedOnly: false })).find((e) => e.sample === texts[0])!.stories, 2);
    } finally {
      await store.close();
    }
  });

  test('PostgreSQL: counts made before it go on', async () => {
    const schema = await pgSchemas.create();
    const pool = new pg.Pool({ connectionString: pgSchemas.urlFor(schema), max: 1 });
    try {
      await migratePostgres(pool, previousMigrations(postgresMigrationsDir), () => at(0));
      for (const [table, rows] of [['boilerplate_paragraphs', previous.paragraphs], ['boilerplate_sightings', previous.sightings]] as const) {
        for (const values of rows) {
          const cols = Object.keys(values);
          await pool.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(values));
        }
      }
    } finally {
      await pool.end();
    }
    const store = await openPostgresStore(pgSchemas.url, { schema });
    try {
      await checkCountsGoOn(store);
    } finally {
      await store.close();
    }
  });
});

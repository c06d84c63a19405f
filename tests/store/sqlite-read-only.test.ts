/**
 * The read-only feed list of a SQLite file (`feedwatch feeds`): what the store's own query answers, without writing;
 * null (the caller opens the store) when the file is missing or its schema is not the current one.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFeedOverview } from '../../src/store/open.js';
import { readFeedOverview as readSqlite, sqliteMigrationsDir } from '../../src/store/sqlite/read-only.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { parseConfig } from '../../src/config/load.js';
import { okPoll, testFeed, testItem } from '../helpers/store-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'feedwatch-read-only-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `db${++n}`, 'f.db');
const t = '2026-12-01T10:00:00.000Z';

async function filled(path: string): Promise<void> {
  const store = await openSqliteStore(path);
  try {
    await store.syncFeeds([testFeed('a'), testFeed('b'), testFeed('c'), testFeed('d \u00e9\u{1F600}"\\')]);
    const [x] = await store.recordPoll(okPoll('a', t), [testItem('a', 'a1'), testItem('a', 'a2')], '2026-12-01T10:15:00.000Z');
    await store.recordPoll(okPoll('c', t, { ok: false, status: 500, errorKind: 'http-status', errorMessage: 'HTTP 500' }), [], '2026-12-01T10:30:00.000Z');
    await store.saveArticle(x!.id, { ok: false, kind: 'http-status', reason: 'HTTP 404' }, t, null);
    // Text that JSON must escape or carry as it is: quotes, a backslash, controls, a line separator, a surrogate pair.
    const odd = 'an "HTML" page\\ \n\t\u0001\u2028 \u00e9\u{1F600}';
    await store.recordPoll(
      { ...okPoll('d \u00e9\u{1F600}"\\', t, { ok: false, status: 200, errorKind: 'not-a-feed', errorMessage: odd, etag: 'W/"x"' }), declaredFeeds: ['https://example.com/a.xml', `https://example.com/${encodeURIComponent(odd)}`] },
      [],
      '2026-12-01T10:45:00.000Z',
    );
  } finally {
    await store.close();
  }
}

const byState = <T extends { name: string }>(rows: T[]) => [...rows].sort((p, q) => (p.name < q.name ? -1 : 1));

const byName = <T extends { state: { name: string } }>(rows: T[] | null) => rows && [...rows].sort((p, q) => (p.state.name < q.state.name ? -1 : 1));

test('answers what the store answers, and writes nothing to the file', async () => {
  const path = fresh();
  await filled(path);
  const store = await openSqliteStore(path);
  const expected = byName(await store.feedOverview());
  const states = byState(await store.feedStates());
  await store.close();
  const digest = () => createHash('sha256').update(readFileSync(path)).digest('hex');
  const before = digest();
  const got = byName(readSqlite(path));
  assert.deepEqual(got, expected);
  assert.deepEqual(got!.map((o) => [o.state.name, o.state.itemCount, o.activity.pagesFailed, o.state.errorCount]), [['a', 2, 1, 0], ['b', 0, 0, 0], ['c', 0, 0, 1], ['d \u00e9\u{1F600}"\\', 0, 0, 1]]);
  // The overview's states are what the row-by-row read of the feeds table gives (declared feeds, odd text and all).
  assert.deepEqual(got!.map((o) => o.state), states);
  assert.equal(got![3]!.state.declaredFeeds.length, 2);
  // A reader of a WAL file may create the -shm index (as the daemon has it); it writes no page.
  assert.equal(digest(), before, 'the database file holds the same bytes');
  assert.equal(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0, 0, 'no page in the write-ahead log');
});

test('a missing file: null, and no file or folder is created', () => {
  const path = fresh();
  assert.equal(readSqlite(path), null);
  assert.equal(existsSync(join(path, '..')), false);
});

test('a file whose schema lacks a migration this code ships: null (the store migrates it)', async () => {
  const path = fresh();
  await filled(path);
  const dir = join(root, `migrations${++n}`);
  mkdirSync(dir);
  for (const f of readdirSync(sqliteMigrationsDir)) copyFileSync(new URL(f, sqliteMigrationsDir), join(dir, f));
  writeFileSync(join(dir, '9999_next.sql'), 'CREATE TABLE next_thing (x INTEGER);');
  assert.equal(readSqlite(path, pathToFileURL(`${dir}/`)), null);
  assert.notEqual(readSqlite(path), null, 'with the shipped migrations the same file is read');
});

test('readFeedOverview through the config: read-only when it can, else the store creates and migrates the file', async () => {
  const path = fresh();
  const config = parseConfig(`storage: { driver: sqlite, path: ${JSON.stringify(path)} }\nfeeds:\n  - { name: a, url: "https://example.com/a.xml" }\n`, 'f.yaml');
  assert.deepEqual(await readFeedOverview(config), [], 'a new file: created by the store, no feed stored yet');
  assert.equal(existsSync(path), true);
  await filled(path);
  assert.deepEqual(byName(await readFeedOverview(config))!.map((o) => o.state.name), ['a', 'b', 'c', 'd \u00e9\u{1F600}"\\']);
});

/**
 * SqliteStore: the storage contract against real temporary SQLite files, then what only SQLite has
 * (pragmas, reopening a file, a database error and a killed process in the middle of a transaction).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { FeedwatchError } from '../../src/errors.js';
import type { FeedItem } from '../../src/model.js';
import { openSqliteStore, sqliteMigrationsDir } from '../../src/store/sqlite/store.js';
import { okPoll, testFeed, testItem } from '../helpers/store-fixtures.js';
import { runStoreContract } from './contract.js';
import { runArticleStoreContract } from './articles-contract.js';
import { runAlertStoreContract } from './alerts-contract.js';
import { runAlertHistoryContract } from './alert-history-contract.js';
import { runFeedHealthContract } from './feed-health-contract.js';
import { runRetentionStoreContract } from './retention-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `db-${++n}`, 'feedwatch.db');

runStoreContract('sqlite', () => openSqliteStore(freshPath()));
runArticleStoreContract('sqlite', () => openSqliteStore(freshPath()), async () => {
  // Two connections to one file.
  const path = freshPath();
  const one = await openSqliteStore(path);
  return [one, await openSqliteStore(path)];
});
runAlertStoreContract('sqlite', async () => {
  const path = freshPath();
  return { store: await openSqliteStore(path), reopen: (o) => openSqliteStore(path, o?.claimIdentity ? { claims: { identity: o.claimIdentity } } : {}) };
});
runAlertHistoryContract('sqlite', async () => {
  const path = freshPath();
  return { store: await openSqliteStore(path), reopen: (o) => openSqliteStore(path, o?.claimIdentity ? { claims: { identity: o.claimIdentity } } : {}) };
});
runFeedHealthContract('sqlite', async () => {
  const path = freshPath();
  return { store: await openSqliteStore(path), reopen: () => openSqliteStore(path) };
});

runRetentionStoreContract('sqlite', async () => {
  const path = freshPath();
  const store = await openSqliteStore(path);
  const count = (sql: string) => Number(store.db.prepare(sql).pluck().get());
  return {
    store,
    reopen: () => openSqliteStore(path),
    count: async (table) => count(`SELECT count(*) FROM ${table}`),
    ftsRows: async () => count('SELECT count(*) FROM alert_fts'),
  };
});

/** Items without a link. */
const feedItem = (feedName: string, guid: string): FeedItem => testItem(feedName, guid, { link: null });
const feed = testFeed('a', { intervalMs: 60_000 });
const migrationFiles = readdirSync(sqliteMigrationsDir).filter((f) => f.endsWith('.sql')).sort();

describe('SqliteStore (SQLite specifics)', () => {
  test('creates missing folders and opens in WAL with foreign keys, synchronous=NORMAL, statement journals in memory, the checkpoint threshold and the busy timeout', async () => {
    const path = join(dir, 'deep', 'er', 'x.db');
    const store = await openSqliteStore(path, { busyTimeoutMs: 1234 });
    try {
      assert.ok(existsSync(path));
      assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(store.db.pragma('synchronous', { simple: true }), 1);
      // temp_store = MEMORY: each call's savepoint journals pages in memory, not in a temporary file.
      assert.equal(store.db.pragma('temp_store', { simple: true }), 2);
      // A checkpoint per 4,096 WAL pages (64 MB), not SQLite's 1,000.
      assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 4096);
      assert.equal(store.db.pragma('busy_timeout', { simple: true }), 1234);
    } finally {
      await store.close();
      await store.close();
    }
  });

  test('opening the same file twice applies each migration once and keeps the data', async () => {
    const path = freshPath();
    const clock = new ManualClock(Date.parse('2026-02-03T04:05:06.000Z'));
    const first = await openSqliteStore(path, { clock });
    assert.deepEqual(first.lastMigration?.applied.map((m) => m.file), migrationFiles);
    await first.syncFeeds([feed]);
    await first.recordPoll(okPoll('a', '2026-02-03T04:05:06Z', { etag: '"e"' }), [feedItem('a', 'g1')], '2026-02-03T05:00:00Z');
    await first.close();

    clock.advance(3_600_000);
    const second = await openSqliteStore(path, { clock });
    try {
      assert.deepEqual(second.lastMigration?.applied, []);
      assert.equal(second.lastMigration?.version, Number(migrationFiles.at(-1)!.slice(0, 4)), 'the highest file number (numbers may skip)');
      const rows = second.db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
      assert.deepEqual(
        rows,
        migrationFiles.map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), applied_at: '2026-02-03T04:05:06.000Z' })),
      );
      const state = await second.feedState('a');
      assert.equal(state?.etag, '"e"');
      assert.equal(state?.itemCount, 1);
    } finally {
      await second.close();
    }
  });

  test('two connections to one file see each other’s committed polls', async () => {
    const path = freshPath();
    const one = await openSqliteStore(path);
    const two = await openSqliteStore(path);
    try {
      await one.syncFeeds([feed]);
      await two.recordPoll(okPoll('a', '2026-01-01T00:00:00Z'), [feedItem('a', 'g1')], '2026-01-01T00:01:00Z');
      const fromOne = await one.recordPoll(okPoll('a', '2026-01-01T00:01:00Z'), [feedItem('a', 'g1'), feedItem('a', 'g2')], '2026-01-01T00:02:00Z');
      assert.deepEqual(fromOne.map((i) => i.guid), ['g2']);
      assert.equal((await two.feedState('a'))?.itemCount, 2);
    } finally {
      await one.close();
      await two.close();
    }
  });

  test('a database error in the middle of a poll rolls the poll back', async () => {
    const store = await openSqliteStore(freshPath());
    try {
      await store.syncFeeds([feed]);
      await store.recordPoll(okPoll('a', '2026-01-01T00:00:00Z', { etag: '"v1"' }), [feedItem('a', 'g1')], '2026-01-01T00:01:00Z');
      const before = await store.feedState('a');
      store.db.exec(`CREATE TEMP TRIGGER boom BEFORE INSERT ON items WHEN NEW.guid = 'boom'
        BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
      await assert.rejects(
        store.recordPoll(okPoll('a', '2026-01-01T00:01:00Z', { etag: '"v2"' }), [feedItem('a', 'g2'), feedItem('a', 'boom')], '2026-01-01T00:02:00Z'),
        (err: unknown) =>
          err instanceof FeedwatchError && err.kind === 'storage' && /boom refused/.test(err.message) && err.context.feed === 'a' && err.retryable === false,
      );
      assert.deepEqual(await store.feedState('a'), before);
      assert.equal(store.db.prepare('SELECT count(*) FROM items').pluck().get(), 1);
    } finally {
      await store.close();
    }
  });

  test('a process killed in the middle of a transaction leaves the committed data intact', async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    await store.syncFeeds([feed]);
    await store.recordPoll(okPoll('a', '2026-01-01T00:00:00Z', { etag: '"v1"' }), [feedItem('a', 'g1')], '2026-01-01T00:01:00Z');
    await store.close();

    // A second process writes half a poll and dies with SIGKILL before COMMIT.
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const Database = require('better-sqlite3');
         const db = new Database(process.argv[1]);
         db.exec("BEGIN IMMEDIATE");
         db.exec("UPDATE feeds SET etag = 'half', error_count = 7 WHERE name = 'a'");
         db.exec("INSERT INTO items (feed_name, guid, first_seen_at) VALUES ('a', 'half', '2026-01-01T00:02:00.000Z')");
         process.kill(process.pid, 'SIGKILL');`,
        path,
      ],
      { cwd: process.cwd(), encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(child.signal, 'SIGKILL', child.stderr);

    const reopened = await openSqliteStore(path);
    try {
      const state = await reopened.feedState('a');
      assert.equal(state?.etag, '"v1"');
      assert.equal(state?.errorCount, 0);
      assert.equal(state?.itemCount, 1);
      assert.deepEqual((await reopened.pendingArticles(10, '2030-01-01T00:00:00Z')).map((i) => i.guid), ['g1']);
    } finally {
      await reopened.close();
    }
  });

  test('a closed store answers with a storage error', async () => {
    const store = await openSqliteStore(freshPath());
    await store.close();
    await assert.rejects(store.feedStates(), (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage');
  });
});

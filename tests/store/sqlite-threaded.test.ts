/**
 * The SQLite store on a second thread (src/store/sqlite/threaded.ts): the whole storage contract through the
 * thread, then what the thread adds: errors rebuilt as FeedwatchErrors with their kind, context and cause,
 * arguments that cannot cross threads, a failed open, calls after close, opening through the config, and a
 * process that ends although its store was never closed.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { compileRule } from '../../src/alerts/match.js';
import { StemOnly } from '../../src/alerts/morphology.js';
import { parseConfig } from '../../src/config/load.js';
import { FeedwatchError } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import { openThreadedSqliteStore, ThreadedSqliteStore } from '../../src/store/sqlite/threaded.js';
import { okPoll, testFeed, testItem } from '../helpers/store-fixtures.js';
import { runStoreContract } from './contract.js';
import { runArticleStoreContract } from './articles-contract.js';
import { runAlertStoreContract } from './alerts-contract.js';
import { runAlertHistoryContract } from './alert-history-contract.js';
import { runFeedHealthContract } from './feed-health-contract.js';
import { runRetentionStoreContract } from './retention-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-threaded-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `db-${++n}`, 'feedwatch.db');

runStoreContract('sqlite (thread)', () => openThreadedSqliteStore(freshPath()));
runArticleStoreContract('sqlite (thread)', () => openThreadedSqliteStore(freshPath()), async () => {
  // Two threads, each with its connection to one file.
  const path = freshPath();
  const one = await openThreadedSqliteStore(path);
  return [one, await openThreadedSqliteStore(path)];
});
runAlertStoreContract('sqlite (thread)', async () => {
  const path = freshPath();
  return { store: await openThreadedSqliteStore(path), reopen: (o) => openThreadedSqliteStore(path, o?.claimIdentity ? { claimIdentity: o.claimIdentity } : {}) };
});
runAlertHistoryContract('sqlite (thread)', async () => {
  const path = freshPath();
  return { store: await openThreadedSqliteStore(path), reopen: (o) => openThreadedSqliteStore(path, o?.claimIdentity ? { claimIdentity: o.claimIdentity } : {}) };
});
runFeedHealthContract('sqlite (thread)', async () => {
  const path = freshPath();
  return { store: await openThreadedSqliteStore(path), reopen: () => openThreadedSqliteStore(path) };
});
runRetentionStoreContract('sqlite (thread)', async () => {
  const path = freshPath();
  const store = await openThreadedSqliteStore(path);
  // Counted on a connection of this thread: the file is the same.
  const count = (sql: string): number => {
    const db = new Database(path, { readonly: true });
    try {
      return Number(db.prepare(sql).pluck().get());
    } finally {
      db.close();
    }
  };
  return {
    store,
    reopen: () => openThreadedSqliteStore(path),
    count: async (table) => count(`SELECT count(*) FROM ${table}`),
    ftsRows: async () => count('SELECT count(*) FROM alert_fts'),
  };
});

const feed = testFeed('a', { intervalMs: 60_000 });
const item = (guid: string) => testItem('a', guid, { link: null });

describe('ThreadedSqliteStore (the thread)', () => {
  test('an error thrown in the thread arrives as a FeedwatchError with its kind, context and retryable flag', async () => {
    const store = await openThreadedSqliteStore(freshPath());
    try {
      await assert.rejects(
        store.recordPoll(okPoll('nope', '2026-01-01T00:00:00Z'), [], '2026-01-01T00:01:00Z'),
        (err: unknown) =>
          err instanceof FeedwatchError &&
          err.name === 'FeedwatchError' &&
          err.kind === 'storage' &&
          err.retryable === false &&
          err.context.feed === 'nope' &&
          /unknown feed "nope"/.test(err.message) &&
          /storage thread/.test(err.stack ?? ''),
      );
      // The store still answers after an error.
      await store.syncFeeds([feed]);
      assert.equal((await store.feedState('a'))?.name, 'a');
    } finally {
      await store.close();
    }
  });

  test('a SQLite error keeps its code in the context and comes with its cause', async () => {
    const path = freshPath();
    const store = await openThreadedSqliteStore(path);
    try {
      await store.syncFeeds([feed]);
      await store.recordPoll(okPoll('a', '2026-01-01T00:00:00Z', { etag: '"v1"' }), [item('g1')], '2026-01-01T00:01:00Z');
      // A trigger written through another connection: the thread's connection sees the schema change.
      const db = new Database(path);
      db.exec(`CREATE TRIGGER boom BEFORE INSERT ON items WHEN NEW.guid = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
      db.close();
      await assert.rejects(
        store.recordPoll(okPoll('a', '2026-01-01T00:01:00Z', { etag: '"v2"' }), [item('g2'), item('boom')], '2026-01-01T00:02:00Z'),
        (err: unknown) =>
          err instanceof FeedwatchError &&
          err.kind === 'storage' &&
          /boom refused/.test(err.message) &&
          err.context.feed === 'a' &&
          err.context.code === 'SQLITE_CONSTRAINT_TRIGGER' &&
          err.retryable === false &&
          err.cause instanceof Error &&
          (err.cause as Error & { code?: string }).code === 'SQLITE_CONSTRAINT_TRIGGER',
      );
      // Rolled back in the thread as in-process.
      const state = await store.feedState('a');
      assert.equal(state?.etag, '"v1"');
      assert.equal(state?.itemCount, 1);
    } finally {
      await store.close();
    }
  });

  test('an argument that cannot cross threads rejects that call with a storage error', async () => {
    const store = await openThreadedSqliteStore(freshPath());
    try {
      const bad = { ...feed, headers: { get: () => 'x' } } as unknown as typeof feed;
      await assert.rejects(
        store.syncFeeds([bad]),
        (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage' && err.retryable === false && err.context.op === 'syncFeeds' && /cannot be sent/.test(err.message),
      );
      assert.deepEqual(await store.feedStates(), []);
    } finally {
      await store.close();
    }
  });

  test('calls made in one turn travel together; one that cannot cross fails alone, the others are answered in order', async () => {
    const store = await openThreadedSqliteStore(freshPath());
    try {
      const bad = { ...feed, headers: { get: () => 'x' } } as unknown as typeof feed;
      // All in one turn: the good calls share a message with the bad one.
      const good = store.syncFeeds([feed]);
      const refused = assert.rejects(store.syncFeeds([bad]), (err: unknown) => err instanceof FeedwatchError && err.context.op === 'syncFeeds' && /cannot be sent/.test(err.message));
      const states = store.feedStates();
      await good;
      await refused;
      assert.deepEqual((await states).map((s) => s.name), [feed.name], 'the read made after the write sees it');
    } finally {
      await store.close();
    }
  });

  test('a compiled rule with a /regex/ crosses to searchCandidates', async () => {
    const store = await openThreadedSqliteStore(freshPath());
    try {
      const rule = compileRule('/лавр\\w*/ OR title:переговоры', new StemOnly());
      assert.deepEqual(await store.searchCandidates(rule, { limit: 10, lemmatizer: new StemOnly().id }), []);
    } finally {
      await store.close();
    }
  });

  test('a database that cannot be opened rejects the open with a storage error, and the thread ends', async () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    await assert.rejects(
      openThreadedSqliteStore(join(file, 'feedwatch.db')),
      (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage' && /cannot open SQLite database/.test(err.message),
    );
  });

  test('after close, calls reject with a storage error; closing twice is fine', async () => {
    const store = await openThreadedSqliteStore(freshPath());
    await store.syncFeeds([feed]);
    await store.close();
    await store.close();
    await assert.rejects(store.feedStates(), (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage' && /closed/.test(err.message));
  });

  test('what the thread wrote is in the file, for the next store', async () => {
    const path = freshPath();
    const one = await openThreadedSqliteStore(path);
    assert.ok((one.lastMigration?.applied.length ?? 0) > 0);
    await one.syncFeeds([feed]);
    await one.recordPoll(okPoll('a', '2026-01-01T00:00:00Z'), [item('g1'), item('g2')], '2026-01-01T00:01:00Z');
    await one.close();
    const two = await openThreadedSqliteStore(path);
    try {
      assert.deepEqual(two.lastMigration?.applied, []);
      assert.equal((await two.feedState('a'))?.itemCount, 2);
    } finally {
      await two.close();
    }
  });

  test('storage.thread in the config opens the threaded store; without it, the in-process one', async () => {
    const path = freshPath();
    const threaded = await openStore(parseConfig(`storage:\n  driver: sqlite\n  path: ${JSON.stringify(path)}\n  thread: true\nfeeds: []\n`, join(dir, 'a.yaml')));
    try {
      assert.ok(threaded instanceof ThreadedSqliteStore);
    } finally {
      await threaded.close();
    }
    const config = parseConfig(`storage:\n  driver: sqlite\n  path: ${JSON.stringify(path)}\nfeeds: []\n`, join(dir, 'b.yaml'));
    assert.equal(config.storage.driver === 'sqlite' && config.storage.thread, undefined, 'unset unless the config says');
    const plain = await openStore(config);
    try {
      assert.ok(!(plain instanceof ThreadedSqliteStore));
    } finally {
      await plain.close();
    }
  });

  test('an idle thread does not keep the process alive when the store is never closed', () => {
    const threaded = fileURLToPath(new URL('../../src/store/sqlite/threaded.ts', import.meta.url));
    const script = `const { openThreadedSqliteStore } = await import(${JSON.stringify(threaded)});
      const store = await openThreadedSqliteStore(${JSON.stringify(freshPath())});
      console.log(JSON.stringify(await store.feedStates()));`;
    const file = join(dir, 'never-closed.mts');
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.signal, null, 'the process had to be killed: the thread kept it alive');
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), '[]');
  });
});

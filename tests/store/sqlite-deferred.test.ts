/**
 * Rows a call of a SQLite write batch leaves to the end of the batch (src/store/sqlite/deferred.ts): the mechanism on
 * a real connection, driven as SqliteStore's `flush` drives it (a savepoint per call), and the search index's rows
 * through the store: visible to later calls of the same batch, the last save of a document wins, and a batch whose
 * end fails leaves nothing.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildAlertDoc, compileRule } from '../../src/alerts/match.js';
import { StemOnly } from '../../src/alerts/morphology.js';
import { FeedwatchError } from '../../src/errors.js';
import type { AlertDocRecord } from '../../src/store/alerts.js';
import { BatchDeferrals, DeferredRows } from '../../src/store/sqlite/deferred.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { testFeed } from '../helpers/store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-deferred-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `db-${++n}.db`);

/** A connection with one table whose rows are deferred, and what was written to it, in order. */
function setUp() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const put = db.prepare<[number, string]>('INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v');
  const writes: number[][] = [];
  const batch = new BatchDeferrals();
  const rows = new DeferredRows<number, string>(batch, (rs) => {
    writes.push(rs.map(([k]) => k));
    for (const [k, v] of rs) put.run(k, v);
  });
  const table = (): Record<number, string> => Object.fromEntries(db.prepare<[], { k: number; v: string }>('SELECT k, v FROM t ORDER BY k').all().map((r) => [r.k, r.v]));
  /** One call of a batch, in a savepoint, as SqliteStore.flush runs it: released, or rolled back when fn throws. */
  const call = (fn: () => void): boolean => {
    db.exec('SAVEPOINT c');
    batch.beginCall();
    let ok = false;
    try {
      fn();
      db.exec('RELEASE c');
      ok = true;
    } catch {
      db.exec('ROLLBACK TO c');
      db.exec('RELEASE c');
    } finally {
      batch.endCall(ok);
    }
    return ok;
  };
  return { db, batch, rows, writes, table, call };
}

describe('deferred rows', () => {
  test('outside a batch a row is written at once', () => {
    const { rows, table, writes } = setUp();
    rows.put(1, 'a');
    assert.deepEqual(table(), { 1: 'a' });
    assert.deepEqual(writes, [[1]]);
  });

  test("a batch's rows wait for its end, then go in one write, in key order, the last of each key", () => {
    const { db, batch, rows, table, writes, call } = setUp();
    db.exec('BEGIN');
    call(() => rows.put(3, 'c'));
    call(() => {
      rows.put(1, 'a');
      rows.put(3, 'c2');
    });
    call(() => rows.put(2, 'b'));
    assert.deepEqual(table(), {}, 'nothing written during the batch');
    assert.equal(rows.waiting, 3);
    batch.writeAll();
    db.exec('COMMIT');
    assert.deepEqual(table(), { 1: 'a', 2: 'b', 3: 'c2' });
    assert.deepEqual(writes, [[1, 2, 3]]);
    assert.equal(rows.waiting, 0);
  });

  test('a later call of the batch that needs the rows has them written first', () => {
    const { db, batch, rows, table, call } = setUp();
    db.exec('BEGIN');
    call(() => rows.put(1, 'a'));
    let seen: Record<number, string> = {};
    call(() => {
      rows.writePending();
      seen = table();
    });
    assert.deepEqual(seen, { 1: 'a' });
    batch.writeAll();
    db.exec('COMMIT');
    assert.deepEqual(table(), { 1: 'a' });
  });

  test("a failed call's rows are dropped with it; earlier calls' rows it wrote are written at the end all the same", () => {
    const { db, batch, rows, table, writes, call } = setUp();
    db.exec('BEGIN');
    assert.equal(
      call(() => rows.put(1, 'a')),
      true,
    );
    const failed = call(() => {
      rows.put(2, 'b');
      rows.writePending(); // writes 1 and 2 inside this call's savepoint
      rows.put(3, 'c');
      throw new Error('this call fails');
    });
    assert.equal(failed, false);
    assert.deepEqual(table(), {}, 'the rollback undid what the failed call wrote');
    assert.equal(rows.waiting, 1, "the first call's row waits again");
    batch.writeAll();
    db.exec('COMMIT');
    assert.deepEqual(table(), { 1: 'a' }, 'neither 2 nor 3: they were the failed call’s');
    assert.deepEqual(writes, [[1, 2], [1]]);
  });

  test('a batch that fails drops whatever it deferred', () => {
    const { db, batch, rows, table, call } = setUp();
    db.exec('BEGIN');
    call(() => rows.put(1, 'a'));
    batch.discard();
    db.exec('ROLLBACK');
    assert.equal(rows.waiting, 0);
    // The next batch starts empty.
    db.exec('BEGIN');
    call(() => rows.put(2, 'b'));
    batch.writeAll();
    db.exec('COMMIT');
    assert.deepEqual(table(), { 2: 'b' });
  });
});

describe('the search index rows of a SQLite write batch', () => {
  const lem = new StemOnly();
  const doc = (articleId: number, title: string): AlertDocRecord => {
    const built = buildAlertDoc({ title, lead: '', body: '', feed: 'f', tags: [] }, lem);
    return { articleId, clusterId: `c${articleId}`, feed: 'f', url: null, title, lead: '', body: '', tags: [], publishedAt: null, analyzed: built.analyzed, storedAt: '2026-03-05T12:00:00.000Z' };
  };
  const search = (store: { searchCandidates: (r: ReturnType<typeof compileRule>, p: { limit: number; lemmatizer: string }) => Promise<AlertDocRecord[]> }, word: string) =>
    store.searchCandidates(compileRule(word, lem), { limit: 10, lemmatizer: lem.id }).then((docs) => docs.map((d) => d.articleId));

  test('a search in the same batch finds the documents saved before it in that batch', async () => {
    const store = await openSqliteStore(freshPath());
    try {
      // One turn: the three calls are one batch, the search last.
      const [, , found] = await Promise.all([store.saveAlertDoc(doc(1, 'harbour opens')), store.saveAlertDoc(doc(2, 'harbour closes')), search(store, 'harbour')]);
      assert.deepEqual(found, [2, 1]);
      assert.deepEqual(await search(store, 'opens'), [1]);
    } finally {
      await store.close();
    }
  });

  test('a document saved twice in one batch is indexed as it was saved last', async () => {
    const store = await openSqliteStore(freshPath());
    try {
      await Promise.all([store.saveAlertDoc(doc(1, 'harbour opens')), store.saveAlertDoc(doc(1, 'bridge closes'))]);
      assert.deepEqual(await search(store, 'harbour'), []);
      assert.deepEqual(await search(store, 'bridge'), [1]);
      assert.equal(store.db.prepare('SELECT count(*) FROM alert_fts').pluck().get(), 1);
    } finally {
      await store.close();
    }
  });

  test('when the rows cannot be written at the end of the batch, every call of it fails and none of it is committed', async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    try {
      await store.saveAlertDoc(doc(1, 'harbour opens'));
      // The index is gone (as a broken file would fail the write): the batch's end fails.
      store.db.exec('DROP TABLE alert_fts');
      const results = await Promise.allSettled([store.saveAlertDoc(doc(2, 'bridge closes')), store.syncFeeds([testFeed('a')])]);
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const err = (r as PromiseRejectedResult).reason as unknown;
        assert.ok(err instanceof FeedwatchError && err.kind === 'storage' && /alert_fts/.test(err.message), String(err));
      }
      assert.equal(await store.getAlertDoc(2), null);
      assert.deepEqual(await store.feedStates(), []);
    } finally {
      await store.close();
    }
  });
});

/**
 * SqliteStore's group commit (src/store/sqlite/store.ts): the writes made in one turn of the event loop are committed
 * together, each in a savepoint of its own, their promises settle after that commit, calls take effect in the order
 * they were made, and a write lock held by another connection neither stalls this process nor loses the write.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { alertItem } from '../../src/alerts/message.js';
import { ManualClock } from '../../src/clock.js';
import { FeedwatchError } from '../../src/errors.js';
import type { FeedItem, PollOutcome } from '../../src/model.js';
import type { NewMatch } from '../../src/alerts/deliver.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { okPoll, testFeed, testItem } from '../helpers/store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `db-${++n}.db`);

const feeds = ['a', 'b', 'c'].map((name) => testFeed(name));
const poll = (feed: string, guid: string): [PollOutcome, FeedItem[], string] => [okPoll(feed, '2026-01-01T00:00:00Z'), [testItem(feed, guid)], '2026-01-01T01:00:00Z'];

/** Another connection to the file, to look from outside: the items it sees committed. */
function observer(path: string) {
  const db = new Database(path, { readonly: true });
  const items = db.prepare('SELECT count(*) FROM items').pluck();
  return {
    items: () => Number(items.get()),
    close: () => db.close(),
  };
}

/** Resolves after `turns` turns of the event loop. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((r) => setImmediate(r));
}

describe('SqliteStore group commit', () => {
  test('writes made in one turn are committed together, and settle only then', async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    const look = observer(path);
    try {
      await store.syncFeeds(feeds);
      const pending = feeds.map((f) => store.recordPoll(...poll(f.name, `${f.name}-1`)));
      let settled = 0;
      for (const p of pending) void p.then(() => settled++);
      // Nothing is written, nor settled, while this turn runs.
      assert.equal(look.items(), 0);
      await Promise.resolve();
      assert.equal(settled, 0);
      const stored = await Promise.all(pending);
      assert.deepEqual(stored.map((s) => s.map((i) => i.guid)), [['a-1'], ['b-1'], ['c-1']]);
      assert.equal(look.items(), 3);
    } finally {
      look.close();
      await store.close();
    }
  });

  test('one commit for the batch: fewer WAL frames than the same writes committed one by one', async () => {
    const frames = async (together: boolean): Promise<number> => {
      const path = freshPath();
      const store = await openSqliteStore(path);
      try {
        // No checkpoint: the WAL file only grows, by one frame (a page and its header) per page a commit writes.
        store.db.pragma('wal_autocheckpoint = 0');
        await store.syncFeeds(feeds);
        const frameBytes = Number(store.db.pragma('page_size', { simple: true })) + 24;
        const walFrames = () => (statSync(`${path}-wal`).size - 32) / frameBytes;
        const before = walFrames();
        if (together) await Promise.all(feeds.map((f) => store.recordPoll(...poll(f.name, `${f.name}-1`))));
        else for (const f of feeds) await store.recordPoll(...poll(f.name, `${f.name}-1`));
        return walFrames() - before;
      } finally {
        await store.close();
      }
    };
    const oneByOne = await frames(false);
    const together = await frames(true);
    // Each poll writes the same few pages (the feeds row's page, the items pages): one by one, each commit writes them again.
    assert.ok(together < oneByOne, `${together} frames together, ${oneByOne} one by one`);
  });

  test('a read made after a waiting write sees it: calls take effect in the order they are made', async () => {
    const store = await openSqliteStore(freshPath());
    try {
      await store.syncFeeds(feeds);
      const write = store.recordPoll(...poll('a', 'a-1'));
      const read = store.feedState('a');
      const [, state] = await Promise.all([write, read]);
      assert.equal(state?.itemCount, 1);
      assert.equal(state?.lastStatus, 200);
      // With no write waiting, a read runs at once.
      assert.equal((await store.feedState('a'))?.itemCount, 1);
    } finally {
      await store.close();
    }
  });

  test('a call that fails in a batch fails alone: the others are committed', async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    const look = observer(path);
    try {
      await store.syncFeeds(feeds);
        const [a, bad, c] = await Promise.allSettled([
        store.recordPoll(...poll('a', 'a-1')),
        store.recordPoll(okPoll('nope', '2026-01-01T00:00:00Z'), [testItem('nope', 'x')], '2026-01-01T01:00:00Z'),
        store.recordPoll(...poll('c', 'c-1')),
      ]);
      assert.equal(a.status, 'fulfilled');
      assert.equal(c.status, 'fulfilled');
      assert.equal(bad.status, 'rejected');
      const err = (bad as PromiseRejectedResult).reason as unknown;
      assert.ok(err instanceof FeedwatchError && err.kind === 'storage' && /unknown feed "nope"/.test(err.message));
      assert.equal(look.items(), 2);
    } finally {
      look.close();
      await store.close();
    }
  });

  test('a call that fails part-way in a batch leaves none of its writes: the state it updated and the items it inserted go too', async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    const look = observer(path);
    try {
      await store.syncFeeds(feeds);
      // b's state is updated and its first item inserted before its second item breaks a constraint (an empty guid).
      const [a, bad] = await Promise.allSettled([
        store.recordPoll(...poll('a', 'a-1')),
        store.recordPoll(okPoll('b', '2026-01-01T00:00:00Z'), [testItem('b', 'b-1'), testItem('b', '')], '2026-01-01T01:00:00Z'),
      ]);
      assert.equal(a.status, 'fulfilled');
      assert.equal(bad.status, 'rejected');
      assert.equal(look.items(), 1, "a's item only");
      const b = await store.feedState('b');
      assert.equal(b?.lastStatus, null, "b's poll left no state");
      assert.equal(b?.nextDueAt, null);
      assert.equal((await store.feedState('a'))?.lastStatus, 200);
    } finally {
      look.close();
      await store.close();
    }
  });

  test('while another connection holds the write lock, the process goes on and the write lands after it', async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    await store.syncFeeds(feeds);
    const holder = new Database(path);
    try {
      holder.exec('BEGIN IMMEDIATE');
      let done = false;
      const write = store.recordPoll(...poll('a', 'a-1')).then((items) => ((done = true), items));
      // The event loop keeps turning (SQLite's own busy wait would block it), and the write waits.
      await turns(20);
      assert.equal(done, false);
      holder.exec('COMMIT');
      assert.deepEqual((await write).map((i) => i.guid), ['a-1']);
    } finally {
      holder.close();
      await store.close();
    }
  });

  test('a write lock held past the busy timeout fails the batch with a retryable storage error', async () => {
    const path = freshPath();
    const store = await openSqliteStore(path, { busyTimeoutMs: 40 });
    await store.syncFeeds(feeds);
    const holder = new Database(path);
    try {
      holder.exec('BEGIN IMMEDIATE');
      await assert.rejects(
        store.recordPoll(...poll('a', 'a-1')),
        (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage' && err.retryable && err.context.code === 'SQLITE_BUSY' && err.context.op === 'recordPoll',
      );
      holder.exec('ROLLBACK');
      // The store is still usable.
      assert.deepEqual((await store.recordPoll(...poll('a', 'a-2'))).map((i) => i.guid), ['a-2']);
      assert.equal(store.db.pragma('busy_timeout', { simple: true }), 40, 'the busy timeout is restored after each try');
    } finally {
      holder.close();
      await store.close();
    }
  });

  test('close() commits the writes made before it', async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    await store.syncFeeds(feeds);
    const write = store.recordPoll(...poll('b', 'b-1'));
    await store.close();
    assert.deepEqual((await write).map((i) => i.guid), ['b-1']);
    const look = observer(path);
    try {
      assert.equal(look.items(), 1);
    } finally {
      look.close();
    }
  });

  test('with a commit gap, writes made in later turns within the gap after a commit share the next commit', async () => {
    const path = freshPath();
    const clock = new ManualClock();
    const store = await openSqliteStore(path, { commitGapMs: 20, commitTimers: clock });
    const look = observer(path);
    try {
      await store.syncFeeds(feeds);
      const first = store.commits;
      // Three writes, each in a turn of its own, as article jobs finish one after another.
      const pending: Array<Promise<unknown>> = [];
      let settled = 0;
      for (const f of feeds) {
        const p = store.recordPoll(...poll(f.name, `${f.name}-1`));
        void p.then(() => settled++);
        pending.push(p);
        await turns(3);
      }
      // The gap after the last commit has not passed on the clock: nothing committed, nothing settled.
      assert.equal(store.commits, first);
      assert.equal(settled, 0);
      assert.equal(look.items(), 0);
      clock.advance(19);
      await turns(3);
      assert.equal(store.commits, first);
      clock.advance(1);
      await Promise.all(pending);
      assert.equal(store.commits, first + 1, 'one commit for the three');
      assert.equal(look.items(), 3);
      // Once the gap has passed since the last commit, a write commits in its own turn, as without a gap.
      clock.advance(20);
      await store.recordPoll(...poll('a', 'a-2'));
      assert.equal(store.commits, first + 2);
    } finally {
      look.close();
      await store.close();
    }
  });

  test('an alert delivery pass with nothing due commits nothing; one that finds a delivery due claims it in one commit', async () => {
    const store = await openSqliteStore(freshPath());
    const minute = (m: number) => new Date(Date.parse('2026-03-05T12:00:00Z') + m * 60_000).toISOString();
    const match = (clusterId: string, dueAt: string): NewMatch => ({
      rule: 'r',
      clusterId,
      articleId: clusterId.length,
      channels: ['hook'],
      item: alertItem({ title: `Story ${clusterId}`, lead: '', url: null, feed: 'f', publishedAt: null }, []),
      digest: true,
      dueAt,
      matchedAt: minute(0),
    });
    try {
      // A digest due at minute 10, and one due at minute 30.
      await store.recordMatch(match('early', minute(10)));
      await store.recordMatch(match('late', minute(30)));
      const before = store.commits;
      for (const m of [0, 5, 9]) assert.deepEqual(await store.pending(minute(m), 10), [], `minute ${m}: nothing due`);
      assert.equal(store.commits, before, 'three passes with nothing due: no transaction');
      assert.deepEqual((await store.pending(minute(10), 10)).map((d) => d.clusterId), ['early']);
      assert.equal(store.commits, before + 1, 'the claim is one commit');
      // Claimed by this store, then delivered: nothing is due again until minute 30.
      const [claimed] = await store.pending(minute(11), 10);
      assert.equal(claimed?.clusterId, 'early', 'its own claim comes back to it');
      await store.markDelivered(claimed.id, { attempts: 1, at: minute(11) });
      const afterDelivery = store.commits;
      assert.deepEqual(await store.pending(minute(20), 10), []);
      assert.equal(store.commits, afterDelivery);
      assert.deepEqual((await store.pending(minute(30), 10)).map((d) => d.clusterId), ['late']);
    } finally {
      await store.close();
    }
  });

  test('close() commits writes waiting for the commit gap', async () => {
    const path = freshPath();
    const clock = new ManualClock();
    const store = await openSqliteStore(path, { commitGapMs: 60_000, commitTimers: clock });
    const look = observer(path);
    try {
      await store.syncFeeds(feeds);
      const waiting = store.recordPoll(...poll('a', 'a-1'));
      await turns(3);
      assert.equal(look.items(), 0);
      await store.close();
      assert.deepEqual((await waiting).map((i) => i.guid), ['a-1']);
      assert.equal(look.items(), 1);
    } finally {
      look.close();
    }
  });
});

/**
 * The retention stage's timer and the embedded driver's hook, on a real SQLite store and a manual clock: a run
 * starts when due (at once, then every `retention.every`), never two at once, sooner after a run cut short by its
 * budget, a failed run is logged and retried at the next one; EmbeddedPipeline.tick runs it and stop() waits for
 * it. (What a run removes is the storage contract: tests/store/retention-contract.ts.)
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { FeedwatchError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { FeedItem } from '../../src/model.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { RETENTION_RESUME_MS, RetentionTimer, type RetentionDeps, type RetentionReport } from '../../src/pipeline/retention-stage.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-retention-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-05T12:00:00.000Z');
const HOUR = 3_600_000;

const item = (guid: string): FeedItem => ({ feedName: 'a', guid, link: null, title: guid, description: null, author: null, publishedAt: null, categories: [], enclosures: [], extra: {} });

/** A store with `old` items first seen 40 days before NOW and one seen yesterday (none has an article). */
async function storeWith(old: number): Promise<SqliteStore> {
  const store = await openSqliteStore(join(dir, `db-${++n}.db`));
  await store.syncFeeds([{ name: 'a', url: 'https://example.com/a.xml', intervalMs: 60_000, enabled: true, headers: {}, tags: [] }]);
  const poll = (at: number) => ({
    feedName: 'a', startedAt: new Date(at).toISOString(), status: 200, ok: true, notModified: false, errorKind: null, errorMessage: null,
    etag: null, lastModified: null, movedTo: null, itemsSeen: 1, elapsedMs: 1, retryAfterSeconds: null,
  });
  await store.recordPoll(poll(NOW - 40 * DAY), Array.from({ length: old }, (_, i) => item(`old${i}`)), new Date(NOW).toISOString());
  await store.recordPoll(poll(NOW - DAY), [item('recent')], new Date(NOW).toISOString());
  return store;
}

const itemCount = (store: SqliteStore): number => Number(store.db.prepare('SELECT count(*) FROM items').pluck().get());

function deps(store: RetentionDeps['store'], clock: ManualClock, days: number | null = 30, batchSize = 500): RetentionDeps {
  return { store, clock, logger: silentLogger, config: { retention: { days, batchSize, every: HOUR } } };
}

describe('RetentionTimer', () => {
  test('does nothing while retention is off', async () => {
    const store = await storeWith(3);
    try {
      const timer = new RetentionTimer(deps(store, new ManualClock(NOW), null));
      timer.tick();
      assert.equal(timer.running, null);
      assert.equal(itemCount(store), 4);
    } finally {
      await store.close();
    }
  });

  test('runs at the first tick, one run at a time, then again every `every`', async () => {
    const store = await storeWith(3);
    try {
      const clock = new ManualClock(NOW);
      let calls = 0;
      const counting = Object.create(store, { pruneExpired: { value: (req: Parameters<SqliteStore['pruneExpired']>[0]) => (calls++, store.pruneExpired(req)) } }) as SqliteStore;
      const timer = new RetentionTimer(deps(counting, clock));
      timer.tick();
      const first = timer.running;
      assert.ok(first, 'a run started');
      timer.tick();
      assert.equal(timer.running, first, 'a tick during a run starts no second one');
      const report = await first;
      assert.deepEqual([report?.items, report?.done], [3, true]);
      assert.equal(timer.running, null);
      assert.equal(itemCount(store), 1);

      const before = calls;
      clock.advance(HOUR - 1);
      timer.tick();
      assert.equal(timer.running, null, 'not due before `every`');
      clock.advance(1);
      timer.tick();
      assert.ok(timer.running);
      await timer.running;
      assert.ok(calls > before, 'ran again after `every`');
    } finally {
      await store.close();
    }
  });

  test('a run cut short by its budget is resumed within a minute; a failed run is logged and retried at the next one', async () => {
    const store = await storeWith(3);
    try {
      const clock = new ManualClock(NOW);
      let fail = false;
      const slow = Object.create(store, {
        pruneExpired: {
          value: async (req: Parameters<SqliteStore['pruneExpired']>[0]) => {
            clock.advance(1000);
            if (fail) throw new FeedwatchError('storage', 'pruneExpired failed: disk I/O error', {});
            return store.pruneExpired(req);
          },
        },
      }) as SqliteStore;
      const timer = new RetentionTimer(deps(slow, clock, 30, 1), { budgetMs: 1500 });
      timer.tick();
      const cut = await timer.running;
      assert.deepEqual([cut?.items, cut?.done], [2, false]);
      clock.advance(RETENTION_RESUME_MS - 1);
      timer.tick();
      assert.equal(timer.running, null, 'not yet');
      clock.advance(1);
      timer.tick();
      assert.ok(timer.running, 'resumed within a minute, not an hour');
      fail = true;
      assert.equal(await timer.running, null, 'a failed run resolves (logged), never rejects');
      timer.tick();
      assert.equal(timer.running, null, 'and the next try waits for the next run');
      clock.advance(HOUR);
      fail = false;
      timer.tick();
      const last = timer.running as Promise<RetentionReport | null> | null;
      assert.deepEqual([(await last)?.done, itemCount(store)], [true, 1]);
    } finally {
      await store.close();
    }
  });
});

describe('EmbeddedPipeline runs retention', () => {
  test('a tick starts retention when `retention.days` is set, and stop() waits for it', async () => {
    const store = await storeWith(5);
    try {
      const config = parseConfig('pipeline:\n  fetchArticles: false\nretention:\n  days: 30\n  batchSize: 2\n', join(dir, 'feedwatch.yaml'));
      const clock = new ManualClock(NOW);
      const pipeline = new EmbeddedPipeline(
        {
          config,
          store,
          clock,
          random: () => 0.5,
          logger: silentLogger,
          fetch: () => Promise.reject(new Error('no fetching here')),
          extract: () => {
            throw new Error('no extraction here');
          },
        },
        [],
        { pollConcurrency: 1, articleConcurrency: 1 },
      );
      await pipeline.start();
      await pipeline.tick();
      assert.deepEqual(await pipeline.stop(5000), { unfinished: 0 });
      assert.equal(itemCount(store), 1, 'the five old items went, in batches of two; the recent one stayed');
    } finally {
      await store.close();
    }
  });
});

/**
 * The bullmq driver across processes: `feedwatch run --role worker` started as a child process (node --import
 * tsx, the real CLI) next to a scheduler in this process, all on one SQLite file (WAL) and a loopback feed site.
 *  - a worker killed with SIGKILL mid-batch, then another started: every article stored, none twice;
 *  - Redis (a private redis-server without persistence) killed and started again empty mid-run: the same;
 *  - SIGTERM: the worker stops taking jobs, releases the job still in hand at the deadline, exits 0, and the
 *    released job is done by the next worker.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { articleJobId } from '../../src/pipeline/job-ids.js';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { redisTestPrefix, startRedisServer, type OwnRedis, type RedisTestPrefix } from '../helpers/redis.js';
import { bullmqYaml, doneCount, itemRows, nodeStarter, startFeedSite, waitFor, waitForCount, type FeedSite, type NodeStarter } from './bullmq-fixture.js';

const started = (c: FeedwatchProcess) => c.logged('feedwatch started');

/** Per item: its sightings and the article revisions its page founded (1 and at most 1 when it was stored once). */
function storedPerItem(dbPath: string): Array<{ guid: string; sightings: number; revisions: number }> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], { guid: string; sightings: number; revisions: number }>(
        `SELECT i.guid, (SELECT count(*) FROM sightings s WHERE s.item_id = i.id) AS sightings,
           (SELECT count(*) FROM article_revisions r WHERE r.item_id = i.id) AS revisions FROM items i`,
      )
      .all();
  } finally {
    db.close();
  }
}

describe('bullmq worker processes', () => {
  let rp: RedisTestPrefix;
  let dir: string;
  let nodes: NodeStarter;
  const children: FeedwatchProcess[] = [];
  const sites: FeedSite[] = [];
  let own: OwnRedis | null = null;
  let n = 0;

  before(async () => {
    rp = await redisTestPrefix();
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-bullmq-proc-'));
    nodes = nodeStarter(dir, rp.url);
  });

  after(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await nodes?.closeAll();
    await Promise.all(sites.map((s) => s.close()));
    await own?.close();
    await rp?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const worker = (configPath: string, url: string) => {
    const c = spawnFeedwatch(['run', '--role', 'worker', '--config', configPath], { REDIS_URL: url }, 'worker');
    children.push(c);
    return c;
  };

  function setup(siteOpts: Parameters<typeof startFeedSite>[0], extra = '', timeouts: { timeout?: string; idleTimeout?: string } = {}) {
    n++;
    const prefix = `${rp.prefix}:p${n}`;
    const dbPath = join(dir, `p${n}.db`);
    const configPath = join(dir, `p${n}.yaml`);
    return startFeedSite(siteOpts).then((s) => {
      sites.push(s);
      const yaml = bullmqYaml({ dbPath, prefix, feedUrls: s.feedUrls, http: '  perHostConcurrency: 8\n', extra, ...timeouts }).replace('level: warn', 'level: info');
      writeFileSync(configPath, yaml);
      return { s, yaml, dbPath, configPath, prefix };
    });
  }

  const assertEveryArticleOnce = (dbPath: string, total: number) => {
    const rows = itemRows(dbPath);
    assert.equal(rows.length, total, 'one row per item');
    const notDone = rows.filter((r) => r.article_state !== 'done' || r.has_article !== 1);
    assert.deepEqual(notDone, [], 'every article stored');
    // Counted in what was stored, not in attempts: a job re-run (its worker died, or its lock ran out on a loaded
    // machine) may process an item again, and must add nothing.
    const stored = storedPerItem(dbPath);
    assert.deepEqual(stored.filter((r) => r.sightings !== 1 || r.revisions > 1).map((r) => r.guid), [], 'each item stored exactly once');
    assert.deepEqual(rows.filter((r) => r.article_attempts < 1).map((r) => r.guid), [], 'every item marked done by an attempt');
  };

  test('a worker killed with SIGKILL mid-batch, then another started: nothing lost, nothing stored twice', async () => {
    const { s, yaml, dbPath, configPath } = await setup({ feeds: 4, items: 25, pageDelayMs: 100 }, 'pipeline:\n  articleConcurrency: 4\n');
    const a = worker(configPath, rp.url);
    await waitFor(() => started(a), 120_000, 'worker A started');
    const scheduler = await nodes.start(yaml, 'scheduler');
    await waitForCount(() => doneCount(dbPath), 15, 'worker A stored some articles');
    a.process.kill('SIGKILL');
    assert.equal((await a.exited).signal, 'SIGKILL');
    const atKill = doneCount(dbPath);
    assert.ok(atKill < s.totalItems, `killed mid-batch (${atKill} of ${s.totalItems} stored)`);
    const inHand = (await scheduler.pipeline.queue('article').getJobCounts('active')).active!;
    assert.ok(inHand > 0, 'the killed worker held jobs');

    const b = worker(configPath, rp.url);
    await waitForCount(() => doneCount(dbPath), s.totalItems, 'every article stored after the restart');
    assertEveryArticleOnce(dbPath, s.totalItems);
    const counts = await scheduler.pipeline.queue('article').getJobCounts('failed', 'active', 'wait');
    assert.deepEqual(counts, { failed: 0, active: 0, wait: 0 });
    b.process.kill('SIGTERM');
    assert.equal((await b.exited).code, 0);
    await scheduler.close();
  });

  test('Redis killed and started again empty mid-run: nothing lost, nothing stored twice', async () => {
    own = await startRedisServer();
    const { s, yaml, dbPath, configPath } = await setup({ feeds: 4, items: 25, pageDelayMs: 100 }, 'pipeline:\n  articleConcurrency: 4\n');
    const ownNodes = nodeStarter(dir, own.url);
    const w = worker(configPath, own.url);
    await waitFor(() => started(w), 120_000, 'worker started');
    const scheduler = await ownNodes.start(yaml, 'scheduler');
    await waitForCount(() => doneCount(dbPath), 15, 'some articles stored');
    await own.kill();
    await waitFor(() => !scheduler.redis.up(), 60_000, 'the scheduler saw Redis go');
    const atKill = doneCount(dbPath);
    await own.start();
    await waitForCount(() => doneCount(dbPath), s.totalItems, 'every article stored after Redis came back');
    assert.ok(atKill < s.totalItems, `Redis went mid-run (${atKill} of ${s.totalItems} stored)`);
    assertEveryArticleOnce(dbPath, s.totalItems);
    assert.ok(scheduler.pipeline.stats.requeued > 0, 'the jobs Redis lost were put back from storage by the sweep');
    assert.ok(
      w.logs.some((l) => l.msg === 'redis connection restored'),
      'the worker logged the outage and kept running',
    );
    assert.equal(w.process.exitCode, null, 'the worker process kept running');
    w.process.kill('SIGTERM');
    assert.equal((await w.exited).code, 0);
    await ownNodes.closeAll();
  });

  test('SIGTERM: the worker stops taking jobs, releases the job in hand at the deadline, exits 0', async () => {
    let stall = true;
    const { yaml, dbPath, configPath } = await setup(
      {
        feeds: 1,
        items: 3,
        override: (path) => path === '/a/f0/1.html' && stall, // never answered while `stall`
      },
      'pipeline:\n  shutdownDeadline: 1s\n',
      // The stalled page must still be in hand when SIGTERM comes, however slowly a loaded machine stores the
      // other two: with the fixture's 5 s idle timeout it could time out first and wait as a delayed retry.
      { timeout: '10m', idleTimeout: '10m' },
    );
    const a = worker(configPath, rp.url);
    await waitFor(() => started(a), 120_000, 'worker started');
    const scheduler = await nodes.start(yaml, 'scheduler');
    await waitForCount(() => doneCount(dbPath), 2, 'the two answered pages stored');
    const q = scheduler.pipeline.queue('article');
    const stuck = articleJobId('feed-0', 'f0-item-1');
    assert.equal(await q.getJobState(stuck), 'active', 'the stalled page is in hand');

    a.process.kill('SIGTERM');
    const exit = await a.exited;
    assert.equal(exit.code, 0);
    // It exited although the page never answered: the deadline released the job (counted below, not timed).
    const stopped = a.logs.find((l) => l.msg === 'stopped');
    assert.deepEqual([stopped?.unfinished, stopped?.released], [1, 1], 'one job was in hand and was released');
    // Back in the queue at once (not after the lock expires), untried: the next worker does it.
    assert.equal(await q.getJobState(stuck), 'waiting');
    stall = false;
    const b = worker(configPath, rp.url);
    await waitForCount(() => doneCount(dbPath), 3, 'the released page stored by the next worker');
    assertEveryArticleOnce(dbPath, 3);
    b.process.kill('SIGTERM');
    assert.equal((await b.exited).code, 0);
    await scheduler.close();
  });
});

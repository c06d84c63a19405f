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
import { articleJobId } from '../../src/pipeline/job-ids.js';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { redisTestPrefix, startRedisServer, type OwnRedis, type RedisTestPrefix } from '../helpers/redis.js';
import { bullmqYaml, doneCount, itemRows, nodeStarter, startFeedSite, waitFor, type FeedSite, type NodeStarter } from './bullmq-fixture.js';

const started = (c: FeedwatchProcess) => c.logged('feedwatch started');

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

  function setup(siteOpts: Parameters<typeof startFeedSite>[0], extra = '') {
    n++;
    const prefix = `${rp.prefix}:p${n}`;
    const dbPath = join(dir, `p${n}.db`);
    const configPath = join(dir, `p${n}.yaml`);
    return startFeedSite(siteOpts).then((s) => {
      sites.push(s);
      const yaml = bullmqYaml({ dbPath, prefix, feedUrls: s.feedUrls, http: '  perHostConcurrency: 8\n', extra }).replace('level: warn', 'level: info');
      writeFileSync(configPath, yaml);
      return { s, yaml, dbPath, configPath, prefix };
    });
  }

  const assertEveryArticleOnce = (dbPath: string, total: number) => {
    const rows = itemRows(dbPath);
    assert.equal(rows.length, total, 'one row per item');
    const notDone = rows.filter((r) => r.article_state !== 'done' || r.has_article !== 1);
    assert.deepEqual(notDone, [], 'every article stored');
    const twice = rows.filter((r) => r.article_attempts !== 1);
    assert.deepEqual(twice, [], 'no article stored twice');
  };

  test('a worker killed with SIGKILL mid-batch, then another started: nothing lost, nothing stored twice', async () => {
    const { s, yaml, dbPath, configPath } = await setup({ feeds: 4, items: 25, pageDelayMs: 100 }, 'pipeline:\n  articleConcurrency: 4\n');
    const a = worker(configPath, rp.url);
    await waitFor(() => started(a), 30_000, 'worker A started');
    const scheduler = await nodes.start(yaml, 'scheduler');
    await waitFor(() => doneCount(dbPath) >= 15, 30_000, 'worker A stored some articles');
    a.process.kill('SIGKILL');
    assert.equal((await a.exited).signal, 'SIGKILL');
    const atKill = doneCount(dbPath);
    assert.ok(atKill < s.totalItems, `killed mid-batch (${atKill} of ${s.totalItems} stored)`);
    const inHand = (await scheduler.pipeline.queue('article').getJobCounts('active')).active!;
    assert.ok(inHand > 0, 'the killed worker held jobs');

    const b = worker(configPath, rp.url);
    await waitFor(() => doneCount(dbPath) === s.totalItems, 45_000, `every article stored after the restart (${doneCount(dbPath)})`);
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
    await waitFor(() => started(w), 30_000, 'worker started');
    const scheduler = await ownNodes.start(yaml, 'scheduler');
    await waitFor(() => doneCount(dbPath) >= 15, 30_000, 'some articles stored');
    await own.kill();
    await waitFor(() => !scheduler.redis.up(), 5000, 'the scheduler saw Redis go');
    const atKill = doneCount(dbPath);
    await own.start();
    await waitFor(() => doneCount(dbPath) === s.totalItems, 45_000, `every article stored after Redis came back (${doneCount(dbPath)})`);
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
    );
    const a = worker(configPath, rp.url);
    await waitFor(() => started(a), 30_000, 'worker started');
    const scheduler = await nodes.start(yaml, 'scheduler');
    await waitFor(() => doneCount(dbPath) === 2, 20_000, 'the two answered pages stored');
    const q = scheduler.pipeline.queue('article');
    const stuck = articleJobId('feed-0', 'f0-item-1');
    assert.equal(await q.getJobState(stuck), 'active', 'the stalled page is in hand');

    const t0 = Date.now();
    a.process.kill('SIGTERM');
    const exit = await a.exited;
    const took = Date.now() - t0;
    assert.equal(exit.code, 0);
    assert.ok(took < 8000, `exited ${took} ms after SIGTERM`);
    const stopped = a.logs.find((l) => l.msg === 'stopped');
    assert.deepEqual([stopped?.unfinished, stopped?.released], [1, 1], 'one job was in hand and was released');
    // Back in the queue at once (not after the lock expires), untried: the next worker does it.
    assert.equal(await q.getJobState(stuck), 'waiting');
    stall = false;
    const b = worker(configPath, rp.url);
    await waitFor(() => doneCount(dbPath) === 3, 30_000, 'the released page stored by the next worker');
    assertEveryArticleOnce(dbPath, 3);
    b.process.kill('SIGTERM');
    assert.equal((await b.exited).code, 0);
    await scheduler.close();
  });
});

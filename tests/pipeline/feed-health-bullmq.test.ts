/**
 * Feed health alerts in distributed mode, on the real local Redis: two worker processes' pipelines (here, in one
 * test process) take health check jobs at once; each change of a feed's health is alerted once, through the
 * deliver queue, to a loopback webhook.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertMessage } from '../../src/alerts/message.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';
import { json, startHttpServer, type TestHttpServer } from '../alerts/servers.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { bullmqYaml, nodeStarter, waitFor, type NodeStarter } from './bullmq-fixture.js';

describe('feed health alerts with the bullmq driver', () => {
  let rp: RedisTestPrefix;
  let dir: string;
  let nodes: NodeStarter;
  let site: TestServer;
  let hook: TestHttpServer;

  before(async () => {
    rp = await redisTestPrefix();
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-health-bullmq-'));
    nodes = nodeStarter(dir, rp.url);
    site = await startServer({ '/down.xml': send('maintenance', { status: 503 }) });
    hook = await startHttpServer((_r, res) => json(res, 200, {}));
  });
  after(async () => {
    await nodes?.closeAll();
    await Promise.all([site?.close(), hook?.close()]);
    await rp?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('two workers running health checks at once alert a failing feed once, and its recovery once', async () => {
    const yaml = bullmqYaml({
      dbPath: join(dir, 'h.db'),
      prefix: `${rp.prefix}:h`,
      feedUrls: [`${site.url}/down.xml`],
      interval: '2s',
      queue: '  deliverInterval: 200ms\n',
      extra: `alerts:\n  channels:\n    ops: { type: webhook, url: "${hook.url}/ops" }\n  feedHealth: { channel: ops, every: 1h }\n`,
    }).replace('  minInterval: 1s\n', '  minInterval: 1s\n  maxBackoff: 2s\n  failingAfter: 0s\n');
    const scheduler = await nodes.start(yaml, 'scheduler');
    await nodes.start(yaml, 'worker', 'w1');
    await nodes.start(yaml, 'worker', 'w2');
    const health = scheduler.pipeline.queue('health');
    assert.equal((await health.getJobScheduler('health-timer'))?.every, 3_600_000);
    // The scheduler polls the feed every 2 s (backoff capped at 2 s too); its first poll fails.
    await waitFor(async () => ((await scheduler.app.store.feedState('feed-0'))?.errorCount ?? 0) > 0, 60_000, 'the failed poll recorded');

    /** Health checks as the timer makes them, several at once (distinct ids, so each is a job of its own). */
    let round = 0;
    const checks = async (count: number) => {
      round++;
      const jobs = await health.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'health', data: {}, opts: { jobId: `check-${round}-${i}` } })));
      await waitFor(async () => (await Promise.all(jobs.map((j) => j.isCompleted()))).every(Boolean), 60_000, 'the health checks done');
      return Promise.all(jobs.map(async (j) => ((await health.getJob(j.id!))?.returnvalue as { alerted: number }).alerted));
    };
    const alerted = await checks(6);
    assert.equal(alerted.reduce((a, b) => a + b, 0), 1, `one check claims the change: ${JSON.stringify(alerted)}`);
    await waitFor(() => hook.requests.length >= 1, 60_000, 'the alert delivered');
    assert.equal((await checks(4)).reduce((a, b) => a + b, 0), 0, 'still failing: nothing more');

    site.route('/down.xml', send('<?xml version="1.0"?><rss version="2.0"><channel><title>up</title><item><guid>u1</guid><title>Back</title></item></channel></rss>', { headers: { 'content-type': 'application/rss+xml' } }));
    await waitFor(async () => (await scheduler.app.store.feedState('feed-0'))?.errorCount === 0, 60_000, 'the feed polled fine again');
    assert.equal((await checks(6)).reduce((a, b) => a + b, 0), 1);
    await waitFor(() => hook.requests.length >= 2, 60_000, 'the recovery delivered');
    const titles = hook.requests.map((r) => (JSON.parse(r.body) as AlertMessage).items[0]!.title);
    assert.deepEqual(titles, ['Feed "feed-0" is failing', 'Feed "feed-0" has recovered']);
  });
});

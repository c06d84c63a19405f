/**
 * The bullmq driver in this process, on the real local Redis (a key prefix per test, deleted afterwards) and a
 * loopback feed site: every article stored once and a re-enqueue a no-op; page retries with backoff and failed
 * jobs kept with their reason; job schedulers following the config; one poll per feed at a time with several
 * schedulers and workers; per-host limits shared by two workers; the roles the CLI accepts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { createHostGate, memorySlots } from '../../src/fetch/host-gate.js';
import { redisSlots } from '../../src/fetch/redis-limiter.js';
import type { Role } from '../../src/pipeline/bullmq.js';
import { articleJobId, pollSchedulerId } from '../../src/pipeline/job-ids.js';
import { redisUrlFrom } from '../../src/pipeline/redis.js';
import { checkRole, parseRole } from '../../src/cli/run.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';
import { bullmqYaml, itemRows, nodeStarter, startFeedSite, waitFor, type FeedSite, type NodeStarter } from './bullmq-fixture.js';

describe('bullmq driver on local Redis', () => {
  let rp: RedisTestPrefix;
  let dir: string;
  let nodes: NodeStarter;
  const sites: FeedSite[] = [];
  let n = 0;

  before(async () => {
    rp = await redisTestPrefix();
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-bullmq-'));
    nodes = nodeStarter(dir, rp.url);
  });

  after(async () => {
    await nodes?.closeAll();
    await Promise.all(sites.map((s) => s.close()));
    await rp?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh prefix and SQLite file per test. */
  const fresh = () => {
    n++;
    return { prefix: `${rp.prefix}:t${n}`, dbPath: join(dir, `t${n}.db`) };
  };

  const site = async (...args: Parameters<typeof startFeedSite>) => {
    const s = await startFeedSite(...args);
    sites.push(s);
    return s;
  };

  const startNode = (yaml: string, role: Role, name: string = role) => nodes.start(yaml, role, name);

  test('a run over a loopback feed site stores every article once; enqueuing them again is a no-op', async () => {
    const { prefix, dbPath } = fresh();
    const s = await site({ feeds: 3, items: 10 });
    const alerts = "alerts:\n  rules:\n    - { name: lavrov, query: 'Лавров', channels: [log] }\n";
    const node = await startNode(
      bullmqYaml({ dbPath, prefix, feedUrls: s.feedUrls, queue: '  keepCompleted:\n    count: 5\n  deliverInterval: 200ms\n', extra: alerts }),
      'all',
    );
    await waitFor(() => itemRows(dbPath).filter((r) => r.article_state === 'done').length === s.totalItems, 120_000, 'every article stored');
    // The alert of the story went out through a delivery pass of the "deliver" queue.
    const deliveries = () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return db.prepare<[], { status: string }>('SELECT status FROM alert_deliveries').all();
      } finally {
        db.close();
      }
    };
    await waitFor(() => deliveries().length > 0 && deliveries().every((d) => d.status === 'delivered'), 120_000, 'the alert delivered');

    const rows = itemRows(dbPath);
    assert.equal(rows.length, s.totalItems, 'one row per item');
    assert.ok(rows.every((r) => r.article_state === 'done' && r.has_article === 1 && r.article_attempts === 1), 'each article stored by one attempt');
    for (let f = 0; f < 3; f++) assert.equal(s.hits.get(`/feeds/f${f}.xml`), 1, `feed ${f} polled once`);
    for (const r of rows) assert.equal(s.hits.get(new URL(r.link!).pathname), 1, `${r.link} fetched once`);

    const q = node.pipeline.queue('article');
    await waitFor(async () => (await q.getJobCounts('active', 'wait')).active === 0, 120_000, 'article queue idle');
    const counts = await q.getJobCounts('completed', 'failed', 'wait', 'delayed');
    assert.equal(counts.failed, 0);
    assert.ok(counts.completed! <= 5 && counts.completed! > 0, `completed jobs trimmed to 5, found ${counts.completed}`);

    // The retained completed jobs: the same payload again adds nothing.
    const kept = await q.getCompleted();
    const before = kept.map((j) => `${j.id}@${j.timestamp}`).sort();
    await node.pipeline.enqueue('article', kept.map((j) => j.data as unknown));
    const again = (await q.getCompleted()).map((j) => `${j.id}@${j.timestamp}`).sort();
    assert.deepEqual(again, before, 'no job replaced or added');
    assert.equal((await q.getJobCounts('wait')).wait, 0);
    assert.equal(kept[0]!.id, articleJobId(kept[0]!.data.feedName, kept[0]!.data.guid), 'job id from feed + guid');

    // Every item again (most completed jobs were trimmed): they run, see the article stored, and fetch nothing.
    const hitsBefore = [...s.hits.values()].reduce((a, b) => a + b, 0);
    await node.pipeline.enqueue('article', rows.map((r) => ({ id: r.id, feedName: r.feed_name, guid: r.guid, link: r.link })));
    await waitFor(async () => {
      const c = await q.getJobCounts('wait', 'active');
      return c.wait === 0 && c.active === 0;
    }, 120_000, 'the re-enqueued jobs ran');
    assert.equal([...s.hits.values()].reduce((a, b) => a + b, 0), hitsBefore, 'no page fetched again');
    assert.ok(itemRows(dbPath).every((r) => r.article_attempts === 1), 'nothing stored twice');
    await node.close();
  });

  test('a failing page is retried with exponential backoff; failed jobs are kept with their reason', async () => {
    const { prefix, dbPath } = fresh();
    let flaky = 0;
    const flakyAt: number[] = [];
    const s = await site({
      feeds: 1,
      items: 3,
      override: (path, res) => {
        if (path === '/a/f0/0.html' && ++flaky <= 2) {
          flakyAt.push(Date.now());
          res.writeHead(503).end('busy');
          return true;
        }
        if (path === '/a/f0/0.html') flakyAt.push(Date.now());
        if (path === '/a/f0/1.html') {
          res.writeHead(410).end('gone');
          return true;
        }
        if (path === '/a/f0/2.html') {
          res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4');
          return true;
        }
        return false;
      },
    });
    const yaml = bullmqYaml({ dbPath, prefix, feedUrls: s.feedUrls, extra: 'pipeline:\n  articleAttempts: 3\n  articleRetryDelay: 300ms\n' });
    const node = await startNode(yaml, 'all');
    const settled = () => itemRows(dbPath).filter((r) => r.article_state !== 'pending').length === 3;
    await waitFor(settled, 120_000, 'every page done or given up');
    const by = new Map(itemRows(dbPath).map((r) => [r.guid, r]));
    assert.deepEqual([by.get('f0-item-0')?.article_state, by.get('f0-item-0')?.article_attempts], ['done', 3], 'stored on the third attempt');
    assert.deepEqual([by.get('f0-item-1')?.article_state, by.get('f0-item-1')?.article_attempts], ['failed', 1], '410: no second try');
    assert.deepEqual([by.get('f0-item-2')?.article_state, by.get('f0-item-2')?.article_attempts], ['failed', 3], 'not HTML: tried 3 times');
    // Backoff: 300 ms then 1200 ms (the lower end of ±10 %). Only "not before" is checked: a loaded machine makes
    // every wait longer, never shorter.
    assert.equal(flakyAt.length, 3);
    const [gap1, gap2] = [flakyAt[1]! - flakyAt[0]!, flakyAt[2]! - flakyAt[1]!];
    assert.ok(gap1 >= 250, `first retry after ${gap1} ms`);
    assert.ok(gap2 >= 1000, `second retry after ${gap2} ms (first ${gap1} ms)`);

    const q = node.pipeline.queue('article');
    await waitFor(async () => (await q.getJobCounts('failed')).failed === 2, 120_000, 'two failed jobs');
    const failed = new Map((await q.getFailed()).map((j) => [j.data.guid as string, j]));
    assert.match(failed.get('f0-item-1')?.failedReason ?? '', /http-status/);
    assert.equal(failed.get('f0-item-1')?.attemptsMade, 1);
    assert.match(failed.get('f0-item-2')?.failedReason ?? '', /not-html/);
    assert.equal(failed.get('f0-item-2')?.attemptsMade, 3);
    await node.close();
  });

  test('job schedulers follow the config: one per enabled feed, updated and removed with it', async () => {
    const { prefix, dbPath } = fresh();
    const feeds = (list: Array<[string, string, string, boolean?]>) =>
      `feeds:\n${list.map(([name, url, interval, enabled]) => `  - name: ${JSON.stringify(name)}\n    url: ${url}\n    interval: ${interval}\n    enabled: ${enabled ?? true}\n`).join('')}`;
    const base = bullmqYaml({ dbPath, prefix, feedUrls: [] }).replace(/feeds:\n$/, '');
    const first = await startNode(
      base +
        feeds([
          ['news: world', 'http://127.0.0.1:9/a.xml', '10m'],
          ['b', 'http://127.0.0.1:9/b.xml', '5m'],
          ['off', 'http://127.0.0.1:9/c.xml', '5m', false],
        ]) +
        "retention:\n  days: 30\n  every: 2h\nalerts:\n  rules:\n    - { name: r, query: 'x', channels: [log] }\n  feedHealth: { channel: log, every: 3m }\n",
      'scheduler',
    );
    let q = first.pipeline.queue('poll');
    const schedulers = async () => new Map((await q.getJobSchedulers(0, -1, true)).map((x) => [x.key, x]));
    let now = await schedulers();
    assert.deepEqual([...now.keys()].sort(), [pollSchedulerId('b'), pollSchedulerId('news: world')].sort(), 'enabled feeds only');
    assert.equal(now.get(pollSchedulerId('news: world'))?.every, 600_000);
    assert.equal(now.get(pollSchedulerId('b'))?.template?.data?.url, 'http://127.0.0.1:9/b.xml', 'the feed is the payload');
    // The timers: alert delivery passes (alert rules are configured) and retention runs (days is set).
    assert.equal((await first.pipeline.queue('deliver').getJobScheduler('deliver-timer'))?.every, 2000);
    assert.equal((await first.pipeline.queue('retention').getJobScheduler('retention-timer'))?.every, 7_200_000);
    assert.equal((await first.pipeline.queue('health').getJobScheduler('health-timer'))?.every, 180_000, 'feed health checks (alerts.feedHealth.channel is set)');
    await first.close();

    // The config changes: an interval, a URL, a feed removed, one added.
    const second = await startNode(
      base +
        feeds([
          ['news: world', 'http://127.0.0.1:9/a.xml', '20m'],
          ['b', 'http://127.0.0.1:9/b2.xml', '5m'],
          ['d', 'http://127.0.0.1:9/d.xml', '1h'],
        ]),
      'scheduler',
    );
    q = second.pipeline.queue('poll');
    now = await schedulers();
    assert.deepEqual([...now.keys()].sort(), [pollSchedulerId('b'), pollSchedulerId('d'), pollSchedulerId('news: world')].sort());
    assert.equal(now.get(pollSchedulerId('news: world'))?.every, 1_200_000);
    assert.equal(now.get(pollSchedulerId('b'))?.template?.data?.url, 'http://127.0.0.1:9/b2.xml');
    assert.equal(now.get(pollSchedulerId('d'))?.every, 3_600_000);
    assert.equal(await second.pipeline.queue('deliver').getJobScheduler('deliver-timer'), undefined, 'no rules: no delivery timer');
    assert.equal(await second.pipeline.queue('retention').getJobScheduler('retention-timer'), undefined, 'retention off: no timer');
    assert.equal(await second.pipeline.queue('health').getJobScheduler('health-timer'), undefined, 'feed health alerts off: no timer');
    // A third sync with the same config changes nothing.
    assert.deepEqual(await second.pipeline.syncSchedulers(), { added: [], updated: [], removed: [] });
    const waiting = await second.pipeline.queue('poll').getJobs(['wait', 'delayed']);
    assert.equal(waiting.length, 3, `one pending poll job per feed, found ${waiting.map((j) => j.id).join(', ')}`);
    // A scheduler removed behind the driver's back (a queue cleaned by hand) is put back by the next sync, alone.
    await q.removeJobScheduler(pollSchedulerId('d'));
    assert.deepEqual(await second.pipeline.syncSchedulers(), { added: ['d'], updated: [], removed: [] });
    assert.equal((await schedulers()).get(pollSchedulerId('d'))?.every, 3_600_000);
    // A config reload (no restart): the running scheduler takes the new feed list and re-syncs at once.
    const reloaded = parseConfig(base + feeds([['b', 'http://127.0.0.1:9/b2.xml', '7m'], ['e', 'http://127.0.0.1:9/e.xml', '1h']]), 'reloaded.yaml');
    await second.pipeline.setFeeds(reloaded.feeds);
    now = await schedulers();
    assert.deepEqual([...now.keys()].sort(), [pollSchedulerId('b'), pollSchedulerId('e')].sort());
    assert.equal(now.get(pollSchedulerId('b'))?.every, 420_000);
    await second.close();
  });

  test('no feed is polled twice at once, with three schedulers and two workers', async () => {
    const { prefix, dbPath } = fresh();
    const s = await site({ feeds: 3, items: 2, feedDelayMs: 300 });
    const yaml = bullmqYaml({ dbPath, prefix, feedUrls: s.feedUrls, interval: '2s' });
    await Promise.all([startNode(yaml, 'scheduler', 's1'), startNode(yaml, 'scheduler', 's2'), startNode(yaml, 'scheduler', 's3')]);
    await Promise.all([startNode(yaml, 'worker', 'w1'), startNode(yaml, 'worker', 'w2')]);
    const started = Date.now();
    await waitFor(() => [0, 1, 2].every((f) => (s.feedPolls.get(f)?.length ?? 0) >= 3), 120_000, 'three polls of each feed');
    const elapsed = Date.now() - started;
    assert.equal(s.maxConcurrentPollsOfOneFeed(), 1, 'never two polls of one feed at once');
    for (const [feed, times] of s.feedPolls) {
      for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 1000, `feed ${feed}: polls ${times[i]! - times[i - 1]!} ms apart`);
      assert.ok(times.length <= Math.ceil(elapsed / 2000) + 2, `feed ${feed}: ${times.length} polls in ${elapsed} ms`);
    }
    await nodes.closeAll();

    // Three one-off jobs for one feed at once: one poll, the others see the lock (or that it is not due).
    const { prefix: p2, dbPath: db2 } = fresh();
    const s2 = await site({ feeds: 1, items: 2, feedDelayMs: 500 });
    const node = await startNode(bullmqYaml({ dbPath: db2, prefix: p2, feedUrls: s2.feedUrls, extra: 'pipeline:\n  pollConcurrency: 3\n' }), 'worker');
    const feed = node.app.config.feeds[0]!;
    const q = node.pipeline.queue('poll');
    await q.addBulk(['x1', 'x2', 'x3'].map((jobId) => ({ name: 'poll', data: feed, opts: { jobId } })));
    await waitFor(async () => (await q.getJobCounts('completed')).completed === 3, 120_000, 'three poll jobs done');
    assert.equal(s2.feedPolls.get(0)?.length, 1, 'the feed was fetched once');
    const skipped = (await q.getCompleted()).filter((j) => (j.returnvalue as { skipped?: string }).skipped);
    assert.equal(skipped.length, 2);
    await node.close();
  });

  test('two workers share the per-host limits through Redis', async () => {
    const { prefix, dbPath } = fresh();
    const s = await site({ feeds: 1, items: 20, pageDelayMs: 60 });
    const yaml = bullmqYaml({
      dbPath,
      prefix,
      feedUrls: s.feedUrls,
      http: '  perHostConcurrency: 2\n  perHostRate: 5\n',
      queue: '  keepCompleted:\n    count: 1000\n',
      extra: 'pipeline:\n  articleConcurrency: 6\n',
    });
    // Two workers with their own process-local limiters: only Redis can keep them to 2 at once and 5/s together.
    await Promise.all([startNode(yaml, 'worker', 'w1'), startNode(yaml, 'worker', 'w2')]);
    const scheduler = await startNode(yaml, 'scheduler', 's1');
    await waitFor(() => itemRows(dbPath).filter((r) => r.article_state === 'done').length === 20, 120_000, 'every article stored');
    assert.equal(s.maxActive(), 2, 'at most 2 requests to the host at once (and the limit was reached)');
    // 5/s for both workers together: 21 requests cannot all start within 3 s (each process alone would allow 5/s,
    // 10/s together). Only this lower bound is checked: arrivals at the server bunch up and spread out with the
    // machine's load, so a per-window count would measure the load; the rate arithmetic itself is checked on the
    // Redis slots below.
    const starts = [...s.starts].sort((a, b) => a - b);
    assert.ok(starts.at(-1)! - starts[0]! >= 3000, `21 requests at 5/s take 3 s or more, took ${starts.at(-1)! - starts[0]!} ms`);
    const byWorker = new Map<string, number>();
    for (const j of await scheduler.pipeline.queue('article').getCompleted()) byWorker.set(j.processedBy ?? '?', (byWorker.get(j.processedBy ?? '?') ?? 0) + 1);
    assert.deepEqual([...byWorker.keys()].sort(), ['w1', 'w2'], 'both workers took pages');
    await nodes.closeAll();
  });

  test('a host slot held by a worker that died is free again once its lease runs out', async () => {
    const slots = redisSlots(rp.client, `${rp.prefix}:slots`);
    const limits = { perHost: 1, perSecond: 0, leaseMs: 400 };
    assert.equal(await slots.tryAcquire('example.org', 'dead-worker', limits), 0);
    // The holder never renews nor releases (killed): the slot stays taken until the lease ends.
    assert.equal(await slots.tryAcquire('example.org', 'other', limits), -1);
    await waitFor(async () => (await slots.tryAcquire('example.org', 'other', limits)) === 0, 60_000, 'the slot freed by its lease');
    await slots.release('example.org', 'other');

    // Rate: 2 per second; the third start in the window is told how long to wait.
    const rate = { perHost: 10, perSecond: 2, leaseMs: 5000 };
    assert.equal(await slots.tryAcquire('rate.example', 'a', rate), 0);
    assert.equal(await slots.tryAcquire('rate.example', 'b', rate), 0);
    const wait = await slots.tryAcquire('rate.example', 'c', rate);
    // How long depends on how long the two calls before took (a loaded machine): only that it is within the window.
    assert.ok(wait > 0 && wait <= 1000, `wait ${wait} ms`);

    // The in-memory backend follows the same rules (the embedded driver's perHostRate).
    let clock = 0;
    const mem = memorySlots(() => clock);
    assert.equal(await mem.tryAcquire('h', 'a', rate), 0);
    assert.equal(await mem.tryAcquire('h', 'b', rate), 0);
    assert.equal(await mem.tryAcquire('h', 'c', rate), 1000);
    clock = 1000;
    assert.equal(await mem.tryAcquire('h', 'c', rate), 0);
    const gate = createHostGate(memorySlots(), { perHost: 1, perSecond: 0, leaseMs: 1000 });
    assert.equal(await gate.run('http://h/x', async () => 42), 42);
  });

  test('roles: the embedded driver takes only "all"; bullmq needs a Redis URL', () => {
    const embedded = parseConfig('feeds: []\n', '/etc/feedwatch.yaml');
    assert.doesNotThrow(() => checkRole('all', embedded));
    assert.throws(() => checkRole('worker', embedded), (err: unknown) => err instanceof ConfigError && /--role worker needs the bullmq queue driver/.test(err.message));
    assert.throws(() => checkRole('scheduler', embedded), ConfigError);
    assert.equal(parseRole(undefined), 'all');
    assert.equal(parseRole('scheduler'), 'scheduler');
    assert.throws(() => parseRole('boss'), (err: unknown) => (err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE');
    const bull = parseConfig('queue:\n  driver: bullmq\n  urlEnv: FW_TEST_REDIS\n', '/etc/feedwatch.yaml');
    assert.doesNotThrow(() => checkRole('worker', bull));
    assert.throws(() => redisUrlFrom(bull, {}), (err: unknown) => err instanceof ConfigError && /FW_TEST_REDIS/.test(err.message));
    assert.equal(redisUrlFrom(bull, { FW_TEST_REDIS: 'redis://h:1' }), 'redis://h:1');
  });
});

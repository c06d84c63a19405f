/**
 * Distributed mode end to end, as deployed: one `feedwatch run --role scheduler` and two `feedwatch run --role
 * worker` processes (the real CLI, node --import tsx) sharing the local Redis (a key prefix of the test's own) and
 * the local PostgreSQL (a throwaway schema, given to the processes through DATABASE_URL's search_path option),
 * fed by a loopback site of 5 feeds × 20 items whose article pages are distinct Sputnik-engine stories
 * (tests/helpers/story-pages.ts). The wire feed republishes three of them: verbatim under its own URL and dateline,
 * at the original's URL with utm parameters, and with a new dateline and a paragraph cut.
 *
 * Waits (polling the database, with a deadline) until every item's article is stored, then checks that each story
 * is stored once (97 stories: 97 clusters, 98 articles — the cut republication is a second article of its story),
 * that every item has its article, sighting and revision once, that both workers did the work and the scheduler
 * none of it, and that all three processes exit 0 on SIGTERM with nothing in hand (counted: their "stopped" lines).
 * All three read ONE config file and serve /healthz, /readyz, /metrics, the status page and the API on their own ports (server.port, --port,
 * FEEDWATCH_PORT): each answers 200 and ready, and the scheduler's last-tick gauge is set.
 * Redis or PostgreSQL down: the test fails in `before` with how to start them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { waitFor, waitForCount } from './bullmq-fixture.js';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { pgTestSchemas, type PgTestSchemas } from '../helpers/postgres.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';
import { storyPage } from '../helpers/story-pages.js';

const FEEDS = 5;
const ITEMS = 20;
const WIRE = FEEDS - 1;
const SHUTDOWN_DEADLINE_MS = 5000;
/** Delay of each article page: long enough that one worker cannot drain the queue before the other takes jobs. */
const PAGE_DELAY_MS = 25;

interface Entry {
  feed: number;
  guid: string;
  /** Path on the site, and the query the feed's link adds. */
  path: string;
  query: string;
  /** The story it tells (the story-pages seed). */
  story: number;
  page: () => string;
}

/** Feeds 0-3: stories 0-79; the wire: stories 80-96, then three republications. */
function catalogue(): Entry[] {
  const entries: Entry[] = [];
  for (let f = 0; f < WIRE; f++) {
    for (let i = 0; i < ITEMS; i++) {
      const story = f * ITEMS + i;
      entries.push({ feed: f, guid: `f${f}-${i}`, path: `/news/f${f}/${i}.html`, query: '', story, page: () => storyPage(story) });
    }
  }
  for (let i = 0; i < ITEMS - 3; i++) {
    const story = WIRE * ITEMS + i;
    entries.push({ feed: WIRE, guid: `wire-${i}`, path: `/wire/${i}.html`, query: '', story, page: () => storyPage(story) });
  }
  const wire = (i: number, e: Omit<Entry, 'feed' | 'guid'>) => entries.push({ feed: WIRE, guid: `wire-${i}`, ...e });
  // Verbatim under the wire's own URL and dateline: the same text (duplicate-text).
  wire(ITEMS - 3, { path: `/wire/${ITEMS - 3}.html`, query: '', story: 3, page: () => storyPage(3, { dateline: 'МОСКВА, 5 мар — РИА Новости.' }) });
  // The original's page, linked with utm parameters: the same canonical URL (duplicate-url).
  wire(ITEMS - 2, { path: '/news/f1/5.html', query: '?utm_source=wire&utm_medium=rss', story: 25, page: () => storyPage(25) });
  // A sister site's copy: its own dateline, one paragraph cut (near-duplicate: a second article of the story).
  wire(ITEMS - 1, { path: `/wire/${ITEMS - 1}.html`, query: '', story: 47, page: () => storyPage(47, { dateline: 'МИНСК, 5 мар — Sputnik.', cut: 4 }) });
  return entries;
}

const xmlEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

function feedXml(base: string, entries: Entry[], feed: number): string {
  const items = entries
    .filter((e) => e.feed === feed)
    .map((e, i) => {
      const date = new Date(Date.UTC(2026, 2, 5, 12, 0, 0) - i * 60_000).toUTCString();
      return `<item><title>История ${e.story}</title><link>${xmlEscape(base + e.path + e.query)}</link><guid isPermaLink="false">${e.guid}</guid><pubDate>${date}</pubDate></item>`;
    });
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Лента ${feed}</title><link>${base}/</link><description>test</description>${items.join('')}</channel></rss>`;
}

function configYaml(base: string, prefix: string, port: number): string {
  return [
    'log:\n  level: info\n  format: json',
    // One config for all three, as the README has it: the scheduler serves on this port, each worker is given its own.
    `server:\n  port: ${port}`,
    'storage:\n  driver: postgres\n  urlEnv: DATABASE_URL',
    // A short interval: the scheduler's first poll comes within a random part of it.
    'defaults:\n  interval: 3s\n  minInterval: 1s\n  jitter: 0',
    'http:\n  timeout: 15s\n  idleTimeout: 10s\n  allowPrivateNetworks: true\n  perHostConcurrency: 8',
    `queue:\n  driver: bullmq\n  prefix: ${prefix}\n  sweepInterval: 1s\n  sweepAfter: 10s`,
    `pipeline:\n  articleConcurrency: 4\n  shutdownDeadline: ${SHUTDOWN_DEADLINE_MS / 1000}s`,
    `feeds:\n${Array.from({ length: FEEDS }, (_, f) => `  - name: ${f === WIRE ? 'wire' : `feed-${f}`}\n    url: ${base}/feeds/${f}.xml\n`).join('')}`,
  ].join('\n');
}

/** `n` distinct ports nothing listens on now (bound, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

interface ItemRow {
  feed_name: string;
  guid: string;
  article_state: string;
  article_attempts: number;
  has_article: boolean;
  article_id: string | null;
  cluster_id: string | null;
  decision: string | null;
  sighting_article: string | null;
  revisions: string;
}

describe('distributed mode: a scheduler and two workers as processes on Redis and PostgreSQL', () => {
  let rp: RedisTestPrefix;
  let pg: PgTestSchemas;
  let schema: string;
  let site: TestServer;
  let dir: string;
  const entries = catalogue();
  const hits = new Map<string, number>();
  const procs: FeedwatchProcess[] = [];

  before(async () => {
    pg = pgTestSchemas();
    schema = await pg.create();
    rp = await redisTestPrefix();
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-distributed-'));
    const pages = new Map<string, Entry>();
    for (const e of entries) pages.set(e.path, e);
    site = await startServer({}, async (_req, res, url) => {
      hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
      const feed = /^\/feeds\/(\d+)\.xml$/.exec(url.pathname);
      if (feed) {
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(feedXml(site.url, entries, Number(feed[1])));
        return;
      }
      const entry = pages.get(url.pathname);
      if (!entry) {
        res.writeHead(404).end('not found');
        return;
      }
      await new Promise((r) => setTimeout(r, PAGE_DELAY_MS));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(entry.page());
    });
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await site?.close();
    await rp?.cleanup();
    await pg?.dropAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const items = () =>
    pg.query<ItemRow>(
      `SELECT i.feed_name, i.guid, i.article_state, i.article_attempts, (i.article IS NOT NULL OR i.article_id IS NOT NULL) AS has_article, i.article_id, a.cluster_id,
         s.decision, s.article_id AS sighting_article,
         (SELECT count(*) FROM ${schema}.article_revisions r WHERE r.item_id = i.id) AS revisions
       FROM ${schema}.items i
       LEFT JOIN ${schema}.articles a ON a.id = i.article_id
       LEFT JOIN ${schema}.sightings s ON s.item_id = i.id
       ORDER BY i.feed_name, i.guid`,
    );
  const doneCount = async () =>
    Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.items WHERE article_state <> 'pending'`))[0]!.n);

  test('every item stored, each story once; SIGTERM: all three exit 0 with nothing in hand', { timeout: 900_000 }, async (t) => {
    const t0 = Date.now();
    const configPath = join(dir, 'feedwatch.yaml');
    const [schedulerPort, worker1Port, worker2Port] = await freePorts(3);
    writeFileSync(configPath, configYaml(site.url, rp.prefix, schedulerPort!));
    const env = { REDIS_URL: rp.url, DATABASE_URL: pg.urlFor(schema) };
    const run = (role: string, name: string, extraArgs: string[] = [], extraEnv: Record<string, string> = {}) => {
      const p = spawnFeedwatch(['run', '--role', role, '--config', configPath, ...extraArgs], { ...env, FEEDWATCH_PORT: '', ...extraEnv }, name);
      procs.push(p);
      return p;
    };
    // Workers first, so that both wait on the queues when the first poll comes. Each its own health port: one
    // through --port (which wins over FEEDWATCH_PORT), one through FEEDWATCH_PORT; the scheduler takes server.port.
    const workers = [run('worker', 'worker-1', ['--port', String(worker1Port)], { FEEDWATCH_PORT: String(schedulerPort) }), run('worker', 'worker-2', [], { FEEDWATCH_PORT: String(worker2Port) })];
    await waitFor(() => workers.every((w) => w.logged('feedwatch started') || !w.running()), 120_000, 'both workers started');
    for (const w of workers) assert.ok(w.running(), `${w.name} exited at start: ${w.stderr()}`);
    const scheduler = run('scheduler', 'scheduler');
    const tStarted = Date.now();

    const total = entries.length;
    // Counted: fails only when no article was stored for two minutes, or a process exited.
    await waitForCount(async () => (procs.every((p) => p.running()) ? await doneCount() : total), total, 'every article stored');
    for (const p of procs) assert.ok(p.running(), `${p.name} exited early: ${p.stderr()}`);
    const tDone = Date.now();

    // Every item has its article, its sighting and one revision at most (the one that founded its article).
    const rows = await items();
    assert.equal(rows.length, total, 'one row per item');
    const notStored = rows.filter((r) => r.article_state !== 'done' || !r.has_article || r.article_id === null || r.decision === null);
    assert.deepEqual(notStored, [], 'every item has its article and a sighting');
    assert.deepEqual(rows.filter((r) => r.article_attempts !== 1).map((r) => r.guid), [], 'no item processed twice');
    assert.deepEqual(rows.filter((r) => r.sighting_article !== r.article_id).map((r) => r.guid), [], "each sighting names its item's article");
    assert.deepEqual(rows.filter((r) => Number(r.revisions) > 1).map((r) => r.guid), [], 'no item stored twice');

    // Each story once: one cluster per story, distinct stories in distinct clusters.
    const storyOf = new Map(entries.map((e) => [e.guid, e.story]));
    const clusterOfStory = new Map<number, string>();
    const storyOfCluster = new Map<string, number>();
    for (const r of rows) {
      const story = storyOf.get(r.guid)!;
      const cluster = r.cluster_id!;
      assert.equal(clusterOfStory.get(story) ?? cluster, cluster, `every item of story ${story} in one cluster (${r.guid})`);
      assert.equal(storyOfCluster.get(cluster) ?? story, story, `cluster ${cluster} holds one story (${r.guid})`);
      clusterOfStory.set(story, cluster);
      storyOfCluster.set(cluster, story);
    }
    const stories = new Set(entries.map((e) => e.story)).size;
    assert.equal(stories, 97);
    const [counts] = await pg.query<{ articles: string; clusters: string; sightings: string; revisions: string }>(
      `SELECT (SELECT count(*) FROM ${schema}.articles) AS articles, (SELECT count(DISTINCT cluster_id) FROM ${schema}.articles) AS clusters,
         (SELECT count(*) FROM ${schema}.sightings) AS sightings, (SELECT count(*) FROM ${schema}.article_revisions) AS revisions`,
    );
    assert.deepEqual(
      { articles: Number(counts!.articles), clusters: Number(counts!.clusters), sightings: Number(counts!.sightings), revisions: Number(counts!.revisions) },
      { articles: stories + 1, clusters: stories, sightings: total, revisions: stories + 1 },
      'each story stored once; the cut republication is a second article of its story',
    );
    // Which copy came first is up to the workers; what each republication is, is not.
    const decisions: Record<string, number> = {};
    for (const r of rows) decisions[r.decision!] = (decisions[r.decision!] ?? 0) + 1;
    assert.deepEqual(decisions, { new: stories, 'duplicate-text': 1, 'duplicate-url': 1, 'near-duplicate': 1 });
    const cutPair = rows.filter((r) => storyOf.get(r.guid) === 47);
    assert.equal(new Set(cutPair.map((r) => r.article_id)).size, 2, 'the cut copy is its own article in the story');

    // Each page fetched once per item linking to it.
    const wantHits = new Map<string, number>();
    for (const e of entries) wantHits.set(e.path, (wantHits.get(e.path) ?? 0) + 1);
    const pageHits = [...wantHits.keys()].map((path) => [path, hits.get(path) ?? 0]);
    assert.deepEqual(pageHits, [...wantHits.entries()], 'each page fetched once per item');

    // Both workers did the work; the scheduler only scheduled.
    const pollsBy = (p: FeedwatchProcess) => p.logs.filter((l) => l.msg === 'polled').length;
    assert.equal(pollsBy(scheduler), 0, 'the scheduler polls nothing itself');
    assert.ok(pollsBy(workers[0]!) + pollsBy(workers[1]!) >= FEEDS, 'the workers polled every feed');
    const conn = rp.client.duplicate();
    const articleQueue = new Queue('article', { connection: conn, prefix: rp.prefix });
    const pollQueue = new Queue('poll', { connection: conn, prefix: rp.prefix });
    try {
      // A job is marked completed just after its article is stored: the last ones may still be finishing.
      await waitForCount(async () => (await articleQueue.getJobCounts('completed')).completed ?? 0, total, 'article jobs completed');
      const jobs = await articleQueue.getCompleted(0, -1);
      assert.equal(jobs.length, total, 'one completed article job per item');
      const by = new Map<string, number>();
      for (const j of jobs) by.set(j.processedBy ?? '?', (by.get(j.processedBy ?? '?') ?? 0) + 1);
      const names = workers.map((w) => [...by.keys()].find((k) => k.endsWith(`-${w.process.pid}`)));
      assert.ok(
        names.every((n) => n !== undefined),
        `both workers processed article jobs: ${JSON.stringify(Object.fromEntries(by))}`,
      );
      assert.equal((await articleQueue.getJobCounts('failed')).failed, 0, 'no failed article job');
      assert.equal((await pollQueue.getJobSchedulers(0, -1)).length, FEEDS, 'one job scheduler per feed');
    } finally {
      await articleQueue.close();
      await pollQueue.close();
      conn.disconnect();
    }
    assert.ok((await rp.keys()).length > 0, 'the run wrote its keys under its own prefix');

    // Health: each process on its own port, live and ready; the scheduler's loop has ticked.
    for (const [p, port] of [[scheduler, schedulerPort], [workers[0]!, worker1Port], [workers[1]!, worker2Port]] as const) {
      assert.equal(p.logs.find((l) => l.msg === 'feedwatch started')?.port, port, `${p.name} serves on its own port`);
      for (const path of ['/healthz', '/readyz']) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        const body = (await res.json()) as { ok: boolean; reasons: string[]; checks: Record<string, string> };
        assert.deepEqual([res.status, body.ok, body.reasons, body.checks], [200, true, [], { storage: 'up', redis: 'up' }], `${p.name} ${path}: ${JSON.stringify(body)}`);
      }
    }
    // The status page and the API on every process read the one storage: each sees every item and the same stories.
    const views = await Promise.all(
      [schedulerPort, worker1Port, worker2Port].map(async (port) => {
        const feeds = ((await (await fetch(`http://127.0.0.1:${port}/api/feeds`)).json()) as { feeds: Array<{ items: number; health: string }> }).feeds;
        const stories = ((await (await fetch(`http://127.0.0.1:${port}/api/stories?limit=100`)).json()) as { stories: Array<{ articleId: number }> }).stories;
        return { items: feeds.reduce((n, f) => n + f.items, 0), health: [...new Set(feeds.map((f) => f.health))], stories: stories.map((s) => s.articleId), page: (await fetch(`http://127.0.0.1:${port}/`)).status };
      }),
    );
    assert.ok(views[0]!.stories.length > 0);
    for (const v of views) assert.deepEqual(v, { items: total, health: ['ok'], stories: views[0]!.stories, page: 200 });
    const metrics = await (await fetch(`http://127.0.0.1:${schedulerPort}/metrics`)).text();
    const lastTick = Number(/^feedwatch_last_tick_timestamp_seconds (\S+)$/m.exec(metrics)?.[1]);
    assert.ok(lastTick * 1000 > t0, `the scheduler's last tick is set (${lastTick})`);

    // SIGTERM: nothing in hand, so each stops without reaching the deadline (nothing unfinished or released), and exits 0.
    const exits = await Promise.all(procs.map((p) => p.stop()));
    for (const [i, p] of procs.entries()) {
      const exit = exits[i]!;
      assert.deepEqual({ name: p.name, code: exit.code, signal: exit.signal }, { name: p.name, code: 0, signal: null }, p.stderr());
      const stopped = p.logs.find((l) => l.msg === 'stopped');
      assert.deepEqual([stopped?.unfinished, stopped?.released], [0, 0], `${p.name} stopped with nothing in hand`);
    }
    const tEnd = Date.now();
    t.diagnostic(
      `workers up ${tStarted - t0} ms, all ${total} articles stored ${tDone - tStarted} ms after the scheduler started, ` +
        `shutdown ${Math.max(...exits.map((e) => e.ms))} ms, test ${tEnd - t0} ms`,
    );
  });
});

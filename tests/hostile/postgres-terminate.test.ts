/**
 * PostgreSQL connections terminated every 0.25 s through a whole run: `feedwatch run` (embedded, and bullmq with
 * `--role all`; PostgreSQL in a database made for each test) polls three loopback feeds of eight stories each, fetches every page and sends an
 * alert per story to a loopback webhook, while the test calls pg_terminate_backend on every other session of that
 * database four times a second, from start to end.
 *
 * What it shows: the daemon does not crash (a connection ended while checked out used to emit an 'error' nobody
 * handled), and nothing is lost or doubled: every published story is stored as one article with one item and one
 * sighting, and alerted under exactly one delivery id (a message whose delivery was in flight when its connection died
 * may come again with the same id: delivery is at least once, README "Delivery: at least once, with an id").
 * The run ends when the work is counted done, never after a time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startHttpServer, type TestHttpServer } from '../alerts/servers.js';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { TEST_PG_URL } from '../helpers/postgres.js';
import { redisTestPrefix } from '../helpers/redis.js';
import { storyPage, story } from '../helpers/story-pages.js';
import { waitForCount } from '../pipeline/bullmq-fixture.js';

const FEEDS = 3;
const PER_FEED = 8;
const seedOf = (feed: number, i: number) => 300 + feed * 100 + i;
const SEEDS = Array.from({ length: FEEDS }, (_, f) => Array.from({ length: PER_FEED }, (_, i) => seedOf(f, i))).flat();

const admin = new pg.Client({ connectionString: TEST_PG_URL });
let site: TestServer;
const cleanups: Array<() => Promise<unknown>> = [];

before(async () => {
  await admin.connect();
  site = await startServer({}, (req, res, url) => {
    const feed = /^\/feed-(\d)\.xml$/.exec(url.pathname)?.[1];
    if (feed !== undefined) {
      const items = Array.from({ length: PER_FEED }, (_, i) => seedOf(Number(feed), i))
        .map((s) => `<item><title>${story(s).title}</title><link>${site.url}/news/${s}.html</link><guid>story-${s}</guid></item>`)
        .join('');
      const xml = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Лента ${feed}</title><link>${site.url}/</link>${items}</channel></rss>`;
      return send(xml, { headers: { 'content-type': 'application/rss+xml; charset=utf-8' } })(req, res, url);
    }
    const seed = /^\/news\/(\d+)\.html$/.exec(url.pathname)?.[1];
    if (seed) return send(storyPage(Number(seed)), { headers: { 'content-type': 'text/html; charset=utf-8' } })(req, res, url);
    res.writeHead(404).end();
  });
});

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await admin.end();
  await site?.close();
});

/** Webhook bodies received: delivery id and story title. */
function received(hook: TestHttpServer): Array<{ id: string; title: string }> {
  return hook.requests.map((r) => {
    const body = JSON.parse(r.body) as { id: string; items: Array<{ title: string }> };
    return { id: body.id, title: body.items[0]!.title };
  });
}

let n = 0;
for (const mode of ['embedded', 'bullmq'] as const) {
  test(`${mode}: terminating every session of the database each 0.25 s through a whole run: no crash, nothing lost or doubled`, { timeout: 600_000 }, async () => {
    const dbName = `fwterm_${Date.now().toString(36)}_${process.pid}_${++n}`;
    await admin.query(`CREATE DATABASE ${dbName}`);
    cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${dbName}`;
    const killer = new pg.Client({ connectionString: url.href });
    await killer.connect();
    cleanups.push(() => killer.end());
    const count = async (sql: string) => Number((await killer.query<{ n: string }>(sql)).rows[0]!.n);
    const hook = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    cleanups.push(() => hook.close());
    const dir = mkdtempSync(join(tmpdir(), 'feedwatch-pg-terminate-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const env: Record<string, string> = { DATABASE_URL: url.href };
    let queue = '';
    if (mode === 'bullmq') {
      const rp = await redisTestPrefix();
      cleanups.push(() => rp.cleanup());
      env['REDIS_URL'] = rp.url;
      queue = `queue: { driver: bullmq, prefix: "${rp.prefix}", sweepInterval: 1s, sweepAfter: 2s, deliverInterval: 500ms, stalledInterval: 1s, lockDuration: 10s }\n`;
    }
    writeFileSync(
      join(dir, 'feedwatch.yaml'),
      `storage: { driver: postgres }
${queue}server: { port: 0 }
http: { allowPrivateNetworks: true }
defaults: { interval: 2s, minInterval: 1s, jitter: 0 }
pipeline: { articleRetryDelay: 1s, articleRetryMaxDelay: 2s, articleAttempts: 20 }
feeds:
${Array.from({ length: FEEDS }, (_, f) => `  - { name: feed-${f}, url: "${site.url}/feed-${f}.xml", tags: [watch] }`).join('\n')}
alerts:
  channels:
    hook: { type: webhook, url: "${hook.url}/hook" }
  rules:
    - { name: all, query: 'tag:watch', channels: [hook] }
  delivery: { backoff: 1s, maxBackoff: 2s, maxAttempts: 100 }
`,
    );
    const p: FeedwatchProcess = spawnFeedwatch(['run', '--config', join(dir, 'feedwatch.yaml')], env, `daemon (${mode}, pg terminated)`);
    cleanups.push(() => p.kill());
    let rounds = 0;
    let terminated = 0;
    let killing = true;
    const kill = async () => {
      while (killing) {
        const { rows } = await killer.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
        rounds++;
        terminated += rows.filter((r) => r.ok).length;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    // The daemon must be up first: a start-up that cannot reach its database ends the process (by design).
    await waitForCount(() => (p.logged('feedwatch started') || !p.running() ? 1 : 0), 1, 'daemon started');
    assert.ok(p.running(), p.stderr());
    const killed = kill();
    try {
      const titles = new Set(SEEDS.map((s) => story(s).title));
      await waitForCount(async () => (p.running() ? await count(`SELECT count(*) AS n FROM items WHERE article_state = 'done'`).catch(() => 0) : Infinity), SEEDS.length, 'every story stored');
      await waitForCount(() => (p.running() ? new Set(received(hook).map((r) => r.title)).size : Infinity), titles.size, 'every story alerted');
      assert.ok(p.running(), `the daemon is still running: ${p.stderr()}`);
    } finally {
      killing = false;
      await killed;
    }
    assert.ok(terminated >= 10, `sessions were terminated during the run (${terminated} in ${rounds} rounds)`);
    const exit = await p.stop();
    assert.equal(exit.code, 0, p.stderr());
    assert.doesNotMatch(p.stderr(), /Unhandled|uncaught/i);

    // Nothing lost or doubled in storage.
    assert.equal(await count('SELECT count(*) AS n FROM items'), SEEDS.length);
    assert.equal(await count(`SELECT count(*) AS n FROM items WHERE article_state = 'done'`), SEEDS.length);
    assert.equal(await count('SELECT count(*) AS n FROM articles'), SEEDS.length, 'one article per story');
    assert.equal(await count('SELECT count(*) AS n FROM story_clusters'), SEEDS.length, 'one story cluster per story');
    assert.equal(await count('SELECT count(*) AS n FROM sightings'), SEEDS.length, 'one sighting per item');
    assert.equal(await count('SELECT count(*) AS n FROM alert_deliveries'), SEEDS.length, 'one delivery per (rule, story)');
    // Nothing lost or doubled at the receiver: every story under exactly one delivery id.
    const got = received(hook);
    const idsByTitle = new Map<string, Set<string>>();
    for (const r of got) idsByTitle.set(r.title, (idsByTitle.get(r.title) ?? new Set()).add(r.id));
    assert.deepEqual([...idsByTitle.keys()].sort(), SEEDS.map((s) => story(s).title).sort());
    for (const [title, ids] of idsByTitle) assert.equal(ids.size, 1, `one delivery id for "${title}"`);
    process.stdout.write(`# ${mode}: ${terminated} sessions terminated in ${rounds} rounds; ${got.length} webhook requests for ${SEEDS.length} stories\n`);
  });
}

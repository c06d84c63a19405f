/**
 * Feed health alerts end to end in the embedded pipeline, against loopback servers: a feed site whose feeds fail,
 * fall silent and come back, and an HTTP server standing in for the webhook the alerts go to. Time is a
 * ManualClock; a restart is a new app on the same SQLite file. Once with `runOnce` (what `feedwatch once` runs),
 * once in the daemon (its housekeeping tick runs the check every `alerts.feedHealth.every`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.js';
import type { AlertMessage } from '../../src/alerts/message.js';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { feedsView } from '../../src/api/views.js';
import { renderStatusPage, statusPageData } from '../../src/api/status-page.js';
import { json, startHttpServer, type TestHttpServer } from '../alerts/servers.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';

const MIN = 60_000;

function atom(base: string, ids: string[]): string {
  const entries = ids.map((id) => `<entry><id>urn:x:${id}</id><title>Entry ${id}</title><link href="${base}/e/${id}"/><updated>2026-01-01T00:00:00Z</updated></entry>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>${entries}</feed>`;
}

describe('feed health alerts in the embedded pipeline', () => {
  let dir: string;
  let site: TestServer;
  let hook: TestHttpServer;
  const apps: App[] = [];
  let n = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-health-e2e-'));
    site = await startServer();
    hook = await startHttpServer((_r, res) => json(res, 200, {}));
  });
  after(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await Promise.all([site.close(), hook.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const up = (path: string, ids: string[]) => site.route(path, send(atom(site.url, ids), { headers: { 'content-type': 'application/atom+xml' } }));
  const down = (path: string, status = 502) => site.route(path, send('bad gateway', { status }));
  /** Titles the webhook received since `from`, in order. */
  const received = (from: number) => hook.requests.slice(from).map((r) => (JSON.parse(r.body) as AlertMessage).items.map((i) => `${i.title} | ${i.lead ?? ''}`)).flat();

  /** An app on the test's SQLite file (the same database every time, as a restarted daemon sees it). */
  async function openApp(db: string, clock: ManualClock, feeds: string): Promise<App> {
    const yaml = `storage:\n  driver: sqlite\n  path: ${JSON.stringify(db)}
server:\n  port: 0
http:\n  allowPrivateNetworks: true
pipeline:\n  fetchArticles: false
defaults:\n  failingAfter: 30m
alerts:
  channels:
    ops: { type: webhook, url: "${hook.url}/ops" }
  feedHealth: { channel: ops, every: 5m }
feeds:
${feeds}`;
    const config = parseConfig(yaml, join(dir, 'feedwatch.yaml'));
    const app = await createApp(config, { logger: silentLogger, clock, random: () => 0.5 });
    apps.push(app);
    return app;
  }

  test('runOnce: failing past failingAfter alerts once, staying failing and a restart alert nothing, recovery alerts once; the same for stale', async () => {
    const db = join(dir, `once-${++n}.db`);
    const clock = new ManualClock(Date.parse('2026-06-01T06:00:00.000Z'));
    const feeds = `  - { name: flaky, url: "${site.url}/flaky.xml", interval: 10m }\n  - { name: quiet, url: "${site.url}/quiet.xml", interval: 10m, staleAfter: 2h, failingAfter: 3h }\n`;
    up('/flaky.xml', ['f1']);
    up('/quiet.xml', ['q1']);
    let app = await openApp(db, clock, feeds);
    const once = async (app: App) => {
      const r = await new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 2, articleConcurrency: 1 }).runOnce();
      return r.health?.alerted.map((c) => `${c.feed}:${c.from}>${c.to}`) ?? null;
    };
    const start = hook.requests.length;
    assert.deepEqual(await once(app), [], 'both healthy');

    down('/flaky.xml');
    for (const minutes of [10, 20, 30]) {
      clock.advance(10 * MIN);
      assert.deepEqual(await once(app), [], `failing for ${minutes - 10} minutes: under failingAfter (30m)`);
    }
    clock.advance(10 * MIN);
    assert.deepEqual(await once(app), ['flaky:ok>failing']);
    clock.advance(10 * MIN);
    assert.deepEqual(await once(app), [], 'still failing: said once');

    // A restart: the new process reads what was alerted and says nothing again.
    await app.close();
    clock.advance(10 * MIN);
    app = await openApp(db, clock, feeds);
    assert.deepEqual(await once(app), []);

    up('/flaky.xml', ['f1', 'f2']);
    clock.advance(10 * MIN);
    assert.deepEqual(await once(app), ['flaky:failing>ok']);
    clock.advance(10 * MIN);
    assert.deepEqual(await once(app), []);

    // quiet has listed nothing new since 06:00; it polls fine. Stale after 2 hours, once; a restart changes nothing.
    clock.set(Date.parse('2026-06-01T08:05:00.000Z'));
    assert.deepEqual(await once(app), ['quiet:ok>stale']);
    clock.advance(10 * MIN);
    assert.deepEqual(await once(app), []);
    await app.close();
    app = await openApp(db, clock, feeds);
    clock.advance(10 * MIN);
    assert.deepEqual(await once(app), []);
    up('/quiet.xml', ['q1', 'q2']);
    clock.advance(10 * MIN);
    assert.deepEqual(await once(app), ['quiet:stale>ok']);

    const said = received(start);
    assert.equal(said.length, 4, said.join('\n'));
    assert.match(said[0]!, /^Feed "flaky" is failing \| the last 4 polls failed: http-status: HTTP 502 from http:\/\/127\.0\.0\.1:\d+\/flaky\.xml \(for 30 min, since 2026-06-01T06:10:00\.000Z\)\.$/);
    assert.match(said[1]!, /^Feed "flaky" has recovered \| It was failing/);
    assert.match(said[2]!, /^Feed "quiet" is stale \| no new item for 2 h \(stale after 2 h\)/);
    assert.match(said[3]!, /^Feed "quiet" has recovered \| It was stale/);
    const rows = await app.store.deliveries({ rule: 'feed-health' });
    assert.deepEqual(rows.map((d) => [d.clusterId, d.channel, d.status]), [
      ['health:flaky:1', 'ops', 'delivered'],
      ['health:flaky:2', 'ops', 'delivered'],
      ['health:quiet:1', 'ops', 'delivered'],
      ['health:quiet:2', 'ops', 'delivered'],
    ]);
    // The status page lists them with the other alerts; their story ids name no story, so they are not links.
    const page = renderStatusPage(await statusPageData({ config: app.config, store: app.store, clock, lemmatizer: app.deps.alerts!.lemmatizer }, undefined));
    assert.ok(page.includes('<td>feed-health</td><td>health:quiet:2</td>'), page);
    assert.ok(!page.includes('/api/stories/health'));
  });

  test('the daemon checks every alerts.feedHealth.every from its tick: one alert for a feed down for good, one when it comes back', async () => {
    const db = join(dir, `daemon-${++n}.db`);
    const clock = new ManualClock(Date.parse('2026-06-02T06:00:00.000Z'));
    down('/gone.xml', 503);
    const app = await openApp(db, clock, `  - { name: gone, url: "${site.url}/gone.xml", interval: 10m, failingAfter: 0 }\n`);
    const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 1, articleConcurrency: 1, timers: clock, tickMs: MIN });
    const start = hook.requests.length;
    /** Move the clock a minute at a time (polls start on their timers), with a housekeeping tick after each. */
    const run = async (minutes: number) => {
      for (let i = 0; i < minutes; i++) {
        clock.advance(MIN);
        await pipeline.settled();
        await pipeline.tick();
        await pipeline.settled();
      }
    };
    await pipeline.start();
    try {
      await run(3);
      assert.equal((await app.store.feedState('gone'))?.errorCount, 1, 'polled once, failed');
      assert.deepEqual(received(start), [], 'the first check comes one `every` (5m) after the first tick');
      await run(5);
      assert.equal(received(start).length, 1);
      assert.match(received(start)[0]!, /^Feed "gone" is failing/);
      await run(40);
      assert.equal(received(start).length, 1, 'still down after 40 more minutes: nothing more');
      up('/gone.xml', ['g1']);
      await run(40);
      assert.equal(received(start).length, 2);
      assert.match(received(start)[1]!, /^Feed "gone" has recovered/);
    } finally {
      await pipeline.stop(5000);
    }
  });

  test('a daemon back from a long stop checks nothing until it has polled the feeds it is catching up on', async () => {
    const db = join(dir, `restart-${++n}.db`);
    const clock = new ManualClock(Date.parse('2026-06-03T06:00:00.000Z'));
    const names = ['pier', 'dock', 'quay'];
    for (const name of names) up(`/${name}.xml`, [`${name}-1`]);
    const feeds = names.map((name) => `  - { name: ${name}, url: "${site.url}/${name}.xml", interval: 10m }\n`).join('');
    const first = await openApp(db, clock, feeds);
    await new EmbeddedPipeline(first.deps, first.config.feeds, { pollConcurrency: 3, articleConcurrency: 1 }).runOnce();
    await first.close();

    // Three hours later the daemon starts again; the site answers only when released.
    clock.advance(3 * 60 * MIN);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    for (const name of names) {
      const answer = send(atom(site.url, [`${name}-1`]), { headers: { 'content-type': 'application/atom+xml' } });
      site.route(`/${name}.xml`, async (req, res, url) => {
        await held;
        await answer(req, res, url);
      });
    }
    const app = await openApp(db, clock, feeds);
    const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 1, articleConcurrency: 1, timers: clock, tickMs: MIN });
    const start = hook.requests.length;
    await pipeline.start();
    try {
      for (let i = 0; i < 12; i++) {
        clock.advance(MIN);
        await pipeline.tick();
      }
      // Overdue past their grace, each looks stale to the one classification: a check now would alert on all three.
      assert.deepEqual((await feedsView(app.deps)).map((f) => f.health), ['stale', 'stale', 'stale']);
      assert.deepEqual(await app.store.feedHealthAlerts(), [], 'no check ran while catching up');
      release();
      await pipeline.settled();
      for (let i = 0; i < 12; i++) {
        clock.advance(MIN);
        await pipeline.tick();
        await pipeline.settled();
      }
      assert.deepEqual((await feedsView(app.deps)).map((f) => f.health), ['ok', 'ok', 'ok']);
      assert.deepEqual(await app.store.feedHealthAlerts(), []);
      assert.deepEqual(received(start), []);
    } finally {
      release();
      await pipeline.stop(5000);
    }
  });
});

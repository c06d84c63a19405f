/**
 * The embedded daemon's loop, driven by hand: an injected clock decides what is due and `tick()` is called
 * directly, so nothing waits for time to pass. A stalled feed does not hold up the others, a failed feed is
 * due later than a healthy one, and `stop()` waits for the work in hand.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../src/clock.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { startServer, send, stall, type TestServer } from '../helpers/http-server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const feedXml = readFileSync(new URL('../fixtures/sputnik/sputnik-kg-rss.xml', import.meta.url), 'utf8');
let srv: TestServer;
let app: TestApp;
const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));

before(async () => {
  srv = await startServer({
    '/ok.xml': send(feedXml, { headers: { 'content-type': 'application/rss+xml' } }),
    '/stall.xml': stall(),
  });
  app = await startTestApp(
    `pipeline:\n  fetchArticles: false\nhttp:\n  timeout: 5s\n  idleTimeout: 3s\ndefaults:\n  jitter: 0\nfeeds:\n  - name: ok\n    url: ${srv.url}/ok.xml\n    interval: 10m\n  - name: stalled\n    url: ${srv.url}/stall.xml\n    interval: 10m\n`,
    { clock, random: () => 0 },
  );
});
after(async () => {
  await app?.dispose();
  await srv?.close();
});

test('due feeds are polled on a tick; a stalled feed holds up neither the others nor stop()', async () => {
  const daemon = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 4, articleConcurrency: 1, tickMs: 3_600_000 });
  await daemon.start();
  // random() = 0: the first polls are due at once.
  assert.deepEqual(
    daemon.dueTimes().map((d) => d.dueAt),
    [clock.now(), clock.now()],
  );
  await daemon.tick();
  // The stalled poll ends by its own 1 s timeout; a deadline hit instead would leave it unfinished (counted, not timed).
  const { unfinished } = await daemon.stop(120_000);
  assert.equal(unfinished, 0, 'stop waited for the work in hand to finish');

  const states = new Map((await app.store.feedStates()).map((s) => [s.name, s]));
  assert.ok((states.get('ok')?.itemCount ?? 0) > 0, 'the healthy feed was stored');
  assert.equal(states.get('ok')?.errorCount, 0);
  assert.equal(states.get('stalled')?.errorCount, 1);
  assert.match(states.get('stalled')?.lastError ?? '', /timeout/);
  // Healthy: the next poll one interval on; failed once: backoff starts at the interval too (×2 from the next error).
  assert.equal(states.get('ok')?.nextDueAt, new Date(clock.now() + 600_000).toISOString());
});

test('a restarted daemon picks up the stored due times and polls nothing early', async () => {
  const daemon = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 4, articleConcurrency: 1, tickMs: 3_600_000 });
  await daemon.start();
  const before = srv.requests.length;
  clock.advance(60_000);
  await daemon.tick();
  await daemon.stop(5_000);
  assert.equal(srv.requests.length, before, 'nothing is due a minute later');

  const second = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 4, articleConcurrency: 1, tickMs: 3_600_000 });
  await second.start();
  clock.advance(600_000);
  await second.tick();
  await second.stop(5_000);
  const paths = srv.requests.slice(before).map((r) => r.path).sort();
  assert.deepEqual(paths, ['/ok.xml', '/stall.xml'], 'both polled once their interval passed');
  const stalled = (await app.store.feedState('stalled'))!;
  assert.equal(stalled.errorCount, 2);
  // The second consecutive failure doubles the wait.
  assert.equal(stalled.nextDueAt, new Date(clock.now() + 1_200_000).toISOString());
});

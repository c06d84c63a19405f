/**
 * The embedded daemon's scheduler, counted rather than timed: a ManualClock is both the clock and the timers, the
 * housekeeping tick is an hour away (or run by hand), and loopback servers hold each request until the test
 * lets it go. So "what starts when" is a count of the requests a server has seen at a given moment:
 *  - a poll or page that ends starts the next due one at once (no tick, no clock movement in between);
 *  - a feed due later starts when the clock reaches its due time's grid point (one timer, armed for it), and a
 *    poll that ends in between starts none that came due since the last grid point;
 *  - when the slots cannot keep up, the lag gauge says how far behind, and a warning names it, once a minute;
 *  - per-host limits hold, and a busy host does not hold up the feeds of the others.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { pino } from 'pino';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { configChanges } from '../../src/config/reload.js';
import { EmbeddedPipeline, nextTickAt } from '../../src/pipeline/embedded.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const T0 = Date.parse('2026-04-01T09:00:00Z');
const HOUR = 3_600_000;

/** A server whose every request waits until released; counts what arrived and the most in flight at once. */
interface HeldServer {
  srv: TestServer;
  arrived: number;
  inFlight: number;
  maxInFlight: number;
  /** Resolves once `n` requests have arrived in all. */
  arrivedAt(n: number): Promise<void>;
  /** Answer the oldest waiting request. */
  releaseOne(): void;
  /** Answer every waiting request, and every later one at once. */
  open(): void;
}

async function heldServer(body: (path: string, base: string) => string): Promise<HeldServer> {
  const waiting: Array<() => void> = [];
  const watchers: Array<{ n: number; resolve: () => void }> = [];
  let opened = false;
  const h: HeldServer = {
    srv: await startServer({}, (req, res: ServerResponse, url) => {
      h.arrived++;
      h.inFlight++;
      h.maxInFlight = Math.max(h.maxInFlight, h.inFlight);
      res.on('close', () => h.inFlight--);
      const answer = () => res.writeHead(200, { 'content-type': url.pathname.endsWith('.xml') ? 'application/rss+xml' : 'text/html' }).end(body(url.pathname, h.srv.url));
      if (opened) answer();
      else waiting.push(answer);
      for (const w of watchers.filter((x) => x.n <= h.arrived)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }),
    arrived: 0,
    inFlight: 0,
    maxInFlight: 0,
    arrivedAt: (n) => (h.arrived >= n ? Promise.resolve() : new Promise((resolve) => watchers.push({ n, resolve }))),
    releaseOne: () => waiting.shift()?.(),
    open: () => {
      opened = true;
      for (const answer of waiting.splice(0)) answer();
    },
  };
  return h;
}

/** A held site whose feed f lists `items` items, each with a page of `words` repeated (closed after the test). */
async function storySite(items: number, words: string): Promise<HeldServer> {
  const site = await heldServer((path, base) =>
    path.endsWith('.xml')
      ? `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${Array.from({ length: items }, (_, i) => `<item><title>n${i}</title><link>${base}/p/${i}.html</link><guid>g${i}</guid></item>`).join('')}</channel></rss>`
      : `<html><head><title>p</title></head><body><article><h1>Page</h1><p>${words.repeat(40)}${path}</p></article></body></html>`,
  );
  cleanup.push(() => site.srv.close());
  return site;
}

const emptyFeed = () => '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>';

function feedsYaml(base: string, names: string[], interval = '15m'): string {
  return `feeds:\n${names.map((n) => `  - name: ${n}\n    url: ${base}/${n}.xml\n    interval: ${interval}\n`).join('')}`;
}

/** A logger whose lines the test reads back. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(yaml: string, opts: { random?: () => number; pollConcurrency: number; articleConcurrency?: number; tickMs?: number }) {
  const clock = new ManualClock(T0);
  const { logger, lines } = capturingLogger();
  const app: TestApp = await startTestApp(yaml, { clock, random: opts.random ?? (() => 0), logger });
  cleanup.push(() => app.dispose());
  const daemon = new EmbeddedPipeline(app.deps, app.config.feeds, {
    pollConcurrency: opts.pollConcurrency,
    articleConcurrency: opts.articleConcurrency ?? 1,
    tickMs: opts.tickMs ?? HOUR,
    timers: clock,
  });
  cleanup.push(() => daemon.stop(10_000));
  return { clock, app, daemon, lines };
}

/** A story site (`storySite`) and a daemon on its feed, polling one feed at a time; held requests never time out. */
async function storySetup(items: number, words: string, o: { perHost: number; articleConcurrency: number }) {
  const site = await storySite(items, words);
  const { app, daemon } = await setup(`http:\n  perHostConcurrency: ${o.perHost}\n  timeout: 10m\n  idleTimeout: 10m\n${feedsYaml(site.srv.url, ['f'])}`, {
    pollConcurrency: 1,
    articleConcurrency: o.articleConcurrency,
  });
  return { site, daemon, store: app.deps.store };
}

describe('embedded scheduler', () => {
  test('feedwatch_queue_jobs: due feeds not started wait, running ones are active, the rest are delayed until due', async () => {
    const site = await heldServer(emptyFeed);
    cleanup.push(() => site.srv.close());
    const { daemon, app } = await setup(`pipeline:\n  fetchArticles: false\nhttp:\n  perHostConcurrency: 8\n${feedsYaml(site.srv.url, ['a', 'b', 'c', 'd', 'e'])}`, {
      pollConcurrency: 2,
    });
    const poll = async () =>
      Object.fromEntries(
        (await app.metrics.queueJobs.get()).values.filter((v) => v.labels.queue === 'poll').map((v) => [String(v.labels.state), v.value]),
      );
    await daemon.start();
    await site.arrivedAt(2);
    assert.deepEqual(await poll(), { waiting: 3, delayed: 0, active: 2 });
    site.open();
    await daemon.settled();
    assert.deepEqual(await poll(), { waiting: 0, delayed: 5, active: 0 });
  });

  test('a poll that ends starts the next due feed at once, without a tick or the clock moving', async () => {
    const site = await heldServer(emptyFeed);
    cleanup.push(() => site.srv.close());
    const { daemon } = await setup(`pipeline:\n  fetchArticles: false\nhttp:\n  perHostConcurrency: 8\n${feedsYaml(site.srv.url, ['a', 'b', 'c', 'd', 'e'])}`, {
      pollConcurrency: 2,
    });
    await daemon.start();
    await site.arrivedAt(2);
    assert.equal(site.inFlight, 2, 'two slots, two polls, though five feeds are due');
    for (const n of [3, 4, 5]) {
      site.releaseOne();
      await site.arrivedAt(n);
      assert.equal(site.inFlight, 2, `poll ${n} started as soon as a slot freed, never a third at once`);
    }
    assert.equal(daemon.lastTickAt, null, 'no housekeeping tick ran: the slots alone moved the work');
    site.open();
    await daemon.settled();
    assert.equal(site.arrived, 5);
    assert.equal(site.maxInFlight, 2);
  });

  test('a feed due later starts when the clock reaches its due time, by the one timer armed for it', async () => {
    const site = await heldServer(emptyFeed);
    cleanup.push(() => site.srv.close());
    site.open();
    // First polls spread over min(interval, 1 min): random 0 → at once, 0.5 → 30 s later.
    const draws = [0, 0.5];
    const { daemon, clock } = await setup(`pipeline:\n  fetchArticles: false\ndefaults:\n  jitter: 0\n${feedsYaml(site.srv.url, ['now', 'later'])}`, {
      pollConcurrency: 4,
      random: () => draws.shift() ?? 0,
    });
    await daemon.start();
    await daemon.settled();
    assert.equal(site.arrived, 1);
    assert.ok(clock.pendingTimers().includes(T0 + 30_000), 'a timer waits for the next due time');
    clock.advance(29_999);
    await daemon.settled();
    assert.equal(site.arrived, 1, 'not a millisecond early');
    clock.advance(1);
    await site.arrivedAt(2);
    await daemon.settled();
    // Both polled: the next due time is the first feed's, one interval after its poll.
    assert.deepEqual(clock.pendingTimers().filter((t) => t < T0 + HOUR), [T0 + 15 * 60_000]);
    clock.advance(15 * 60_000 - 30_000);
    await site.arrivedAt(3);
    assert.equal(site.srv.requests.at(-1)?.path, '/now.xml');
  });

  test('feeds due within one grid step of the wake timer start together on its one wake-up, none before its due time', async () => {
    const site = await heldServer(emptyFeed);
    cleanup.push(() => site.srv.close());
    site.open();
    // First polls at T0 + 30.3 s and T0 + 30.689 s (random × 60 s): both between two grid points.
    const draws = [0.505, 0.5115];
    const { daemon, clock } = await setup(`pipeline:\n  fetchArticles: false\ndefaults:\n  jitter: 0\n${feedsYaml(site.srv.url, ['a', 'b'])}`, {
      pollConcurrency: 4,
      random: () => draws.shift() ?? 0,
    });
    await daemon.start();
    assert.deepEqual(
      clock.pendingTimers().filter((t) => t < T0 + HOUR),
      [T0 + 31_000],
      'one timer, at the first grid point after the first due time (WAKE_GRAIN_MS)',
    );
    clock.advance(30_999);
    await daemon.settled();
    assert.equal(site.arrived, 0, 'neither started before the grid point');
    clock.advance(1);
    await site.arrivedAt(2);
    await daemon.settled();
    assert.deepEqual(site.srv.requests.map((r) => r.path).sort(), ['/a.xml', '/b.xml']);
    await daemon.tick();
    assert.equal(daemon.lagMs, 0, 'served on their grid point: not late');
  });

  test('a poll that ends between grid points starts no feed due since the last one: those wait for the next grid point, together', async () => {
    const site = await heldServer(emptyFeed);
    cleanup.push(() => site.srv.close());
    // First polls at T0 + 12 s (on the grid), T0 + 12.3 s and T0 + 12.6 s (random × 60 s), one slot per feed.
    const draws = [0.2, 0.205, 0.21];
    const { daemon, clock } = await setup(`pipeline:\n  fetchArticles: false\ndefaults:\n  jitter: 0\n${feedsYaml(site.srv.url, ['a', 'b', 'c'])}`, {
      pollConcurrency: 4,
      random: () => draws.shift() ?? 0,
    });
    await daemon.start();
    clock.set(T0 + 12_000);
    await site.arrivedAt(1);
    // The clock passes b's due time, then c's, while a's request is held; a then ends between two grid points.
    clock.set(T0 + 12_700);
    await daemon.settled();
    assert.equal(site.arrived, 1, 'b and c wait for their grid point, not for the clock alone');
    site.releaseOne();
    await daemon.settled();
    assert.equal(site.arrived, 1, "a's end frees a slot but starts neither: their grid point has not come");
    assert.ok(clock.pendingTimers().includes(T0 + 13_000), 'one wake-up armed at the next grid point');
    site.open();
    clock.set(T0 + 13_000);
    await site.arrivedAt(3);
    await daemon.settled();
    assert.deepEqual(site.srv.requests.map((r) => r.path), ['/a.xml', '/b.xml', '/c.xml']);
    await daemon.tick();
    assert.equal(daemon.lagMs, 0, 'served on their grid point: not late');
  });

  test('the housekeeping tick comes on the grid of the wake-ups, whenever the daemon started or a tick ended', async () => {
    const site = await heldServer(emptyFeed);
    cleanup.push(() => site.srv.close());
    site.open();
    const { daemon, clock } = await setup(`pipeline:\n  fetchArticles: false\n${feedsYaml(site.srv.url, ['a'])}`, { pollConcurrency: 1, tickMs: 5000 });
    // Started 1.234 s past a grid point (T0 is on every grid): the first tick at the next multiple of 5 s, not 5 s on.
    clock.advance(1234);
    await daemon.start();
    await daemon.settled();
    // The feed, due at the start, waits for its grid point (the poll wake-up), 0.766 s on.
    assert.equal(site.arrived, 0);
    clock.set(T0 + 2000);
    await site.arrivedAt(1);
    await daemon.settled();
    const ticks: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = daemon.lastTickAt;
      clock.set(clock.pendingTimers()[0]!);
      await daemon.settled();
      assert.notEqual(daemon.lastTickAt, before, 'the earliest timer is the tick');
      ticks.push(daemon.lastTickAt! - T0);
      // Between ticks the clock moves by an amount off the grid: the next tick still falls on it.
      clock.advance(700 * (i + 1));
    }
    assert.deepEqual(ticks, [5000, 10_000, 15_000]);
    assert.equal(nextTickAt(T0 + 4999, 1000), T0 + 5000);
    assert.equal(nextTickAt(T0 + 5000, 1000), T0 + 6000, 'strictly after now');
  });

  test("a feed's validators and run of failures go from one poll to its next without a storage read; a changed feed is read again", async () => {
    // 200 with an ETag per path; 304 when the request carries it.
    const srv = await startServer({}, (req, res, url) => {
      const etag = `"${url.pathname}-1"`;
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag }).end(emptyFeed());
    });
    cleanup.push(() => srv.close());
    const head = `pipeline:\n  fetchArticles: false\ndefaults:\n  jitter: 0\nhttp:\n  allowPrivateNetworks: true\n`;
    const { daemon, clock, app } = await setup(`${head}${feedsYaml(srv.url, ['a'])}`, { pollConcurrency: 4 });
    const store = app.deps.store;
    const read = store.feedState.bind(store);
    let reads = 0;
    app.deps.store = Object.assign(Object.create(store) as typeof store, { feedState: (name: string) => (reads++, read(name)) });
    const validators = () => srv.requests.map((r) => r.headers['if-none-match'] ?? null);
    await daemon.start();
    await daemon.settled();
    clock.advance(15 * 60_000);
    await daemon.settled();
    clock.advance(15 * 60_000);
    await daemon.settled();
    assert.deepEqual(validators(), [null, '"/a.xml-1"', '"/a.xml-1"'], 'the ETag of the first answer sent with the next polls');
    assert.equal(reads, 0, 'the state read at start, then carried from poll to poll');
    assert.equal((await store.feedState('a'))?.etag, '"/a.xml-1"', 'and still recorded in storage');

    // A reload moves the feed: storage drops its validators (syncFeeds), and the next poll reads them back.
    const next = parseConfig(`${head}feeds:\n  - name: a\n    url: ${srv.url}/moved.xml\n    interval: 15m\n`, app.config.file);
    await app.reload(next, configChanges(app.config, next));
    daemon.setFeeds(next.feeds);
    clock.advance(15 * 60_000);
    await daemon.settled();
    assert.equal(reads, 1, 'the changed feed was read from storage');
    assert.equal(srv.requests.at(-1)?.path, '/moved.xml');
    assert.equal(validators().at(-1), null, 'with no validator from the old URL');
  });

  test('a finished page starts the next pending page at once', async () => {
    const items = 5;
    const site = await storySite(items, 'Words of a page. ');
    // Held requests must not time out while a page is extracted on a loaded machine (seconds at load 20).
    const { daemon } = await setup(`http:\n  perHostConcurrency: 8\n  timeout: 10m\n  idleTimeout: 10m\n${feedsYaml(site.srv.url, ['f'])}`, { pollConcurrency: 1, articleConcurrency: 2 });
    await daemon.start();
    await site.arrivedAt(1);
    site.releaseOne(); // the feed
    await site.arrivedAt(3);
    assert.equal(site.inFlight, 2, 'two page slots');
    for (const n of [4, 5, 6]) {
      site.releaseOne();
      await site.arrivedAt(n);
      assert.equal(site.inFlight, 2, `page request ${n} started when a page ended`);
    }
    assert.equal(daemon.lastTickAt, null);
    site.open();
    await daemon.settled();
    assert.equal(site.srv.requests.filter((r) => r.path.startsWith('/p/')).length, items);
  });

  test('pending pages are read from the store once per batch of new items, not again as each page ends', async () => {
    const items = 7;
    const { site, daemon, store } = await storySetup(items, 'Words of a story page. ', { perHost: 8, articleConcurrency: 2 });
    const read = store.pendingArticles.bind(store);
    let reads = 0;
    store.pendingArticles = (...args: Parameters<typeof read>) => {
      reads++;
      return read(...args);
    };
    await daemon.start();
    await site.arrivedAt(1);
    site.releaseOne(); // the feed
    await site.arrivedAt(3);
    const afterPoll = reads;
    assert.ok(afterPoll >= 1, 'the new items were read');
    for (let n = 4; n <= items + 1; n++) {
      site.releaseOne();
      await site.arrivedAt(n);
    }
    site.open();
    await daemon.settled();
    assert.equal(site.srv.requests.filter((r) => r.path.startsWith('/p/')).length, items, 'every page fetched');
    assert.equal(reads, afterPoll, 'no read as pages ended: every pending page was already in hand');
  });

  test("a page counts against its host's limit while its request runs, not while it is stored", async () => {
    const items = 3;
    const { site, daemon, store } = await storySetup(items, 'Words of a held story. ', { perHost: 1, articleConcurrency: 3 });
    // Every page's last storage step waits until the test lets it go.
    const save = store.saveArticle.bind(store);
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    let saving = 0;
    store.saveArticle = async (...args: Parameters<typeof save>) => {
      saving++;
      await gate;
      return save(...args);
    };
    await daemon.start();
    await site.arrivedAt(1);
    site.releaseOne(); // the feed
    await site.arrivedAt(2);
    assert.equal(site.inFlight, 1, 'one request to the host at a time');
    site.releaseOne(); // page 1 answered; it goes on to be stored, and waits there
    await site.arrivedAt(3);
    assert.equal(site.inFlight, 1);
    site.releaseOne();
    await site.arrivedAt(4);
    assert.equal(saving <= 2, true);
    assert.equal(site.srv.requests.filter((r) => r.path.startsWith('/p/')).length, items, 'every page asked for while the first ones are still being stored');
    assert.equal(site.maxInFlight, 1, 'never two requests to the host at once');
    letGo();
    site.open();
    await daemon.settled();
    assert.equal(saving, items);
  });

  test('overloaded: the lag gauge says how far behind, and a warning names it at most once a minute', async () => {
    const site = await heldServer(emptyFeed);
    cleanup.push(() => site.srv.close());
    const { daemon, clock, app, lines } = await setup(`pipeline:\n  fetchArticles: false\nhttp:\n  perHostConcurrency: 8\n${feedsYaml(site.srv.url, ['a', 'b', 'c'], '10m')}`, {
      pollConcurrency: 1,
    });
    const lag = async () => (await app.metrics.scheduleLag.get()).values[0]?.value;
    const warnings = () => lines.filter((l) => String(l['msg']).startsWith('scheduler is'));
    await daemon.start();
    await site.arrivedAt(1);
    await daemon.tick();
    assert.equal(await lag(), 0, 'due just now: not behind yet');
    // One slot held for 30 s: b and c (due at T0) wait. 30 s is within 10 min × 0.1 jitter: no warning yet.
    clock.advance(30_000);
    await daemon.tick();
    assert.equal(await lag(), 30);
    assert.equal(warnings().length, 0);
    clock.advance(90_000);
    await daemon.tick();
    assert.equal(await lag(), 120);
    assert.equal(warnings().length, 1);
    assert.equal(warnings()[0]!['lag_seconds'], 120);
    assert.equal(warnings()[0]!['late_feeds'], 2);
    assert.match(String(warnings()[0]!['msg']), /120 s behind: 2 of 3 feeds/);
    clock.advance(30_000);
    await daemon.tick();
    assert.equal(await lag(), 150);
    assert.equal(warnings().length, 1, 'rate-limited');
    clock.advance(30_000);
    await daemon.tick();
    assert.equal(warnings().length, 2, 'a minute later, warned again');
    // The slot frees: everything due is polled and the lag falls back to 0.
    site.open();
    await daemon.settled();
    await daemon.tick();
    assert.equal(site.arrived, 3);
    assert.equal(await lag(), 0);
  });

  test('per-host limits hold, and a busy host does not take the slots of the others', async () => {
    const busy = await heldServer(emptyFeed);
    const quiet = await heldServer(emptyFeed);
    cleanup.push(() => busy.srv.close(), () => quiet.srv.close());
    const busyNames = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
    const yaml = `pipeline:\n  fetchArticles: false\nhttp:\n  perHostConcurrency: 2\n${feedsYaml(busy.srv.url, busyNames)}${feedsYaml(quiet.srv.url, ['q1', 'q2']).replace('feeds:\n', '')}`;
    const { daemon } = await setup(yaml, { pollConcurrency: 4 });
    await daemon.start();
    // The six busy-host feeds are due first, yet only two of them hold slots: the other two go to the quiet host.
    await busy.arrivedAt(2);
    await quiet.arrivedAt(2);
    assert.equal(busy.inFlight, 2);
    for (let n = 3; n <= busyNames.length; n++) {
      busy.releaseOne();
      await busy.arrivedAt(n);
      assert.ok(busy.inFlight <= 2);
    }
    busy.open();
    quiet.open();
    await daemon.settled();
    assert.equal(busy.arrived, 6);
    assert.equal(quiet.arrived, 2);
    assert.equal(busy.maxInFlight, 2, 'never more than perHostConcurrency at the busy host');
  });

  test('a new feed list (config reload): added feeds start, removed ones stop, a changed interval applies at once', async () => {
    const site = await heldServer(emptyFeed);
    cleanup.push(() => site.srv.close());
    site.open();
    const head = `pipeline:\n  fetchArticles: false\ndefaults:\n  jitter: 0\nhttp:\n  perHostConcurrency: 8\n`;
    const { daemon, clock, app } = await setup(`${head}${feedsYaml(site.srv.url, ['keep', 'gone', 'faster'])}`, { pollConcurrency: 4 });
    await daemon.start();
    await daemon.settled();
    assert.equal(site.arrived, 3);
    const paths = () => site.srv.requests.slice(3).map((r) => r.path).sort();

    const next = parseConfig(`${head}${feedsYaml(site.srv.url, ['keep', 'added'])}  - name: faster\n    url: ${site.srv.url}/faster.xml\n    interval: 5m\n`, app.config.file);
    daemon.setFeeds(next.feeds);
    await site.arrivedAt(4);
    await daemon.settled();
    assert.deepEqual(paths(), ['/added.xml'], 'the new feed is polled at once (random 0), nothing else');
    clock.advance(5 * 60_000);
    await site.arrivedAt(5);
    await daemon.settled();
    assert.deepEqual(paths(), ['/added.xml', '/faster.xml'], 'the shorter interval counts from now, not after the old one');
    clock.advance(10 * 60_000);
    await site.arrivedAt(8);
    await daemon.settled();
    // The clock jumps to T0+15m: faster once more (due at +10m), keep and added (one interval after their last poll).
    assert.deepEqual(paths(), ['/added.xml', '/added.xml', '/faster.xml', '/faster.xml', '/keep.xml']);
    assert.ok(!site.srv.requests.slice(3).some((r) => r.path === '/gone.xml'), 'a removed feed is not polled again');
  });
});


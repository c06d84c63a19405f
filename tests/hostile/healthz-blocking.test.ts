/**
 * /healthz while issue 19's worst inputs are processed, measured by what could keep it from answering, in CPU time
 * (which a loaded machine does not inflate the way it inflates wall time):
 *
 *  - the main thread (the HTTP server, timers): the most CPU time it ran between two turns of a 2 ms timer.
 *    Nothing on the main thread runs longer than one such stretch (a timer cannot fire in the middle of a
 *    synchronous block), so this is an upper bound on its longest block. (Wall time between turns, less the time
 *    the thread waited runnable for a CPU, is reported too: on a loaded machine it is longer, by garbage collection
 *    pauses that wait for V8's helper threads while they wait for a CPU);
 *  - the storage thread, which /healthz pings (SQLite on its own thread, as `feedwatch run` has it): the CPU time it
 *    spent while each /healthz request was open. A ping waits at most for the calls queued before it, all of which
 *    run inside that window, so this is an upper bound on the work a ping waited behind.
 *
 * Both must stay under 100 ms. Thread CPU time comes from Linux's /proc/<pid>/task/<tid>/schedstat (nanoseconds).
 *
 * The app is the daemon's: createApp with the storage thread, the CPU pool (two workers), the embedded pipeline
 * started as `feedwatch run` starts it, the health server answering from checkHealth with the storage ping, an alert
 * rule with a user regex `/(a+)+$/` and a word. Inputs, generated at the issue's sizes: a feed nested 100,000 deep,
 * pages 400,000 divs deep, of ~1M tiny elements, of 4.9 MB of text, a page whose one paragraph is an 80-character
 * "By John A-A-…" line and one of 5,000 "a" ending in "!"; next to a healthy feed of three story pages, which must be
 * stored. The 4.9 MB page's article is stored cut to `budgets.articleChars` and says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { checkHealth } from '../../src/health.js';
import { createMetrics } from '../../src/metrics.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { startHealthServer } from '../../src/server.js';
import { systemClock } from '../../src/clock.js';
import { ARTICLE_CHARS } from '../../src/extract/article-cap.js';
import type { StoredItem } from '../../src/model.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { storyPage } from '../helpers/story-pages.js';
import { deepFeed, hostilePages } from '../helpers/hostile-inputs.js';
import { waitFor } from '../pipeline/bullmq-fixture.js';

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const RSS = { 'content-type': 'application/rss+xml; charset=utf-8' };
const BLOCK_LIMIT_MS = 100;

const rss = (links: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>${links.map((l) => `<item><guid>${l}</guid><link>${l}</link><title>t</title></item>`).join('')}</channel></rss>`;

/** A thread of this process: CPU time it has run, and time it has waited runnable for a CPU, ms. */
function schedstat(tid: string): { cpu: number; waited: number } {
  const [cpu, waited] = readFileSync(`/proc/${process.pid}/task/${tid}/schedstat`, 'utf8').split(' ');
  return { cpu: Number(cpu) / 1e6, waited: Number(waited) / 1e6 };
}
const threadCpuMs = (tid: string): number => schedstat(tid).cpu;
const threads = () => new Set(readdirSync(`/proc/${process.pid}/task`));

let site: TestServer;
let app: TestApp | null = null;
let pipeline: EmbeddedPipeline | null = null;
let server: Server | null = null;
let pageCount = 0;

before(async () => {
  site = await startServer();
  // Bytes made once, so that serving them costs this process's main thread next to nothing.
  const pages: Record<string, string> = {
    ...hostilePages(),
    '/hostile/byline.html': `<html><head><title>byline</title></head><body><article><p>By John ${'A-'.repeat(36)}A!</p><p>${'Text of the story. '.repeat(20)}</p></article></body></html>`,
    '/hostile/aaa.html': `<html><head><title>aaa</title></head><body><article><p>${'a'.repeat(5_000)}!</p></article></body></html>`,
  };
  for (const [path, html] of Object.entries(pages)) site.route(path, send(Buffer.from(html), { headers: HTML }));
  pageCount = Object.keys(pages).length + 3;
  for (const n of [1, 2, 3]) site.route(`/story/${n}.html`, send(Buffer.from(storyPage(1950 + n)), { headers: HTML }));
  site.route('/healthy.xml', send(rss([1, 2, 3].map((n) => `${site.url}/story/${n}.html`)), { headers: RSS }));
  site.route('/hostile.xml', send(rss(Object.keys(pages).map((p) => `${site.url}${p}`)), { headers: RSS }));
  site.route('/deep.xml', send(Buffer.from(deepFeed(`${site.url}/none`)), { headers: RSS }));
});

after(async () => {
  await pipeline?.stop(10_000);
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  await app?.dispose();
  await site?.close();
});

test('/healthz is never held up by 100 ms of work on the main or the storage thread while the worst inputs run', async (t) => {
  const before = threads();
  app = await startTestApp(
    [
      'log:\n  level: info',
      'budgets:\n  threads: 2\n  taskTimeout: 120s',
      'defaults:\n  minInterval: 1h\n  interval: 1h',
      'pipeline:\n  articleConcurrency: 6',
      "alerts:\n  rules:\n    - { name: aaa, query: '/(a+)+$/', channels: [log] }\n    - { name: word, query: 'страница', channels: [log] }",
      'feeds:',
      ...['healthy', 'hostile', 'deep'].map((name) => `  - name: ${name}\n    url: ${site.url}/${name}.xml`),
    ].join('\n') + '\n',
    { storageThreadByDefault: true },
  );
  // The storage thread is among the threads createApp started (the CPU pool starts its workers with the first
  // task); their CPU is counted together.
  const started = [...threads()].filter((tid) => !before.has(tid));
  t.diagnostic(`threads started by createApp: ${started.map((tid) => `${tid} ${readFileSync(`/proc/${process.pid}/task/${tid}/comm`, 'utf8').trim()}`).join(', ')}`);
  assert.ok(started.length >= 1);
  const storageCpuMs = () => started.reduce((sum, tid) => sum + threadCpuMs(tid), 0);
  const mainTid = String(process.pid);
  const a = app;
  const pool = a.cpu;

  const state = { started: false, stopping: false };
  const p = new EmbeddedPipeline(a.deps, a.config.feeds, { pollConcurrency: 3, articleConcurrency: 6, tickMs: 1000 });
  pipeline = p;
  server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createMetrics(),
    health: async () => {
      const r = await checkHealth(
        { ...state, lastTickAt: p.lastTickAt, loopStartedAt: p.startedAt },
        { clock: systemClock, tickIntervalMs: 1000, dependencies: [{ name: 'storage', ping: () => a.store.ping() }] },
      );
      return { ok: r.ok, detail: { reasons: r.reasons, cpu: pool.status() } };
    },
  });
  const port = (server.address() as { port: number }).port;

  // The main thread between turns of a 2 ms timer: time not spent waiting for a CPU, and CPU time alone.
  let mainMax = 0;
  let mainCpuMax = 0;
  let last = { at: performance.now(), ...schedstat(mainTid) };
  const sampler = setInterval(() => {
    const now = { at: performance.now(), ...schedstat(mainTid) };
    mainMax = Math.max(mainMax, now.at - last.at - (now.waited - last.waited));
    mainCpuMax = Math.max(mainCpuMax, now.cpu - last.cpu);
    last = now;
  }, 2);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let gcMax = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMax = Math.max(gcMax, e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });

  // /healthz one request after another: the storage thread's CPU while each was open.
  const answers: Array<{ status: number; wallMs: number; storageMs: number; hostile: boolean }> = [];
  let done = false;
  const prober = (async () => {
    while (!done) {
      const cpu0 = storageCpuMs();
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      const body = (await res.json()) as { cpu: { running: Array<{ for: string }> } };
      answers.push({
        status: res.status,
        wallMs: performance.now() - t0,
        storageMs: storageCpuMs() - cpu0,
        hostile: body.cpu.running.some((r) => r.for === 'hostile' || r.for === 'deep'),
      });
      // Paced (about 100 a second), so that the probe's own garbage does not set the collector's pace.
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  await p.start();
  state.started = true;
  const rows = async (): Promise<StoredItem[]> => {
    const out: StoredItem[] = [];
    for (let id = 1; ; id++) {
      const item = await a.store.getItem(id);
      if (item === null) return out;
      out.push(item);
    }
  };
  try {
    await waitFor(
      async () => {
        const items = await rows();
        const deep = (await a.store.feedState('deep'))?.lastError ?? null;
        return items.length === pageCount && items.every((i) => i.articleState === 'done' || i.articleAttempts > 0) && deep !== null;
      },
      600_000,
      'every page tried and the deep feed polled',
    );
  } finally {
    done = true;
    await prober;
    clearInterval(sampler);
    delay.disable();
    gc.disconnect();
  }

  const items = await rows();
  const sorted = answers.map((x) => x.wallMs).sort((x, y) => x - y);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!.toFixed(1);
  const storageMax = Math.max(...answers.map((x) => x.storageMs));
  t.diagnostic(
    `${answers.length} /healthz answers (${answers.filter((x) => x.hostile).length} while a hostile task ran, ${answers.filter((x) => x.status !== 200).length} not 200); ` +
      `wall ms p50 ${q(0.5)} p99 ${q(0.99)} max ${sorted.at(-1)!.toFixed(1)}; ` +
      `main thread between timer turns: most CPU ${mainCpuMax.toFixed(1)} ms, longest not waiting for a CPU ${mainMax.toFixed(1)} ms (longest GC pause ${gcMax.toFixed(1)} ms), event loop delay max ${(delay.max / 1e6).toFixed(1)} ms (wall, with the machine's load); ` +
      `storage thread: most CPU while one /healthz was open ${storageMax.toFixed(1)} ms; ` +
      `hostile pages: ${items.filter((i) => i.feedName === 'hostile').map((i) => `${i.link?.split('/').pop()} ${i.articleState === 'done' ? 'stored' : i.articleError?.split(':')[0]}`).join(', ')}`,
  );
  for (const i of items.filter((i) => i.feedName === 'healthy')) assert.equal(i.articleState, 'done', `${i.link}: ${i.articleError}`);
  for (const i of items.filter((i) => i.feedName === 'hostile' && i.articleState !== 'done')) {
    assert.match(i.articleError ?? '', /^(too-slow|too-complex|nothing-extracted):/, `${i.link}: ${i.articleError}`);
  }
  assert.match((await a.store.feedState('deep'))?.lastError ?? '', /^too-complex:/);
  // The 4.9 MB page is stored cut, and says what it had.
  const big = items.find((i) => i.link?.endsWith('/hostile/big.html'));
  assert.equal(big?.articleState, 'done', big?.articleError ?? '');
  const stored = (await a.store.getArticle(big!.id))?.article;
  assert.ok(stored, 'the big page has a stored article');
  const chars = (stored.lead ?? '').length + stored.paragraphs.reduce((n, p) => n + p.length, 0);
  assert.ok(chars <= ARTICLE_CHARS, `${chars} characters stored`);
  assert.ok((stored.cut?.chars ?? 0) > 2_000_000, `cut: ${JSON.stringify(stored.cut)}`);

  assert.ok(answers.filter((x) => x.hostile).length > 0, 'some /healthz answers came while a hostile task ran');
  assert.ok(mainCpuMax < BLOCK_LIMIT_MS, `the main thread ran ${mainCpuMax.toFixed(1)} ms of CPU without a timer turn`);
  assert.ok(storageMax < BLOCK_LIMIT_MS, `the storage thread ran ${storageMax.toFixed(1)} ms of CPU while one /healthz was open`);
});

/**
 * `npm run bench -- scale`, the steady-state part: does one embedded daemon at its defaults keep up with 10,000 feeds
 * at the default 15-minute interval and the new articles they bring, on this machine? Measured through what users
 * run (`node dist/cli/main.js run`, built first) against a loopback news site in a child process (32 hosts).
 *
 * The site publishes: feed n puts out a new item every P(n) (5 % of the feeds are wires, P uniform in 2–10 min; the
 * rest uniform in 15 min – 6 h), at a phase of its own; a feed lists its 20 newest items, with an ETag that changes
 * with them (304 to a poll that has them all). Each item's page is a real news page's chrome with a generated story
 * (scale-ingest.ts `mixPage`: 80 % distinct, 20 % copies or edited copies of another feed's).
 *
 * The daemon starts in steady state, as after a restart: the file is seeded (through the store) with every feed's
 * 20 items as of its last poll, their pages done, its ETag, its next poll spread evenly over the next interval and its
 * last one an interval before that (so each poll finds what a whole interval brought). Then for a window
 * (default 300 s): polls/s against demand (10,000 / 900 s), new articles/s stored against those published, the
 * pages still waiting at the end and how long the oldest has waited, feeds overdue at the end (next poll more than
 * the jitter, 90 s, in the past), `feedwatch_schedule_lag_seconds` and lag warnings, the daemon's CPU (share of the
 * machine's cores) and RSS (from its /metrics).
 *
 * Run alone: npx tsx bench/scale-steady.ts   (FEEDWATCH_BENCH_STEADY_FEEDS=10000, _WINDOW=300 seconds,
 * _RATE=1 to multiply every feed's publishing rate)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { freePort } from '../tests/helpers/http-server.js';
import { mulberry32, uniform } from '../tests/helpers/prng.js';
import { siteInChild } from './bench-site.js';
import { cleanupOnSignal } from './interrupt.js';
import { mixPage } from './scale-ingest.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const HOSTS = 32;
const LISTED = 20;
const INTERVAL_MS = 15 * 60_000;
const JITTER = 0.1;
/** Item numbers start here, so that the 20 listed at the epoch are all positive. */
const BASE = 1000;
const MIN = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

/** Feed n's publishing: an item every `period` ms from `epoch + phase`. */
export function publishing(n: number, rate: number): { period: number; phase: number } {
  const r = uniform(mulberry32(n * 7919 + 17));
  const wire = r() < 0.05;
  const period = (wire ? 2 * MIN + r() * 8 * MIN : 15 * MIN + r() * (360 - 15) * MIN) / rate;
  return { period, phase: r() * period };
}

/** The newest item's number of feed n at time t. */
export function newestItem(n: number, t: number, epoch: number, rate: number): number {
  const { period, phase } = publishing(n, rate);
  return BASE + Math.floor((t - epoch - phase) / period);
}

function feedXml(base: string, n: number, newest: number, epoch: number, rate: number): string {
  const { period, phase } = publishing(n, rate);
  const items: string[] = [];
  for (let k = newest; k > newest - LISTED; k--) {
    const at = new Date(epoch + phase + (k - BASE) * period).toUTCString();
    items.push(
      `<item><title>Story ${k} of feed ${n}</title><link>${base}/a/f${n}/${k}.html</link><guid isPermaLink="false">f${n}-${k}</guid>` +
        `<description>Story ${k}</description><pubDate>${at}</pubDate></item>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed ${n}</title><link>${base}/</link><description>bench</description>${items.join('')}</channel></rss>`;
}

/** In the child (`--serve EPOCH RATE`): serve the site on HOSTS ports, print `PORTS p1,...`, end when stdin closes. */
async function serve(epoch: number, rate: number): Promise<void> {
  const servers: Server[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const server = createServer((req, res) => {
      const base = `http://${req.headers.host}`;
      const path = (req.url ?? '/').split('?')[0]!;
      const feed = /^\/feeds\/f(\d+)\.xml$/.exec(path);
      const page = /^\/a\/f(\d+)\/(\d+)\.html$/.exec(path);
      if (feed) {
        const n = Number(feed[1]);
        const newest = newestItem(n, Date.now(), epoch, rate);
        const etag = `"${newest}"`;
        if (req.headers['if-none-match'] === etag) res.writeHead(304, { etag }).end();
        else res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag }).end(feedXml(base, n, newest, epoch, rate));
      } else if (page) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(mixPage(Number(page[1]), Number(page[2])));
      else res.writeHead(404).end();
    });
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
  }
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  process.stdout.write(`PORTS ${servers.map((s) => (s.address() as AddressInfo).port).join(',')}\n`);
}

const startSite = (epoch: number, rate: number) => siteInChild(HERE, ROOT, [epoch, rate]);

const feedUrl = (n: number, ports: number[]) => `http://127.0.0.1:${ports[n % ports.length]}/feeds/f${n}.xml`;

function configYaml(db: string, feeds: number, ports: number[]): string {
  const list = Array.from({ length: feeds }, (_, n) => `  - name: f${n}\n    url: ${feedUrl(n, ports)}\n`).join('');
  return [
    `storage:\n  driver: sqlite\n  path: ${JSON.stringify(db)}`,
    `log:\n  level: ${process.env['FEEDWATCH_BENCH_STEADY_DEBUG'] ? 'info' : 'warn'}\n  format: json`,
    'http:\n  allowPrivateNetworks: true',
    `feeds:\n${list}`,
  ].join('\n');
}

/** The file as a daemon leaves it after a cycle: every feed's items stored with their pages done, its next poll spread over the interval. */
async function seed(db: string, feeds: number, ports: number[], epoch: number, rate: number): Promise<void> {
  const { openSqliteStore } = await import('../src/store/sqlite/store.js');
  const store = await openSqliteStore(db);
  try {
    await store.syncFeeds(Array.from({ length: feeds }, (_, n) => ({ name: `f${n}`, url: feedUrl(n, ports), intervalMs: INTERVAL_MS, enabled: true, headers: {}, tags: [] })));
    const now = Date.now();
    const r = uniform(mulberry32(99));
    for (let start = 0; start < feeds; start += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, feeds - start) }, (_, i) => {
          const n = start + i;
          // Polled last one interval before its next poll, which is spread evenly over the next interval: each poll
          // then finds what its feed published over a whole interval, as in a daemon that has run for a while.
          const dueIn = r() * INTERVAL_MS;
          const lastPoll = now + dueIn - INTERVAL_MS;
          const newest = newestItem(n, lastPoll, epoch, rate);
          const items = Array.from({ length: LISTED }, (_, j) => ({
            feedName: `f${n}`,
            guid: `f${n}-${newest - j}`,
            link: `http://127.0.0.1:${ports[n % ports.length]}/a/f${n}/${newest - j}.html`,
            title: `Story ${newest - j} of feed ${n}`,
            description: `Story ${newest - j}`,
            author: null,
            publishedAt: null,
            categories: [],
            enclosures: [],
            extra: {},
          }));
          const outcome = {
            feedName: `f${n}`,
            startedAt: new Date(lastPoll).toISOString(),
            status: 200,
            ok: true,
            notModified: false,
            errorKind: null,
            errorMessage: null,
            etag: `"${newest}"`,
            lastModified: null,
            movedTo: null,
            itemsSeen: LISTED,
            elapsedMs: 1,
            retryAfterSeconds: null,
          };
          return store.recordPoll(outcome, items, new Date(now + dueIn).toISOString());
        }),
      );
    }
  } finally {
    await store.close();
  }
  const conn = new Database(db);
  try {
    conn.prepare("UPDATE items SET article_state = 'done', article_attempts = 1, next_article_attempt_at = NULL").run();
  } finally {
    conn.close();
  }
}

interface Sample {
  at: number;
  polls: number;
  cpu: number;
  rss: number;
  lag: number;
}

async function scrape(port: number): Promise<Sample> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  return {
    at: performance.now(),
    polls: sum(/^feedwatch_polls_total\{[^}]*\} (\S+)$/gm),
    cpu: sum(/^feedwatch_process_cpu_seconds_total (\S+)$/gm),
    rss: sum(/^feedwatch_process_resident_memory_bytes (\S+)$/gm),
    lag: sum(/^feedwatch_schedule_lag_seconds (\S+)$/gm),
  };
}

/** What the file says at the end of the window: new items since `since`, by page state, the oldest waiting, feeds overdue. */
function fileFigures(db: string, since: string): { newItems: number; done: number; failed: number; waiting: number; oldestWaitingS: number; overdue: number } {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    conn.pragma('busy_timeout = 5000');
    const rows = conn.prepare<[string], { s: string; n: number; oldest: string | null }>(
      'SELECT article_state AS s, count(*) AS n, min(first_seen_at) AS oldest FROM items WHERE first_seen_at >= ? GROUP BY 1',
    ).all(since);
    const of = (s: string) => rows.find((r) => r.s === s);
    const late = new Date(Date.now() - INTERVAL_MS * JITTER).toISOString();
    const overdue = conn.prepare<[string], { n: number }>('SELECT count(*) AS n FROM feeds WHERE enabled = 1 AND (next_due_at IS NULL OR next_due_at < ?)').get(late)!.n;
    const oldest = of('pending')?.oldest;
    return {
      newItems: rows.reduce((a, r) => a + r.n, 0),
      done: of('done')?.n ?? 0,
      failed: of('failed')?.n ?? 0,
      waiting: of('pending')?.n ?? 0,
      oldestWaitingS: oldest ? (Date.now() - Date.parse(oldest)) / 1000 : 0,
      overdue,
    };
  } finally {
    conn.close();
  }
}

export async function runScaleSteadyBench(): Promise<void> {
  const feeds = Number(process.env['FEEDWATCH_BENCH_STEADY_FEEDS'] ?? 10_000);
  const windowS = Number(process.env['FEEDWATCH_BENCH_STEADY_WINDOW'] ?? 300);
  const rate = Number(process.env['FEEDWATCH_BENCH_STEADY_RATE'] ?? 1);
  const published = Array.from({ length: feeds }, (_, n) => 1000 / publishing(n, rate).period).reduce((a, b) => a + b, 0);
  console.log(
    `scale: steady state — ${feeds} feeds every 15 min (demand ${fmt(feeds / (INTERVAL_MS / 1000), 1)} polls/s), publishing ${fmt(published, 2)} new articles/s ` +
      `(${fmt((published * INTERVAL_MS) / 1000 / feeds, 2)} a poll), ${windowS} s window; ${cpus().length} CPUs, load ${loadavg().map((l) => fmt(l)).join(' ')} at start`,
  );
  if (!process.argv.includes('--no-build')) {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-scale-steady-'));
  const epoch = Date.now() - 24 * 3_600_000;
  let site: Awaited<ReturnType<typeof startSite>> | null = null;
  let daemon: ChildProcess | null = null;
  try {
    site = await startSite(epoch, rate);
    const db = join(dir, 'steady.db');
    const cfg = join(dir, 'steady.yaml');
    writeFileSync(cfg, configYaml(db, feeds, site.ports));
    const seeded = performance.now();
    await seed(db, feeds, site.ports, epoch, rate);
    console.log(`  seeded ${feeds} feeds × ${LISTED} items in ${fmt((performance.now() - seeded) / 1000)} s`);
    const port = await freePort();
    const since = new Date().toISOString();
    daemon = spawn(process.execPath, [MAIN, 'run', '--config', cfg, '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = daemon;
    started.once('exit', cleanupOnSignal(() => started.kill('SIGKILL')));
    const warnings: string[] = [];
    createInterface({ input: daemon.stdout! }).on('line', (line) => {
      if (process.env['FEEDWATCH_BENCH_STEADY_DEBUG']) console.log(line.slice(0, 300));
      if (line.includes('"scheduler is ')) warnings.push(String((JSON.parse(line) as { msg: string }).msg));
    });
    let stderr = '';
    daemon.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    let first: Sample | null = null;
    for (let i = 0; first === null; i++) {
      if (daemon.exitCode !== null) throw new Error(`feedwatch run exited at start: ${stderr}`);
      try {
        first = await scrape(port);
      } catch {
        if (i > 600) throw new Error('feedwatch run did not serve /metrics within 60 s');
        await sleep(100);
      }
    }
    const samples = [first];
    const loads: number[] = [];
    while (performance.now() - first.at < windowS * 1000) {
      await sleep(10_000);
      if (daemon.exitCode !== null) throw new Error(`feedwatch run exited: ${stderr}`);
      samples.push(await scrape(port));
      loads.push(loadavg()[0]!);
    }
    const last = samples.at(-1)!;
    const seconds = (last.at - first.at) / 1000;
    const f = fileFigures(db, since);
    console.log(`  polls: ${fmt((last.polls - first.polls) / seconds)}/s (demand ${fmt(feeds / (INTERVAL_MS / 1000))}); feeds overdue at the end: ${f.overdue}`);
    console.log(
      `  new articles: ${f.newItems} found, ${fmt(f.newItems / seconds, 2)}/s (published ${fmt(published, 2)}/s); stored ${f.done} (${fmt(f.done / seconds, 2)}/s), ` +
        `failed ${f.failed}, waiting at the end ${f.waiting} (oldest found ${fmt(f.oldestWaitingS, 0)} s before)`,
    );
    console.log(
      `  feedwatch_schedule_lag_seconds max ${fmt(Math.max(...samples.map((s) => s.lag)))}; lag warnings ${warnings.length}${warnings[0] ? ` (first: ${warnings[0]})` : ''}`,
    );
    console.log(
      `  daemon CPU ${fmt((100 * (last.cpu - first.cpu)) / seconds)} % of one core (${cpus().length} cores), RSS max ${fmt(Math.max(...samples.map((s) => s.rss)) / 2 ** 20, 0)} MB; ` +
        `load during the window ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}`,
    );
  } finally {
    if (daemon && daemon.exitCode === null) {
      const gone = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await Promise.race([gone, sleep(30_000)]);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
    if (site) {
      site.child.stdin!.end();
      site.child.kill();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--serve') await serve(Number(process.argv[3]), Number(process.argv[4]));
  else await runScaleSteadyBench();
}

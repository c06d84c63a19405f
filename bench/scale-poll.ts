/**
 * `npm run bench -- scale`, the poll-cycle part: what one embedded daemon holds, measured through what users run
 * (`node dist/cli/main.js run`, built first) against a loopback site in a child process (32 ports = 32 hosts for
 * the per-host limits), each figure beside its demand or target:
 *  - for 1,000 and 10,000 feeds due every 60 s (demand 16.7 and 167 polls/s): a first cycle, then a window in
 *    which every feed answers 304 and one in which every feed answers 200 with the same items; polls/s achieved
 *    against demand, feeds overdue at the window's end (next poll more than the jitter, 6 s, in the past),
 *    the daemon's `feedwatch_schedule_lag_seconds`, CPU per poll (target < 0.5 ms per 304 poll), RSS while polling.
 *    Each window follows one interval of the same answers (the warm-up, its CPU per poll printed beside): a daemon
 *    runs for months, and in its first minutes V8's optimising compiler still works on the code a new kind of
 *    answer runs (a hundred functions and more in the first interval of 304s, against a few dozen an interval later);
 *  - idle RSS (target < 250 MB at 10,000) and idle CPU (ms per second): the same feeds at the default 15-minute
 *    interval, once every feed has been polled once and nothing is due;
 *  - `feedwatch feeds` with those feeds stored: CPU of the process (target < 0.3 s) beside `feedwatch help`'s and
 *    `node -e 0`'s (the floors: Node and the CLI starting), each the median of 5 runs taken in turn; the idle
 *    daemon's CPU per `GET /api/feeds` (target < 0.3 s), the median of 5 requests each measured alone;
 *  - BullMQ: 10,000 job schedulers synced by the scheduler (target < 2 s) beside the same upserts one at a time.
 * Figures come from the daemon's own /metrics (process CPU and RSS, poll counters) and its SQLite file (read only).
 * Article pages are off (`pipeline.fetchArticles: false`): the ingestion figures are the ingestion part's.
 *
 * Run alone: npx tsx bench/run.ts scale   (FEEDWATCH_BENCH_SCALE_SIZES=1000,10000; FEEDWATCH_BENCH_SCALE_WINDOW=60
 * seconds per window; FEEDWATCH_BENCH_SCALE_WARMUP=60 seconds of warm-up before each; FEEDWATCH_BENCH_SCALE_BULLMQ=0 skips the Redis part)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { freePort } from '../tests/helpers/http-server.js';
import { deleteMatching } from '../tests/helpers/redis.js';
import { cleanupOnSignal } from './interrupt.js';
import { commandCpu, feedwatchCpu } from './scale-feeds.js';
import { median } from './stats.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const HOSTS = 32;
const ITEMS = 10;
const STRESS_INTERVAL_S = 60;
/** Runs of each command, and requests to /api/feeds, whose median is printed. */
const COMMAND_RUNS = 5;
const JITTER = 0.1;
/** Seconds over which the idle daemon's CPU is taken. */
const IDLE_CPU_S = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A figure measured several times: the median, and the smallest and largest. */
interface Spread {
  median: number;
  min: number;
  max: number;
}
const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
/** "0.25 s (0.24–0.27)" */
const showSpread = (x: Spread, d: number) => `${x.median.toFixed(d)} s (${x.min.toFixed(d)}–${x.max.toFixed(d)})`;
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

// --- the site (child process) -----------------------------------------------------------------------------

function feedBody(base: string, n: number): string {
  const items = Array.from(
    { length: ITEMS },
    (_, i) =>
      `<item><title>Meldung ${i} aus Feed ${n}</title><link>${base}/a/${n}/${i}.html</link><guid isPermaLink="false">f${n}-${i}</guid>` +
      `<description>Kurzfassung ${i} der Meldung aus Feed ${n}</description><pubDate>${new Date(Date.UTC(2026, 0, 1) - i * 60_000).toUTCString()}</pubDate></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed ${n}</title><link>${base}/</link><description>scale bench</description>${items.join('')}</channel></rss>`;
}

/** `--serve`: HOSTS servers; feed n is /f/n.xml. Mode 304 (conditional GETs get 304) or 200 (always the body); stdin switches. */
async function serve(): Promise<void> {
  let mode: '304' | '200' = '304';
  const bodies = new Map<string, Buffer>();
  const servers: Server[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const server = createServer((req, res) => {
      const m = /^\/f\/(\d+)\.xml$/.exec(req.url ?? '');
      if (!m) return void res.writeHead(404).end();
      const etag = `"f${m[1]}-v1"`;
      if (mode === '304' && req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      const key = `${req.headers.host}/${m[1]}`;
      let body = bodies.get(key);
      if (!body) bodies.set(key, (body = Buffer.from(feedBody(`http://${req.headers.host}`, Number(m[1])))));
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'content-length': body.length, etag }).end(body);
    });
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
  }
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'mode 200' || line === 'mode 304') {
      mode = line.slice(5) as '304' | '200';
      process.stdout.write(`MODE ${mode}\n`);
    }
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdout.write(`PORTS ${servers.map((s) => (s.address() as AddressInfo).port).join(',')}\n`);
}

interface Site {
  ports: number[];
  setMode(mode: '304' | '200'): Promise<void>;
  close(): void;
}

async function startSite(): Promise<Site> {
  const child = spawn(process.execPath, ['--import', 'tsx', HERE, '--serve'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  lines.on('line', (line) => {
    for (const w of [...waiters]) {
      const m = w.re.exec(line);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const next = (re: RegExp) => new Promise<RegExpExecArray>((resolve) => waiters.push({ re, resolve }));
  const ports = (await next(/^PORTS (\S+)/))[1]!.split(',').map(Number);
  return {
    ports,
    setMode: async (mode) => {
      const ack = next(new RegExp(`^MODE ${mode}`));
      child.stdin!.write(`mode ${mode}\n`);
      await ack;
    },
    close: () => {
      child.stdin!.end();
      child.kill();
    },
  };
}

// --- the daemon -------------------------------------------------------------------------------------------

function configYaml(o: { db: string; feeds: number; ports: number[]; interval: string }): string {
  const feeds = Array.from({ length: o.feeds }, (_, n) => `  - name: f${n}\n    url: http://127.0.0.1:${o.ports[n % o.ports.length]}/f/${n}.xml\n`).join('');
  return [
    `storage:\n  driver: sqlite\n  path: ${JSON.stringify(o.db)}`,
    'log:\n  format: json',
    `defaults:\n  interval: ${o.interval}\n  jitter: ${JITTER}`,
    'http:\n  allowPrivateNetworks: true',
    'pipeline:\n  fetchArticles: false',
    `feeds:\n${feeds}`,
  ].join('\n');
}

interface Sample {
  at: number;
  polls: number;
  notModified: number;
  cpu: number;
  rss: number;
  lag: number;
}

interface Daemon {
  sample(): Promise<Sample>;
  /** CPU seconds the daemon spends answering GET `path` (the mean of `times` requests, a scrape's own cost taken off). */
  requestCpu(path: string, times: number): Promise<Spread>;
  /** Lag warnings the daemon logged so far. */
  lagWarnings: string[];
  stop(): Promise<void>;
}

async function startDaemon(configPath: string, cacheDir: string): Promise<Daemon> {
  const port = await freePort();
  // The daemon stores its config in the validated-config cache: in the bench's folder, not the user's.
  const child: ChildProcess = spawn(process.execPath, [MAIN, 'run', '--config', configPath, '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FEEDWATCH_CACHE_DIR: cacheDir },
  });
  const lagWarnings: string[] = [];
  let exited = false;
  child.once('exit', cleanupOnSignal(() => child.kill('SIGKILL')));
  child.once('exit', () => (exited = true));
  // One JSON line per poll at the default log level: read, and only the lag warnings kept.
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.includes('"scheduler is ')) lagWarnings.push(String((JSON.parse(line) as { msg: string }).msg));
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const sample = async (): Promise<Sample> => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
    return {
      at: performance.now(),
      polls: sum(/^feedwatch_polls_total\{[^}]*\} (\S+)$/gm),
      notModified: sum(/^feedwatch_polls_total\{outcome="not-modified"\} (\S+)$/gm),
      cpu: sum(/^feedwatch_process_cpu_seconds_total (\S+)$/gm),
      rss: sum(/^feedwatch_process_resident_memory_bytes (\S+)$/gm),
      lag: sum(/^feedwatch_schedule_lag_seconds (\S+)$/gm),
    };
  };
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`feedwatch run exited at start: ${stderr.slice(0, 500)}`);
    try {
      await sample();
      break;
    } catch {
      if (i > 600) throw new Error('feedwatch run did not serve /metrics within 60 s');
      await sleep(100);
    }
  }
  /**
   * CPU of one request: the CPU between the scrapes before and after it, less that between two scrapes with no
   * request just before (a scrape's own cost, and the daemon's background work). Each request is measured alone
   * and the median of `times` is the answer (min and max beside it): a major GC that one request happens to start,
   * or polls falling due meanwhile, move one figure, not the answer.
   */
  const requestCpu = async (path: string, times: number) => {
    const each: number[] = [];
    for (let i = 0; i < times; i++) {
      const a = await sample();
      const b = await sample();
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
      await res.arrayBuffer();
      const c = await sample();
      each.push(c.cpu - b.cpu - (b.cpu - a.cpu));
    }
    return spread(each);
  };
  return {
    sample,
    requestCpu,
    lagWarnings,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(30_000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** Feeds whose next poll is more than the jitter in the past (or that were never polled). */
function overdue(db: string, intervalS: number): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const before = new Date(Date.now() - intervalS * JITTER * 1000).toISOString();
    return conn.prepare<[string], { n: number }>('SELECT count(*) AS n FROM feeds WHERE next_due_at IS NULL OR next_due_at < ?').get(before)!.n;
  } finally {
    conn.close();
  }
}

/**
 * Sample every `everyMs` until `until` says stop (or `maxMs`); returns the samples. A scrape costs the daemon a
 * little CPU (process stats), so windows are sampled every 5 s, not every second.
 */
async function watch(d: Daemon, until: (s: Sample) => boolean, maxMs: number, everyMs = 5000): Promise<Sample[]> {
  const out = [await d.sample()];
  const t0 = performance.now();
  while (!until(out.at(-1)!) && performance.now() - t0 < maxMs) {
    await sleep(Math.min(everyMs, Math.max(0, maxMs - (performance.now() - t0))));
    out.push(await d.sample());
  }
  return out;
}

interface WindowFigures {
  pollsPerSecond: number;
  demand: number;
  overdue: number;
  lagMax: number;
  cpuMsPerPoll: number;
  rssMaxMb: number;
}

/** The daemon's CPU per poll between the first and the last of `samples`, ms. */
function cpuMsPerPoll(samples: Sample[]): number {
  const a = samples[0]!;
  const b = samples.at(-1)!;
  return ((b.cpu - a.cpu) * 1000) / Math.max(1, b.polls - a.polls);
}

function windowFigures(samples: Sample[], feeds: number, overdueAtEnd: number): WindowFigures {
  const a = samples[0]!;
  const b = samples.at(-1)!;
  return {
    pollsPerSecond: (b.polls - a.polls) / ((b.at - a.at) / 1000),
    demand: feeds / STRESS_INTERVAL_S,
    overdue: overdueAtEnd,
    lagMax: Math.max(...samples.map((s) => s.lag)),
    cpuMsPerPoll: cpuMsPerPoll(samples),
    rssMaxMb: Math.max(...samples.map((s) => s.rss)) / 2 ** 20,
  };
}

interface SizeFigures {
  feeds: number;
  firstCycleS: number;
  notModified: WindowFigures;
  unchanged: WindowFigures;
  /** CPU per poll in the warm-up before each window (ms). */
  warmup: { notModified: number; unchanged: number };
  /** `cpuMsPerS`: the idle daemon's CPU, ms per second, over IDLE_CPU_S between two scrapes. */
  idle: { rssMb: number; cpuMsPerS: number; overdue: number; firstCycleS: number; apiFeedsCpu: Spread };
  /**
   * CPU of the commands, each run COMMAND_RUNS times interleaved: `feedwatch feeds` with the config unchanged since
   * its last run (read from the validated-config cache), the same with no entry in the cache (the first run after
   * the config was written, nothing having stored it), and their floors `feedwatch help` and `node -e 0`.
   */
  commands: { feeds: Spread; first: Spread; help: Spread; node: Spread };
  lagWarnings: string[];
}

async function runSize(site: Site, feeds: number, windowS: number, warmupS: number): Promise<SizeFigures> {
  const dir = mkdtempSync(join(tmpdir(), `feedwatch-scale-${feeds}-`));
  try {
    // Stress: every feed due every 60 s.
    const db = join(dir, 'stress.db');
    const cfg = join(dir, 'stress.yaml');
    writeFileSync(cfg, configYaml({ db, feeds, ports: site.ports, interval: `${STRESS_INTERVAL_S}s` }));
    await site.setMode('304');
    const d = await startDaemon(cfg, join(dir, 'daemon-cache'));
    let figures: Pick<SizeFigures, 'firstCycleS' | 'notModified' | 'unchanged' | 'warmup' | 'lagWarnings'>;
    try {
      const t0 = performance.now();
      await watch(d, (s) => s.polls >= feeds, 600_000, 1000);
      const firstCycleS = (performance.now() - t0) / 1000;
      const warm304 = cpuMsPerPoll(await watch(d, () => false, warmupS * 1000));
      const w304 = await watch(d, () => false, windowS * 1000);
      const notModified = windowFigures(w304, feeds, overdue(db, STRESS_INTERVAL_S));
      await site.setMode('200');
      // The warm-up also lets the 304s still in flight finish before the 200 window.
      const warm200 = cpuMsPerPoll(await watch(d, () => false, Math.max(5, warmupS) * 1000));
      const w200 = await watch(d, () => false, windowS * 1000);
      const unchanged = windowFigures(w200, feeds, overdue(db, STRESS_INTERVAL_S));
      figures = { firstCycleS, notModified, unchanged, warmup: { notModified: warm304, unchanged: warm200 }, lagWarnings: [...d.lagWarnings] };
    } finally {
      await d.stop();
    }
    // Idle: the default 15-minute interval; after the first cycle (spread over a minute) nothing is due.
    await site.setMode('304');
    const idleDb = join(dir, 'idle.db');
    const idleCfg = join(dir, 'idle.yaml');
    writeFileSync(idleCfg, configYaml({ db: idleDb, feeds, ports: site.ports, interval: '15m' }));
    const idleDaemon = await startDaemon(idleCfg, join(dir, 'daemon-cache'));
    let idle: SizeFigures['idle'];
    try {
      const t0 = performance.now();
      await watch(idleDaemon, (s) => s.polls >= feeds, 600_000, 1000);
      const firstCycleS = (performance.now() - t0) / 1000;
      await sleep(5000);
      const quiet = await watch(idleDaemon, () => false, 10_000, 2000);
      const rss = quiet.map((s) => s.rss).sort((a, b) => a - b);
      // Idle CPU between two scrapes far apart (a scrape costs the daemon about a millisecond itself).
      const a = await idleDaemon.sample();
      await sleep(IDLE_CPU_S * 1000);
      const b = await idleDaemon.sample();
      const cpuMsPerS = ((b.cpu - a.cpu) * 1000) / ((b.at - a.at) / 1000);
      const apiFeedsCpu = await idleDaemon.requestCpu('/api/feeds', COMMAND_RUNS);
      idle = { rssMb: rss[Math.floor(rss.length / 2)]! / 2 ** 20, cpuMsPerS, overdue: overdue(idleDb, 15 * 60), firstCycleS, apiFeedsCpu };
    } finally {
      await idleDaemon.stop();
    }
    // The commands' cache is not the daemons': with no entry the first run parses the config and stores it
    // (src/config/cache.ts); the next ones, the config unchanged, are the command's usual case. One run of each in
    // turn, so that a moment of the machine's load falls on all of them alike.
    const cache = { FEEDWATCH_CACHE_DIR: join(dir, 'config-cache') };
    const runs = { feeds: [] as number[], first: [] as number[], help: [] as number[], node: [] as number[] };
    feedwatchCpu(['feeds', '--config', idleCfg], cache);
    for (let i = 0; i < COMMAND_RUNS; i++) {
      runs.first.push(feedwatchCpu(['feeds', '--config', idleCfg], { FEEDWATCH_CACHE_DIR: join(dir, `empty-cache-${i}`) }));
      runs.feeds.push(feedwatchCpu(['feeds', '--config', idleCfg], cache));
      runs.help.push(feedwatchCpu(['help']));
      runs.node.push(commandCpu([process.execPath, '-e', '0']));
    }
    const commands = { feeds: spread(runs.feeds), first: spread(runs.first), help: spread(runs.help), node: spread(runs.node) };
    return { feeds, ...figures, idle, commands };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- BullMQ scheduler sync --------------------------------------------------------------------------------

interface SyncFigures {
  schedulers: number;
  syncS: number;
  syncCpuS: number;
  /** CPU of the Redis server meanwhile (all its clients). */
  syncRedisCpuS: number;
  againS: number;
  removeHalfS: number;
  oneAtATimeS: number;
}

async function bullmqSync(count: number): Promise<SyncFigures> {
  const { createApp } = await import('../src/app.js');
  const { parseConfig } = await import('../src/config/load.js');
  const { silentLogger } = await import('../src/log.js');
  const { BullmqPipeline } = await import('../src/pipeline/bullmq.js');
  const { connectRedis } = await import('../src/pipeline/redis.js');
  const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-scale-bullmq-'));
  const prefix = `fwbench-scale-${process.pid}-${Date.now().toString(36)}`;
  const feeds = Array.from({ length: count }, (_, n) => `  - name: f${n}\n    url: http://127.0.0.1:9/f/${n}.xml\n`).join('');
  const config = parseConfig(
    `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'db.sqlite'))}\nqueue:\n  driver: bullmq\n  prefix: ${prefix}\nfeeds:\n${feeds}`,
    join(dir, 'feedwatch.yaml'),
  );
  const app = await createApp(config, { logger: silentLogger });
  const redis = connectRedis(url, { name: 'feedwatch-bench-scale', logger: silentLogger });
  const queue = config.queue as Extract<typeof config.queue, { driver: 'bullmq' }>;
  const pipelines: Array<InstanceType<typeof BullmqPipeline>> = [];
  const pipeline = (list: typeof config.feeds, p = prefix) => {
    const made = new BullmqPipeline(app.deps, list, { redis, role: 'scheduler', queue: { ...queue, prefix: p } });
    pipelines.push(made);
    return made;
  };
  // Redis's own CPU (user + system of the server, from INFO): the server is shared, so this counts other clients too.
  const redisCpu = async () => {
    const info = await redis.client.info('cpu');
    const get = (k: string) => Number(new RegExp(`^${k}:(\\S+)`, 'm').exec(info)?.[1] ?? NaN);
    return get('used_cpu_user') + get('used_cpu_sys');
  };
  const timed = async <T>(f: () => Promise<T>) => {
    const r = await redisCpu();
    const t = performance.now();
    const c = process.cpuUsage();
    await f();
    const u = process.cpuUsage(c);
    return { s: (performance.now() - t) / 1000, cpu: (u.user + u.system) / 1e6, redisCpu: (await redisCpu()) - r };
  };
  const dropKeys = cleanupOnSignal(async () => {
    for (const p of [prefix, `${prefix}-seq`]) await deleteMatching(redis.client, `${p}:*`);
  });
  try {
    const first = await timed(() => pipeline(config.feeds).syncSchedulers());
    const again = await timed(() => pipeline(config.feeds).syncSchedulers());
    const half = await timed(() => pipeline(config.feeds.slice(0, count / 2)).syncSchedulers());
    // The baseline: the same upserts one at a time (the driver before batching), on a prefix of its own.
    const q = pipeline([], `${prefix}-seq`).queue('poll');
    const seq = await timed(async () => {
      for (const f of config.feeds) await q.upsertJobScheduler(`poll:${f.name}`, { every: f.intervalMs }, { name: 'poll', data: f });
    });
    return { schedulers: count, syncS: first.s, syncCpuS: first.cpu, syncRedisCpuS: first.redisCpu, againS: again.s, removeHalfS: half.s, oneAtATimeS: seq.s };
  } finally {
    for (const p of pipelines) await p.stop(0).catch(() => undefined);
    for (const p of [prefix, `${prefix}-seq`]) await deleteMatching(redis.client, `${p}:*`);
    dropKeys();
    await redis.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the family -------------------------------------------------------------------------------------------

export async function runScalePollBench(): Promise<void> {
  const sizes = (process.env['FEEDWATCH_BENCH_SCALE_SIZES'] ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
  const windowS = Number(process.env['FEEDWATCH_BENCH_SCALE_WINDOW'] ?? 60);
  const warmupS = Number(process.env['FEEDWATCH_BENCH_SCALE_WARMUP'] ?? STRESS_INTERVAL_S);
  console.log(
    `scale: poll cycle — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, load ${loadavg().map((l) => fmt(l)).join(' ')} at start`,
  );
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const site = await startSite();
  const results: SizeFigures[] = [];
  try {
    for (const n of sizes) {
      const r = await runSize(site, n, windowS, warmupS);
      results.push(r);
      const row = (label: string, w: WindowFigures, warm: number) =>
        console.log(
          `  ${label.padEnd(22)} ${fmt(w.pollsPerSecond).padStart(7)} polls/s (demand ${fmt(w.demand)})  overdue ${String(w.overdue).padStart(5)}  ` +
            `lag max ${fmt(w.lagMax, 0)} s  CPU ${fmt(w.cpuMsPerPoll, 2)} ms/poll (target < 0.5 for 304; ${fmt(warm, 2)} in the ${warmupS} s warm-up before)  ` +
            `RSS ${fmt(w.rssMaxMb, 0)} MB (target < 250)`,
        );
      console.log(`${n} feeds, every ${STRESS_INTERVAL_S} s, ${HOSTS} hosts: first cycle ${fmt(r.firstCycleS)} s (demand: within ${STRESS_INTERVAL_S} s)`);
      row('all 304', r.notModified, r.warmup.notModified);
      row('all 200, same items', r.unchanged, r.warmup.unchanged);
      console.log(
        `  idle at 15 min interval   RSS ${fmt(r.idle.rssMb, 0)} MB (target < 250)  CPU ${fmt(r.idle.cpuMsPerS, 2)} ms a second  overdue ${r.idle.overdue}  first cycle ${fmt(r.idle.firstCycleS)} s (spread: 60 s)`,
      );
      console.log(`  lag warnings logged: ${r.lagWarnings.length}${r.lagWarnings[0] ? ` (first: "${r.lagWarnings[0].slice(0, 100)}...")` : ''}`);
      const c = r.commands;
      console.log(
        `  feedwatch feeds: ${showSpread(c.feeds, 2)} CPU (target < 0.3; no entry in the cache ${showSpread(c.first, 2)}; ` +
          `floors: feedwatch help ${showSpread(c.help, 2)}, node -e 0 ${showSpread(c.node, 2)}; median (min–max) of ${COMMAND_RUNS}, load ${fmt(loadavg()[0]!)})`,
      );
      console.log(`  GET /api/feeds in the idle daemon: ${showSpread(r.idle.apiFeedsCpu, 3)} CPU per request (target < 0.3; median (min–max) of ${COMMAND_RUNS} requests)`);
    }
  } finally {
    site.close();
  }
  if (process.env['FEEDWATCH_BENCH_SCALE_BULLMQ'] !== '0') {
    const s = await bullmqSync(10_000);
    console.log(
      `bullmq scheduler sync, ${s.schedulers} feeds: ${fmt(s.syncS, 2)} s (target < 2; ${fmt(s.syncCpuS, 2)} s CPU in this process, ` +
        `${fmt(s.syncRedisCpuS, 2)} s in the Redis server; ` +
        `one upsert at a time: ${fmt(s.oneAtATimeS, 2)} s); unchanged again ${fmt(s.againS, 2)} s; half the feeds removed ${fmt(s.removeHalfS, 2)} s`,
    );
  }
  console.log(`  (load ${loadavg().map((l) => fmt(l)).join(' ')} at end)`);
}

if (process.argv.includes('--serve')) await serve();

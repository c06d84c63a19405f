/**
 * End-to-end ingestion on loopback, in one run: a site of F feeds × I items with article pages (the Sputnik
 * fixtures as templates, each page with its own title, a sentence of its own and its text blocks in its own
 * order), served by a child process on H ports (H hosts for the per-host limits). Figures, in articles per
 * second:
 *  - extraction only: the same pages as the site serves them (UTF-8 bytes), decoded and extracted in this process
 *    (decodeBody + extractArticle, as the pipeline's article stage does; the time of the calls alone);
 *  - embedded: EmbeddedPipeline.runOnce in this process (poll, fetch, decode, extract, store in SQLite);
 *  - embedded, storage thread: the same with `storage.thread: true` (the SQLite queries on a second thread; what
 *    `feedwatch run` does in embedded mode unless the config sets `storage.thread: false`);
 *  - bullmq + 2 workers: two `feedwatch run --role worker` processes and a scheduler in this process, on the
 *    local Redis (REDIS_URL, default redis://127.0.0.1:6379) and one SQLite file; from the first poll
 *    scheduled to the last article stored;
 * and each pipeline figure as a ratio of extraction only (target: at least 0.67, i.e. the pipeline costs less
 * than half again what extraction alone costs).
 *
 * Run alone: npx tsx bench/ingest.ts   (FEEDWATCH_BENCH_FEEDS, FEEDWATCH_BENCH_ITEMS, FEEDWATCH_BENCH_HOSTS to resize)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';
import { extractArticle } from '../src/extract/index.js';
import { decodeBody } from '../src/fetch/charset.js';
import { silentLogger } from '../src/log.js';
import { EmbeddedPipeline } from '../src/pipeline/embedded.js';
import { openSqliteStore } from '../src/store/sqlite/store.js';
import { PAGE_TYPE, serveUntilTold, siteInChild, type ItemText } from './bench-site.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TEMPLATES = ['sputnik-kg-20220305-lavrov.html', 'snanews-de-20201216.html'].map((f) =>
  readFileSync(new URL(`../tests/fixtures/sputnik/${f}`, import.meta.url), 'utf8'),
);
const TEXT_BLOCK = '<div class="article__block" data-type="text"><div class="article__text">';
const SPLIT = TEMPLATES.map((t) => t.split(TEXT_BLOCK));
/** The Content-Type the site serves pages with. */
const WORDS = ['Бишкек', 'Москва', 'переговоры', 'экономика', 'сотрудничество', 'Windkraft', 'Fischerei', 'Energie', 'Regierung', 'Hafen'];

/** Page `item` of feed `feed`: a template with its own title, one sentence of its own, its text blocks rotated. */
export function benchPage(feed: number, item: number): string {
  const parts = [...SPLIT[(feed + item) % SPLIT.length]!];
  // parts[1] opens with the dateline block; the last part holds the end of the page: rotate those between.
  const middle = parts.slice(2, -1);
  const k = middle.length > 0 ? item % middle.length : 0;
  const rotated = [...middle.slice(k), ...middle.slice(0, k)];
  const words = Array.from({ length: 6 }, (_, j) => WORDS[(feed * 7 + item * 3 + j * 5) % WORDS.length]).join(' ');
  rotated[0] = `Meldung ${feed}-${item}: ${words}. ${rotated[0] ?? ''}`;
  return [parts[0], parts[1], ...rotated, parts.at(-1)]
    .join(TEXT_BLOCK)
    .replace(/(<h1 class="article__title">)[^<]*/, `$1Nachricht ${item} aus Feed ${feed}: ${words}`);
}

/** The feed's words for item i (German, as the template page). */
const itemText: ItemText = (i, feed) => ({ title: `Nachricht ${i} aus Feed ${feed}`, description: `Kurz ${i}` });

export interface IngestBench {
  feeds: number;
  items: number;
  articles: number;
  hosts: number;
  /** Decode + extract; `decodeMsPerPage` is the decoding share of `msPerPage`. */
  extractOnly: { perSecond: number; msPerPage: number; decodeMsPerPage: number };
  embedded: { perSecond: number; seconds: number; stored: number; ratio: number };
  embeddedThread: { perSecond: number; seconds: number; stored: number; ratio: number };
  /** The storage thread with `budgets.threads: 0`: decoding, parsing, extraction and morphology on the main thread. */
  embeddedNoPool: { perSecond: number; seconds: number; stored: number; ratio: number };
  bullmq: { perSecond: number; seconds: number; stored: number; ratio: number; workers: number };
}

function yaml(o: { db: string; feeds: number; hosts: number; ports: number[]; queue?: string; thread?: boolean; cpuThreads?: number }): string {
  const feeds = Array.from({ length: o.feeds }, (_, n) => `  - name: f${n}\n    url: http://127.0.0.1:${o.ports[n % o.hosts]}/feeds/f${n}.xml\n`).join('');
  return [
    'log:\n  level: info\n  format: json',
    'server:\n  port: 0',
    `storage:\n  driver: sqlite\n  path: ${JSON.stringify(o.db)}${o.thread === undefined ? '' : `\n  thread: ${o.thread}`}`,
    'defaults:\n  interval: 1h',
    'http:\n  allowPrivateNetworks: true\n  perHostConcurrency: 8\n  concurrency: 64',
    'pipeline:\n  pollConcurrency: 8\n  articleConcurrency: 8',
    o.queue ?? '',
    o.cpuThreads === undefined ? '' : `budgets:\n  threads: ${o.cpuThreads}`,
    `feeds:\n${feeds}`,
  ].join('\n');
}

const doneIn = (db: string): number => {
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return conn.prepare<[], { n: number }>("SELECT count(*) AS n FROM items WHERE article_state = 'done'").get()!.n;
    } finally {
      conn.close();
    }
  } catch {
    return 0;
  }
};

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startWorker(configPath: string, redisUrl: string): { child: ChildProcess; started: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--role', 'worker', '--config', configPath], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      buf = (buf + c.toString()).slice(-4096);
      if (buf.includes('"feedwatch started"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, started, exited };
}

export async function runIngestBench(opts: { feeds?: number; items?: number; hosts?: number; print?: boolean } = {}): Promise<IngestBench> {
  const feeds = opts.feeds ?? Number(process.env.FEEDWATCH_BENCH_FEEDS ?? 200);
  const items = opts.items ?? Number(process.env.FEEDWATCH_BENCH_ITEMS ?? 20);
  const hosts = opts.hosts ?? Number(process.env.FEEDWATCH_BENCH_HOSTS ?? 8);
  const articles = feeds * items;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-bench-ingest-'));
  const site = await siteInChild(HERE, ROOT, [items, hosts]);
  const children: ChildProcess[] = [site.child];
  try {
    // 1. Extraction alone, on the very pages the site serves: its bytes decoded, then extracted (what the article
    //    stage does between the fetch and deduplication).
    let extractMs = 0;
    let decodeMs = 0;
    for (let f = 0; f < feeds; f++) {
      for (let i = 0; i < items; i++) {
        const body = Buffer.from(benchPage(f, i), 'utf8');
        const url = `http://127.0.0.1:${site.ports[f % hosts]}/a/f${f}/${i}.html`;
        const t = performance.now();
        const html = decodeBody(body, PAGE_TYPE, 'html').text;
        const t1 = performance.now();
        extractArticle(html, url, { rules: [] });
        decodeMs += t1 - t;
        extractMs += performance.now() - t;
      }
    }
    const extractOnly = { perSecond: articles / (extractMs / 1000), msPerPage: extractMs / articles, decodeMsPerPage: decodeMs / articles };

    // 2. Embedded: one process; then the same with the SQLite queries on a second thread.
    const embedded = async (name: string, thread: boolean, cpuThreads?: number): Promise<IngestBench['embedded']> => {
      const db = join(dir, `${name}.db`);
      const cfg = parseConfig(yaml({ db, feeds, hosts, ports: site.ports, thread, ...(cpuThreads === undefined ? {} : { cpuThreads }) }), join(dir, `${name}.yaml`));
      const app = await createApp(cfg, { logger: silentLogger });
      const t0 = performance.now();
      await new EmbeddedPipeline(app.deps, cfg.feeds, { pollConcurrency: cfg.pipeline.pollConcurrency, articleConcurrency: cfg.pipeline.articleConcurrency }).runOnce();
      const seconds = (performance.now() - t0) / 1000;
      await app.close();
      const stored = doneIn(db);
      return { perSecond: stored / seconds, seconds, stored, ratio: stored / seconds / extractOnly.perSecond };
    };
    const embeddedMain = await embedded('embedded', false);
    const embeddedThread = await embedded('embedded-thread', true);
    const embeddedNoPool = await embedded('embedded-no-pool', true, 0);

    // 3. BullMQ: two worker processes, the scheduler here.
    const prefix = `fwbench-${Date.now().toString(36)}`;
    const bullDb = join(dir, 'bullmq.db');
    const btext = yaml({ db: bullDb, feeds, hosts, ports: site.ports, queue: `queue:\n  driver: bullmq\n  prefix: ${prefix}` });
    const bpath = join(dir, 'bullmq.yaml');
    writeFileSync(bpath, btext);
    // Create and migrate the file first: two workers setting up one new SQLite file at once can fail with
    // "database is locked" (seen about once in ten runs), and the bench would wait for a worker that never starts.
    await (await openSqliteStore(bullDb)).close();
    const workers = [startWorker(bpath, redisUrl), startWorker(bpath, redisUrl)];
    children.push(...workers.map((w) => w.child));
    await Promise.all(workers.map((w) => w.started));
    const bcfg = parseConfig(btext, bpath);
    if (bcfg.queue.driver !== 'bullmq') throw new Error('unreachable');
    // Loaded only now, as `feedwatch run` loads them only for the bullmq driver: parts 1 and 2 run in a process
    // that, like an embedded daemon, has no Redis client.
    const { connectRedis } = await import('../src/pipeline/redis.js');
    const { createRedisHostGate } = await import('../src/fetch/redis-limiter.js');
    const { BullmqPipeline } = await import('../src/pipeline/bullmq.js');
    const redis = connectRedis(redisUrl, { name: 'bench-scheduler', logger: silentLogger });
    const hostGate = createRedisHostGate(redis.client, prefix, { perHost: 8, perSecond: 0, leaseMs: 10_000 });
    const bapp = await createApp(bcfg, { logger: silentLogger, hostGate, random: () => 0 });
    const scheduler = new BullmqPipeline(bapp.deps, bcfg.feeds, { redis, role: 'scheduler', queue: bcfg.queue });
    const t1 = performance.now();
    await scheduler.start();
    await until(() => doneIn(bullDb) >= articles, 170_000, `${articles} articles stored by the workers`);
    const bSeconds = (performance.now() - t1) / 1000;
    const bStored = doneIn(bullDb);
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await scheduler.stop(1000);
    await bapp.close();
    let cursor = '0';
    do {
      const [next, keys] = await redis.client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.client.unlink(...keys);
    } while (cursor !== '0');
    await redis.close();

    const result: IngestBench = {
      feeds,
      items,
      articles,
      hosts,
      extractOnly,
      embedded: embeddedMain,
      embeddedThread,
      embeddedNoPool,
      bullmq: { perSecond: bStored / bSeconds, seconds: bSeconds, stored: bStored, ratio: bStored / bSeconds / extractOnly.perSecond, workers: 2 },
    };
    if (opts.print !== false) printIngestBench(result);
    return result;
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printIngestBench(r: IngestBench): void {
  const f0 = (x: number) => x.toFixed(0).padStart(6);
  console.log(`ingest: ${r.feeds} feeds × ${r.items} items = ${r.articles} articles with pages, loopback, ${r.hosts} hosts`);
  console.log(`  extraction only          ${f0(r.extractOnly.perSecond)} articles/s  (${r.extractOnly.msPerPage.toFixed(2)} ms/page: ${r.extractOnly.decodeMsPerPage.toFixed(2)} decode + ${(r.extractOnly.msPerPage - r.extractOnly.decodeMsPerPage).toFixed(2)} extract, one process)`);
  console.log(`  embedded, main thread    ${f0(r.embedded.perSecond)} articles/s  ratio ${r.embedded.ratio.toFixed(2)}  (${r.embedded.stored} stored in ${r.embedded.seconds.toFixed(1)} s)`);
  console.log(`  embedded, storage thread ${f0(r.embeddedThread.perSecond)} articles/s  ratio ${r.embeddedThread.ratio.toFixed(2)}  (${r.embeddedThread.stored} stored in ${r.embeddedThread.seconds.toFixed(1)} s)`);
  console.log(`  embedded, no CPU pool   ${f0(r.embeddedNoPool.perSecond)} articles/s  ratio ${r.embeddedNoPool.ratio.toFixed(2)}  (${r.embeddedNoPool.stored} stored in ${r.embeddedNoPool.seconds.toFixed(1)} s; storage thread, budgets.threads: 0)`);
  console.log(`  bullmq + ${r.bullmq.workers} workers       ${f0(r.bullmq.perSecond)} articles/s  ratio ${r.bullmq.ratio.toFixed(2)}  (${r.bullmq.stored} stored in ${r.bullmq.seconds.toFixed(1)} s)`);
  console.log('  target: ratio ≥ 0.67 (the pipeline costs less than half again what extraction alone costs)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--serve') {
    await serveUntilTold(process.argv.slice(3), benchPage, itemText);
  } else {
    await runIngestBench();
  }
}

/**
 * CPU per article of what the daemon does around extraction, without the network or the first polls' spread: the
 * app as `feedwatch run` builds it (createApp, embedded driver's defaults: SQLite on its storage thread, the CPU
 * pool, the alert engine with no rules, boilerplate learning), its feeds' items recorded by recordPoll, then
 * `processArticle` on each item, `articleConcurrency` at once, with `deps.fetch` answering from memory (the page
 * scale-ingest.ts serves for that item).
 *
 * Two modes:
 *  - default: `decodeAndExtract` answers with the article extracted before the clock starts, so the figures are the
 *    storage phase alone (dedup, search index, save, boilerplate learning: main thread and storage thread);
 *  - `--pool`: the page goes to the CPU pool as the daemon sends it (decode + extract in a worker), so the figures
 *    add the page's crossing and extraction (compare the main thread's share with the default mode's).
 *
 * Prints the process's CPU per article (all threads, process.cpuUsage) and by thread (/proc, Linux; in order of
 * creation: main, V8's helper threads, the storage thread, the CPU workers; the busiest after main, the storage
 * thread, also as user and system time), as scale-ingest.ts's FEEDWATCH_BENCH_THREADS=1 does, and the bytes the
 * process wrote per article (/proc/self/io: the WAL, the database file and any temporary file SQLite spills to). A
 * tool for comparing two trees or settings, not part of `npm run bench`.
 *
 * Run: npx tsx bench/ingest-phase.ts [--articles N] [--pool] [--concurrency N]   (default 2,000 articles of 100 feeds;
 * FEEDWATCH_BENCH_PHASE_CACHE=FILE keeps the extracted articles in FILE between runs; FEEDWATCH_BENCH_PHASE_ALERTS=0
 * or FEEDWATCH_BENCH_PHASE_BOILERPLATE=0 runs without the search index and alerts, or without boilerplate learning)
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';
import { extractArticle } from '../src/extract/index.js';
import { decodeBody } from '../src/fetch/charset.js';
import type { Article, FeedItem, FetchedResponse, StoredItem } from '../src/model.js';
import { mapLimit } from '../src/pipeline/embedded.js';
import { processArticle } from '../src/pipeline/stages.js';
import { createLogger } from '../src/log.js';
import { PAGE_TYPE } from './bench-site.js';
import { mixPage } from './scale-ingest.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : def;
};
const ITEMS = 20;
const HOSTS = 32;
const articles = arg('--articles', 2000);
const feeds = Math.ceil(articles / ITEMS);
const concurrency = arg('--concurrency', 16);
const pool = process.argv.includes('--pool');
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const link = (f: number, i: number) => `http://127.0.0.1:${20000 + (f % HOSTS)}/a/f${f}/${i}.html`;

/** CPU ms of each thread of this process so far, user and system (/proc/self/task/TID/stat utime, stime). */
function threadMs(): Map<number, { user: number; sys: number }> {
  const out = new Map<number, { user: number; sys: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { user: (Number(f[11]) * 1000) / TICKS, sys: (Number(f[12]) * 1000) / TICKS });
    } catch {
      // The thread ended.
    }
  }
  return out;
}

/** Bytes this process has passed to write calls (/proc/self/io wchar: the WAL and the database file). */
function writtenBytes(): number {
  try {
    return Number(/^wchar: (\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-ingest-phase-'));
try {
  const feedList = Array.from({ length: feeds }, (_, n) => `  - name: f${n}\n    url: http://127.0.0.1:${20000 + (n % HOSTS)}/feeds/f${n}.xml\n`).join('');
  const yaml = [`storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'phase.db'))}`, 'log:\n  level: warn\n  format: json', 'defaults:\n  interval: 1h', 'budgets:\n  taskTimeout: 10m', `feeds:\n${feedList}`].join('\n');
  writeFileSync(join(dir, 'phase.yaml'), yaml);
  const config = parseConfig(yaml, join(dir, 'phase.yaml'));
  const pages = new Map<string, Buffer>();
  // FEEDWATCH_BENCH_PHASE_CACHE=FILE: the extracted articles kept there between runs (extraction is not measured).
  const cacheFile = process.env['FEEDWATCH_BENCH_PHASE_CACHE'];
  const cached: Record<string, Article> = cacheFile && existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, Article>) : {};
  const extracted = new Map<string, Article>(Object.entries(cached));
  let added = false;
  for (let f = 0; f < feeds; f++) {
    for (let i = 0; i < ITEMS; i++) {
      const body = Buffer.from(mixPage(f, i), 'utf8');
      pages.set(link(f, i), body);
      if (!pool && !extracted.has(link(f, i))) {
        extracted.set(link(f, i), extractArticle(decodeBody(body, PAGE_TYPE, 'html').text, link(f, i), { rules: [] }));
        added = true;
      }
    }
  }
  if (cacheFile && added) writeFileSync(cacheFile, JSON.stringify(Object.fromEntries(extracted)));
  const app = await createApp(config, { logger: createLogger({ level: 'warn', format: 'json' }), storageThreadByDefault: true });
  const deps = app.deps;
  deps.fetch = async (url) => {
    const body = pages.get(url)!;
    return { requestedUrl: url, finalUrl: url, status: 200, headers: { 'content-type': PAGE_TYPE }, body: Buffer.from(body), redirects: [], permanentRedirectTo: null, notModified: false, etag: null, lastModified: null, retryAfterSeconds: null, elapsedMs: 1 } satisfies FetchedResponse;
  };
  // budgets.taskTimeout is lifted (10 min): on a loaded machine the CPU pool's analyses ran over the default 20 s and
  // were cut, which left the search index less to store. What each part costs: the run without the search index and
  // alert matching, or without boilerplate learning.
  if (process.env['FEEDWATCH_BENCH_PHASE_ALERTS'] === '0') delete deps.alerts;
  if (process.env['FEEDWATCH_BENCH_PHASE_BOILERPLATE'] === '0') delete deps.boilerplate;
  if (!pool) deps.decodeAndExtract = async (_body, _type, url) => ({ article: structuredClone(extracted.get(url)!), charset: 'utf-8', charsetReason: 'bench' });
  const items: StoredItem[] = [];
  const at = new Date().toISOString();
  for (let f = 0; f < feeds; f++) {
    const fi: FeedItem[] = Array.from({ length: ITEMS }, (_, i) => ({ feedName: `f${f}`, guid: `f${f}-${i}`, link: link(f, i), title: `Item ${i} of feed ${f}`, description: `Item ${i}`, author: null, publishedAt: null, categories: [], enclosures: [], extra: {} }));
    const outcome = { feedName: `f${f}`, startedAt: at, status: 200, ok: true, notModified: false, errorKind: null, errorMessage: null, etag: null, lastModified: null, movedTo: null, itemsSeen: ITEMS, elapsedMs: 1, retryAfterSeconds: null, declaredFeeds: [] };
    items.push(...(await deps.store.recordPoll(outcome, fi, at)));
  }
  // Items interleaved across feeds, as the daemon meets them (each poll's items while other feeds' pages run).
  items.sort((a, b) => Number(a.guid.split('-')[1]) - Number(b.guid.split('-')[1]) || a.id - b.id);
  const io0 = writtenBytes();
  const t0 = threadMs();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  let failed = 0;
  await mapLimit(items, concurrency, async (item) => {
    const r = await processArticle(item, deps);
    if (!r.ok) failed++;
  });
  const wall = performance.now() - w0;
  const c = process.cpuUsage(c0);
  const t1 = threadMs();
  const written = writtenBytes() - io0;
  const n = items.length;
  // Each thread's CPU per article, user + system; the busiest thread after main (the storage thread) split as user/sys.
  const threads = [...t1]
    .map(([tid, ms]) => {
      const before = t0.get(tid) ?? { user: 0, sys: 0 };
      return { tid, user: ms.user - before.user, sys: ms.sys - before.sys };
    })
    .filter((t) => t.user + t.sys > 0.01 * ((c.user + c.system) / 1000))
    .sort((a, b) => a.tid - b.tid);
  const busiest = threads.filter((t) => t.tid !== process.pid).sort((a, b) => b.user + b.sys - (a.user + a.sys))[0];
  const perThread = threads
    .map((t) => `${t.tid === process.pid ? 'main ' : ''}${((t.user + t.sys) / n).toFixed(2)}${t === busiest ? ` (user ${(t.user / n).toFixed(2)} sys ${(t.sys / n).toFixed(2)})` : ''}`)
    .join(', ');
  console.log(
    `ingest-phase${pool ? ' --pool' : ''}: ${n} articles (${feeds} feeds), concurrency ${concurrency}: ${((c.user + c.system) / 1000 / n).toFixed(2)} ms CPU/article ` +
      `(by thread: ${perThread}); ${(written / n / 1024).toFixed(0)} KB written/article; ${(n / (wall / 1000)).toFixed(0)}/s wall${failed ? `; ${failed} failed` : ''}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  );
  await app.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

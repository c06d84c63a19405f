/**
 * `npm run bench -- scale`, the ingestion part: feeds × items with article pages on loopback (default 1,000 × 20,
 * 32 hosts), ingested by what users run, the built daemon (`node dist/cli/main.js run`, its defaults), and compared
 * with extraction alone in the same run:
 *  - extraction alone: decode + extractArticle in this process on the pages the site serves (a sample of at most
 *    2,000 of them, evenly spread), as articles/s of the calls' own time (one thread, as the old ingest bench);
 *  - embedded: `feedwatch run` on SQLite, from the spawn to the last article stored;
 *  - BullMQ: `feedwatch run --role scheduler` and 1, then 2 `--role worker` processes on one SQLite file (WAL),
 *    on the local Redis (REDIS_URL) under a prefix of their own, deleted in `finally`;
 * each as articles/s and as a ratio of extraction alone (target ≥ 0.7 for embedded), from the spawn (start-up and
 * the first polls included: a daemon spreads its feeds' first polls over the first minute, schedule.ts
 * `initialPollDelay`) and from the moment every feed had been polled once. Beside them the CPU time of the feedwatch
 * processes per article (from /proc, all threads; Redis not counted) and the ratio it allows on this machine's cores
 * (extraction's CPU per article × cores ÷ feedwatch's), which other processes' load does not skew as it skews the
 * wall-clock ratio; `FEEDWATCH_BENCH_THREADS=1` prints the embedded daemon's CPU by thread, and
 * `FEEDWATCH_BENCH_CPU_PROF=DIR` has each feedwatch process write a CPU profile there. `--runs N` (default 5)
 * repeats the whole set; figures are medians with min–max, with the load average beside each. Each row runs on its
 * own: one that fails or times out prints its error and the others go on.
 *
 * The pages: the Sputnik page's chrome (a real 140 KB news page) with a generated story in its text blocks. The
 * dedup mix is a realistic one: 80 % distinct stories, 10 % the same text as another feed's item (syndication),
 * 10 % that text with one paragraph rewritten (an edited copy): mostly new stories, some duplicates.
 *
 * Run alone: npx tsx bench/scale-ingest.ts [--runs N]   (FEEDWATCH_BENCH_INGEST_FEEDS, _ITEMS, _HOSTS to resize;
 * FEEDWATCH_BENCH_SCALE_BULLMQ=0 or FEEDWATCH_BENCH_SCALE_EMBEDDED=0 leaves those rows out; FEEDWATCH_BENCH_INGEST_YAML adds
 * top-level config sections and FEEDWATCH_BENCH_INGEST_HTTP keys of `http:`, to try other settings than the defaults)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { mulberry32, uniform } from '../tests/helpers/prng.js';
import { PAGE_TYPE, serveUntilTold, siteInChild, type ItemText } from './bench-site.js';
import { cleanupOnSignal } from './interrupt.js';
import { median } from './stats.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const TEXT_BLOCK = '<div class="article__block" data-type="text"><div class="article__text">';
const TEMPLATE = readFileSync(new URL('../tests/fixtures/sputnik/sputnik-kg-20220305-lavrov.html', import.meta.url), 'utf8');
const PARTS = TEMPLATE.split(TEXT_BLOCK);
const SYLLABLES = ['ka', 'lo', 'mi', 'ser', 'tan', 'vo', 'ri', 'del', 'pa', 'nor', 'li', 'gu', 'est', 'ba', 'chi', 'mar', 'ten', 'os', 'ru', 'ves', 'da', 'kin', 'po', 'lu'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');

function words(r: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let w = '';
    const k = 1 + Math.floor(r() * 3);
    for (let j = 0; j < k; j++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
    out.push(w);
  }
  return out.join(' ');
}

/** A story: a title and paragraphs of generated words (sentences of 8–20 words). */
function story(seed: number, paragraphs: number): { title: string; paragraphs: string[] } {
  const r = uniform(mulberry32(seed));
  const title = words(r, 7);
  const ps = Array.from({ length: paragraphs }, () =>
    Array.from({ length: 2 + Math.floor(r() * 3) }, () => {
      const s = words(r, 8 + Math.floor(r() * 13));
      return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
    }).join(' '),
  );
  return { title, paragraphs: ps };
}

/**
 * The story of item `item` of feed `feed`: 80 % a story of its own, 10 % the story of the previous feed's same item
 * (the same text), 10 % that story with its third paragraph rewritten. Which one is fixed by the item's position.
 */
function mixStory(feed: number, item: number): { title: string; paragraphs: string[] } {
  const blocks = PARTS.length - 1;
  const pick = (feed * 31 + item * 17) % 10;
  const own = feed * 100_003 + item;
  const base = pick < 8 || feed === 0 ? story(own, blocks) : story((feed - 1) * 100_003 + item, blocks);
  if (pick === 9 && feed > 0) base.paragraphs[2] = story(own, 3).paragraphs[1]!;
  return base;
}

/** Item `item` of feed `feed`'s page: the template with `mixStory`'s title and paragraphs in its text blocks. */
export function mixPage(feed: number, item: number): string {
  const base = mixStory(feed, item);
  const parts = PARTS.map((p, i) => (i === 0 ? p : base.paragraphs[i - 1] + p.slice(p.indexOf('</div>'))));
  return parts.join(TEXT_BLOCK).replace(/(<h1 class="article__title">)[^<]*/, `$1${base.title}`);
}

/**
 * The template's fixed text around a story, as UTF-8 bytes made once: before the title, then from the end of the
 * title to the first text block's start, then after each text block's paragraph up to the next one's. The story's
 * own words are ASCII: a page is these pieces and the story's bytes put together, with no two-byte text to encode.
 */
const FIXED = (() => {
  const h1 = /(<h1 class="article__title">)[^<]*/.exec(PARTS[0]!);
  if (!h1) throw new Error('the template has no article title');
  const titleAt = h1.index + h1[1]!.length;
  const tails = PARTS.slice(1).map((p, i) => Buffer.from(p.slice(p.indexOf('</div>')) + (i < PARTS.length - 2 ? TEXT_BLOCK : ''), 'utf8'));
  return { head: Buffer.from(PARTS[0]!.slice(0, titleAt), 'utf8'), afterTitle: Buffer.from(PARTS[0]!.slice(titleAt + h1[0].length - h1[1]!.length) + TEXT_BLOCK, 'utf8'), tails };
})();

/**
 * `mixPage(feed, item)` as UTF-8 bytes, the same bytes, made from `FIXED` and the story: what the bench site serves.
 * Encoding the whole two-byte page for every request cost the site process some 3 ms of CPU a page, CPU the
 * measured daemon shared the machine's cores with.
 */
export function mixPageBytes(feed: number, item: number): Buffer {
  const base = mixStory(feed, item);
  const chunks: Buffer[] = [FIXED.head, Buffer.from(base.title, 'utf8'), FIXED.afterTitle];
  FIXED.tails.forEach((tail, i) => chunks.push(Buffer.from(base.paragraphs[i]!, 'utf8'), tail));
  return Buffer.concat(chunks);
}

const itemText: ItemText = (i, feed) => ({ title: `Item ${i} of feed ${feed}`, description: `Item ${i}` });

function configYaml(o: { db: string; feeds: number; ports: number[]; queue?: string }): string {
  const feeds = Array.from({ length: o.feeds }, (_, n) => `  - name: f${n}\n    url: http://127.0.0.1:${o.ports[n % o.ports.length]}/feeds/f${n}.xml\n`).join('');
  return [
    `storage:\n  driver: sqlite\n  path: ${JSON.stringify(o.db)}`,
    'log:\n  level: warn\n  format: json',
    'server:\n  port: 0',
    'defaults:\n  interval: 1h',
    `http:\n  allowPrivateNetworks: true\n${process.env['FEEDWATCH_BENCH_INGEST_HTTP'] ?? ''}`,
    o.queue ?? '',
    // FEEDWATCH_BENCH_INGEST_YAML: more top-level config (e.g. "pipeline:\n  articleConcurrency: 32"), to try settings.
    process.env['FEEDWATCH_BENCH_INGEST_YAML'] ?? '',
    `feeds:\n${feeds}`,
  ].join('\n');
}

/** Items whose page is done or failed for good, and feeds polled at least once, read from the file (read only). */
function progress(db: string): { done: number; failed: number; polled: number } {
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      conn.pragma('busy_timeout = 2000');
      const rows = conn.prepare<[], { s: string; n: number }>('SELECT article_state AS s, count(*) AS n FROM items GROUP BY 1').all();
      const n = (s: string) => rows.find((r) => r.s === s)?.n ?? 0;
      const polled = conn.prepare<[], { n: number }>('SELECT count(*) AS n FROM feeds WHERE last_fetched_at IS NOT NULL').get()?.n ?? 0;
      return { done: n('done'), failed: n('failed'), polled };
    } finally {
      conn.close();
    }
  } catch {
    return { done: 0, failed: 0, polled: 0 };
  }
}

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU per article of each thread of a live process over 1 % of its total, ms (Linux; `FEEDWATCH_BENCH_THREADS=1`):
 * the main thread, the storage thread and the CPU workers (started in that order), V8's helper threads (GC).
 */
function threadCpu(pid: number | undefined, articles: number): string {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`).map((tid) => ({ tid: Number(tid), ms: cpuOfStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')) }));
    const total = tasks.reduce((n, t) => n + t.ms, 0);
    return tasks
      .filter((t) => t.ms > total / 100)
      .sort((a, b) => a.tid - b.tid)
      .map((t) => `${t.tid === pid ? 'main ' : ''}${fmt(t.ms / articles, 2)}`)
      .join(', ');
  } catch (err) {
    return `unavailable (${String(err)})`;
  }
}

/** utime + stime of a /proc stat line, ms. */
function cpuOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** CPU time (user + system, all threads) a live process has used, ms, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number | undefined): number {
  try {
    return cpuOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

function spawnFeedwatch(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  // FEEDWATCH_BENCH_CPU_PROF=DIR: each feedwatch process writes a V8 CPU profile there (node --cpu-prof).
  const prof = process.env['FEEDWATCH_BENCH_CPU_PROF'];
  const child = spawn(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), MAIN, 'run', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  // A signal that stops the bench stops this daemon too (SIGKILL: the bench is going away, not measuring).
  const drop = cleanupOnSignal(() => child.kill('SIGKILL'));
  child.once('exit', (code, signal) => {
    drop();
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') console.error(`  feedwatch ${args.join(' ')} exited with ${code ?? signal}: ${stderr.slice(-500)}`);
  });
  return child;
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([gone, sleep(30_000)]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }),
  );
}

/**
 * Wait until every article is done (or failed for good), or no progress for `stallMs`; seconds from `t0`, and
 * seconds from `t0` until every feed had been polled once and the articles stored by then.
 */
async function waitStored(
  db: string,
  feeds: number,
  articles: number,
  t0: number,
  stallMs: number,
  children: ChildProcess[],
): Promise<{ seconds: number; allPolledSeconds: number; doneWhenAllPolled: number; done: number; failed: number }> {
  let last = -1;
  let lastAt = performance.now();
  let allPolledSeconds = NaN;
  let doneWhenAllPolled = NaN;
  for (;;) {
    const p = progress(db);
    if (p.polled >= feeds && Number.isNaN(allPolledSeconds)) {
      allPolledSeconds = (performance.now() - t0) / 1000;
      doneWhenAllPolled = p.done;
    }
    if (p.done + p.failed >= articles) return { seconds: (performance.now() - t0) / 1000, allPolledSeconds, doneWhenAllPolled, done: p.done, failed: p.failed };
    if (p.done !== last) {
      last = p.done;
      lastAt = performance.now();
    } else if (performance.now() - lastAt > stallMs) throw new Error(`no progress for ${stallMs / 1000} s at ${p.done} of ${articles} articles`);
    if (children.some((c) => c.exitCode !== null || c.signalCode !== null)) throw new Error(`a feedwatch process exited at ${p.done} of ${articles} articles`);
    await sleep(250);
  }
}

interface Row {
  perSecond: number;
  ratio: number;
  /**
   * The ratio the CPU time allows: extraction alone's CPU per article × the machine's cores ÷ feedwatch's CPU per
   * article, what the daemon would reach with every core to itself and busy. Unlike `ratio` it holds under other
   * processes' load, which slows the two sides of `ratio` unequally.
   */
  cpuRatio: number;
  seconds: number;
  /** Seconds from the spawn until every feed had been polled once. */
  allPolledSeconds: number;
  /** Articles per second stored after every feed had been polled once (no first poll still to come). */
  afterFirstPolls: number;
  done: number;
  failed: number;
  /** CPU time of the feedwatch processes (all their threads; not Redis) per article stored, ms. */
  cpuMsPerArticle: number;
}

const afterFirstPolls = (r: { seconds: number; allPolledSeconds: number; doneWhenAllPolled: number; done: number }) =>
  (r.done - r.doneWhenAllPolled) / (r.seconds - r.allPolledSeconds);

async function embeddedRow(dir: string, ports: number[], feeds: number, articles: number): Promise<Omit<Row, 'ratio' | 'cpuRatio'>> {
  const db = join(dir, 'embedded.db');
  const cfg = join(dir, 'embedded.yaml');
  writeFileSync(cfg, configYaml({ db, feeds, ports }));
  const t0 = performance.now();
  const d = spawnFeedwatch(['--config', cfg]);
  try {
    const r = await waitStored(db, feeds, articles, t0, 120_000, [d]);
    if (process.env['FEEDWATCH_BENCH_THREADS'] === '1') console.log(`    embedded, CPU per article by thread: ${threadCpu(d.pid, r.done)}`);
    return { perSecond: r.done / r.seconds, seconds: r.seconds, allPolledSeconds: r.allPolledSeconds, afterFirstPolls: afterFirstPolls(r), done: r.done, failed: r.failed, cpuMsPerArticle: processCpuMs(d.pid) / r.done };
  } finally {
    await stopAll([d]);
  }
}

async function bullmqRow(dir: string, ports: number[], feeds: number, articles: number, workers: number): Promise<Omit<Row, 'ratio' | 'cpuRatio'>> {
  const { Redis } = await import('ioredis');
  const { openSqliteStore } = await import('../src/store/sqlite/store.js');
  const { deleteMatching } = await import('../tests/helpers/redis.js');
  const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const prefix = `fwbench-ingest-${process.pid}-${Date.now().toString(36)}`;
  const db = join(dir, `bullmq-${workers}.db`);
  const cfg = join(dir, `bullmq-${workers}.yaml`);
  writeFileSync(cfg, configYaml({ db, feeds, ports, queue: `queue:\n  driver: bullmq\n  prefix: ${prefix}` }));
  // Created and migrated first: processes setting up one new SQLite file at once can meet "database is locked".
  await (await openSqliteStore(db)).close();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const children: ChildProcess[] = [];
  const dropKeys = cleanupOnSignal(() => deleteMatching(redis, `${prefix}:*`));
  try {
    const env = { REDIS_URL: redisUrl };
    const t0 = performance.now();
    for (let i = 0; i < workers; i++) children.push(spawnFeedwatch(['--role', 'worker', '--config', cfg], env));
    children.push(spawnFeedwatch(['--role', 'scheduler', '--config', cfg], env));
    const r = await waitStored(db, feeds, articles, t0, 120_000, children);
    const cpu = children.reduce((sum, c) => sum + processCpuMs(c.pid), 0);
    return { perSecond: r.done / r.seconds, seconds: r.seconds, allPolledSeconds: r.allPolledSeconds, afterFirstPolls: afterFirstPolls(r), done: r.done, failed: r.failed, cpuMsPerArticle: cpu / r.done };
  } finally {
    await stopAll(children);
    await deleteMatching(redis, `${prefix}:*`).catch((err: unknown) => console.error(`  redis cleanup of ${prefix}: ${String(err)}`));
    dropKeys();
    redis.disconnect();
  }
}

/**
 * Decode + extract a spread sample of the site's pages in this process: articles per second of those calls, and
 * their CPU time per article, ms.
 */
async function extractionRate(feeds: number, items: number, ports: number[]): Promise<{ perSecond: number; cpuMsPerArticle: number }> {
  const { extractArticle } = await import('../src/extract/index.js');
  const { decodeBody } = await import('../src/fetch/charset.js');
  const total = feeds * items;
  const step = Math.max(1, Math.ceil(total / 2000));
  let n = 0;
  let ms = 0;
  let cpuUs = 0;
  for (let k = 0; k < total; k += step) {
    const f = Math.floor(k / items);
    const i = k % items;
    const body = mixPageBytes(f, i);
    const t = performance.now();
    const c = process.cpuUsage();
    extractArticle(decodeBody(body, PAGE_TYPE, 'html').text, `http://127.0.0.1:${ports[f % ports.length]}/a/f${f}/${i}.html`, { rules: [] });
    const used = process.cpuUsage(c);
    ms += performance.now() - t;
    cpuUs += used.user + used.system;
    n++;
  }
  return { perSecond: n / (ms / 1000), cpuMsPerArticle: cpuUs / 1000 / n };
}

export async function runScaleIngestBench(opts: { runs?: number } = {}): Promise<void> {
  const feeds = Number(process.env['FEEDWATCH_BENCH_INGEST_FEEDS'] ?? 1000);
  const items = Number(process.env['FEEDWATCH_BENCH_INGEST_ITEMS'] ?? 20);
  const hosts = Number(process.env['FEEDWATCH_BENCH_INGEST_HOSTS'] ?? 32);
  const runs = opts.runs ?? runsFlag() ?? 5;
  const articles = feeds * items;
  const withRedis = process.env['FEEDWATCH_BENCH_SCALE_BULLMQ'] !== '0';
  const withEmbedded = process.env['FEEDWATCH_BENCH_SCALE_EMBEDDED'] !== '0';
  console.log(
    `scale: ingestion — ${feeds} feeds × ${items} items = ${articles} articles with pages, ${hosts} loopback hosts, ${runs} run(s); ` +
      `${cpus().length} CPUs, load ${loadavg().map((l) => fmt(l, 1)).join(' ')} at start`,
  );
  if (!process.argv.includes('--no-build')) {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const names = [...(withEmbedded ? ['embedded'] : []), ...(withRedis ? ['bullmq + 1 worker', 'bullmq + 2 workers'] : [])];
  const rows = new Map<string, Row[]>(names.map((n) => [n, []]));
  const extraction: Array<{ perSecond: number; cpuMsPerArticle: number }> = [];
  const load1 = () => fmt(loadavg()[0]!, 1);
  for (let run = 1; run <= runs; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'feedwatch-scale-ingest-'));
    const dropDir = cleanupOnSignal(() => rmSync(dir, { recursive: true, force: true }));
    let site: Awaited<ReturnType<typeof siteInChild>> | null = null;
    try {
      site = await siteInChild(HERE, ROOT, [items, hosts]);
      const ports = site.ports;
      const alone = await extractionRate(feeds, items, ports);
      extraction.push(alone);
      const rate = alone.perSecond;
      const parts: Array<[string, () => Promise<Omit<Row, 'ratio' | 'cpuRatio'>>]> = [
        ...(withEmbedded ? ([['embedded', () => embeddedRow(dir, ports, feeds, articles)]] as Array<[string, () => Promise<Omit<Row, 'ratio' | 'cpuRatio'>>]>) : []),
        ...(withRedis
          ? ([
              ['bullmq + 1 worker', () => bullmqRow(dir, ports, feeds, articles, 1)],
              ['bullmq + 2 workers', () => bullmqRow(dir, ports, feeds, articles, 2)],
            ] as Array<[string, () => Promise<Omit<Row, 'ratio' | 'cpuRatio'>>]>)
          : []),
      ];
      // Each row printed as it ends: a run of 20,000 articles takes many minutes a row on a loaded machine.
      console.log(`  run ${run}:\n    extraction alone ${fmt(rate)}/s, ${fmt(alone.cpuMsPerArticle, 1)} ms CPU/article (load ${load1()})`);
      for (const [name, f] of parts) {
        try {
          const siteCpu0 = processCpuMs(site.child.pid);
          const r = await f();
          const siteCpu = (processCpuMs(site.child.pid) - siteCpu0) / r.done;
          const cpuRatio = (cpus().length * alone.cpuMsPerArticle) / r.cpuMsPerArticle;
          rows.get(name)!.push({ ...r, ratio: r.perSecond / rate, cpuRatio });
          console.log(
            '    ' +
            `${name} ${fmt(r.perSecond)}/s (ratio ${fmt(r.perSecond / rate, 2)}; ${fmt(r.seconds, 1)} s, every feed polled by ${fmt(r.allPolledSeconds, 1)} s, ${fmt(r.afterFirstPolls)}/s after; ` +
              `${fmt(r.cpuMsPerArticle, 1)} ms CPU/article, CPU ratio ${fmt(cpuRatio, 2)}${r.failed ? `; ${r.failed} failed` : ''}; ` +
              `the site ${fmt(siteCpu, 2)} ms CPU/article; load ${load1()})`,
          );
        } catch (err) {
          console.log(`    ${name} FAILED: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } catch (err) {
      console.log(`  run ${run} FAILED: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      if (site) {
        site.child.stdin!.end();
        site.child.kill();
      }
      rmSync(dir, { recursive: true, force: true });
      dropDir();
    }
  }
  const range = (xs: number[], d: number) => `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;
  console.log(`  medians of ${runs} run(s), (min–max):`);
  console.log(
    `  ${'extraction alone (one thread)'.padEnd(42)} ${range(extraction.map((e) => e.perSecond), 0)} articles/s, ` +
      `${range(extraction.map((e) => e.cpuMsPerArticle), 1)} ms CPU/article`,
  );
  for (const [name, rs] of rows) {
    if (rs.length === 0) {
      console.log(`  ${name.padEnd(42)} no run finished`);
      continue;
    }
    console.log(
      `  ${name.padEnd(42)} ${range(rs.map((r) => r.perSecond), 0)} articles/s, ratio ${range(rs.map((r) => r.ratio), 2)}` +
        `${name === 'embedded' ? ' (target ≥ 0.7)' : ''}, ${range(rs.map((r) => r.cpuMsPerArticle), 1)} ms CPU/article, ` +
        `CPU ratio ${range(rs.map((r) => r.cpuRatio), 2)}, ` +
        `${range(rs.map((r) => r.afterFirstPolls), 0)} articles/s once every feed was polled; ${rs.length} of ${runs} finished`,
    );
  }
  console.log(`  (load ${loadavg().map((l) => fmt(l, 1)).join(' ')} at end)`);
}

function runsFlag(): number | undefined {
  const i = process.argv.indexOf('--runs');
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--serve') await serveUntilTold(process.argv.slice(3), mixPageBytes, itemText);
  else await runScaleIngestBench();
}

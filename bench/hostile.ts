/**
 * The hostile inputs of issue 19 against a real `feedwatch run` daemon (embedded, SQLite, default budgets) on
 * loopback: a feed nested 100,000 deep, pages 400,000 divs deep, of ~1M tiny elements and of 4.9 MB, next to a
 * healthy feed of three story pages. Figures:
 *  - /healthz latency while the hostile work runs (one request after another, from this process): median, p99 and
 *    max, and how many answers listed a hostile task running (target: under 100 ms);
 *  - what each hostile page and feed ended as, and when the healthy pages were stored;
 *  - the morphology of the 4.9 MB page's text, all tokens against `budgets.analyzedTokens` (in this process);
 *  - the deep feed: the shape scan's refusal against rss-parser with the budget lifted (stopped at 20 s).
 *
 * Run alone: npx tsx bench/hostile.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { analyzeText, loadMorphology } from '../src/alerts/morphology.js';
import { createCpuPool } from '../src/cpu/pool.js';
import { parseFeed, PARSE_DEFAULTS } from '../src/feed/parse.js';
import { DEFAULT_ANALYZED_TOKENS } from '../src/pipeline/alert-stage.js';
import { spawnFeedwatch } from '../tests/helpers/feedwatch-process.js';
import { bigText, deepFeed, hostilePages } from '../tests/helpers/hostile-inputs.js';
import { freePort, send, startServer } from '../tests/helpers/http-server.js';
import { storyPage } from '../tests/helpers/story-pages.js';

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const RSS = { 'content-type': 'application/rss+xml; charset=utf-8' };

const rss = (items: string[]) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${items.map((l) => `<item><guid>${l}</guid><link>${l}</link><title>${l}</title></item>`).join('')}</channel></rss>`;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

async function daemonRun(): Promise<void> {
  const pages = hostilePages();
  const site = await startServer();
  for (const [path, html] of Object.entries(pages)) site.route(path, send(html, { headers: HTML }));
  for (const n of [1, 2, 3]) site.route(`/story/${n}.html`, send(storyPage(1900 + n), { headers: HTML }));
  site.route('/healthy.xml', send(rss([1, 2, 3].map((n) => `${site.url}/story/${n}.html`)), { headers: RSS }));
  site.route('/hostile-pages.xml', send(rss(Object.keys(pages).map((p) => `${site.url}${p}`)), { headers: RSS }));
  site.route('/deep.xml', send(deepFeed(`${site.url}/none`), { headers: RSS }));
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-bench-hostile-'));
  const db = join(dir, 'feedwatch.db');
  const port = await freePort();
  writeFileSync(
    join(dir, 'c.yaml'),
    `storage:\n  driver: sqlite\n  path: ${db}\nserver:\n  port: ${port}\nlog:\n  level: warn\n  format: json\nhttp:\n  allowPrivateNetworks: true\n  timeout: 60s\n` +
      `defaults:\n  minInterval: 1h\n  interval: 1h\npipeline:\n  articleConcurrency: 6\nfeeds:\n` +
      ['healthy', 'hostile-pages', 'deep'].map((n) => `  - name: ${n}\n    url: ${site.url}/${n}.xml\n`).join(''),
  );
  const d = spawnFeedwatch(['run', '--config', join(dir, 'c.yaml')], { FEEDWATCH_PORT: '' }, 'bench-daemon');
  const state = () => {
    try {
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        const items = conn.prepare<[], { feed_name: string; guid: string; article_state: string; article_attempts: number; article_error: string | null }>('SELECT feed_name, guid, article_state, article_attempts, article_error FROM items').all();
        const deep = conn.prepare<[], { last_error: string | null }>("SELECT last_error FROM feeds WHERE name = 'deep'").get()?.last_error ?? null;
        return { items, deep };
      } finally {
        conn.close();
      }
    } catch {
      return { items: [], deep: null };
    }
  };
  const latencies: number[] = [];
  let during = 0;
  let unhealthy = 0;
  const t0 = performance.now();
  const healthyDone = new Map<string, number>();
  try {
    for (;;) {
      if (!d.running()) throw new Error(`the daemon exited: ${d.stderr()}`);
      const s = performance.now();
      let body: { ok: boolean; cpu?: { running: Array<{ for: string }> } } | null = null;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        body = (await res.json()) as typeof body;
      } catch {
        await new Promise((r) => setTimeout(r, 100)); // not listening yet
        continue;
      }
      latencies.push(performance.now() - s);
      if (!body!.ok) unhealthy++;
      if (body!.cpu?.running.some((r) => r.for === 'hostile-pages' || r.for === 'deep')) during++;
      if (latencies.length % 20 === 0) {
        const { items, deep } = state();
        for (const r of items) if (r.feed_name === 'healthy' && r.article_state === 'done' && !healthyDone.has(r.guid)) healthyDone.set(r.guid, performance.now() - t0);
        if (items.length === 6 && items.every((r) => r.article_state === 'done' || r.article_attempts > 0) && deep !== null) {
          console.log(`/healthz during the run: ${latencies.length} answers (${during} while a hostile task ran, ${unhealthy} not ok): median ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
          console.log(`healthy pages stored at ${[...healthyDone.values()].map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} after start; all done at ${((performance.now() - t0) / 1000).toFixed(1)} s`);
          for (const r of items.filter((i) => i.feed_name === 'hostile-pages')) console.log(`  ${r.guid}: ${r.article_state === 'done' ? 'extracted' : r.article_error}`);
          console.log(`  deep feed: ${deep}`);
          break;
        }
      }
    }
  } finally {
    await d.stop();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function morphology(): Promise<void> {
  const text = bigText(4_900_000).join('\n\n');
  const lem = await loadMorphology();
  let t = performance.now();
  const capped = analyzeText(text, lem, DEFAULT_ANALYZED_TOKENS);
  const cappedMs = performance.now() - t;
  t = performance.now();
  const all = analyzeText(text, await loadMorphology());
  const allMs = performance.now() - t;
  console.log(`morphology of the 4.9 MB page's text: all ${all.keys.length} tokens ${allMs.toFixed(0)} ms; capped at ${capped.keys.length} ${cappedMs.toFixed(0)} ms (${(allMs / cappedMs).toFixed(0)}× less)`);
}

async function deepFeedFigures(): Promise<void> {
  const xml = deepFeed('https://example.com/a');
  let t = performance.now();
  const refusal = await parseFeed(xml, 'deep').catch((e: unknown) => e as Error);
  console.log(`100k-deep feed (${(xml.length / 1024).toFixed(0)} KB): refused by the shape scan in ${(performance.now() - t).toFixed(1)} ms (${refusal instanceof Error ? refusal.message : 'parsed?'})`);
  const pool = createCpuPool({ threads: 1, taskTimeout: 20_000, taskMemory: 512 * 1024 * 1024 });
  t = performance.now();
  const r = await pool.run({ type: 'parse-feed', xml, feedName: 'deep', opts: { maxDepth: 1e9, maxElements: 1e9 } }, 'deep').catch((e: unknown) => e as Error);
  console.log(`  the same with the budget lifted (rss-parser, in the pool, 20 s deadline): ${r instanceof Error ? r.message : 'parsed'} after ${((performance.now() - t) / 1000).toFixed(1)} s; budgets: depth ${PARSE_DEFAULTS.maxDepth}, elements ${PARSE_DEFAULTS.maxElements}`);
  await pool.close();
}

export async function runHostileBench(): Promise<void> {
  console.log('== hostile input: the daemon under issue 19\'s worst cases ==');
  await deepFeedFigures();
  await morphology();
  await daemonRun();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runHostileBench();

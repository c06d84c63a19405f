/**
 * `npm run bench -- scale`, store part: how the SQLite store grows from 1,000 to 10,000 to 100,000 stored articles.
 *
 * Articles are made from the dev corpus's (tests/fixtures/extract-dev, 108 pages extracted once with the generic
 * extractor), every one a new story of a dev page's size (near-duplicates and copies would store less, not more):
 *  - "copies" (the mix of earlier runs): copy k of a page has its paragraphs rotated and one word in five replaced
 *    by a made-up one, so every text is one page's coherent text (it deflates as an article does); but at 100,000
 *    articles each page is there some 900 times, every copy sharing about a quarter of its word triples with each
 *    other one, so the band index fills with near candidates as distinct news would not fill it;
 *  - "stories": article k has as many paragraphs as dev page k mod 108, drawn from all the pages' paragraphs, one
 *    word in five replaced: distinct stories that share a paragraph now and then (lookups as distinct news makes
 *    them; a text of paragraphs from pages in several languages deflates less well than one article's).
 * Both run by default, each in a file of its own. Each article goes through the storage phase of the pipeline as
 * the daemon runs it: recordPoll of its feed's items, dedupArticle (findDuplicates + storeArticle), matchAlerts (the
 * alert document and search index entry, with no rules), then saveArticle.
 *
 * At each size: CPU per stored article (process.cpuUsage, the last 1,000 stored), CPU per lookup (findDuplicates
 * of a stored text, getArticle, story, and a one-word search of 20 hits, over a sample of stored articles), the
 * file's size per 1,000 articles beside the size of the article JSON itself (the text stored once), the largest
 * tables (dbstat), and RSS. The 1,000-article figures are the baseline the larger sizes are printed beside.
 *
 * Run alone: npx tsx bench/scale-store.ts   (FEEDWATCH_BENCH_SCALE_STORE_SIZES=1000,10000 to choose the sizes,
 * FEEDWATCH_BENCH_SCALE_STORE_MIX=copies or =stories for one mix)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { compileRule } from '../src/alerts/match.js';
import { loadMorphology } from '../src/alerts/morphology.js';
import { extractArticle } from '../src/extract/index.js';
import type { Article, FeedItem, StoredItem } from '../src/model.js';
import type { AlertEngine } from '../src/pipeline/alert-stage.js';
import { matchAlerts } from '../src/pipeline/alert-stage.js';
import { dedupArticle, dedupInput } from '../src/pipeline/dedup-stage.js';
import { searchArticles } from '../src/store/alerts.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/store.js';
import { okPoll, testFeed } from '../tests/helpers/store-fixtures.js';
import { mulberry32 } from '../tests/helpers/prng.js';
import { loadCorpus } from './corpus.js';

const FEEDS = 50;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const LOOKUP_SAMPLE = 200;

/** The dev corpus's articles, extracted once. */
export function devArticles(): Article[] {
  const out: Article[] = [];
  for (const page of loadCorpus()) {
    const a = extractArticle(page.html, page.url, { rules: [] });
    if (a.paragraphs.length > 0) out.push(a);
  }
  return out;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'nu', 'pe', 'ra', 'si', 'to', 'vu', 'ze', 'bo', 'da', 'fi', 'gu', 'he', 'jo'];

/**
 * Copy `k` of one of `base`: paragraphs rotated, one word in five replaced by a made-up one (three of 16 syllables),
 * so that copies are distinct stories; the size of the page's own text (its JSON deflates to 0.47 of its size,
 * the pages' own to 0.43).
 */
export function variant(base: readonly Article[], k: number): Article {
  const a = base[k % base.length]!;
  const copy = Math.floor(k / base.length);
  const n = a.paragraphs.length;
  return withMadeUpWords(a, mulberry32((k + 1) * 0x9e3779b9), (i) => a.paragraphs[(i + copy) % n]!);
}

/**
 * `a` with as many paragraphs as it has, paragraph i taken from `source(i)` (in order: `source` may draw from
 * `next` too), one word in five of each replaced by a made-up one (three of 16 syllables drawn by `next`), and a
 * made-up word after the title.
 */
function withMadeUpWords(a: Article, next: () => number, source: (i: number) => string): Article {
  const made = (): string => Array.from({ length: 3 }, () => SYLLABLES[next() % 16]).join('');
  const paragraphs = a.paragraphs.map((_, i) => source(i).split(' ').map((w, j) => (j % 5 === 2 ? made() : w)).join(' '));
  return { ...a, title: `${a.title ?? 'Untitled'} ${made()}`, paragraphs };
}

/**
 * Story `k` of the "stories" mix (see the top of this file): as many paragraphs as the base page `k` falls on, drawn
 * (seeded by `k`) from all the corpus's paragraphs, one word in five replaced as in `variant`.
 */
export function mixedStory(base: readonly Article[], pool: readonly string[], k: number): Article {
  const next = mulberry32((k + 1) * 0x85ebca6b);
  return withMadeUpWords(base[k % base.length]!, next, () => pool[next() % pool.length]!);
}

/** The store bench's articles: `copies` of the dev pages (`variant`), or `stories` mixed from their paragraphs. */
export type StoreMix = 'stories' | 'copies';

function articleMaker(base: readonly Article[], mix: StoreMix): (k: number) => Article {
  if (mix === 'copies') return (k) => variant(base, k);
  const pool = base.flatMap((a) => a.paragraphs);
  return (k) => mixedStory(base, pool, k);
}

function itemOf(k: number): FeedItem {
  const feedName = `feed${k % FEEDS}`;
  return { feedName, guid: `g${k}`, link: `https://site${k % FEEDS}.example/news/${k}.html`, title: `Item ${k}`, description: `About item ${k}.`, author: null, publishedAt: null, categories: ['news'], enclosures: [], extra: {} };
}

export interface StoreEngine {
  alerts: AlertEngine;
}

/** An alert engine with no rules and no channels: what the daemon runs with when only search is used. */
export async function benchEngine(): Promise<AlertEngine> {
  return { lemmatizer: await loadMorphology(), maxTokens: 10_000, rules: [], channels: new Map(), policy: { backoff: 60_000, maxBackoff: 3_600_000, maxAttempts: 5, digestMax: 50 } as unknown as AlertEngine['policy'] };
}

const logger = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined, isLevelEnabled: () => false } as unknown as Parameters<typeof matchAlerts>[1]['logger'];

/**
 * Store articles `from` .. `to`−1 through the storage phase of the pipeline (see the top of this file), one poll of
 * up to 100 items per feed at a time. Returns the JSON bytes of the articles stored.
 */
export async function fillStore(store: SqliteStore, alerts: AlertEngine, make: (k: number) => Article, from: number, to: number): Promise<number> {
  let bytes = 0;
  const clock = { now: () => T0 + from * 1000 };
  for (let start = from; start < to; start += 100) {
    const ks = Array.from({ length: Math.min(100, to - start) }, (_, i) => start + i);
    const byFeed = new Map<string, number[]>();
    for (const k of ks) {
      const f = itemOf(k).feedName;
      byFeed.set(f, [...(byFeed.get(f) ?? []), k]);
    }
    const at = new Date(T0 + start * 1000).toISOString();
    const stored: { item: StoredItem; k: number }[] = [];
    for (const [feed, list] of byFeed) {
      const items = await store.recordPoll(okPoll(feed, at, { elapsedMs: 1 }), list.map(itemOf), new Date(T0 + 86_400_000).toISOString());
      for (const item of items) stored.push({ item, k: Number(item.guid.slice(1)) });
    }
    await Promise.all(
      stored.map(async ({ item, k }) => {
        const article = make(k);
        bytes += Buffer.byteLength(JSON.stringify(article));
        const url = item.link!;
        const { stored: s } = await dedupArticle(item, article, url, at, { store });
        await matchAlerts({ articleId: s.articleId, clusterId: s.clusterId, article, item, url, fresh: s.isNewArticle && !s.repeated }, { store, clock, logger, alerts });
        await store.saveArticle(item.id, { ok: true, article, finalUrl: url }, at, null);
      }),
    );
  }
  return bytes;
}

/** Bytes of the database: its pages, as a reader sees them (committed pages still in the WAL count too). */
export function fileBytes(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

/** The largest tables and indexes of the file (dbstat), bytes. */
export function tableBytes(path: string): { name: string; bytes: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], { name: string; bytes: number }>('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8').all();
  } finally {
    db.close();
  }
}

/** This process's CPU time so far, user and system, in ms. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export interface StoreSize {
  articles: number;
  /** CPU ms per article over the last 1,000 stored. */
  storeCpuMs: number;
  /** CPU µs per lookup: findDuplicates of a stored text, getArticle, story, search (20 hits of a common word). */
  findCpuUs: number;
  getArticleCpuUs: number;
  storyCpuUs: number;
  searchCpuMs: number;
  /** File bytes per 1,000 articles, and the article JSON's own bytes per 1,000. */
  fileMbPer1000: number;
  jsonMbPer1000: number;
  tables: { name: string; bytes: number }[];
  rssMb: number;
}

/** Both mixes, or the one FEEDWATCH_BENCH_SCALE_STORE_MIX names; figures of each mix. */
export async function runScaleStoreBench(opts: { sizes?: number[]; print?: boolean } = {}): Promise<Record<string, StoreSize[]>> {
  const named = process.env.FEEDWATCH_BENCH_SCALE_STORE_MIX;
  const mixes: StoreMix[] = named === 'copies' || named === 'stories' ? [named] : ['copies', 'stories'];
  const out: Record<string, StoreSize[]> = {};
  for (const mix of mixes) out[mix] = await runStoreMix(mix, opts);
  return out;
}

async function runStoreMix(mix: StoreMix, opts: { sizes?: number[]; print?: boolean }): Promise<StoreSize[]> {
  const sizes = opts.sizes ?? (process.env.FEEDWATCH_BENCH_SCALE_STORE_SIZES ?? '1000,10000,100000').split(',').map(Number);
  const base = devArticles();
  const make = articleMaker(base, mix);
  const alerts = await benchEngine();
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-bench-scale-store-'));
  const path = join(dir, 'store.db');
  const out: StoreSize[] = [];
  const store = await openSqliteStore(path);
  try {
    await store.syncFeeds(Array.from({ length: FEEDS }, (_, f) => testFeed(`feed${f}`)));
    let stored = 0;
    let jsonBytes = 0;
    for (const size of sizes) {
      if (size - 1000 > stored) jsonBytes += await fillStore(store, alerts, make, stored, size - 1000);
      const c0 = cpuMs();
      jsonBytes += await fillStore(store, alerts, make, Math.max(stored, size - 1000), size);
      const storeCpuMs = (cpuMs() - c0) / Math.min(1000, size - stored);
      stored = size;
      const pick = mulberry32(size);
      const sample = Array.from({ length: LOOKUP_SAMPLE }, () => pick() % size);
      const inputs = sample.map((k) => dedupInput(itemOf(k), make(k), itemOf(k).link!));
      let c = cpuMs();
      for (const input of inputs) await store.findDuplicates(input);
      const findCpuUs = ((cpuMs() - c) * 1000) / LOOKUP_SAMPLE;
      c = cpuMs();
      for (const k of sample) await store.getArticle(k + 1);
      const getArticleCpuUs = ((cpuMs() - c) * 1000) / LOOKUP_SAMPLE;
      c = cpuMs();
      for (const k of sample) await store.story(k + 1);
      const storyCpuUs = ((cpuMs() - c) * 1000) / LOOKUP_SAMPLE;
      const rule = compileRule('government', alerts.lemmatizer);
      c = cpuMs();
      for (let i = 0; i < 5; i++) await searchArticles(store, rule, alerts.lemmatizer, { limit: 20 });
      const searchCpuMs = (cpuMs() - c) / 5;
      out.push({
        articles: size,
        storeCpuMs,
        findCpuUs,
        getArticleCpuUs,
        storyCpuUs,
        searchCpuMs,
        fileMbPer1000: fileBytes(path) / 1e6 / (size / 1000),
        jsonMbPer1000: jsonBytes / 1e6 / (size / 1000),
        tables: tableBytes(path),
        rssMb: process.memoryUsage().rss / 2 ** 20,
      });
      if (opts.print !== false) printStoreSize(out[0]!, out[out.length - 1]!, mix);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export function printStoreSize(baseline: StoreSize, s: StoreSize, mix: StoreMix): void {
  const r = (x: number, b: number) => (s === baseline ? '' : ` (×${(x / b).toFixed(2)})`);
  console.log(`scale store: ${s.articles.toLocaleString('en')} articles stored (dev-corpus size, the "${mix}" mix; SQLite; 1,000 is the baseline)`);
  console.log(`  store         ${s.storeCpuMs.toFixed(2)} ms CPU per article${r(s.storeCpuMs, baseline.storeCpuMs)}`);
  console.log(`  findDuplicates ${s.findCpuUs.toFixed(0)} µs CPU${r(s.findCpuUs, baseline.findCpuUs)}   getArticle ${s.getArticleCpuUs.toFixed(0)} µs${r(s.getArticleCpuUs, baseline.getArticleCpuUs)}   story ${s.storyCpuUs.toFixed(0)} µs${r(s.storyCpuUs, baseline.storyCpuUs)}   search 20 hits ${s.searchCpuMs.toFixed(1)} ms${r(s.searchCpuMs, baseline.searchCpuMs)}`);
  console.log(`  file          ${s.fileMbPer1000.toFixed(2)} MB per 1,000 articles (target <= 8; article JSON alone ${s.jsonMbPer1000.toFixed(2)} MB per 1,000)`);
  console.log(`  largest       ${s.tables.map((t) => `${t.name} ${(t.bytes / 1e6).toFixed(1)} MB`).join(', ')}`);
  console.log(`  RSS           ${s.rssMb.toFixed(0)} MB`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runScaleStoreBench();
}

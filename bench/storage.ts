/**
 * Storage throughput, SQLite against PostgreSQL, through the real store path the pipeline takes:
 *  - articles/s: per feed, one recordPoll of its items (one transaction, the driver's multi-row insert), then for
 *    each new item findDuplicates + storeArticle (+ saveAlertDoc when a new text was stored) + saveArticle. The
 *    stream is 70 % new stories, 15 % near-duplicates and 15 % verbatim copies of earlier stories from other feeds.
 *    Fingerprints and alert analyses are made before the clock starts: only storage is timed. SQLite runs one
 *    article at a time (better-sqlite3 is synchronous); PostgreSQL one at a time and `concurrency` at once (as
 *    workers do).
 *  - recordPoll items/s: polls of 1000 new items each, and re-polls of the same 1000 (all known).
 *  - retention: everything above removed again by pruneExpired in batches of 500 (articles/s, with their items,
 *    sightings, revisions, bands and alert documents).
 * SQLite: a file in a temporary folder (WAL, synchronous=NORMAL, as the daemon opens it). PostgreSQL: the local
 * server (FEEDWATCH_BENCH_PG_URL, else FEEDWATCH_TEST_PG_URL, else postgres://root@127.0.0.1:5432/test), in a
 * throwaway schema dropped at the end.
 *
 * Run alone: npx tsx bench/storage.ts   (FEEDWATCH_BENCH_STORAGE_FEEDS × FEEDWATCH_BENCH_STORAGE_ITEMS to resize)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { buildAlertDoc } from '../src/alerts/match.js';
import { StemOnly } from '../src/alerts/morphology.js';
import type { Article, DedupInput, DedupKind, Feed, FeedItem, PollOutcome } from '../src/model.js';
import { dedupInput } from '../src/pipeline/dedup-stage.js';
import { mapLimit } from '../src/pipeline/embedded.js';
import type { AlertDocRecord } from '../src/store/alerts.js';
import { decideForStore } from '../src/store/articles.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import { openSqliteStore } from '../src/store/sqlite/store.js';
import type { Store } from '../src/store/store.js';
import { okPoll, testFeed } from '../tests/helpers/store-fixtures.js';
import { mulberry32 } from '../tests/helpers/prng.js';

const PG_URL = process.env.FEEDWATCH_BENCH_PG_URL ?? process.env.FEEDWATCH_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const POLL_BATCH = 1000;
const POLL_ROUNDS = 3;

// --- the workload ----------------------------------------------------------------------------------------------

const SYLLABLES = ['ka', 'lo', 'mi', 'nu', 'pe', 'ra', 'si', 'to', 'vu', 'ze', 'bo', 'da', 'fi', 'gu', 'he', 'jo'];
const word = (k: number): string => SYLLABLES[k & 15]! + SYLLABLES[(k >> 4) & 15]! + SYLLABLES[(k >> 8) & 15]!;


/** Story `seed`: 6 paragraphs of 60 made-up words (about the size of a news article). */
function storyParagraphs(seed: number): string[] {
  const next = mulberry32(seed * 0x9e3779b9);
  return Array.from({ length: 6 }, () => `${Array.from({ length: 60 }, () => word(next() % 4096)).join(' ')}.`);
}

function article(title: string, paragraphs: string[]): Article {
  return { title, lead: null, paragraphs, dateline: null, place: null, author: null, publishedAt: null, tags: [], language: 'en', canonicalUrl: null, images: [], extractor: 'generic' };
}

interface Planned {
  item: FeedItem;
  article: Article;
  url: string;
  input: DedupInput;
  /** The alert document to save when this text is stored as a new article (analysis made in advance). */
  doc: Omit<AlertDocRecord, 'articleId' | 'clusterId' | 'storedAt'>;
}

/** `feeds` feeds of `items` items each; every item's page carries an article (new, a near-duplicate or a copy). */
function plan(feeds: number, items: number): { feeds: Feed[]; polls: Planned[][] } {
  const lem = new StemOnly();
  const pick = mulberry32(7 * 0x9e3779b9);
  const stories: { title: string; paragraphs: string[] }[] = [];
  const polls: Planned[][] = [];
  for (let f = 0; f < feeds; f++) {
    const feedName = `feed${f}`;
    const poll: Planned[] = [];
    for (let i = 0; i < items; i++) {
      const roll = pick() % 100;
      let title: string;
      let paragraphs: string[];
      if (stories.length === 0 || roll < 70) {
        title = `Story ${stories.length}`;
        paragraphs = storyParagraphs(stories.length + 1);
        stories.push({ title, paragraphs });
      } else {
        const s = stories[pick() % stories.length]!;
        title = s.title;
        // A near-duplicate: a sister site's dateline and a paragraph cut; or a verbatim copy.
        paragraphs = roll < 85 ? [`DATELINE ${f} — ${s.paragraphs[0]}`, ...s.paragraphs.slice(1, 4), ...s.paragraphs.slice(5)] : s.paragraphs;
      }
      const guid = `${feedName}-${i}`;
      const url = `https://site${f}.example/news/${i}.html`;
      const item: FeedItem = { feedName, guid, link: url, title, description: `About ${title}`, author: null, publishedAt: null, categories: [], enclosures: [], extra: {} };
      const art = article(title, paragraphs);
      const body = paragraphs.join('\n\n');
      const analyzed = buildAlertDoc({ title, lead: '', body, feed: feedName, tags: [] }, lem).analyzed;
      poll.push({ item, article: art, url, input: dedupInput(item, art, url), doc: { feed: feedName, url, title, lead: '', body, tags: [], publishedAt: null, analyzed } });
    }
    polls.push(poll);
  }
  const feedList = Array.from({ length: feeds }, (_, f) => testFeed(`feed${f}`, { url: `https://site${f}.example/rss` }));
  return { feeds: [...feedList, testFeed('bulk', { url: 'https://bulk.example/rss' })], polls };
}

function pollOutcome(feedName: string, at: number): PollOutcome {
  return okPoll(feedName, new Date(at).toISOString(), { elapsedMs: 1 });
}

// --- the measurement -------------------------------------------------------------------------------------------

export interface StorageFigures {
  articles: number;
  seconds: number;
  perSecond: number;
  kinds: Partial<Record<DedupKind, number>>;
}

export interface DriverBench {
  driver: 'sqlite' | 'postgres';
  /** Articles stored one at a time. */
  serial: StorageFigures;
  /** Articles stored `concurrency` at a time (PostgreSQL only). */
  concurrent: (StorageFigures & { concurrency: number }) | null;
  /** recordPoll of 1000 new items, and of the same 1000 again. */
  pollNewItemsPerSecond: number;
  pollKnownItemsPerSecond: number;
  /** pruneExpired over the serial run's store, everything expired: articles (and with them the rest) per second. */
  retention: { articles: number; items: number; seconds: number; articlesPerSecond: number };
}

export interface StorageBench {
  feeds: number;
  items: number;
  sqlite: DriverBench;
  postgres: DriverBench;
}

/** Store every planned article of `polls` through the pipeline's path; `concurrency` items in flight per poll. */
async function storeAll(store: Store, polls: Planned[][], concurrency: number, startAt: number): Promise<StorageFigures> {
  const kinds: Partial<Record<DedupKind, number>> = {};
  let articles = 0;
  const t0 = performance.now();
  for (const [n, poll] of polls.entries()) {
    const at = new Date(startAt + n * 1000).toISOString();
    const fresh = await store.recordPoll(pollOutcome(poll[0]!.item.feedName, startAt + n * 1000), poll.map((p) => p.item), new Date(startAt + 900_000).toISOString());
    const byGuid = new Map(poll.map((p) => [p.item.guid, p]));
    await mapLimit(fresh, concurrency, async (item) => {
      const p = byGuid.get(item.guid)!;
      const decision = decideForStore(p.input, await store.findDuplicates(p.input));
      const stored = await store.storeArticle({ itemId: item.id, input: p.input, article: p.article, decision, at });
      if (stored.isNewArticle || stored.kind === 'revision') {
        await store.saveAlertDoc({ ...p.doc, articleId: stored.articleId, clusterId: String(stored.clusterId), storedAt: at });
      }
      await store.saveArticle(item.id, { ok: true, article: p.article, finalUrl: p.url }, at, null);
      kinds[stored.kind] = (kinds[stored.kind] ?? 0) + 1;
      articles++;
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  return { articles, seconds, perSecond: articles / seconds, kinds };
}

/** recordPoll of POLL_BATCH new items, POLL_ROUNDS times, then of the last batch again (all known). */
async function pollBench(store: Store): Promise<{ fresh: number; known: number }> {
  const batch = (round: number): FeedItem[] =>
    Array.from({ length: POLL_BATCH }, (_, i) => ({
      feedName: 'bulk',
      guid: `bulk-${round}-${i}`,
      link: `https://bulk.example/${round}/${i}.html`,
      title: `Item ${i} of round ${round}`,
      description: `A feed description of item ${i}, a sentence or two long, as feeds give it.`,
      author: null,
      publishedAt: new Date(T0 - i * 60_000).toUTCString(),
      categories: ['news'],
      enclosures: [],
      extra: {},
    }));
  const due = new Date(T0 + 86_400_000).toISOString();
  let t = performance.now();
  for (let r = 0; r < POLL_ROUNDS; r++) {
    const fresh = await store.recordPoll(pollOutcome('bulk', T0 + 3_600_000 + r), batch(r), due);
    if (fresh.length !== POLL_BATCH) throw new Error(`bench: expected ${POLL_BATCH} new items, got ${fresh.length}`);
  }
  const freshSeconds = (performance.now() - t) / 1000;
  const last = batch(POLL_ROUNDS - 1);
  t = performance.now();
  for (let r = 0; r < POLL_ROUNDS; r++) await store.recordPoll(pollOutcome('bulk', T0 + 7_200_000 + r), last, due);
  const knownSeconds = (performance.now() - t) / 1000;
  return { fresh: (POLL_ROUNDS * POLL_BATCH) / freshSeconds, known: (POLL_ROUNDS * POLL_BATCH) / knownSeconds };
}

/** Remove everything stored (all older than the cutoff) in batches of 500. */
async function retentionBench(store: Store): Promise<DriverBench['retention']> {
  const before = new Date(T0 + 30 * 86_400_000).toISOString();
  let articles = 0;
  let items = 0;
  const t = performance.now();
  for (;;) {
    const b = await store.pruneExpired({ before, now: before, limit: 500 });
    if (b.phase === null) break;
    articles += b.articles;
    items += b.items;
  }
  const seconds = (performance.now() - t) / 1000;
  return { articles, items, seconds, articlesPerSecond: articles / seconds };
}

async function benchDriver(driver: 'sqlite' | 'postgres', open: () => Promise<Store>, feeds: Feed[], polls: Planned[][], concurrency: number): Promise<DriverBench> {
  const store = await open();
  try {
    await store.syncFeeds(feeds);
    const serial = await storeAll(store, polls, 1, T0);
    let concurrent: DriverBench['concurrent'] = null;
    if (driver === 'postgres') {
      // The same stream again into a second, empty store: as many workers storing at once.
      const second = await open();
      try {
        await second.syncFeeds(feeds);
        concurrent = { ...(await storeAll(second, polls, concurrency, T0)), concurrency };
      } finally {
        await second.close();
      }
    }
    const poll = await pollBench(store);
    const retention = await retentionBench(store);
    return { driver, serial, concurrent, pollNewItemsPerSecond: poll.fresh, pollKnownItemsPerSecond: poll.known, retention };
  } finally {
    await store.close();
  }
}

export async function runStorageBench(opts: { feeds?: number; items?: number; concurrency?: number; print?: boolean } = {}): Promise<StorageBench> {
  const feedCount = opts.feeds ?? Number(process.env.FEEDWATCH_BENCH_STORAGE_FEEDS ?? 30);
  const items = opts.items ?? Number(process.env.FEEDWATCH_BENCH_STORAGE_ITEMS ?? 50);
  const concurrency = opts.concurrency ?? 8;
  const { feeds, polls } = plan(feedCount, items);

  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-bench-storage-'));
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1, connectionTimeoutMillis: 5000 });
  admin.on('error', () => undefined);
  const schemas: string[] = [];
  try {
    let n = 0;
    const sqlite = await benchDriver('sqlite', () => openSqliteStore(join(dir, `bench-${++n}.db`)), feeds, polls, 1);
    const postgres = await benchDriver(
      'postgres',
      async () => {
        const schema = `fwbench_${Date.now().toString(36)}_${process.pid}_${schemas.length}`;
        try {
          await admin.query(`CREATE SCHEMA ${schema}`);
        } catch (err) {
          throw new Error(`bench: PostgreSQL is not reachable at ${new URL(PG_URL).host} (${err instanceof Error ? err.message : String(err)}); set FEEDWATCH_BENCH_PG_URL`, { cause: err });
        }
        schemas.push(schema);
        return openPostgresStore(PG_URL, { schema, maxConnections: concurrency + 2 });
      },
      feeds,
      polls,
      concurrency,
    );
    const result: StorageBench = { feeds: feedCount, items, sqlite, postgres };
    if (opts.print !== false) printStorageBench(result);
    return result;
  } finally {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printStorageBench(r: StorageBench): void {
  const f0 = (x: number) => x.toFixed(0).padStart(7);
  const kinds = (k: StorageFigures['kinds']) => Object.entries(k).map(([kind, c]) => `${kind} ${c}`).join(', ');
  const s = r.sqlite;
  const p = r.postgres;
  console.log(`storage: ${r.feeds} polls × ${r.items} items, each stored with findDuplicates + storeArticle + saveAlertDoc (new texts) + saveArticle`);
  console.log(`  (${kinds(s.serial.kinds)})`);
  console.log(`  sqlite                 ${f0(s.serial.perSecond)} articles/s  (${s.serial.articles} in ${s.serial.seconds.toFixed(1)} s, one at a time)`);
  console.log(`  postgres               ${f0(p.serial.perSecond)} articles/s  (${p.serial.articles} in ${p.serial.seconds.toFixed(1)} s, one at a time)  ratio to sqlite ${(p.serial.perSecond / s.serial.perSecond).toFixed(2)}`);
  if (p.concurrent) {
    console.log(
      `  postgres × ${p.concurrent.concurrency}           ${f0(p.concurrent.perSecond)} articles/s  (${p.concurrent.articles} in ${p.concurrent.seconds.toFixed(1)} s, ${p.concurrent.concurrency} at once)  ratio to sqlite ${(p.concurrent.perSecond / s.serial.perSecond).toFixed(2)}`,
    );
  }
  console.log(`  recordPoll, ${POLL_BATCH} new items:  sqlite ${f0(s.pollNewItemsPerSecond)} items/s   postgres ${f0(p.pollNewItemsPerSecond)} items/s   ratio ${(p.pollNewItemsPerSecond / s.pollNewItemsPerSecond).toFixed(2)}`);
  console.log(`  recordPoll, ${POLL_BATCH} known items: sqlite ${f0(s.pollKnownItemsPerSecond)} items/s   postgres ${f0(p.pollKnownItemsPerSecond)} items/s   ratio ${(p.pollKnownItemsPerSecond / s.pollKnownItemsPerSecond).toFixed(2)}`);
  console.log(
    `  retention, batches of 500: sqlite ${f0(s.retention.articlesPerSecond)} articles/s   postgres ${f0(p.retention.articlesPerSecond)} articles/s   ` +
      `(${s.retention.articles} articles and ${s.retention.items} items removed: sqlite ${s.retention.seconds.toFixed(1)} s, postgres ${p.retention.seconds.toFixed(1)} s)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runStorageBench();
}

/**
 * The RetentionStore contract: `pruneExpired` (and the stage's `applyRetention` over it, on a manual clock) as every
 * `Store` driver must behave. A driver's test file calls `runRetentionStoreContract(name, open)`, where `open()`
 * gives a fresh, empty, migrated store, `reopen()` (another store on the same database: a second worker), and
 * `count(table)` / `ftsRows()` to look at what the interface does not show (cascaded rows, search index rows).
 *
 * The world: stories stored through the real path (recordPoll, findDuplicates, storeArticle, saveArticle,
 * saveAlertDoc) at times relative to NOW, with retention at 30 days; feed-only and pending items; matches and
 * deliveries in every state.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAlertDoc, compileRule } from '../../src/alerts/match.js';
import { alertItem } from '../../src/alerts/message.js';
import { StemOnly } from '../../src/alerts/morphology.js';
import { ManualClock } from '../../src/clock.js';
import { FeedwatchError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { Article, StoredArticle, StoredItem } from '../../src/model.js';
import { dedupInput } from '../../src/pipeline/dedup-stage.js';
import { applyRetention } from '../../src/pipeline/retention-stage.js';
import { decideForStore } from '../../src/store/articles.js';
import { addCounts, emptyCounts, type PruneBatch, type PruneCounts, type RetentionPhase } from '../../src/store/retention.js';
import type { Store } from '../../src/store/store.js';
import { okPoll, testArticle, testFeed, testItem } from '../helpers/store-fixtures.js';
import { mulberry32 } from '../helpers/prng.js';
import { jsonLogLines } from '../helpers/log-lines.js';

export interface OpenedRetentionStore {
  store: Store;
  /** Another store on the same database. */
  reopen(): Promise<Store>;
  /** Rows in a table of the schema. */
  count(table: string): Promise<number>;
  /** Rows in the search index (SQLite: alert_fts; PostgreSQL: documents with a tsvector). */
  ftsRows(): Promise<number>;
}

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-05T12:00:00.000Z');
const DAYS = 30;
const BEFORE = new Date(NOW - DAYS * DAY).toISOString();
/** `d` days before NOW (fractions allowed). */
const ago = (d: number): string => new Date(NOW - d * DAY).toISOString();
const lem = new StemOnly();

// Stories: 4 paragraphs of words drawn (seeded) from a made-up vocabulary, so different stories share no bigrams.
const SYLLABLES = ['ka', 'lo', 'mi', 'nu', 'pe', 'ra', 'si', 'to', 'vu', 'ze', 'bo', 'da', 'fi', 'gu', 'he', 'jo'];
function word(k: number): string {
  return SYLLABLES[k % 16]! + SYLLABLES[(k >> 4) % 16]! + SYLLABLES[(k >> 8) % 16]!;
}
function storyText(seed: number): string[] {
  const next = mulberry32(seed * 0x9e3779b9);
  return Array.from({ length: 4 }, () => `${Array.from({ length: 40 }, () => word(next() % 4096)).join(' ')}.`);
}

/** Story `name` (a unique word in its title and first paragraph); `variant` > 0 is a near-duplicate rewrite. */
function article(name: string, seed: number, variant = 0): Article {
  const [p0 = '', p1 = '', p2 = '', p3 = ''] = storyText(seed);
  const paragraphs = variant === 0 ? [`${name} ${p0}`, p1, p2, p3] : [`DATELINE ${variant} — ${name} ${p0}`, p1, p2];
  return testArticle(`Story ${name}${variant ? ` (${variant})` : ''}`, paragraphs, { language: 'en' });
}

const FEEDS = ['kg', 'by', 'ria'].map((name) => testFeed(name));

let guidSeq = 0;
async function newItem(store: Store, feed: string, at: string): Promise<StoredItem> {
  const guid = `g${++guidSeq}`;
  const poll = okPoll(feed, at, { itemsSeen: 1, elapsedMs: 3 });
  const [item] = await store.recordPoll(poll, [testItem(feed, guid, { description: `About ${guid}` })], new Date(Date.parse(at) + 900_000).toISOString());
  assert.ok(item, `item ${guid} is new`);
  return item;
}

/** The pipeline's path for one item first listed at `at`: store the article as decided, its alert document, done. */
async function put(store: Store, feed: string, at: string, art: Article, url: string): Promise<{ item: StoredItem; stored: StoredArticle }> {
  const item = await newItem(store, feed, at);
  const input = dedupInput(item, art, url);
  const decision = decideForStore(input, await store.findDuplicates(input));
  const storedAt = new Date(Date.parse(at) + 60_000).toISOString();
  const stored = await store.storeArticle({ itemId: item.id, input, article: art, decision, at: storedAt });
  if (stored.isNewArticle || stored.kind === 'revision') {
    const body = art.paragraphs.join('\n\n');
    const doc = buildAlertDoc({ title: art.title ?? '', lead: '', body, feed, tags: [] }, lem);
    await store.saveAlertDoc({
      articleId: stored.articleId,
      clusterId: String(stored.clusterId),
      feed,
      url,
      title: art.title ?? '',
      lead: '',
      body,
      tags: [],
      publishedAt: null,
      analyzed: doc.analyzed,
      storedAt,
    });
  }
  await store.saveArticle(item.id, { ok: true, article: art, finalUrl: url }, storedAt, null);
  return { item, stored };
}

/** An item whose page failed for good, with the feed-only alert document the alert stage saves for it. */
async function failed(store: Store, feed: string, at: string): Promise<StoredItem> {
  const item = await newItem(store, feed, at);
  await store.saveArticle(item.id, { ok: false, kind: 'http-status', reason: '404' }, at, null);
  const doc = buildAlertDoc({ title: item.title ?? '', lead: item.description ?? '', body: '', feed, tags: [] }, lem);
  await store.saveAlertDoc({ articleId: -item.id, clusterId: `item:${item.id}`, feed, url: item.link, title: item.title ?? '', lead: item.description ?? '', body: '', tags: [], publishedAt: null, analyzed: doc.analyzed, storedAt: at });
  return item;
}

async function match(store: Store, rule: string, clusterId: string, articleId: number, at: string, channels = ['hook', 'tg']): Promise<void> {
  const item = alertItem({ title: `Story ${clusterId}`, lead: null, url: null, feed: 'kg', publishedAt: null }, []);
  const { created } = await store.recordMatch({ rule, clusterId, articleId, channels, item, digest: false, dueAt: at, matchedAt: at });
  assert.ok(created);
}

async function deliveryId(store: Store, rule: string, clusterId: string, channel: string): Promise<number> {
  const d = (await store.deliveries({ rule })).find((x) => x.clusterId === clusterId && x.channel === channel);
  assert.ok(d, `delivery ${rule}/${clusterId}/${channel}`);
  return d.id;
}

/** Everything `pruneExpired` can do, batch after batch, until nothing is left. */
async function pruneAll(store: Store, limit: number, before = BEFORE): Promise<{ batches: PruneBatch[]; total: PruneCounts }> {
  const batches: PruneBatch[] = [];
  for (let i = 0; i < 1000; i++) {
    const b = await store.pruneExpired({ before, now: new Date(NOW).toISOString(), limit });
    batches.push(b);
    if (b.phase === null) return { batches, total: batches.reduce((t, x) => addCounts(t, x), emptyCounts()) };
  }
  throw new Error('pruneExpired never finished');
}

const TABLES = ['feeds', 'items', 'articles', 'article_revisions', 'article_band', 'sightings', 'story_clusters', 'alert_docs', 'alert_matches', 'alert_deliveries'];

export function runRetentionStoreContract(name: string, open: () => Promise<OpenedRetentionStore>): void {
  describe(`RetentionStore contract: ${name}`, () => {
    async function withStore(fn: (o: OpenedRetentionStore) => Promise<void>): Promise<void> {
      const o = await open();
      const others: Store[] = [];
      try {
        await o.store.syncFeeds(FEEDS);
        await fn({ ...o, reopen: async () => {
          const s = await o.reopen();
          others.push(s);
          return s;
        } });
      } finally {
        await Promise.all([o.store, ...others].map((s) => s.close()));
      }
    }

    async function counts(o: OpenedRetentionStore): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const t of TABLES) out[t] = await o.count(t);
      out.fts = await o.ftsRows();
      return out;
    }

    /** The world described at the top; returns what each part is. */
    async function world(store: Store) {
      // Old stories: A (a revision and a duplicate sighting, all older than 30 days), B (an article and its
      // near-duplicate in one cluster).
      const a1 = await put(store, 'kg', ago(40), article('alphaword', 1), 'https://kg.example/a');
      const a2 = await put(store, 'kg', ago(39), article('alphaword', 101), 'https://kg.example/a');
      const a3 = await put(store, 'by', ago(38), article('alphaword', 101), 'https://by.example/a-copy');
      const b1 = await put(store, 'kg', ago(45), article('bravoword', 2), 'https://kg.example/b');
      const b2 = await put(store, 'by', ago(44), article('bravoword', 2, 1), 'https://by.example/b');
      // Kept: C first stored 50 days ago but seen again 2 days ago (a verbatim copy from another feed); D stored 60
      // days ago with a near-duplicate yesterday; E stored 3 days ago.
      const c1 = await put(store, 'kg', ago(50), article('charlieword', 3), 'https://kg.example/c');
      const c2 = await put(store, 'ria', ago(2), article('charlieword', 3), 'https://ria.example/c');
      const d1 = await put(store, 'kg', ago(60), article('deltaword', 4), 'https://kg.example/d');
      const d2 = await put(store, 'ria', ago(1), article('deltaword', 4, 2), 'https://ria.example/d');
      const e1 = await put(store, 'by', ago(3), article('echoword', 5), 'https://by.example/e');
      // Items with no article: failed pages (old and recent), pending items (old and due; old with a retry ahead).
      const f1 = await failed(store, 'kg', ago(40));
      const f2 = await failed(store, 'kg', ago(1));
      const p1 = await newItem(store, 'ria', ago(35));
      const p2 = await newItem(store, 'ria', ago(36));
      await store.saveArticle(p2.id, { ok: false, kind: 'timeout', reason: 'slow' }, ago(0.1), ago(-0.05));
      // Matches and deliveries.
      const cl = (x: { stored: StoredArticle }) => String(x.stored.clusterId);
      await match(store, 'r', cl(a1), a1.stored.articleId, ago(40));
      await store.markDelivered(await deliveryId(store, 'r', cl(a1), 'hook'), { attempts: 1, at: ago(40) });
      await store.markFailed(await deliveryId(store, 'r', cl(a1), 'tg'), { attempts: 5, error: 'gone', retryAt: null, at: ago(39) });
      await match(store, 'r', cl(b1), b1.stored.articleId, ago(44));
      await store.markDelivered(await deliveryId(store, 'r', cl(b1), 'hook'), { attempts: 1, at: ago(44) });
      await match(store, 'r', cl(c1), c1.stored.articleId, ago(50), ['hook']);
      await store.markDelivered(await deliveryId(store, 'r', cl(c1), 'hook'), { attempts: 1, at: ago(50) });
      await match(store, 'r', `item:${f1.id}`, -f1.id, ago(40), ['hook']);
      await store.markDelivered(await deliveryId(store, 'r', `item:${f1.id}`, 'hook'), { attempts: 1, at: ago(40) });
      await match(store, 'r', cl(e1), e1.stored.articleId, ago(3), ['hook']);
      await store.markDelivered(await deliveryId(store, 'r', cl(e1), 'hook'), { attempts: 1, at: ago(3) });
      await match(store, 'odd', 'not-a-cluster', 0, ago(40), []);
      return { a1, a2, a3, b1, b2, c1, c2, d1, d2, e1, f1, f2, p1, p2 };
    }

    test('the world is stored as the test expects (decisions and revisions)', async () => {
      await withStore(async ({ store }) => {
        const w = await world(store);
        assert.equal(w.a2.stored.kind, 'revision');
        assert.equal(w.a3.stored.kind, 'duplicate-text');
        assert.equal(w.b2.stored.kind, 'near-duplicate');
        assert.equal(w.b2.stored.clusterId, w.b1.stored.clusterId);
        assert.equal(w.c2.stored.kind, 'duplicate-text');
        assert.equal(w.d2.stored.kind, 'near-duplicate');
        assert.equal(w.d2.stored.clusterId, w.d1.stored.clusterId);
        assert.equal(w.e1.stored.kind, 'new');
      });
    });

    test('old stories go whole (articles, revisions, bands, sightings, items, alert documents, search rows); stories seen recently stay whole', async () => {
      await withStore(async (o) => {
        const { store } = o;
        const w = await world(store);
        const feedsBefore = (await store.feedStates()).map((f) => ({ ...f, itemCount: 0 }));
        const stories = { c: await store.story(w.c1.stored.clusterId), d: await store.story(w.d1.stored.clusterId), e: await store.story(w.e1.stored.clusterId) };
        const before = await counts(o);

        const { batches, total } = await pruneAll(store, 500);
        assert.deepEqual(batches.map((b) => b.phase), ['stories', 'items', 'deliveries', 'matches', null]);
        assert.deepEqual(total, { clusters: 2, articles: 3, sightings: 5, alertDocs: 4, items: 7, deliveries: 5, matches: 3 });

        // Gone: A and B with everything that hung on them; the old failed item and its feed-only document; the old
        // pending item that was due.
        assert.equal(await store.story(w.a1.stored.clusterId), null);
        assert.equal(await store.story(w.b1.stored.clusterId), null);
        for (const x of [w.a1, w.a2, w.a3, w.b1, w.b2]) {
          assert.equal(await store.getItem(x.item.id), null, `item ${x.item.id} of an old story is gone`);
          assert.equal(await store.getAlertDoc(x.stored.articleId), null);
        }
        assert.equal(await store.getItem(w.f1.id), null);
        assert.equal(await store.getAlertDoc(-w.f1.id), null);
        assert.equal(await store.getItem(w.p1.id), null);
        const oldInput = dedupInput(w.a2.item, article('alphaword', 101), 'https://kg.example/a');
        const found = await store.findDuplicates(oldInput);
        assert.deepEqual([found.byGuid, found.byUrl, found.byHash, found.near], [null, null, null, []], 'no row, URL, hash or band of A is left');
        const search = async (word: string) =>
          (await store.searchCandidates(compileRule(word, lem, word), { limit: 100, lemmatizer: lem.id })).map((d) => d.articleId);
        assert.deepEqual(await search('alphaword'), []);
        assert.deepEqual(await search('bravoword'), []);
        assert.deepEqual(await search('charlieword'), [w.c1.stored.articleId]);

        // Kept, unchanged: C (its first article 50 days old), D (60 days old, with yesterday's near-duplicate), E, the
        // recent failed item and the pending item with a retry ahead, every feed.
        assert.deepEqual(await store.story(w.c1.stored.clusterId), stories.c);
        assert.deepEqual(await store.story(w.d1.stored.clusterId), stories.d);
        assert.deepEqual(await store.story(w.e1.stored.clusterId), stories.e);
        assert.equal(stories.d?.articles.length, 2);
        for (const x of [w.c1, w.c2, w.d1, w.d2, w.e1]) assert.equal((await store.getItem(x.item.id))?.articleState, 'done');
        for (const x of [w.c1, w.d1, w.d2, w.e1]) assert.ok(await store.getAlertDoc(x.stored.articleId));
        assert.ok(await store.getItem(w.f2.id));
        assert.ok(await store.getAlertDoc(-w.f2.id));
        assert.equal((await store.getItem(w.p2.id))?.articleState, 'pending');
        assert.deepEqual((await store.feedStates()).map((f) => ({ ...f, itemCount: 0 })), feedsBefore);

        // Deliveries: the pending one (of B, however old) and E's recent one. Matches: B's (a delivery is left), C's
        // (its story is still stored) and E's.
        const left = (await store.deliveries()).map((d) => `${d.clusterId}/${d.channel}/${d.status}`).sort();
        assert.deepEqual(left, [`${w.b1.stored.clusterId}/tg/pending`, `${w.e1.stored.clusterId}/hook/delivered`].sort());
        assert.equal(await o.count('alert_matches'), 3);
        const again = await store.recordMatch({ rule: 'r', clusterId: String(w.c1.stored.clusterId), articleId: w.c2.stored.articleId, channels: ['hook'], item: alertItem({ title: 'C', lead: null, url: null, feed: 'ria', publishedAt: null }, []), digest: false, dueAt: ago(0), matchedAt: ago(0) });
        assert.equal(again.created, false, 'the kept story does not alert again');

        // Nothing else: every table lost exactly what went above.
        const after = await counts(o);
        assert.deepEqual(after, {
          ...before,
          items: before.items! - 7,
          articles: before.articles! - 3,
          article_revisions: before.article_revisions! - 4,
          article_band: before.article_band! - 3 * 32,
          sightings: before.sightings! - 5,
          story_clusters: before.story_clusters! - 2,
          alert_docs: before.alert_docs! - 4,
          fts: before.fts! - 4,
          alert_matches: before.alert_matches! - 3,
          alert_deliveries: before.alert_deliveries! - 5,
        });
        assert.deepEqual(
          { articles: after.articles, revisions: after.article_revisions, sightings: after.sightings, clusters: after.story_clusters, docs: after.alert_docs, fts: after.fts },
          { articles: 4, revisions: 4, sightings: 5, clusters: 3, docs: 5, fts: 5 },
        );
      });
    });

    test('idempotent: a second pass removes nothing and changes nothing', async () => {
      await withStore(async (o) => {
        await world(o.store);
        await pruneAll(o.store, 500);
        const before = await counts(o);
        const { batches, total } = await pruneAll(o.store, 500);
        assert.deepEqual(batches.map((b) => b.phase), [null]);
        assert.deepEqual(total, emptyCounts());
        assert.deepEqual(await counts(o), before);
      });
    });

    test('nothing goes while everything is within the window; a later cutoff takes what has aged', async () => {
      await withStore(async (o) => {
        const w = await world(o.store);
        const before = await counts(o);
        const { batches } = await pruneAll(o.store, 500, ago(70));
        assert.deepEqual(batches.map((b) => b.phase), [null]);
        assert.deepEqual(await counts(o), before);
        // At 2.5 days, C and D (seen 2 days and 1 day ago) still stay; E (3 days) goes.
        await pruneAll(o.store, 500, ago(2.5));
        assert.ok(await o.store.story(w.c1.stored.clusterId));
        assert.ok(await o.store.story(w.d1.stored.clusterId));
        assert.equal(await o.store.story(w.e1.stored.clusterId), null);
      });
    });

    test('batches are respected: at most `limit` rows of one kind per call, a large story over several calls', async () => {
      await withStore(async (o) => {
        const { store } = o;
        for (let i = 0; i < 5; i++) await put(store, 'kg', ago(40 + i), article(`story${i}word`, 10 + i), `https://kg.example/s${i}`);
        // One story of three articles (two near-duplicates) from three feeds.
        const big = await put(store, 'kg', ago(50), article('bigword', 20), 'https://kg.example/big');
        await put(store, 'by', ago(49), article('bigword', 20, 1), 'https://by.example/big');
        await put(store, 'ria', ago(48), article('bigword', 20, 2), 'https://ria.example/big');
        const { batches, total } = await pruneAll(store, 2);
        for (const b of batches) {
          for (const k of ['articles', 'items', 'deliveries', 'matches'] as const) assert.ok(b[k] <= 2, `${k} ${b[k]} ≤ 2 in one batch`);
        }
        const phases = batches.map((b) => b.phase);
        assert.deepEqual(phases, ['stories', 'stories', 'stories', 'stories', 'items', 'items', 'items', 'items', null] satisfies (RetentionPhase | null)[]);
        // The big story is the oldest: its first batch takes two of its articles and leaves its cluster for the next.
        assert.deepEqual([batches[0]!.articles, batches[0]!.clusters], [2, 0]);
        assert.equal(batches[1]!.articles, 2);
        assert.ok(batches[1]!.clusters >= 1, 'the big story is removed whole in the second batch');
        assert.equal(await store.story(big.stored.clusterId), null);
        assert.deepEqual([total.clusters, total.articles, total.items], [6, 8, 8]);
        assert.deepEqual([await o.count('articles'), await o.count('items'), await o.count('story_clusters')], [0, 0, 0]);
      });
    });

    test('two workers pruning at once remove every row once', async () => {
      await withStore(async (o) => {
        await world(o.store);
        const other = await o.reopen();
        const [x, y] = await Promise.all([pruneAll(o.store, 1), pruneAll(other, 1)]);
        assert.deepEqual(addCounts(x.total, y.total), { clusters: 2, articles: 3, sightings: 5, alertDocs: 4, items: 7, deliveries: 5, matches: 3 });
        assert.deepEqual([await o.count('articles'), await o.count('items'), await o.count('alert_deliveries'), await o.count('alert_matches')], [4, 7, 2, 3]);
      });
    });

    test('a story stored after pruning started is not touched; new sightings keep an old story', async () => {
      await withStore(async (o) => {
        const { store } = o;
        const old = await put(store, 'kg', ago(40), article('foxtrotword', 30), 'https://kg.example/f');
        // Seen again today, verbatim, by another feed: the whole story is recent now.
        await put(store, 'by', ago(0), article('foxtrotword', 30), 'https://by.example/f');
        await pruneAll(store, 500);
        assert.equal((await store.story(old.stored.clusterId))?.sightings.length, 2);
        assert.equal((await store.getItem(old.item.id))?.articleState, 'done');
      });
    });

    test('applyRetention on a manual clock: runs batches to the end, logs the counts, and does nothing when off', async () => {
      await withStore(async ({ store }) => {
        await world(store);
        const clock = new ManualClock(NOW);
        const { logger, lines } = jsonLogLines();
        const off = await applyRetention({ store, clock, logger: silentLogger, config: { retention: { days: null, batchSize: 500, every: 3_600_000 } } });
        assert.equal(off, null);
        assert.equal((await store.deliveries()).length, 7, 'retention off touches nothing');

        const report = await applyRetention({ store, clock, logger, config: { retention: { days: DAYS, batchSize: 3, every: 3_600_000 } } });
        assert.ok(report);
        assert.equal(report.before, BEFORE);
        assert.equal(report.done, true);
        assert.deepEqual(
          { clusters: report.clusters, articles: report.articles, sightings: report.sightings, alertDocs: report.alertDocs, items: report.items, deliveries: report.deliveries, matches: report.matches },
          { clusters: 2, articles: 3, sightings: 5, alertDocs: 4, items: 7, deliveries: 5, matches: 3 },
        );
        assert.equal(report.batches, 1 + 3 + 2 + 1, 'stories 1, items 3 (7 by 3), deliveries 2 (5 by 3), matches 1');
        const line = lines.find((l) => l.msg === 'retention removed old rows');
        assert.ok(line, JSON.stringify(lines));
        assert.deepEqual([line.articles, line.items, line.deliveries, line.matches, line.batches], [3, 7, 5, 3, 7]);

        const again = await applyRetention({ store, clock, logger: silentLogger, config: { retention: { days: DAYS, batchSize: 3, every: 3_600_000 } } });
        assert.deepEqual([again?.batches, again?.done, again?.articles], [0, true, 0]);
      });
    });

    test('applyRetention stops at its time budget and the next run goes on from there', async () => {
      await withStore(async ({ store }) => {
        for (let i = 0; i < 4; i++) await put(store, 'kg', ago(40 + i), article(`budget${i}word`, 40 + i), `https://kg.example/b${i}`);
        const clock = new ManualClock(NOW);
        // Each batch takes 4 s of (manual) time.
        const slow = Object.create(store, {
          pruneExpired: { value: async (req: Parameters<Store['pruneExpired']>[0]) => (clock.advance(4000), store.pruneExpired(req)) },
        }) as Store;
        const deps = { store: slow, clock, logger: silentLogger, config: { retention: { days: DAYS, batchSize: 1, every: 3_600_000 } } };
        const first = await applyRetention(deps, { budgetMs: 10_000 });
        assert.deepEqual([first?.batches, first?.done, first?.articles], [3, false, 3]);
        const second = await applyRetention(deps, { budgetMs: 60_000 });
        assert.deepEqual([second?.done, second?.articles, second?.items], [true, 1, 4]);
      });
    });

    test('a bad request is refused with a storage error', async () => {
      await withStore(async ({ store }) => {
        const bad = (req: Partial<Parameters<Store['pruneExpired']>[0]>) =>
          assert.rejects(store.pruneExpired({ before: BEFORE, now: ago(0), limit: 10, ...req }), (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage' && !err.retryable);
        await bad({ limit: 0 });
        await bad({ limit: 1.5 });
        await bad({ before: 'yesterday' });
        await bad({ now: '' });
      });
    });
  });
}

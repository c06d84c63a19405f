/**
 * The boilerplate stage (src/pipeline/boilerplate-stage.ts) over a real SQLite store, with an injected clock: the
 * threshold and the window as time passes, a learned set cached per process and what happens when it is out of
 * date, and how often a host is pruned.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { paragraphKey } from '../../src/extract/learned.js';
import { silentLogger } from '../../src/log.js';
import type { Article } from '../../src/model.js';
import { BoilerplateLearner, canonicalHost, cleanExtracted, learnFromStored, type BoilerplateDeps } from '../../src/pipeline/boilerplate-stage.js';
import { dedupArticle } from '../../src/pipeline/dedup-stage.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { mulberry32, uniform } from '../helpers/prng.js';
import { okPoll, testArticle, testFeed, testItem } from '../helpers/store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-boilerplate-stage-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LINE = 'Ставьте оценку материалу внизу страницы, нам важно ваше мнение о каждом выпуске.';
const WORDS = 'озеро берег рыбак лодка сеть улов ветер волна остров туман утро вечер рынок соль лед весна'.split(' ');

function storyArticle(seed: number): Article {
  const rand = uniform(mulberry32(seed * 104729 + 1));
  const sentence = () => Array.from({ length: 14 }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ') + ` ${seed}.`;
  return testArticle(`История ${seed}`, [sentence(), LINE, sentence(), sentence()]);
}

interface Harness {
  store: Store;
  clock: ManualClock;
  deps: BoilerplateDeps;
  /** Store story `seed` as extracted now, through the stage; returns the article as stored and the report. */
  ingest(seed: number, deps?: BoilerplateDeps): Promise<{ article: Article; articleId: number; report: Awaited<ReturnType<typeof learnFromStored>> }>;
  close(): Promise<void>;
}

async function harness(settings = { minStories: 3, windowMs: DAY, maxPerHost: 1000 }): Promise<Harness> {
  const store = await openSqliteStore(join(dir, `db-${++n}`, 'feedwatch.db'));
  await store.syncFeeds([testFeed('f')]);
  const clock = new ManualClock(Date.parse('2026-06-01T00:00:00.000Z'));
  const deps: BoilerplateDeps = { config: { sites: [] }, store, clock, logger: silentLogger, boilerplate: new BoilerplateLearner(settings) };
  return {
    store,
    clock,
    deps,
    async ingest(seed, d = deps) {
      const url = `https://www.lakeside.example/news/${seed}.html`;
      const now = new Date(clock.now()).toISOString();
      const [item] = await store.recordPoll(okPoll('f', now, { itemsSeen: 1 }), [testItem('f', `g${seed}`, { link: url })], now);
      const { article, learning } = await cleanExtracted(storyArticle(seed), url, d);
      const { stored } = await dedupArticle(item!, article, url, now, { store });
      await store.saveArticle(item!.id, { ok: true, article, finalUrl: url }, now, null);
      const report = await learnFromStored(learning!, stored, article, d);
      return { article, articleId: stored.articleId, report };
    },
    close: () => store.close(),
  };
}

describe('boilerplate stage', () => {
  test('the host is the canonical one: www., default port and case folded', () => {
    assert.equal(canonicalHost('http://WWW.Lakeside.Example:80/a?utm_source=x'), 'lakeside.example');
    assert.equal(canonicalHost('http://127.0.0.1:8080/x'), '127.0.0.1:8080');
    assert.equal(canonicalHost('not a url'), null);
  });

  test('learned at the minStories-th story within the window, then dropped from new and stored articles', async () => {
    const h = await harness();
    try {
      const first = await h.ingest(1);
      assert.deepEqual(first.report!.newlyLearned, []);
      h.clock.advance(10 * HOUR);
      await h.ingest(2);
      h.clock.advance(10 * HOUR);
      const third = await h.ingest(3);
      assert.deepEqual(third.report!.newlyLearned, [paragraphKey(LINE)]);
      assert.equal(third.report!.recleaned, 3, 'the three stored articles were re-cleaned');
      const fourth = await h.ingest(4);
      assert.ok(!fourth.article.paragraphs.includes(LINE), 'dropped at extraction');
      assert.equal(fourth.report!.recleaned, 0);
      for (let s = 1; s <= 3; s++) {
        const stored = await h.store.getArticle(s);
        assert.ok(!stored!.article.paragraphs.includes(LINE), `item ${s} re-cleaned`);
      }
    } finally {
      await h.close();
    }
  });

  test('stories further apart than the window never make boilerplate', async () => {
    const h = await harness();
    try {
      for (let s = 1; s <= 6; s++) {
        const r = await h.ingest(s);
        assert.deepEqual(r.report!.newlyLearned, [], `story ${s}`);
        assert.ok(r.article.paragraphs.includes(LINE));
        h.clock.advance(DAY / 2 + HOUR);
      }
      // 6 stories, but never more than 2 within any one day.
      assert.deepEqual(await h.store.learnedBoilerplate('lakeside.example'), []);
    } finally {
      await h.close();
    }
  });

  test('a cached learned set out of date: the article is cleaned right after it is stored; the cache is read again after cacheMs', async () => {
    const h = await harness();
    try {
      // A second worker on the same store, with its own cache, read before anything was learned.
      const other: BoilerplateDeps = { ...h.deps, boilerplate: new BoilerplateLearner(h.deps.boilerplate!.settings, { cacheMs: 5 * 60_000 }) };
      await h.ingest(1, other);
      await h.ingest(2);
      assert.deepEqual((await h.ingest(3)).report!.newlyLearned, [paragraphKey(LINE)]);
      const stale = await h.ingest(4, other);
      assert.ok(stale.article.paragraphs.includes(LINE), 'extracted with the cached (empty) set');
      assert.equal(stale.report!.recleaned, 1, 'and cleaned once stored');
      assert.ok(!(await h.store.getArticle(4))!.article.paragraphs.includes(LINE));
      // recordParagraphs handed the worker the new set: its next article is clean at extraction.
      assert.ok(!(await h.ingest(5, other)).article.paragraphs.includes(LINE));

      // A third worker that cached the empty set uses it until cacheMs passes, then reads storage again.
      const third = new BoilerplateLearner(h.deps.boilerplate!.settings, { cacheMs: 60_000 });
      await third.learned('fresh.example', h.store, h.clock.now());
      for (let s = 0; s < 3; s++) {
        await h.store.recordParagraphs({ host: 'fresh.example', story: `s${s}`, paragraphs: [{ hash: paragraphKey(LINE)!, sample: LINE }], at: new Date(h.clock.now()).toISOString(), minStories: 3, windowMs: DAY, maxPerHost: 10 });
      }
      assert.equal((await third.learned('fresh.example', h.store, h.clock.now() + 59_000)).size, 0, 'cached');
      assert.equal((await third.learned('fresh.example', h.store, h.clock.now() + 60_000)).size, 1, 'read again');
    } finally {
      await h.close();
    }
  });

  test('a host is pruned at most once per pruneEveryMs by one process', () => {
    const learner = new BoilerplateLearner({ minStories: 3, windowMs: DAY, maxPerHost: 100 }, { pruneEveryMs: 10 * 60_000 });
    const t = Date.parse('2026-06-01T00:00:00.000Z');
    assert.equal(learner.duePrune('a.example', t), true);
    assert.equal(learner.duePrune('a.example', t + 9 * 60_000), false);
    assert.equal(learner.duePrune('b.example', t + 9 * 60_000), true, 'per host');
    assert.equal(learner.duePrune('a.example', t + 10 * 60_000), true);
  });

  test('the feature off: the article as extracted, nothing counted', async () => {
    const h = await harness();
    try {
      const off: BoilerplateDeps = { ...h.deps, boilerplate: undefined };
      const { article, learning } = await cleanExtracted(storyArticle(1), 'https://lakeside.example/x', off);
      assert.equal(learning, null);
      assert.deepEqual(article, storyArticle(1));
    } finally {
      await h.close();
    }
  });
});

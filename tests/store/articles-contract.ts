/**
 * The ArticleStore contract: deduplicated article storage as every `Store` driver must behave, written against the
 * interface only. A driver's test file calls `runArticleStoreContract(name, makeStore, makeTwoStores)`: a fresh,
 * empty, migrated store; and two stores (two connections or pools) on one fresh database, for the races.
 *
 * Texts are the Sputnik fixtures: the Lavrov article (and edits of it: a sister site's dateline, a paragraph cut,
 * a changed sentence) and a German article of the same engine as the different story.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FeedwatchError } from '../../src/errors.js';
import type { Article, DedupFound, DedupInput, StoredArticle, StoredItem } from '../../src/model.js';
import { dedupInput } from '../../src/pipeline/dedup-stage.js';
import { decideForStore, NEAR_CANDIDATE_LIMIT } from '../../src/store/articles.js';
import type { Store } from '../../src/store/store.js';
import { okPoll, testFeed, testItem } from '../helpers/store-fixtures.js';

interface Expected {
  title: string;
  lead: string;
  paragraphs: string[];
}
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/sputnik/${name}`, import.meta.url), 'utf8')) as Expected;
const LAVROV = fixture('sputnik-kg-20220305-lavrov.expected.json');
const WIND = fixture('snanews-de-20201216.expected.json');

const T0 = Date.parse('2026-03-05T12:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

function article(base: Expected, over: Partial<Article> = {}, paragraphs: string[] = base.paragraphs): Article {
  return {
    title: base.title,
    lead: base.lead,
    paragraphs,
    dateline: null,
    place: null,
    author: null,
    publishedAt: '2022-03-05T18:20:00+06:00',
    tags: [],
    language: 'ru',
    canonicalUrl: null,
    images: [],
    extractor: 'sputnik',
    ...over,
  };
}

/** The Lavrov story as a sister site republished it: its own dateline, one paragraph cut. */
const SISTER = article(LAVROV, { title: 'Лавров назвал важные моменты отношений с Кыргызстаном' }, [
  `МИНСК, 5 мар — Sputnik. ${LAVROV.paragraphs[0]}`,
  ...LAVROV.paragraphs.slice(1, 5),
  ...LAVROV.paragraphs.slice(6),
]);
/** Any story as a sister site republished it: a dateline put in front, the fourth paragraph cut. */
function sisterOf(base: Expected): Article {
  const [head = '', ...rest] = base.paragraphs;
  return article(base, {}, [`LONDON (Reuters) — ${head}`, ...rest.slice(0, 2), ...rest.slice(3)]);
}
/** The same text verbatim under a wire dateline: the same normalized text. */
const VERBATIM = article(LAVROV, { title: 'Лавров о союзе с Кыргызстаном' }, [`МОСКВА, 5 мар — РИА Новости. ${LAVROV.paragraphs[0]}`, ...LAVROV.paragraphs.slice(1)]);
/** An edit of the original at its own URL: one sentence changed. */
function edited(n: number): Article {
  const paragraphs = [...LAVROV.paragraphs];
  paragraphs[2] = `${paragraphs[2]} Правка номер ${n}: переговоры продлились более трех часов.`;
  return article(LAVROV, {}, paragraphs);
}
const ORIGINAL = article(LAVROV);
const OTHER = article(WIND, { language: 'de' });

const KG_URL = 'https://ru.sputnik.kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html';

const FEEDS = ['kg', 'by', 'ria', 'de'].map((name) => testFeed(name));

let guidSeq = 0;
/** A new item of `feed`, first seen `minutes` after T0. */
async function newItem(store: Store, feed: string, minutes: number, guid = `g${++guidSeq}`): Promise<StoredItem> {
  const poll = okPoll(feed, at(minutes), { itemsSeen: 1, elapsedMs: 3 });
  const [item] = await store.recordPoll(poll, [testItem(feed, guid, { publishedAt: '2022-03-05T18:20:00+06:00' })], at(minutes + 15));
  assert.ok(item, `item ${guid} is new`);
  return item;
}

/** What the pipeline does: fingerprint, look up, decide, store. */
async function put(store: Store, item: StoredItem, art: Article, url: string, minutes = 0): Promise<StoredArticle> {
  const input = dedupInput(item, art, url);
  const decision = decideForStore(input, await store.findDuplicates(input));
  return store.storeArticle({ itemId: item.id, input, article: art, decision, at: at(minutes + 1) });
}

/** Look up and decide now; store later (as a worker whose lookup raced another's write). */
async function decideNow(store: Store, item: StoredItem, art: Article, url: string) {
  const input = dedupInput(item, art, url);
  const decision = decideForStore(input, await store.findDuplicates(input));
  return (s: Store = store) => s.storeArticle({ itemId: item.id, input, article: art, decision, at: at(30) });
}

export function runArticleStoreContract(name: string, makeStore: () => Promise<Store>, makeTwoStores: () => Promise<[Store, Store]>): void {
  async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
    const store = await makeStore();
    try {
      await store.syncFeeds(FEEDS);
      await fn(store);
    } finally {
      await store.close();
    }
  }

  async function withTwo(fn: (one: Store, two: Store) => Promise<void>): Promise<void> {
    const [one, two] = await makeTwoStores();
    try {
      await one.syncFeeds(FEEDS);
      await fn(one, two);
    } finally {
      await one.close();
      await two.close();
    }
  }

  describe(`ArticleStore contract: ${name}`, () => {
    test('an empty store finds nothing; an unknown story is null', () =>
      withStore(async (store) => {
        const item = await newItem(store, 'kg', 0);
        assert.deepEqual(await store.findDuplicates(dedupInput(item, ORIGINAL, KG_URL)), { byGuid: null, byUrl: null, byHash: null, near: [] });
        assert.equal(await store.story(1), null);
      }));

    test('a new article founds its story: revision 1, one sighting, and it is found by guid, URL, text hash and bands', () =>
      withStore(async (store) => {
        const item = await newItem(store, 'kg', 0);
        const stored = await put(store, item, ORIGINAL, `${KG_URL}?utm_source=rss`);
        assert.deepEqual(stored, {
          articleId: stored.articleId,
          clusterId: stored.articleId,
          revision: 1,
          kind: 'new',
          similarity: null,
          isNewStory: true,
          isNewArticle: true,
          repeated: false,
        });
        const input = dedupInput(item, ORIGINAL, KG_URL);
        const found = await store.findDuplicates(input);
        const match = { articleId: stored.articleId, clusterId: stored.clusterId, url: KG_URL, textHash: input.textHash, minhash: input.minhash };
        assert.deepEqual(found.byGuid, match, 'the item points at its article');
        assert.deepEqual(found.byUrl, match, 'utm parameters are not part of the canonical URL');
        assert.deepEqual(found.byHash, match);
        assert.deepEqual(found.near, [match]);

        const story = await store.story(stored.clusterId);
        assert.ok(story);
        assert.equal(story.clusterId, stored.clusterId);
        assert.equal(story.firstSeenAt, item.firstSeenAt);
        assert.deepEqual(story.articles, [
          {
            articleId: stored.articleId,
            canonicalUrl: KG_URL,
            title: LAVROV.title,
            revision: 1,
            textHash: input.textHash,
            firstSeenAt: item.firstSeenAt,
            updatedAt: at(1),
            revisions: [{ revision: 1, textHash: input.textHash, url: `${KG_URL}?utm_source=rss`, createdAt: at(1) }],
          },
        ]);
        assert.deepEqual(story.sightings, [
          {
            itemId: item.id,
            articleId: stored.articleId,
            feedName: 'kg',
            url: `${KG_URL}?utm_source=rss`,
            canonicalUrl: KG_URL,
            revision: 1,
            kind: 'new',
            similarity: null,
            seenAt: item.firstSeenAt,
            publishedAt: '2022-03-05T18:20:00+06:00',
          },
        ]);
      }));

    test('storing an item again (a retried job) stores nothing and reports the first outcome', () =>
      withStore(async (store) => {
        const item = await newItem(store, 'kg', 0);
        const retry = await decideNow(store, item, ORIGINAL, KG_URL);
        const first = await put(store, item, ORIGINAL, KG_URL);
        const again = await put(store, item, ORIGINAL, KG_URL);
        const stale = await retry();
        for (const r of [again, stale]) assert.deepEqual(r, { ...first, repeated: true });
        const story = await store.story(first.clusterId);
        assert.equal(story?.articles.length, 1);
        assert.equal(story?.articles[0]?.revisions.length, 1);
        assert.equal(story?.sightings.length, 1);
      }));

    test('one story under several URLs and feeds is one article with a sighting each', () =>
      withStore(async (store) => {
        const first = await put(store, await newItem(store, 'kg', 0), ORIGINAL, KG_URL);
        // The same link under a new guid, with tracking parameters, on the AMP edition, on the mobile host.
        const utm = await put(store, await newItem(store, 'kg', 5), ORIGINAL, `${KG_URL}?utm_source=rss&utm_medium=feed`);
        const amp = await put(store, await newItem(store, 'kg', 6), ORIGINAL, KG_URL.replace('.kg/', '.kg/amp/'));
        const mobile = await put(store, await newItem(store, 'kg', 7), ORIGINAL, KG_URL.replace('ru.sputnik', 'm.ru.sputnik'));
        // A print view whose page names the article's URL as canonical.
        const print = await put(store, await newItem(store, 'kg', 8), article(LAVROV, { canonicalUrl: KG_URL }), 'https://ru.sputnik.kg/print/1054780123');
        // Another feed listing the same guid and link.
        const mirror = await newItem(store, 'ria', 9, `https://example.com/g-mirror`);
        const viaMirror = await put(store, mirror, ORIGINAL, KG_URL);
        // The same text, verbatim but for a wire dateline, on another site.
        const verbatim = await put(store, await newItem(store, 'ria', 10), VERBATIM, 'https://ria.ru/20220305/lavrov-1776543210.html');
        for (const r of [utm, amp, mobile, print, viaMirror]) {
          assert.deepEqual(r, { articleId: first.articleId, clusterId: first.clusterId, revision: 1, kind: 'duplicate-url', similarity: null, isNewStory: false, isNewArticle: false, repeated: false });
        }
        assert.equal(verbatim.kind, 'duplicate-text');
        assert.equal(verbatim.articleId, first.articleId);
        const story = await store.story(first.clusterId);
        assert.equal(story?.articles.length, 1, 'one article');
        assert.deepEqual(
          story?.sightings.map((s) => [s.feedName, s.kind, s.seenAt]),
          [
            ['kg', 'new', at(0)],
            ['kg', 'duplicate-url', at(5)],
            ['kg', 'duplicate-url', at(6)],
            ['kg', 'duplicate-url', at(7)],
            ['kg', 'duplicate-url', at(8)],
            ['ria', 'duplicate-url', at(9)],
            ['ria', 'duplicate-text', at(10)],
          ],
        );
        assert.equal(story?.sightings[4]?.url, 'https://ru.sputnik.kg/print/1054780123', 'the sighting keeps the URL as seen');
      }));

    test('a sister-site republication joins the story as a new article; a different story founds another', () =>
      withStore(async (store) => {
        const first = await put(store, await newItem(store, 'kg', 0), ORIGINAL, KG_URL);
        const sister = await put(store, await newItem(store, 'by', 20), SISTER, 'https://sputnik.by/20220305/lavrov-1061234567.html');
        assert.equal(sister.kind, 'near-duplicate');
        assert.equal(sister.clusterId, first.clusterId);
        assert.notEqual(sister.articleId, first.articleId);
        assert.ok(sister.similarity !== null && sister.similarity >= 0.3 && sister.similarity < 1, `similarity ${sister.similarity}`);
        assert.deepEqual([sister.isNewStory, sister.isNewArticle, sister.revision], [false, true, 1]);

        const other = await put(store, await newItem(store, 'de', 30), OTHER, 'https://snanews.de/20201216/traditionelle-fischerei-und-windkraft-184985.html');
        assert.equal(other.kind, 'new');
        assert.notEqual(other.clusterId, first.clusterId);
        assert.equal(other.clusterId, other.articleId);

        const story = await store.story(first.clusterId);
        assert.deepEqual(story?.articles.map((a) => [a.articleId, a.title]), [
          [first.articleId, LAVROV.title],
          [sister.articleId, SISTER.title],
        ]);
        assert.deepEqual(story?.sightings.map((s) => [s.feedName, s.kind, s.articleId]), [
          ['kg', 'new', first.articleId],
          ['by', 'near-duplicate', sister.articleId],
        ]);
        assert.equal(story?.sightings[1]?.similarity, sister.similarity);
        assert.equal((await store.story(other.clusterId))?.articles.length, 1);
      }));

    test('a changed text at the same canonical URL is the next revision of the same article', () =>
      withStore(async (store) => {
        const first = await put(store, await newItem(store, 'kg', 0), ORIGINAL, KG_URL);
        const item2 = await newItem(store, 'kg', 40);
        const second = await put(store, item2, edited(1), `${KG_URL}?utm_campaign=x`, 40);
        assert.deepEqual(second, { articleId: first.articleId, clusterId: first.clusterId, revision: 2, kind: 'revision', similarity: null, isNewStory: false, isNewArticle: false, repeated: false });
        const oldInput = dedupInput(item2, ORIGINAL, KG_URL);
        const newInput = dedupInput(item2, edited(1), KG_URL);
        const found = await store.findDuplicates(oldInput);
        assert.equal(found.byHash, null, 'the old text is no longer an article\'s current text');
        assert.equal(found.byUrl?.textHash, newInput.textHash);
        assert.deepEqual(found.near.map((m) => m.textHash), [newInput.textHash], 'the bands are those of the current text');
        const story = await store.story(first.clusterId);
        assert.equal(story?.articles.length, 1);
        assert.equal(story?.articles[0]?.revision, 2);
        assert.equal(story?.articles[0]?.textHash, newInput.textHash);
        assert.equal(story?.articles[0]?.updatedAt, at(41));
        assert.deepEqual(story?.articles[0]?.revisions.map((r) => [r.revision, r.textHash]), [
          [1, oldInput.textHash],
          [2, newInput.textHash],
        ]);
        assert.deepEqual(story?.sightings.map((s) => [s.kind, s.revision]), [
          ['new', 1],
          ['revision', 2],
        ]);
        // The original text seen again at the URL is yet another revision, not a step back to revision 1.
        const third = await put(store, await newItem(store, 'ria', 50), ORIGINAL, KG_URL, 50);
        assert.deepEqual([third.kind, third.articleId, third.revision], ['revision', first.articleId, 3]);
      }));

    test('a decision that no longer holds when it is stored is made again', () =>
      withStore(async (store) => {
        // Two items decided "new" before either was stored: the second becomes a sighting of the first.
        const a = await newItem(store, 'kg', 0);
        const b = await newItem(store, 'ria', 1);
        const storeA = await decideNow(store, a, ORIGINAL, KG_URL);
        const storeB = await decideNow(store, b, VERBATIM, 'https://ria.ru/20220305/lavrov-1776543210.html');
        const ra = await storeA();
        const rb = await storeB();
        assert.equal(ra.kind, 'new');
        assert.deepEqual([rb.kind, rb.articleId, rb.isNewStory], ['duplicate-text', ra.articleId, false]);

        // Two revisions decided on revision 1: both are kept, as revisions 2 and 3.
        const c = await newItem(store, 'kg', 2);
        const d = await newItem(store, 'by', 3);
        const storeC = await decideNow(store, c, edited(1), KG_URL);
        const storeD = await decideNow(store, d, edited(2), KG_URL);
        const rc = await storeC();
        const rd = await storeD();
        assert.deepEqual([rc.kind, rc.revision, rd.kind, rd.revision], ['revision', 2, 'revision', 3]);
        assert.equal(rd.articleId, ra.articleId);

        // A revision to a text that another article already has is a sighting of that article.
        const sister = await put(store, await newItem(store, 'by', 4), SISTER, 'https://sputnik.by/20220305/lavrov-1061234567.html');
        const e = await newItem(store, 'kg', 5);
        const toSister = await put(store, e, article(LAVROV, {}, SISTER.paragraphs), KG_URL);
        assert.deepEqual([toSister.kind, toSister.articleId], ['duplicate-text', sister.articleId]);
        const story = await store.story(ra.clusterId);
        assert.deepEqual(story?.articles.map((x) => x.revision), [3, 1]);
      }));

    test('a text too short to fingerprint is deduplicated by its hash alone', () =>
      withStore(async (store) => {
        const short = article(LAVROV, { lead: null }, ['Лавров прибыл в Бишкек.']);
        const one = await put(store, await newItem(store, 'kg', 0), short, 'https://ru.sputnik.kg/short-1.html');
        const input = dedupInput(await newItem(store, 'ria', 1), short, 'https://ria.ru/short-2.html');
        assert.equal(input.minhash, null);
        assert.deepEqual(input.bands, []);
        const found = await store.findDuplicates(input);
        assert.equal(found.byHash?.articleId, one.articleId);
        assert.deepEqual(found.near, []);
        const two = await put(store, await newItem(store, 'by', 2), short, 'https://sputnik.by/short-3.html');
        assert.deepEqual([two.kind, two.articleId], ['duplicate-text', one.articleId]);
      }));

    test(`near candidates are bounded (${NEAR_CANDIDATE_LIMIT}) and come most-shared-bands first`, () =>
      withStore(async (store) => {
        const ids: number[] = [];
        for (let i = 0; i < NEAR_CANDIDATE_LIMIT + 5; i++) {
          const variant = article(LAVROV, {}, [...LAVROV.paragraphs.slice(0, 12), `Дополнение номер ${i}: министры обсудили также ${i + 2} новых соглашения о торговле.`]);
          ids.push((await put(store, await newItem(store, 'kg', i), variant, `https://ru.sputnik.kg/variant-${i}.html`)).articleId);
        }
        const probe = dedupInput(await newItem(store, 'by', 100), ORIGINAL, KG_URL);
        const found = await store.findDuplicates(probe);
        assert.equal(found.near.length, NEAR_CANDIDATE_LIMIT);
        assert.ok(found.near.every((m) => ids.includes(m.articleId)));
        assert.equal(new Set(found.near.map((m) => m.articleId)).size, NEAR_CANDIDATE_LIMIT);
        // A candidate sharing every band with the probe comes before all of them.
        const exact = await put(store, await newItem(store, 'ria', 101), article(LAVROV, {}, LAVROV.paragraphs), 'https://ria.ru/lavrov-exact.html');
        assert.equal(exact.kind, 'near-duplicate');
        const again = await store.findDuplicates(probe);
        assert.equal(again.near[0]?.articleId, exact.articleId);
      }));

    test('an unknown item or a malformed input is a storage error, and stores nothing', () =>
      withStore(async (store) => {
        const item = await newItem(store, 'kg', 0);
        const input = dedupInput(item, ORIGINAL, KG_URL);
        const isStorage = (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage' && !err.retryable;
        await assert.rejects(store.storeArticle({ itemId: 987654, input, article: ORIGINAL, decision: { kind: 'new' }, at: at(1) }), isStorage);
        const bad: DedupInput = { ...input, bands: [-1] };
        await assert.rejects(store.findDuplicates(bad), isStorage);
        await assert.rejects(store.storeArticle({ itemId: item.id, input: { ...input, textHash: '' }, article: ORIGINAL, decision: { kind: 'new' }, at: at(1) }), isStorage);
        assert.deepEqual(await store.findDuplicates(input), { byGuid: null, byUrl: null, byHash: null, near: [] });
      }));

    test('two workers storing the same story at the same moment give one article', () =>
      withTwo(async (one, two) => {
        for (const [round, base] of [LAVROV, WIND].entries()) {
          const url = `https://example.com/race-${round}.html`;
          const a = await newItem(one, 'kg', round * 10);
          const b = await newItem(one, 'ria', round * 10 + 1);
          // Both looked before either stored: both decided "new".
          const storeA = await decideNow(one, a, article(base), url);
          const storeB = await decideNow(two, b, article(base), `${url}?utm_source=ria`);
          const [ra, rb] = await Promise.all([storeA(one), storeB(two)]);
          assert.equal(ra.articleId, rb.articleId, `round ${round}: one article`);
          assert.deepEqual([ra.isNewStory, rb.isNewStory].sort(), [false, true]);
          const story = await two.story(ra.clusterId);
          assert.equal(story?.articles.length, 1);
          assert.deepEqual(story?.sightings.map((s) => s.kind).sort(), ['duplicate-url', 'new']);
        }
      }));

    test('two workers storing two near-duplicate texts at once give one story', () =>
      withTwo(async (one, two) => {
        for (const [round, base] of [LAVROV, WIND].entries()) {
          const a = await newItem(one, 'kg', round * 10);
          const b = await newItem(one, 'by', round * 10 + 1);
          const storeA = await decideNow(one, a, article(base), `https://example.com/near-${round}.html`);
          const storeB = await decideNow(two, b, sisterOf(base), `https://example.org/near-${round}.html`);
          const [ra, rb] = await Promise.all([storeA(one), storeB(two)]);
          assert.notEqual(ra.articleId, rb.articleId);
          assert.equal(ra.clusterId, rb.clusterId, `round ${round}: one cluster`);
          assert.deepEqual([ra.kind, rb.kind].sort(), ['near-duplicate', 'new']);
        }
      }));

    test('one item stored by two workers at once gives one sighting; two revisions at once are both kept', () =>
      withTwo(async (one, two) => {
        const item = await newItem(one, 'kg', 0);
        const [ra, rb] = await Promise.all([(await decideNow(one, item, ORIGINAL, KG_URL))(one), (await decideNow(two, item, ORIGINAL, KG_URL))(two)]);
        assert.equal(ra.articleId, rb.articleId);
        assert.deepEqual([ra.repeated, rb.repeated].sort(), [false, true]);
        assert.equal((await one.story(ra.clusterId))?.sightings.length, 1);

        const c = await newItem(one, 'ria', 1);
        const d = await newItem(one, 'by', 2);
        const [rc, rd] = await Promise.all([(await decideNow(one, c, edited(1), KG_URL))(one), (await decideNow(two, d, edited(2), KG_URL))(two)]);
        assert.deepEqual([rc.kind, rd.kind], ['revision', 'revision']);
        assert.deepEqual([rc.revision, rd.revision].sort(), [2, 3]);
        const story = await two.story(ra.clusterId);
        assert.deepEqual(story?.articles[0]?.revisions.map((r) => r.revision), [1, 2, 3]);
      }));

    // A lookup is several reads: done while another worker stores the same item, some of them can see that store and
    // some not. Replayed step by step with two real lookups of the second worker, one before and one after the first
    // worker's commit, combined as such a straddling lookup would read them: whatever kind that makes it decide, the
    // item keeps one sighting and the second worker reports it as repeated, with what the first one stored.
    test('a lookup straddling another worker\'s store of the same item: one sighting, the second reports repeated', () =>
      withTwo(async (one, two) => {
        const cases: Array<{ kind: string; art: Article; url: string; after: (keyof DedupFound)[] }> = [
          // Every read before the commit (first: later rounds are near duplicates of earlier ones).
          { kind: 'new', art: ORIGINAL, url: KG_URL, after: [] },
          // The guid read before the commit, the URL after it.
          { kind: 'duplicate-url', art: ORIGINAL, url: KG_URL, after: ['byUrl', 'byHash', 'near'] },
          // The guid and URL before, the text hash after.
          { kind: 'duplicate-text', art: ORIGINAL, url: KG_URL, after: ['byHash', 'near'] },
          // The page changed between the two workers' fetches: the URL, read after, has the other text.
          { kind: 'revision', art: edited(7), url: KG_URL, after: ['byUrl', 'byHash', 'near'] },
          // The page redirected elsewhere for the second worker: only the bands, read after, find the first's text.
          { kind: 'near-duplicate', art: SISTER, url: 'https://sputnik.by/20220305/lavrov-1061234567.html', after: ['near'] },
        ];
        for (const [round, c] of cases.entries()) {
          // Each round its own story: the first worker's text and URL are this round's.
          const url = `https://example.com/straddle-${round}.html`;
          const base = round % 2 === 0 ? LAVROV : WIND;
          const firstArt = article(base, {}, [`Раунд ${round}. ${base.paragraphs[0]}`, ...base.paragraphs.slice(1)]);
          const secondArt = c.art === ORIGINAL ? firstArt : c.art === SISTER ? sisterOf(base) : article(base, {}, [`Раунд ${round}. ${base.paragraphs[0]}`, ...base.paragraphs.slice(1, -1)]);
          const secondUrl = c.art === SISTER ? `https://example.org/straddle-${round}.html` : url;
          const item = await newItem(one, 'kg', round * 10);
          const input = dedupInput(item, secondArt, secondUrl);
          const before = await two.findDuplicates(input);
          const first = await put(one, item, firstArt, url, round * 10);
          const after = await two.findDuplicates(input);
          const straddled: DedupFound = { byGuid: before.byGuid ?? null, byUrl: before.byUrl ?? null, byHash: before.byHash ?? null, near: before.near };
          for (const k of c.after) (straddled as unknown as Record<string, unknown>)[k] = after[k];
          const decision = decideForStore(input, straddled);
          assert.equal(decision.kind, c.kind, `round ${round}: the straddling lookup decides ${c.kind}`);
          const second = await two.storeArticle({ itemId: item.id, input, article: secondArt, decision, at: at(round * 10 + 2) });
          assert.deepEqual(second, { ...first, repeated: true }, `round ${round} (${c.kind})`);
          // (Rounds on one base text join one story: only this round's item and article are counted.)
          const story = await one.story(first.clusterId);
          assert.deepEqual(story?.sightings.filter((x) => x.itemId === item.id).map((x) => x.articleId), [first.articleId], `round ${round} (${c.kind}): one sighting`);
          assert.deepEqual(story?.articles.filter((x) => x.articleId === first.articleId).map((x) => x.revisions.length), [1], `round ${round} (${c.kind}): one revision`);
          assert.equal(story?.sightings.length, story?.articles.length, `round ${round} (${c.kind}): no article without its sighting`);
        }
      }));
  });
}

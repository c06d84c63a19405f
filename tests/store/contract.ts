/**
 * The storage contract: behaviours every `Store` driver must show, written against the interface only.
 * A driver's test file calls `runStoreContract('sqlite', makeStore)` with a factory that returns a fresh,
 * empty, migrated store each time (a new temp SQLite file; later a new PostgreSQL schema).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedwatchError } from '../../src/errors.js';
import type { Article, ArticleOutcome, FeedItem, PollOutcome } from '../../src/model.js';
import type { Store } from '../../src/store/store.js';
import { okPoll, storeRunner, testFeed as feed, testItem } from '../helpers/store-fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
/** ISO time `minutes` after T0. */
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

/** An item with a page link, title, description and date of its own. */
function item(feedName: string, guid: string, over: Partial<FeedItem> = {}): FeedItem {
  return testItem(feedName, guid, {
    link: `https://example.com/news/${guid}.html`,
    title: `Title ${guid}`,
    description: `Description of ${guid}`,
    publishedAt: '2026-01-01T03:00:00+03:00',
    ...over,
  });
}

function poll(feedName: string, minutes: number, over: Partial<PollOutcome> = {}): PollOutcome {
  return okPoll(feedName, at(minutes), { elapsedMs: 12, ...over });
}

function failure(feedName: string, minutes: number, status: number | null, kind: string, message: string): PollOutcome {
  return poll(feedName, minutes, { ok: false, status, errorKind: kind, errorMessage: message });
}

const article: Article = {
  title: 'Лавров провел переговоры',
  lead: 'Первый абзац.',
  paragraphs: ['Первый абзац.', 'Второй абзац.'],
  dateline: 'БИШКЕК, 5 мар — Sputnik.',
  place: 'БИШКЕК',
  author: null,
  publishedAt: '2022-03-05T12:00:00+06:00',
  tags: ['политика'],
  language: 'ru',
  canonicalUrl: 'https://ru.sputnik.kg/20220305/lavrov.html',
  images: [{ url: 'https://ru.sputnik.kg/img/1.jpg', caption: null, credit: 'Sputnik' }],
  extractor: 'sputnik',
};

async function rejectsWithStorageError(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage');
}

export function runStoreContract(name: string, makeStore: () => Promise<Store>): void {
  const withStore = storeRunner(makeStore);

  describe(`Store contract: ${name}`, () => {
    test('migrate() again is harmless and keeps the data', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        await store.recordPoll(poll('a', 0), [item('a', 'g1')], at(15));
        await store.migrate();
        await store.migrate();
        const [state] = await store.feedStates();
        assert.equal(state?.itemCount, 1);
      }));

    test('syncFeeds adds feeds with an empty fetch state; feedStates is sorted by name (code point order)', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('sputnik-kg'), feed('Ria'), feed('by', { enabled: false })]);
        const states = await store.feedStates();
        assert.deepEqual(states.map((s) => s.name), ['Ria', 'by', 'sputnik-kg']);
        assert.deepEqual(states[2], {
          name: 'sputnik-kg',
          url: 'https://example.com/sputnik-kg.xml',
          enabled: true,
          etag: null,
          lastModified: null,
          lastStatus: null,
          lastError: null,
          errorCount: 0,
          failingSince: null,
          declaredFeeds: [],
          lastFetchedAt: null,
          nextDueAt: null,
          movedTo: null,
          itemCount: 0,
        });
        assert.equal(states[1]?.enabled, false);
        assert.equal(await store.feedState('nope'), null);
      }));

    test('recordPoll stores items once: a re-poll returns [] and only new items are returned', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        const first = await store.recordPoll(poll('a', 0), [item('a', 'g1'), item('a', 'g2')], at(15));
        assert.deepEqual(first.map((i) => i.guid), ['g1', 'g2']);
        assert.notEqual(first[0]?.id, first[1]?.id);
        assert.equal(first[0]?.articleState, 'pending');
        assert.equal(first[0]?.articleAttempts, 0);
        assert.equal(first[0]?.firstSeenAt, at(0));

        const again = await store.recordPoll(poll('a', 15), [item('a', 'g1'), item('a', 'g2', { title: 'edited' })], at(30));
        assert.deepEqual(again, []);
        assert.equal((await store.feedState('a'))?.itemCount, 2);
        assert.equal((await store.getItem(first[1]!.id))?.title, 'Title g2', 'a re-poll does not overwrite the stored item');

        const third = await store.recordPoll(poll('a', 30), [item('a', 'g2'), item('a', 'g3'), item('a', 'g3')], at(45));
        assert.deepEqual(third.map((i) => i.guid), ['g3'], 'a guid repeated within one poll is stored once');
        assert.equal((await store.feedState('a'))?.itemCount, 3);
      }));

    test('the same guid in two feeds is two items', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a'), feed('b')]);
        await store.recordPoll(poll('a', 0), [item('a', 'same')], at(15));
        const inB = await store.recordPoll(poll('b', 0), [item('b', 'same')], at(15));
        assert.equal(inB.length, 1);
        assert.deepEqual((await store.feedStates()).map((s) => s.itemCount), [1, 1]);
      }));

    test('an item keeps every field through a round trip', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('ria')]);
        const full = item('ria', 'https://ria.ru/20260101/x.html', {
          author: 'Иван Петров',
          categories: ['Политика', 'В мире'],
          enclosures: [{ url: 'https://cdnn21.img.ria.ru/x.jpg', type: 'image/jpeg', length: 12345 }, { url: 'https://x/y.mp3', type: null, length: null }],
          extra: { 'rian:type': 'article', 'rian:priority': ['1', '2'] },
          publishedAt: '2026-01-01T03:00:00+03:00',
        });
        const bare = item('ria', 'bare', { link: null, title: null, description: null, publishedAt: null });
        const [storedFull, storedBare] = await store.recordPoll(poll('ria', 0), [full, bare], at(15));
        const { id: _id, firstSeenAt: _seen, articleState: _s, articleAttempts: _a, articleError: _e, ...fields } = (await store.getItem(storedFull!.id))!;
        assert.deepEqual(fields, full);
        assert.deepEqual(await store.getItem(storedFull!.id), storedFull);
        const bareBack = await store.getItem(storedBare!.id);
        assert.equal(bareBack?.link, null);
        assert.equal(bareBack?.publishedAt, null);
        assert.equal(await store.getItem(987654), null);
      }));

    test('a success records status and validators; a 304 keeps the stored ETag and Last-Modified', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        await store.recordPoll(poll('a', 0, { etag: '"v1"', lastModified: 'Thu, 01 Jan 2026 00:00:00 GMT' }), [item('a', 'g1')], at(15));
        let s = await store.feedState('a');
        assert.equal(s?.etag, '"v1"');
        assert.equal(s?.lastModified, 'Thu, 01 Jan 2026 00:00:00 GMT');
        assert.equal(s?.lastStatus, 200);
        assert.equal(s?.lastFetchedAt, at(0));
        assert.equal(s?.nextDueAt, at(15));

        const none = await store.recordPoll(poll('a', 15, { status: 304, notModified: true }), [], at(30));
        assert.deepEqual(none, []);
        s = await store.feedState('a');
        assert.equal(s?.etag, '"v1"');
        assert.equal(s?.lastModified, 'Thu, 01 Jan 2026 00:00:00 GMT');
        assert.equal(s?.lastStatus, 304);
        assert.equal(s?.lastFetchedAt, at(15));
        assert.equal(s?.nextDueAt, at(30));
        assert.equal(s?.itemCount, 1);

        await store.recordPoll(poll('a', 30, { etag: '"v2"' }), [], at(45));
        s = await store.feedState('a');
        assert.equal(s?.etag, '"v2"');
        assert.equal(s?.lastModified, 'Thu, 01 Jan 2026 00:00:00 GMT');
      }));

    test('failures count up and keep the validators; a success resets the count and clears the error', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        await store.recordPoll(poll('a', 0, { etag: '"v1"' }), [], at(15));
        await store.recordPoll(failure('a', 15, 503, 'http-status', 'HTTP 503'), [], at(20));
        await store.recordPoll(failure('a', 20, null, 'timeout', 'no answer in 30s'), [], at(30));
        let s = await store.feedState('a');
        assert.equal(s?.errorCount, 2);
        assert.equal(s?.failingSince, at(15), 'failing since the first failed poll of the run');
        assert.equal(s?.lastError, 'timeout: no answer in 30s');
        assert.equal(s?.lastStatus, null);
        assert.equal(s?.etag, '"v1"');
        assert.equal(s?.lastFetchedAt, at(20));
        assert.equal(s?.nextDueAt, at(30));

        await store.recordPoll(poll('a', 30, { status: 304, notModified: true }), [], at(45));
        s = await store.feedState('a');
        assert.equal(s?.errorCount, 0);
        assert.equal(s?.failingSince, null);
        assert.equal(s?.lastError, null);
        assert.equal(s?.etag, '"v1"');
        await store.recordPoll(failure('a', 45, 502, 'http-status', 'HTTP 502'), [], at(60));
        assert.equal((await store.feedState('a'))?.failingSince, at(45), 'a new run of failures starts afresh');
        // A poll that found an HTML page keeps the feed links it declared, until the next poll.
        const offered = ['https://example.com/rss.xml', 'https://example.com/atom.xml?a=1&b=2'];
        await store.recordPoll({ ...failure('a', 60, 200, 'not-a-feed', 'the address serves an HTML page'), declaredFeeds: offered }, [], at(75));
        assert.deepEqual((await store.feedState('a'))?.declaredFeeds, offered);
        await store.recordPoll(failure('a', 75, 503, 'http-status', 'HTTP 503'), [], at(90));
        assert.deepEqual((await store.feedState('a'))?.declaredFeeds, []);
        await store.recordPoll({ ...failure('a', 90, 200, 'not-a-feed', 'the address serves an HTML page'), declaredFeeds: offered }, [], at(105));
        await store.recordPoll(poll('a', 105), [], at(120));
        assert.deepEqual((await store.feedStates()).map((f) => f.declaredFeeds), [[]], 'a feed polled fine offers nothing');
      }));

    test('a permanent redirect is recorded against the feed', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        await store.recordPoll(poll('a', 0, { movedTo: 'https://new.example.com/a.xml' }), [], at(15));
        assert.equal((await store.feedState('a'))?.movedTo, 'https://new.example.com/a.xml');
      }));

    test('syncFeeds keeps the state of known feeds, disables removed ones and keeps their items', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a'), feed('b')]);
        const [stored] = await store.recordPoll(poll('a', 0, { etag: '"v1"' }), [item('a', 'g1')], at(15));
        await store.recordPoll(failure('b', 0, 404, 'http-status', 'HTTP 404'), [], at(60));

        await store.syncFeeds([feed('a', { intervalMs: 60_000, tags: ['news'] }), feed('b', { enabled: false })]);
        let a = await store.feedState('a');
        assert.equal(a?.etag, '"v1"');
        assert.equal(a?.itemCount, 1);
        assert.equal(a?.nextDueAt, at(15));
        const b = await store.feedState('b');
        assert.equal(b?.enabled, false);
        assert.equal(b?.errorCount, 1);

        await store.syncFeeds([feed('b')]);
        a = await store.feedState('a');
        assert.equal(a?.enabled, false, 'a feed no longer in the config is disabled');
        assert.equal(a?.itemCount, 1);
        assert.equal(a?.etag, '"v1"');
        assert.equal((await store.getItem(stored!.id))?.guid, 'g1');
        assert.equal((await store.feedState('b'))?.enabled, true);
        assert.deepEqual((await store.feedStates()).map((s) => s.name), ['a', 'b']);

        await store.syncFeeds([feed('a'), feed('b')]);
        assert.equal((await store.feedState('a'))?.enabled, true, 'a feed back in the config is enabled again');
      }));

    test('syncFeeds with a changed URL starts the fetch state afresh but keeps the items', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        await store.recordPoll(poll('a', 0, { etag: '"v1"', lastModified: 'x', movedTo: 'https://moved.example.com/a' }), [item('a', 'g1')], at(15));
        await store.recordPoll(failure('a', 15, 500, 'http-status', 'HTTP 500'), [], at(30));
        await store.syncFeeds([feed('a', { url: 'https://moved.example.com/a' })]);
        const s = await store.feedState('a');
        assert.equal(s?.url, 'https://moved.example.com/a');
        assert.equal(s?.etag, null);
        assert.equal(s?.lastModified, null);
        assert.equal(s?.movedTo, null);
        assert.equal(s?.errorCount, 0);
        assert.equal(s?.failingSince, null);
        assert.equal(s?.nextDueAt, null, 'the new URL is due at once');
        assert.equal(s?.itemCount, 1);
      }));

    test('recordPoll of a feed syncFeeds never added is a storage error and stores nothing', () =>
      withStore(async (store) => {
        await rejectsWithStorageError(store.recordPoll(poll('ghost', 0), [item('ghost', 'g1')], at(15)));
        assert.deepEqual(await store.feedStates(), []);
        assert.deepEqual(await store.pendingArticles(10, at(100)), []);
      }));

    test('a failure in the middle of recordPoll rolls the whole poll back', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        await store.recordPoll(poll('a', 0, { etag: '"v1"' }), [item('a', 'g1')], at(15));
        const before = await store.feedState('a');

        const broken = { ...item('a', 'g4'), guid: null } as unknown as FeedItem;
        await rejectsWithStorageError(
          store.recordPoll(failure('a', 15, 500, 'http-status', 'HTTP 500'), [item('a', 'g2'), item('a', 'g3'), broken], at(99)),
        );
        assert.deepEqual(await store.feedState('a'), before, 'the feed state is as before the failed poll');
        assert.deepEqual((await store.pendingArticles(10, at(1000))).map((i) => i.guid), ['g1'], 'no item of the failed poll stayed');

        const later = await store.recordPoll(poll('a', 30), [item('a', 'g2'), item('a', 'g3')], at(45));
        assert.deepEqual(later.map((i) => i.guid), ['g2', 'g3'], 'the store works on after the rollback');
      }));

    test('pendingArticles returns due pending items, oldest first, at most `limit`', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a'), feed('b')]);
        await store.recordPoll(poll('b', 5), [item('b', 'b1')], at(20));
        await store.recordPoll(poll('a', 0), [item('a', 'a1'), item('a', 'a2')], at(15));
        assert.deepEqual(await store.pendingArticles(10, at(-1)), [], 'nothing is due before it was seen');
        assert.deepEqual((await store.pendingArticles(10, at(0))).map((i) => i.guid), ['a1', 'a2']);
        assert.deepEqual((await store.pendingArticles(10, at(5))).map((i) => i.guid), ['a1', 'a2', 'b1']);
        assert.deepEqual((await store.pendingArticles(2, at(5))).map((i) => i.guid), ['a1', 'a2']);
        await rejectsWithStorageError(store.pendingArticles(0, at(5)));
        await rejectsWithStorageError(store.pendingArticles(1.5, at(5)));
      }));

    test('feed activity: newest item, pages given up and pages retrying with the newest error; items per UTC hour', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a'), feed('b'), feed('c')]);
        const [x, y, z] = await store.recordPoll(poll('a', 0), [item('a', 'x'), item('a', 'y'), item('a', 'z')], at(15));
        await store.recordPoll(poll('a', 70), [item('a', 'w')], at(85));
        const [v] = await store.recordPoll(poll('c', 130), [item('c', 'v')], at(145));
        await store.saveArticle(x!.id, { ok: false, kind: 'timeout', reason: 'no answer in 30s' }, at(1), at(6));
        await store.saveArticle(y!.id, { ok: false, kind: 'http-status', reason: 'HTTP 404' }, at(2), null);
        await store.saveArticle(z!.id, { ok: true, article, finalUrl: 'https://example.com/news/z.html' }, at(3), null);
        await store.saveArticle(v!.id, { ok: false, kind: 'http-status', reason: 'HTTP 500' }, at(131), at(140));
        // One query for both: each feed's state (as feedStates reads it) and its activity; in no particular order.
        const overview = async () => (await store.feedOverview()).sort((p, q) => (p.state.name < q.state.name ? -1 : 1));
        assert.deepEqual((await overview()).map((o) => o.activity), [
          { feed: 'a', lastItemAt: at(70), pagesFailed: 1, pagesRetrying: 1, lastPageError: 'http-status: HTTP 404' },
          { feed: 'b', lastItemAt: null, pagesFailed: 0, pagesRetrying: 0, lastPageError: null },
          { feed: 'c', lastItemAt: at(130), pagesFailed: 0, pagesRetrying: 1, lastPageError: 'http-status: HTTP 500' },
        ]);
        assert.deepEqual((await overview()).map((o) => o.state), await store.feedStates());
        assert.deepEqual((await overview()).map((o) => o.state.itemCount), [4, 0, 1]);
        await store.saveArticle(x!.id, { ok: true, article: { ...article, title: 'x' }, finalUrl: 'https://example.com/news/x.html' }, at(7), null);
        assert.deepEqual((await overview())[0]!.activity, { feed: 'a', lastItemAt: at(70), pagesFailed: 1, pagesRetrying: 0, lastPageError: 'http-status: HTTP 404' }, 'a page retried with success no longer counts');

        assert.deepEqual(await store.itemsPerHour(at(0), at(180)), [
          { hour: at(0), items: 3 },
          { hour: at(60), items: 1 },
          { hour: at(120), items: 1 },
        ]);
        assert.deepEqual(await store.itemsPerHour(at(1), at(130)), [{ hour: at(60), items: 1 }], 'since inclusive, until exclusive');
        assert.deepEqual(await store.itemsPerHour(at(200), at(300)), []);
        await rejectsWithStorageError(store.itemsPerHour(at(60), at(0)));
        await rejectsWithStorageError(store.itemsPerHour(at(0), at(60 * 24 * 32)));
        await rejectsWithStorageError(store.itemsPerHour('yesterday', at(0)));
      }));

    test('saveArticle: a failure with retryAt is retried later, without retryAt it gives up; success stores the article', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        const [x, y] = await store.recordPoll(poll('a', 0), [item('a', 'x'), item('a', 'y')], at(15));
        const timeout: ArticleOutcome = { ok: false, kind: 'timeout', reason: 'no answer in 30s' };

        await store.saveArticle(x!.id, timeout, at(1), at(6));
        let xs = await store.getItem(x!.id);
        assert.equal(xs?.articleState, 'pending');
        assert.equal(xs?.articleAttempts, 1);
        assert.equal(xs?.articleError, 'timeout: no answer in 30s');
        assert.deepEqual((await store.pendingArticles(10, at(5))).map((i) => i.guid), ['y'], 'not due before retryAt');
        assert.deepEqual((await store.pendingArticles(10, at(6))).map((i) => i.guid), ['y', 'x'], 'ordered by due time');

        await store.saveArticle(x!.id, { ok: true, article, finalUrl: 'https://example.com/news/x-final.html' }, at(7), null);
        xs = await store.getItem(x!.id);
        assert.equal(xs?.articleState, 'done');
        assert.equal(xs?.articleAttempts, 2);
        assert.equal(xs?.articleError, null);
        assert.deepEqual(await store.getArticle(x!.id), {
          itemId: x!.id,
          article,
          finalUrl: 'https://example.com/news/x-final.html',
          fetchedAt: at(7),
        });

        await store.saveArticle(y!.id, { ok: false, kind: 'http-status', reason: 'HTTP 404' }, at(2), null);
        const ys = await store.getItem(y!.id);
        assert.equal(ys?.articleState, 'failed');
        assert.equal(ys?.articleAttempts, 1);
        assert.equal(ys?.articleError, 'http-status: HTTP 404');
        assert.equal(ys?.description, 'Description of y', 'a failed item keeps its description');
        assert.equal(await store.getArticle(y!.id), null);
        assert.deepEqual(await store.pendingArticles(10, at(10_000)), [], 'done and failed items are never pending');

        await rejectsWithStorageError(store.saveArticle(987654, timeout, at(3), null));
        assert.equal(await store.getArticle(987654), null);
      }));

    test('pendingArticles with a lease hands each item out once until the lease ends or an outcome is saved', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        const [x] = await store.recordPoll(poll('a', 0), [item('a', 'x'), item('a', 'y'), item('a', 'z')], at(15));
        const lease = { leaseMs: 10 * 60_000 };
        assert.deepEqual((await store.pendingArticles(2, at(1), lease)).map((i) => i.guid), ['x', 'y']);
        assert.deepEqual((await store.pendingArticles(10, at(1), lease)).map((i) => i.guid), ['z'], 'claimed items are not handed out again');
        assert.deepEqual(await store.pendingArticles(10, at(10)), [], 'nor due while the lease lasts');
        await store.saveArticle(x!.id, { ok: false, kind: 'timeout', reason: 'no answer' }, at(2), at(3));
        assert.deepEqual((await store.pendingArticles(10, at(5))).map((i) => i.guid), ['x'], 'a saved outcome ends the lease');
        assert.deepEqual((await store.pendingArticles(10, at(11))).map((i) => i.guid), ['x', 'y', 'z'], 'due again when the lease ends');
        assert.equal((await store.getItem(x!.id))?.articleAttempts, 1, 'a claim is not an attempt');
        await rejectsWithStorageError(store.pendingArticles(10, at(11), { leaseMs: -1 }));
        await rejectsWithStorageError(store.pendingArticles(10, at(11), { leaseMs: 1.5 }));
      }));

    test('times given with an offset are compared as instants', () =>
      withStore(async (store) => {
        await store.syncFeeds([feed('a')]);
        const [x] = await store.recordPoll(poll('a', 0), [item('a', 'x')], at(15));
        await store.saveArticle(x!.id, { ok: false, kind: 'network', reason: 'reset' }, at(1), '2026-01-01T03:10:00+03:00');
        assert.deepEqual(await store.pendingArticles(10, '2026-01-01T00:09:59.999Z'), []);
        assert.equal((await store.pendingArticles(10, '2026-01-01T03:10:00+03:00')).length, 1);
        await rejectsWithStorageError(store.pendingArticles(10, 'not a time'));
      }));
  });
}

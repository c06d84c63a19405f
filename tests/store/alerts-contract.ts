/**
 * The AlertStore contract: alert documents and search, (rule, cluster) matches, claimed pending deliveries and
 * the delivery log, written against the interface only. A driver's test file calls
 * `runAlertStoreContract(name, open)`, where `open()` gives a fresh, empty, migrated store plus `reopen()`, which
 * opens another store on the SAME database (a second worker, or the same daemon after a restart).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { webhookChannelSchema, type DeliveryPolicy } from '../../src/alerts/config-schema.js';
import { createWebhookChannel } from '../../src/alerts/channels/webhook.js';
import { deliverPending, enqueueMatch, type NewMatch } from '../../src/alerts/deliver.js';
import { buildAlertDoc, compileRule, matchRule } from '../../src/alerts/match.js';
import { alertItem, type AlertMessage } from '../../src/alerts/message.js';
import { loadMorphology, StemOnly, type Lemmatizer, type Morphology } from '../../src/alerts/morphology.js';
import { ManualClock } from '../../src/clock.js';
import { FeedwatchError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { searchArticles, searchPage, type AlertDocRecord, type SearchPage, type SearchResult } from '../../src/store/alerts.js';
import { thisProcess, type ProcessIdentity } from '../../src/store/claim-owner.js';
import type { Store } from '../../src/store/store.js';
import { decideForStore } from '../../src/store/articles.js';
import type { Article } from '../../src/model.js';
import { dedupInput } from '../../src/pipeline/dedup-stage.js';
import { okPoll, testArticle, testFeed, testItem } from '../helpers/store-fixtures.js';
import { json, startHttpServer, type TestHttpServer } from '../alerts/servers.js';

export interface ReopenOptions {
  /** The process the new store's claims name (default: this process): a test makes it stand for another. */
  claimIdentity?: ProcessIdentity;
}

export interface OpenedStore {
  store: Store;
  /** Another store on the same database. */
  reopen(opts?: ReopenOptions): Promise<Store>;
}

/**
 * `fn` with the opened store and a way to open more on the same database (as other processes would); every store
 * opened is closed after it, whatever happens.
 */
export async function withStores(open: () => Promise<OpenedStore>, fn: (store: Store, reopen: () => Promise<Store>) => Promise<void>): Promise<void> {
  const o = await open();
  const opened: Store[] = [o.store];
  try {
    await fn(o.store, async () => {
      const s = await o.reopen();
      opened.push(s);
      return s;
    });
  } finally {
    for (const s of opened) await s.close();
  }
}

interface DocText {
  title: string;
  lead?: string;
  body?: string;
  feed?: string;
  tags?: string[];
}

/** Articles to search: surnames in several cases, homographs, English, feed names and tags. */
const ARTICLES: DocText[] = [
  { title: 'Лавров рассказал о переговорах', lead: 'Глава МИД России встретился с коллегой.', body: 'Сергей Лавров и Руслан Казакбаев обсудили сотрудничество.', feed: 'sputnik-kg', tags: ['Политика'] },
  { title: 'Венок из лавров', lead: 'Лавры победителя достались спортсмену.', body: 'Лавровый лист добавляют в суп.', feed: 'food', tags: ['Кулинария'] },
  { title: 'Встреча с Лавровым в Бишкеке', body: 'Визит Лаврова в Кыргызстан начался утром.\n\nМинистр прибыл в Бишкек.', feed: 'sputnik-kg', tags: ['Политика'] },
  { title: 'Казакбаева приняли в Москве', body: 'Министр прибыл с визитом в Москву.', feed: 'sputnik-kg' },
  { title: 'New electric vehicles at the show', lead: 'Toyota shows a hybrid.', body: 'The vehicle market grows.', feed: 'ap', tags: ['Autos'] },
  { title: 'Погода в Бишкеке', lead: 'Синоптики обещают снег.', body: 'В Кыргызстане похолодает.', feed: 'sputnik-kg', tags: ['Погода'] },
  { title: 'Сергей Шойгу и Лавров', lead: 'Двое министров выступили вместе.', body: 'Разговор шёл о безопасности.', feed: 'ria' },
  { title: 'Лавровое дерево зацвело', body: 'В ботаническом саду зацвел лавр.', feed: 'ria', tags: ['Природа'] },
];

const RULES = [
  'Лавров',
  'лавр',
  'Казакбаев',
  '"Сергей Лавров"',
  'Лавров -Казакбаев',
  'title:Лавров',
  'tag:Политика OR tag:Погода',
  'feed:food',
  'feed:ria Лавров',
  'vehicle',
  '/бишкек\\p{L}*/u',
  'Кыргызстан OR /снег/',
  'NOT (Лавров OR Казакбаев) Бишкек',
  'Москва AND министр',
  'безопасность OR погода',
];

const T0 = Date.parse('2026-03-05T12:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
const policy: DeliveryPolicy = { maxAttempts: 5, backoff: 30_000, maxBackoff: 600_000, lease: 60_000 };

function match(rule: string, clusterId: string, articleId: number, over: Partial<NewMatch> = {}): NewMatch {
  return {
    rule,
    clusterId,
    articleId,
    channels: ['hook', 'tg'],
    item: alertItem({ title: `Story ${clusterId}`, lead: 'Лавров прибыл', url: `https://example.org/${clusterId}`, feed: 'kg', publishedAt: '2026-03-05T18:00:00+06:00' }, []),
    digest: false,
    dueAt: at(0),
    matchedAt: at(0),
    ...over,
  };
}

export function runAlertStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`AlertStore contract: ${name}`, () => {
    let lem: Morphology;
    const servers: TestHttpServer[] = [];
    before(async () => {
      lem = await loadMorphology();
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.close()));
    });

    const doc = (articleId: number, t: DocText, by: Lemmatizer = lem, storedAt = at(articleId)): AlertDocRecord => {
      const built = buildAlertDoc({ title: t.title, lead: t.lead ?? '', body: t.body ?? '', feed: t.feed ?? 'f', tags: t.tags ?? [] }, by);
      return {
        articleId,
        clusterId: `c${articleId}`,
        feed: t.feed ?? 'f',
        url: `https://example.org/a/${articleId}`,
        title: t.title,
        lead: t.lead ?? '',
        body: t.body ?? '',
        tags: t.tags ?? [],
        publishedAt: '2026-03-05T18:00:00+06:00',
        analyzed: built.analyzed,
        storedAt,
      };
    };

    async function withStores(fn: (o: OpenedStore, opened: Store[]) => Promise<void>): Promise<void> {
      const o = await open();
      const opened: Store[] = [o.store];
      try {
        await fn({ store: o.store, reopen: async (opts) => {
          const s = await o.reopen(opts);
          opened.push(s);
          return s;
        } }, opened);
      } finally {
        for (const s of opened) await s.close();
      }
    }

    // Read back without its analyses (they are not stored: matching and search make them), naming who keyed its index.
    const readBack = (d: AlertDocRecord): AlertDocRecord => ({ ...d, analyzed: {}, analyzedBy: lem.id });

    test('an alert document round-trips with its texts; saving again replaces it and its index entry', () =>
      withStores(async ({ store }) => {
        const d = doc(7, { title: 'Лавров в Бишкеке', lead: 'Визит.', body: 'Первый абзац.\n\nВторой абзац с Лавровым.', feed: 'kg', tags: ['Политика', 'МИД'] });
        await store.saveAlertDoc(d);
        assert.deepEqual(await store.getAlertDoc(7), readBack(d));
        assert.equal(await store.getAlertDoc(8), null);
        const lavrov = compileRule('Лавров', lem);
        assert.deepEqual((await searchArticles(store, lavrov, lem, { limit: 10 })).map((h) => h.doc.articleId), [7]);

        const replaced = doc(7, { title: 'Погода в Бишкеке', feed: 'kg' });
        await store.saveAlertDoc(replaced);
        assert.deepEqual(await store.getAlertDoc(7), readBack(replaced));
        assert.deepEqual(await store.searchCandidates(lavrov, { limit: 10, lemmatizer: lem.id }), [], 'the old text is gone from the index');
        assert.equal((await searchArticles(store, compileRule('погода', lem), lem, { limit: 10 })).length, 1);
      }));

    test("a stored article's document reads its body from the revision it was saved with, after a new revision too", () =>
      withStores(async ({ store }) => {
        await store.syncFeeds([testFeed('kg')]);
        const at = (m: number) => new Date(Date.parse('2026-03-05T12:00:00.000Z') + m * 60_000).toISOString();
        const put = async (guid: string, m: number, art: Article) => {
          const [item] = await store.recordPoll(okPoll('kg', at(m)), [testItem('kg', guid)], at(m + 15));
          const input = dedupInput(item!, art, 'https://example.org/news/snow');
          return store.storeArticle({ itemId: item!.id, input, article: art, decision: decideForStore(input, await store.findDuplicates(input)), at: at(m) });
        };
        const first = testArticle('Снег в горах', ['Перевал закрыт из-за снега.', 'Водители ждут.']);
        const s1 = await put('a', 1, first);
        const d = { ...doc(s1.articleId, { title: 'Снег в горах', body: first.paragraphs.join('\n\n'), feed: 'kg' }), clusterId: String(s1.clusterId) };
        await store.saveAlertDoc(d);
        const revised = testArticle('Снег в горах', ['Перевал закрыт из-за снега и лавин.', 'Водители ждут.', 'Открыть обещают к вечеру.']);
        const s2 = await put('b', 2, revised);
        assert.equal(s2.kind, 'revision');
        assert.equal((await store.getAlertDoc(s1.articleId))?.body, first.paragraphs.join('\n\n'), 'the document keeps its own revision');
        await store.saveAlertDoc({ ...doc(s1.articleId, { title: 'Снег в горах', body: revised.paragraphs.join('\n\n'), feed: 'kg' }), clusterId: String(s1.clusterId) });
        assert.equal((await store.getAlertDoc(s1.articleId))?.body, revised.paragraphs.join('\n\n'));
        assert.deepEqual((await searchArticles(store, compileRule('лавина', lem), lem, { limit: 5 })).map((h) => h.doc.body), [revised.paragraphs.join('\n\n')]);
        // A body that is not the article's text is kept as given.
        await store.saveAlertDoc({ ...doc(s1.articleId, { title: 'Снег в горах', body: 'Другой текст.', feed: 'kg' }), clusterId: String(s1.clusterId) });
        assert.equal((await store.getAlertDoc(s1.articleId))?.body, 'Другой текст.');
      }));

    test('search and alert matching agree: the same articles for every rule, over a batch', () =>
      withStores(async ({ store }) => {
        const docs = ARTICLES.map((t, i) => doc(i + 1, t));
        for (const d of docs) await store.saveAlertDoc(d);
        for (const source of RULES) {
          const rule = compileRule(source, lem);
          // What alerts decide, article by article, newest first.
          const alerted = docs.filter((d) => matchRule(rule, buildAlertDoc({ ...d, analyzed: d.analyzed }, lem)).match).map((d) => d.articleId).reverse();
          const searched = await searchArticles(store, rule, lem, { limit: 100, pageSize: 3 });
          assert.deepEqual(searched.map((h) => h.doc.articleId), alerted, `rule ${source}`);
          for (const h of searched) assert.ok(h.spans.length > 0 || /NOT/.test(source), `rule ${source}: spans for ${h.doc.articleId}`);
        }
        // Sanity of the fixture: the cases are found, the look-alikes are not.
        const lavrov = await searchArticles(store, compileRule('Лавров', lem), lem, { limit: 100 });
        assert.deepEqual(lavrov.map((h) => h.doc.articleId).sort(), [1, 2, 3, 7], '"лавров" (gen. pl. of лавр) in article 2 is a true homograph');
        const spans = lavrov.find((h) => h.doc.articleId === 3)!.spans.map((s) => s.text);
        assert.deepEqual(spans, ['Лавровым', 'Лаврова']);
      }));

    test('the index narrows: candidates of a selective rule leave out articles without its words', () =>
      withStores(async ({ store }) => {
        for (const [i, t] of ARTICLES.entries()) await store.saveAlertDoc(doc(i + 1, t));
        const ids = async (rule: string): Promise<number[]> =>
          (await store.searchCandidates(compileRule(rule, lem), { limit: 100, lemmatizer: lem.id })).map((d) => d.articleId);
        assert.deepEqual(await ids('Казакбаев'), [4, 1]);
        assert.deepEqual(await ids('title:Бишкек'), [6, 3]);
        assert.deepEqual(await ids('feed:food'), [2]);
        assert.deepEqual(await ids('tag:Погода'), [6]);
        assert.deepEqual(await ids('"Сергей Лавров"'), [7, 1], 'both words, not necessarily adjacent: matchRule decides');
        assert.deepEqual(await ids('Казакбаев OR vehicle'), [5, 4, 1]);
        assert.equal((await ids('/бишкек/')).length, ARTICLES.length, 'a lone regex cannot narrow: every article is a candidate');
        assert.deepEqual(await ids('Казакбаев'), (await ids('Казакбаев')).sort((a, b) => b - a), 'newest first');
        const page = await store.searchCandidates(compileRule('/бишкек/', lem), { limit: 3, beforeArticleId: 6, lemmatizer: lem.id });
        assert.deepEqual(page.map((d) => d.articleId), [5, 4, 3]);
      }));

    test('candidates of one feed, stored since a time, or of no rule at all; searchPage reads in bounded pages and carries on from its cursor', () =>
      withStores(async ({ store }) => {
        for (const [i, t] of ARTICLES.entries()) await store.saveAlertDoc(doc(i + 1, t));
        const ids = async (rule: string | null, page: Partial<SearchPage>): Promise<number[]> =>
          (await store.searchCandidates(rule === null ? null : compileRule(rule, lem), { limit: 100, lemmatizer: lem.id, ...page })).map((d) => d.articleId);
        assert.deepEqual(await ids(null, {}), [8, 7, 6, 5, 4, 3, 2, 1]);
        assert.deepEqual(await ids(null, { feed: 'sputnik-kg' }), [6, 4, 3, 1]);
        assert.deepEqual(await ids(null, { since: at(6) }), [8, 7, 6]);
        assert.deepEqual(await ids('Казакбаев', { feed: 'sputnik-kg', since: at(2) }), [4]);
        assert.deepEqual(await ids(null, { feed: 'sputnik-kg', beforeArticleId: 4 }), [3, 1]);
        assert.deepEqual(await ids(null, { feed: 'nowhere' }), []);
        await assert.rejects(store.searchCandidates(null, { limit: 1, lemmatizer: lem.id, since: 'soon' }), (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage');

        // Every article, two at a time: each once, newest first, then the end.
        const seen: number[] = [];
        let cursor: number | undefined;
        for (let i = 0; i < 10; i++) {
          const r = await searchPage(store, null, lem, { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
          seen.push(...r.hits.map((h) => h.doc.articleId));
          if (r.next === null) break;
          cursor = r.next;
        }
        assert.deepEqual(seen, [8, 7, 6, 5, 4, 3, 2, 1]);
        // A rule read at most 3 candidates at a time: short pages, yet the same hits in the same order.
        const lavrov = compileRule('/лавр/', lem);
        const all = (await searchPage(store, lavrov, lem, { limit: 100 })).hits.map((h) => h.doc.articleId);
        const pieces: number[] = [];
        let pages = 0;
        let next: number | null | undefined;
        do {
          const r: SearchResult = await searchPage(store, lavrov, lem, { limit: 100, maxScanned: 3, ...(next == null ? {} : { cursor: next }) });
          assert.ok(r.scanned <= 3);
          pieces.push(...r.hits.map((h) => h.doc.articleId));
          next = r.next;
          pages++;
        } while (next !== null && pages < 10);
        assert.deepEqual(pieces, all);
        assert.equal(pages, 3, '8 articles, 3 a page');
      }));

    test('documents analysed by another lemmatizer are always candidates, and re-analysed to decide', () =>
      withStores(async ({ store }) => {
        await store.saveAlertDoc(doc(1, { title: 'Погода в Бишкеке' }));
        await store.saveAlertDoc(doc(2, { title: 'Визит Лаврова' }, new StemOnly()));
        await store.saveAlertDoc(doc(3, { title: 'Лавровый лист' }, new StemOnly()));
        const rule = compileRule('Лавров', lem);
        const candidates = await store.searchCandidates(rule, { limit: 10, lemmatizer: lem.id });
        assert.deepEqual(candidates.map((d) => d.articleId), [3, 2]);
        assert.deepEqual((await searchArticles(store, rule, lem, { limit: 10 })).map((h) => h.doc.articleId), [2]);
      }));

    test('a feed entry whose page failed for good is stored under a negative id and searched like the rest', () =>
      withStores(async ({ store }) => {
        await store.saveAlertDoc(doc(-41, { title: 'Лавров прилетел в Бишкек', lead: 'Описание из ленты.' }));
        await store.saveAlertDoc(doc(5, { title: 'Погода' }));
        assert.deepEqual((await searchArticles(store, compileRule('Лавров', lem), lem, { limit: 10 })).map((h) => h.doc.articleId), [-41]);
        assert.equal((await store.getAlertDoc(-41))?.lead, 'Описание из ленты.');
      }));

    test('one match per (rule, cluster): a second article of the cluster records nothing; each channel once', () =>
      withStores(async ({ store }) => {
        assert.deepEqual(await store.recordMatch(match('lavrov', '1', 10, { channels: ['hook', 'tg', 'hook'] })), { created: true });
        assert.deepEqual(await store.recordMatch(match('lavrov', '1', 11)), { created: false });
        assert.deepEqual(await store.recordMatch(match('other', '1', 11, { channels: ['log'], digest: true, dueAt: at(60) })), { created: true });
        const rows = await store.deliveries();
        assert.deepEqual(
          rows.map((r) => [r.rule, r.clusterId, r.articleId, r.channel, r.status, r.attempts, r.digest, r.dueAt, r.lastError, r.deliveredAt]),
          [
            ['lavrov', '1', 10, 'hook', 'pending', 0, false, at(0), null, null],
            ['lavrov', '1', 10, 'tg', 'pending', 0, false, at(0), null, null],
            ['other', '1', 11, 'log', 'pending', 0, true, at(60), null, null],
          ],
        );
        assert.deepEqual(rows[0]!.item, match('lavrov', '1', 10).item);
        assert.deepEqual((await store.deliveries({ rule: 'other' })).map((r) => r.channel), ['log']);
        assert.deepEqual(await store.deliveries({ status: 'delivered' }), []);
        // Newest first, a page at a time from a cursor (the HTTP API's order).
        const newest = await store.deliveries({ newestFirst: true, limit: 2 });
        assert.deepEqual(newest.map((r) => r.channel), ['log', 'tg']);
        assert.deepEqual((await store.deliveries({ newestFirst: true, beforeId: newest[1]!.id })).map((r) => r.channel), ['hook']);
        assert.deepEqual((await store.deliveries({ newestFirst: true, rule: 'lavrov', beforeId: newest[0]!.id })).map((r) => r.channel), ['tg', 'hook']);
        assert.deepEqual((await store.deliveries({ beforeId: newest[0]!.id })).map((r) => r.channel), ['hook', 'tg'], 'oldest first by default');
      }));

    test('two stores recording the same matches at once create each once', () =>
      withStores(async ({ store, reopen }) => {
        const other = await reopen();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => [store.recordMatch(match('r', `c${i}`, i)), other.recordMatch(match('r', `c${i}`, 100 + i))]).flat(),
        );
        const created = results.filter((r) => r.created).length;
        assert.equal(created, 20);
        const rows = await store.deliveries();
        assert.equal(rows.length, 40);
        assert.equal(new Set(rows.map((r) => `${r.clusterId}/${r.channel}`)).size, 40);
      }));

    test('pending: due ones, oldest due first; claimed by the store that asked until the lease ends', () =>
      withStores(async ({ store, reopen }) => {
        await store.recordMatch(match('r', 'late', 3, { channels: ['hook'], dueAt: at(10) }));
        await store.recordMatch(match('r', 'b', 2, { channels: ['hook'], dueAt: at(1) }));
        await store.recordMatch(match('r', 'a', 1, { channels: ['hook'], dueAt: at(1) }));
        const first = await store.pending(at(5), 10, { leaseMs: 60_000 });
        assert.deepEqual(first.map((d) => d.clusterId), ['b', 'a'], 'due at the same time: in creation order');
        assert.deepEqual(first[0]!.item, match('r', 'b', 2).item);
        assert.equal(first[0]!.dueAt, at(1));
        const worker2 = await reopen();
        assert.deepEqual(await worker2.pending(at(5), 10, { leaseMs: 60_000 }), [], 'claimed by the first store');
        assert.deepEqual((await store.pending(at(5), 10, { leaseMs: 60_000 })).map((d) => d.clusterId), ['b', 'a'], 'the claimer gets its own again');
        assert.deepEqual((await worker2.pending(at(6), 1, { leaseMs: 60_000 })).map((d) => d.clusterId), ['b'], 'the lease ended');
        assert.deepEqual((await store.pending(at(6), 10, { leaseMs: 60_000 })).map((d) => d.clusterId), ['a']);
        await assert.rejects(store.pending(at(6), 0), (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage');
      }));

    test('two stores claiming at once get disjoint deliveries', () =>
      withStores(async ({ store, reopen }) => {
        const other = await reopen();
        for (let i = 0; i < 30; i++) await store.recordMatch(match('r', `c${i}`, i, { channels: ['hook'] }));
        const [x, y] = await Promise.all([store.pending(at(1), 20), other.pending(at(1), 20)]);
        const got = [...x, ...y].map((d) => d.id);
        assert.equal(got.length, 30, `every delivery handed out once (got ${x.length} + ${y.length})`);
        assert.equal(new Set(got).size, 30);
      }));

    test('markFailed reschedules or gives up; markDelivered records the time; finished ones never come back', () =>
      withStores(async ({ store }) => {
        await store.recordMatch(match('r', 'c', 1, { channels: ['a', 'b', 'c'] }));
        const [a, b, c] = await store.pending(at(0), 10);
        await store.markFailed(a!.id, { attempts: 1, error: 'http-status: HTTP 503', retryAt: at(3), at: at(1) });
        await store.markFailed(b!.id, { attempts: 1, error: 'http-status: HTTP 404', retryAt: null, at: at(1) });
        await store.markDelivered(c!.id, { attempts: 1, at: at(1) });
        // Marks on finished deliveries change nothing.
        await store.markFailed(c!.id, { attempts: 9, error: 'late', retryAt: at(4), at: at(2) });
        await store.markDelivered(b!.id, { attempts: 9, at: at(2) });
        const rows = await store.deliveries();
        assert.deepEqual(
          rows.map((r) => [r.channel, r.status, r.attempts, r.lastError, r.dueAt, r.deliveredAt, r.updatedAt]),
          [
            ['a', 'pending', 1, 'http-status: HTTP 503', at(3), null, at(1)],
            ['b', 'failed', 1, 'http-status: HTTP 404', at(0), null, at(1)],
            ['c', 'delivered', 1, null, at(0), at(1), at(1)],
          ],
        );
        assert.deepEqual(await store.pending(at(2), 10), [], 'a waits for its retry time; b and c are finished');
        const again = await store.pending(at(3), 10);
        assert.deepEqual(again.map((d) => [d.channel, d.attempts]), [['a', 1]]);
        assert.deepEqual((await store.deliveries({ status: 'failed' })).map((r) => r.channel), ['b']);
      }));

    test('deliverPending over the store: a server that fails twice then succeeds gets exactly one delivery; after a restart pending ones go out, delivered ones do not', () =>
      withStores(async ({ store, reopen }) => {
        const s = await startHttpServer((_r, res, i) => json(res, i === 1 || i === 2 ? 503 : 200, {}));
        servers.push(s);
        const clock = new ManualClock(T0);
        const hook = () => createWebhookChannel('hook', webhookChannelSchema.parse({ type: 'webhook', url: s.url }), { env: {}, userAgent: 'ua' });
        const deps = { store, clock, logger: silentLogger, policy, channels: new Map([['hook', hook()]]) };
        const rule = { name: 'lavrov', channels: ['hook'] };
        const item = (t: string) => alertItem({ title: t, lead: null, url: null, feed: 'kg', publishedAt: null }, []);
        assert.equal(await enqueueMatch({ store, clock }, rule, { clusterId: '1', articleId: 1, item: item('one') }), true);
        assert.deepEqual(await deliverPending(deps), { delivered: 1, retrying: 0, failed: 0, deferred: 0 });
        assert.equal(await enqueueMatch({ store, clock }, rule, { clusterId: '2', articleId: 2, item: item('two') }), true);
        assert.equal(await enqueueMatch({ store, clock }, rule, { clusterId: '2', articleId: 3, item: item('two again') }), false);
        assert.equal((await deliverPending(deps)).retrying, 1);
        clock.advance(policy.backoff);
        assert.equal((await deliverPending(deps)).retrying, 1);
        await store.close();

        // A new process: another store on the same database, new channel objects.
        const restarted = await reopen();
        clock.advance(2 * policy.backoff);
        const deps2 = { ...deps, store: restarted, channels: new Map([['hook', hook()]]) };
        assert.deepEqual(await deliverPending(deps2), { delivered: 1, retrying: 0, failed: 0, deferred: 0 });
        clock.advance(policy.maxBackoff);
        assert.deepEqual(await deliverPending(deps2), { delivered: 0, retrying: 0, failed: 0, deferred: 0 });
        assert.deepEqual(s.requests.map((r) => (JSON.parse(r.body) as AlertMessage).items[0]!.title), ['one', 'two', 'two', 'two']);
        // Every attempt at one message carries its id, in the header and the body, across the restart.
        const ids = s.requests.map((r) => (JSON.parse(r.body) as AlertMessage).id);
        assert.deepEqual(s.requests.map((r) => r.headers['x-feedwatch-delivery']), ids);
        assert.match(ids[0]!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.deepEqual(ids.slice(2), [ids[1], ids[1]], 'the retries of "two" repeat its id');
        assert.notEqual(ids[0], ids[1], 'another story, another id');
        const rows = await restarted.deliveries();
        assert.deepEqual(rows.map((r) => [r.clusterId, r.status, r.attempts]), [['1', 'delivered', 1], ['2', 'delivered', 3]]);
        assert.match(rows[1]!.lastError!, /HTTP 503/);
      }));

    test('digest deliveries keep their flag and window, and go out as one message', () =>
      withStores(async ({ store }) => {
        const s = await startHttpServer((_r, res) => json(res, 200, {}));
        servers.push(s);
        const clock = new ManualClock(Date.parse('2026-03-05T12:05:00.000Z'));
        const channels = new Map([['hook', createWebhookChannel('hook', webhookChannelSchema.parse({ type: 'webhook', url: s.url }), { env: {}, userAgent: 'ua' })]]);
        const rule = { name: 'hourly', channels: ['hook'], digest: 3_600_000 };
        for (const c of ['a', 'b', 'c']) {
          await enqueueMatch({ store, clock }, rule, { clusterId: c, articleId: c.charCodeAt(0), item: alertItem({ title: c, lead: null, url: null, feed: 'f', publishedAt: null }, []) });
          clock.advance(10 * 60_000);
        }
        const deps = { store, clock, logger: silentLogger, policy, channels };
        assert.equal((await deliverPending(deps)).delivered, 0, 'not before the window ends');
        clock.set(Date.parse('2026-03-05T13:00:00.000Z'));
        assert.equal((await deliverPending(deps)).delivered, 3);
        assert.equal(s.requests.length, 1);
        const body = JSON.parse(s.requests[0]!.body) as AlertMessage;
        assert.equal(body.digest, true);
        assert.deepEqual(body.items.map((i) => i.title), ['a', 'b', 'c']);
        assert.deepEqual(
          (await store.deliveries()).map((r) => r.messageId),
          [body.id, body.id, body.id],
          'the deliveries of one digest message share its id',
        );
      }));

    /** A pid no process has any more: a child that has exited. */
    async function deadPid(): Promise<number> {
      const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      await new Promise((resolve) => child.once('exit', resolve));
      return child.pid!;
    }

    test('claims of a dead process of this host are taken back at once; those of a live process or another host wait for their lease', () =>
      withStores(async ({ store, reopen }) => {
        const me = thisProcess();
        // A process that has exited (on Linux its start time, any, no longer matches a process with that pid).
        const dead = await reopen({ claimIdentity: { host: me.host, pid: await deadPid(), start: me.start === '-' ? '-' : `${me.start.split('.')[0]}.1` } });
        const elsewhere = await reopen({ claimIdentity: { host: 'another-host.example', pid: 4242, start: '-' } });
        const sibling = await reopen();
        for (const c of ['a', 'b', 'c', 'd']) await store.recordMatch(match('r', c, c.charCodeAt(0), { channels: ['hook'] }));
        const hour = { leaseMs: 3_600_000 };
        assert.deepEqual((await elsewhere.pending(at(1), 1, hour)).map((d) => d.clusterId), ['a']);
        assert.deepEqual((await sibling.pending(at(1), 1, hour)).map((d) => d.clusterId), ['b']);
        // The dead one claims last: any other store asking (of this host) would have released its claim at once.
        assert.deepEqual((await dead.pending(at(1), 1, hour)).map((d) => d.clusterId), ['c']);
        // A minute later, long before the leases end: the dead process's claim is released, the others stand.
        assert.deepEqual((await store.pending(at(2), 10, hour)).map((d) => d.clusterId), ['c', 'd']);
        assert.deepEqual((await elsewhere.pending(at(2), 10, hour)).map((d) => d.clusterId), ['a'], 'its own, still');
        // An hour on, the other host's and the sibling's claims have run out like any other.
        assert.deepEqual((await store.pending(at(62), 10, hour)).map((d) => d.clusterId), ['a', 'b', 'c', 'd']);
      }));

    test('renewClaims keeps a claim while its holder works; close() gives it up at once', () =>
      withStores(async ({ store, reopen }) => {
        const other = await reopen();
        await store.recordMatch(match('r', 'x', 1, { channels: ['hook'] }));
        const minute = { leaseMs: 60_000 };
        assert.equal((await store.pending(at(0), 10, minute)).length, 1);
        await store.renewClaims(at(0.9), 60_000);
        assert.deepEqual(await other.pending(at(1.5), 10, minute), [], 'renewed until 1.9 min');
        assert.equal((await other.pending(at(2), 10, minute)).length, 1, 'not renewed again: the lease ran out');
        await assert.rejects(store.renewClaims(at(2), 0), (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage');

        await other.close();
        assert.equal((await store.pending(at(2.1), 10, minute)).length, 1, 'the closed store left its claim at once');
      }));

    test('a message id is given once, only to deliveries this store still holds, and comes back with them after a restart', () =>
      withStores(async ({ store, reopen }) => {
        for (const c of ['a', 'b']) await store.recordMatch(match('r', c, c.charCodeAt(0), { channels: ['hook'] }));
        const [a, b] = await store.pending(at(0), 10, { leaseMs: 60_000 });
        assert.equal(a!.messageId, null);
        assert.equal(await store.assignMessage([a!.id], 'msg-a'), true);
        assert.equal(await store.assignMessage([a!.id], 'msg-a2'), false, 'an id, once given, stays');
        const other = await reopen();
        assert.equal(await other.assignMessage([b!.id], 'msg-b'), false, 'not held by that store');
        assert.equal(await store.assignMessage([], 'nothing'), true);
        await store.close();

        const restarted = await reopen();
        const again = await restarted.pending(at(0.5), 10, { leaseMs: 60_000 });
        assert.deepEqual(again.map((d) => [d.clusterId, d.messageId]), [['a', 'msg-a'], ['b', null]]);
        await restarted.markDelivered(again[0]!.id, { attempts: 1, at: at(1) });
        assert.deepEqual((await restarted.deliveries()).map((r) => [r.clusterId, r.status, r.messageId]), [['a', 'delivered', 'msg-a'], ['b', 'pending', null]]);
      }));
  });
}

/**
 * The BoilerplateStore contract (src/store/boilerplate.ts): counting a host's paragraphs per distinct story within
 * a window, learning at the threshold, pruning and capping, and re-cleaning stored articles, written against the
 * interface only. A driver's test file calls `runBoilerplateStoreContract(name, makeStore, makeTwoStores)`.
 *
 * Paragraph keys come from src/extract/learned.ts; the texts are made up here (a promo line no rule knows, and
 * story paragraphs of a seeded generator).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedwatchError } from '../../src/errors.js';
import { paragraphKey } from '../../src/extract/learned.js';
import { dedupInput } from '../../src/pipeline/dedup-stage.js';
import { decideForStore } from '../../src/store/articles.js';
import type { RecordParagraphsRequest } from '../../src/store/boilerplate.js';
import type { Store } from '../../src/store/store.js';
import { mulberry32, uniform } from '../helpers/prng.js';
import { okPoll, storeRunner, testArticle, testFeed, testItem } from '../helpers/store-fixtures.js';

const T0 = Date.parse('2026-04-01T08:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number): string => new Date(T0 + ms).toISOString();

const PROMO = 'Слушайте наш подкаст «Утро без спешки» на всех площадках — ссылки в профиле редакции!';
const OTHER_PROMO = 'Got a tip? Write to the newsroom any time: tips@example.test';
const key = (text: string): string => paragraphKey(text)!;

const WORDS = 'правительство заявило сегодня область новый закон вопрос время работа решение город народ страна дело система'.split(' ');
/** A story paragraph of its own for `seed`. */
function prose(seed: number): string {
  const rand = uniform(mulberry32(seed * 7919 + 13));
  const words = Array.from({ length: 24 }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  return `${words.join(' ')} ${seed}.`.replace(/^./, (c) => c.toUpperCase());
}

const SETTINGS = { minStories: 3, windowMs: 7 * DAY, maxPerHost: 1000 };

function record(host: string, story: string, texts: string[], ms: number, over: Partial<RecordParagraphsRequest> = {}): RecordParagraphsRequest {
  return { host, story, paragraphs: texts.map((t) => ({ hash: key(t), sample: t })), at: at(ms), ...SETTINGS, ...over };
}

export function runBoilerplateStoreContract(name: string, makeStore: () => Promise<Store>, makeTwoStores: () => Promise<[Store, Store]>): void {
  const withStore = storeRunner(makeStore);

  describe(`${name}: boilerplate store contract`, () => {
    test('a paragraph is learned in its minStories-th distinct story of one host, once', () =>
      withStore(async (store) => {
        const host = 'news.example.test';
        const r1 = await store.recordParagraphs(record(host, '1', [prose(1), PROMO], 0));
        assert.deepEqual(r1.newlyLearned, []);
        // The same story again (a retried job, a republication in another feed): no new count.
        const again = await store.recordParagraphs(record(host, '1', [prose(1), PROMO], HOUR));
        assert.deepEqual(again.newlyLearned, []);
        const r2 = await store.recordParagraphs(record(host, '2', [prose(2), PROMO], 2 * HOUR));
        assert.deepEqual(r2.newlyLearned, []);
        assert.deepEqual(r2.learned, []);
        assert.equal(r2.recleanAfter, null);
        // Another host's stories do not count for this one.
        await store.recordParagraphs(record('other.example.test', '9', [PROMO], 2 * HOUR));
        const r3 = await store.recordParagraphs(record(host, '3', [prose(3), PROMO], 3 * HOUR));
        assert.deepEqual(r3.newlyLearned, [key(PROMO)]);
        assert.deepEqual(r3.learned, [key(PROMO)]);
        assert.equal(r3.recleanAfter, 0, 'learning starts the re-cleaning at the first article');
        const r4 = await store.recordParagraphs(record(host, '4', [prose(4), PROMO], 4 * HOUR));
        assert.deepEqual(r4.newlyLearned, [], 'learned once');
        assert.deepEqual(await store.learnedBoilerplate(host), [key(PROMO)]);
        assert.deepEqual(await store.learnedBoilerplate('other.example.test'), []);

        const [entry, ...rest] = await store.boilerplateEntries({ host });
        assert.equal(rest.length, 0, 'only learned paragraphs by default');
        assert.equal(entry!.hash, key(PROMO));
        assert.equal(entry!.sample, PROMO);
        assert.equal(entry!.stories, 4);
        assert.equal(entry!.firstSeenAt, at(0));
        assert.equal(entry!.lastSeenAt, at(4 * HOUR));
        assert.equal(entry!.learnedAt, at(3 * HOUR));
        const all = await store.boilerplateEntries({ host, learnedOnly: false });
        assert.equal(all.length, 5, 'four story paragraphs and the promo are tracked');
        assert.equal(all[0]!.hash, key(PROMO), 'most stories first');
        assert.ok(all.slice(1).every((e) => e.stories === 1 && e.learnedAt === null));
        const everywhere = await store.boilerplateEntries({ learnedOnly: false });
        assert.deepEqual([...new Set(everywhere.map((e) => e.host))], [host, 'other.example.test'].sort());
      }));

    test('stories older than the window do not count', () =>
      withStore(async (store) => {
        const host = 'slow.example.test';
        await store.recordParagraphs(record(host, 'a', [OTHER_PROMO], 0));
        await store.recordParagraphs(record(host, 'b', [OTHER_PROMO], 2 * DAY));
        // Eight days after the first: the first story is out of the 7-day window, so this is the second, not the third.
        const r = await store.recordParagraphs(record(host, 'c', [OTHER_PROMO], 8 * DAY));
        assert.deepEqual(r.newlyLearned, []);
        assert.equal((await store.boilerplateEntries({ host, learnedOnly: false }))[0]!.stories, 2);
        const r2 = await store.recordParagraphs(record(host, 'd', [OTHER_PROMO], 8 * DAY + HOUR));
        assert.deepEqual(r2.newlyLearned, [key(OTHER_PROMO)]);
      }));

    test('pruning forgets what the window left behind, and caps a host by least recent use, learned last', () =>
      withStore(async (store) => {
        const host = 'busy.example.test';
        for (let s = 1; s <= 3; s++) await store.recordParagraphs(record(host, `s${s}`, [PROMO, prose(100 + s)], s * HOUR));
        assert.deepEqual(await store.learnedBoilerplate(host), [key(PROMO)]);
        // Ten days on: everything of the first day is out of the window. The promo is seen again, so it stays.
        const later = await store.recordParagraphs(record(host, 's4', [PROMO, prose(104)], 10 * DAY, { prune: true }));
        assert.ok(later.pruned >= 3 + 3, `the three old story paragraphs and their sightings went (${later.pruned})`);
        const left = await store.boilerplateEntries({ host, learnedOnly: false });
        assert.deepEqual(left.map((e) => e.hash).sort(), [key(PROMO), key(prose(104))].sort());
        assert.equal(left.find((e) => e.hash === key(PROMO))!.stories, 1, 'only the sighting within the window counts');
        assert.deepEqual(await store.learnedBoilerplate(host), [key(PROMO)], 'a learned paragraph seen within the window stays learned');

        // Cap of 3 per host: the least recently seen unlearned paragraphs go first; the learned one stays.
        for (let s = 5; s <= 8; s++) await store.recordParagraphs(record(host, `s${s}`, [prose(100 + s)], 10 * DAY + s * HOUR));
        const capped = await store.recordParagraphs(record(host, 's9', [prose(109)], 10 * DAY + 9 * HOUR, { prune: true, maxPerHost: 3 }));
        assert.ok(capped.pruned >= 3);
        const kept = (await store.boilerplateEntries({ host, learnedOnly: false })).map((e) => e.hash).sort();
        assert.deepEqual(kept, [key(PROMO), key(prose(108)), key(prose(109))].sort());

        // A promo the site dropped is forgotten a window after its last sighting.
        const gone = await store.recordParagraphs(record(host, 's10', [prose(110)], 30 * DAY, { prune: true }));
        assert.deepEqual(gone.learned, []);
      }));

    test('stories counted at once by two stores all count, and the paragraph is learned exactly once', async () => {
      const [a, b] = await makeTwoStores();
      try {
        const host = 'race.example.test';
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).recordParagraphs(record(host, `r${i}`, [PROMO, prose(200 + i)], HOUR + i, { minStories: 8 }))),
        );
        assert.deepEqual(results.flatMap((r) => r.newlyLearned), [key(PROMO)]);
        assert.equal((await a.boilerplateEntries({ host }))[0]!.stories, 8);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('bad requests are storage errors that say what is wrong', () =>
      withStore(async (store) => {
        const isStorage = (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage';
        await assert.rejects(store.recordParagraphs(record('Bad Host', '1', [PROMO], 0)), isStorage);
        await assert.rejects(store.recordParagraphs({ ...record('ok.example.test', '1', [], 0), paragraphs: [{ hash: 'zz', sample: 'x' }] }), isStorage);
        await assert.rejects(store.recleanCandidates({ host: 'ok.example.test', afterId: 0, limit: 0 }), isStorage);
      }));

    test('re-cleaning: a host\'s articles in id order, the learned paragraph dropped from the revision the items read, the fingerprint renewed', () =>
      withStore(async (store) => {
        await store.syncFeeds([testFeed('f')]);
        const host = 'paper.example.test';
        const stored: { id: number; itemId: number; textHash: string; paragraphs: string[] }[] = [];
        const keepLine = 'Фото: пресс-служба правительства области, публикуется с разрешения.';
        for (let i = 0; i < 4; i++) {
          const url = i === 3 ? `https://elsewhere.example.test/n/${i}` : `https://${host}/n/${i}`;
          const [item] = await store.recordPoll(okPoll('f', at(i * HOUR), { itemsSeen: 1 }), [testItem('f', `g${i}`, { link: url })], at(i * HOUR + 1));
          const paragraphs = [prose(300 + i), PROMO, prose(310 + i), keepLine];
          const article = testArticle(`Story ${i}`, paragraphs);
          const input = dedupInput(item!, article, url);
          const s = await store.storeArticle({ itemId: item!.id, input, article, decision: decideForStore(input, await store.findDuplicates(input)), at: at(i * HOUR + 2) });
          await store.saveArticle(item!.id, { ok: true, article, finalUrl: url }, at(i * HOUR + 2), null);
          stored.push({ id: s.articleId, itemId: item!.id, textHash: input.textHash, paragraphs });
        }
        const candidates = await store.recleanCandidates({ host, afterId: 0, limit: 10 });
        assert.deepEqual(candidates.map((c) => c.articleId), stored.slice(0, 3).map((s) => s.id), 'only the host\'s articles, in id order');
        assert.deepEqual((await store.recleanCandidates({ host, afterId: stored[0]!.id, limit: 1 })).map((c) => c.articleId), [stored[1]!.id]);

        const hashes = [key(PROMO), key(keepLine)];
        const keep = ['^Фото:'];
        const r = await store.recleanArticle({ articleId: stored[0]!.id, hashes, keep });
        // The item keeps no copy of a stored text (0012_text_once): it reads the revision, cleaned.
        assert.deepEqual(r, { dropped: 1, items: 0, hashTaken: false });
        const copy = await store.getArticle(stored[0]!.itemId);
        assert.deepEqual(copy!.article.paragraphs, [prose(300), prose(310), keepLine], 'the promo went, the protected line stayed');
        const clean = dedupInput({ feedName: 'f', guid: 'x' }, copy!.article, `https://${host}/n/0`);
        const found = await store.findDuplicates(clean);
        assert.equal(found.byHash?.articleId, stored[0]!.id, 'the clean text is the article\'s text hash now');
        assert.equal(found.near[0]?.articleId, stored[0]!.id, 'and its bands are the clean text\'s');
        assert.equal((await store.findDuplicates({ ...clean, textHash: stored[0]!.textHash })).byHash, null, 'the old hash is gone');
        const story = await store.story(found.byHash!.clusterId);
        assert.equal(story!.articles[0]!.textHash, clean.textHash);
        assert.equal(story!.articles[0]!.revisions.at(-1)!.textHash, clean.textHash, 'the current revision carries the clean text');

        assert.deepEqual(await store.recleanArticle({ articleId: stored[0]!.id, hashes, keep }), { dropped: 0, items: 0, hashTaken: false }, 'idempotent');

        assert.equal(await store.moveRecleanCursor(host, 0, stored[0]!.id), false, 'no cursor before anything was learned');
        for (let s = 1; s <= 3; s++) await store.recordParagraphs(record(host, `c${s}`, [PROMO], s));
        assert.equal(await store.moveRecleanCursor(host, 0, stored[0]!.id), true);
        assert.equal(await store.moveRecleanCursor(host, 0, stored[1]!.id), false, 'compare-and-set: it no longer stands at 0');
        assert.equal(await store.moveRecleanCursor(host, stored[0]!.id, null), true);
        assert.equal((await store.recordParagraphs(record(host, 'c4', [prose(9)], 5))).recleanAfter, null, 'done');
      }));

    test('re-cleaning onto a text another article already has keeps the fingerprint and cleans the text', () =>
      withStore(async (store) => {
        await store.syncFeeds([testFeed('f')]);
        const host = 'twin.example.test';
        const body = [prose(400), prose(401), prose(402)];
        const ids: number[] = [];
        for (const [i, paragraphs] of [body, [...body, PROMO]].entries()) {
          const url = `https://${host}/t/${i}`;
          const [item] = await store.recordPoll(okPoll('f', at(i * HOUR), { itemsSeen: 1 }), [testItem('f', `t${i}`, { link: url })], at(i * HOUR + 1));
          const article = testArticle('Twin', paragraphs);
          const input = dedupInput(item!, article, url);
          // Stored as separate articles whatever the decision would be (a near duplicate in the same story).
          const decision = { kind: 'new' as const };
          const s = await store.storeArticle({ itemId: item!.id, input, article, decision, at: at(i * HOUR + 2) });
          ids.push(s.articleId);
        }
        assert.notEqual(ids[0], ids[1]);
        const r = await store.recleanArticle({ articleId: ids[1]!, hashes: [key(PROMO)], keep: [] });
        assert.deepEqual(r, { dropped: 1, items: 0, hashTaken: true });
        const story = await store.story((await store.recleanCandidates({ host, afterId: ids[0]!, limit: 1 }))[0]!.clusterId);
        const twin = story!.articles.find((a) => a.articleId === ids[1]);
        assert.ok(twin, 'the article is still there');
      }));
  });
}

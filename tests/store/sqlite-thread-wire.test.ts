/**
 * What the storage thread (src/store/sqlite/threaded.ts) sends in its own forms, checked against the plain ones:
 * an alert document's analyses packed into a typed array and one string, restored exactly (or sent as they are
 * when they would not come back the same), and the dedup stage's lookup and store made in one round trip, deciding
 * as the two calls do.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAlertDoc, compileRule } from '../../src/alerts/match.js';
import { StemOnly, type AnalyzedText } from '../../src/alerts/morphology.js';
import type { Article, StoredItem } from '../../src/model.js';
import { dedupArticle } from '../../src/pipeline/dedup-stage.js';
import type { AlertDocRecord } from '../../src/store/alerts.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { packAnalyses, unpackAnalyses } from '../../src/alerts/packed-analyses.js';
import { alertDocArgs, alertDocFromArgs, openThreadedSqliteStore } from '../../src/store/sqlite/threaded.js';
import type { Store } from '../../src/store/store.js';
import { okPoll, testArticle, testFeed, testItem } from '../helpers/store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-thread-wire-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `db-${++n}.db`);

const lem = new StemOnly();
const analyses = (title: string, body: string, tags: string[] = []) =>
  buildAlertDoc({ title, lead: '', body, feed: 'kg', tags }, lem).analyzed as Record<string, AnalyzedText>;

const doc = (analyzed: Record<string, AnalyzedText>): AlertDocRecord => ({
  articleId: 7,
  clusterId: '7',
  feed: 'kg',
  url: 'https://example.org/7',
  title: 'Визит',
  lead: '',
  body: 'Текст.',
  tags: ['Политика'],
  publishedAt: null,
  analyzed: analyzed as AlertDocRecord['analyzed'],
  storedAt: '2026-03-05T12:00:00.000Z',
});

describe('alert document analyses on the way to the thread', () => {
  test('packed and unpacked (through structured clone) they are what they were, in the same order', () => {
    for (const a of [
      analyses('Визит Лаврова в Бишкек', 'Министр прилетел утром.\n\nПереговоры 2026 года, 北京 и café.', ['Политика', 'Новости']),
      analyses('', ''),
      analyses('x', 'Ёлка — ёж. Soft\u00adhyphen, e\u0301 и 𝐀𝐁𝐂.'),
    ]) {
      const packed = packAnalyses(a);
      assert.ok(packed, 'an analysis made by buildAlertDoc packs');
      assert.ok(packed.offsets instanceof Int32Array);
      const back = unpackAnalyses(structuredClone(packed));
      assert.deepEqual(back, a);
      assert.equal(JSON.stringify(back), JSON.stringify(a), 'the same JSON: the analysis the index is keyed from does not change');
      assert.deepEqual(Object.keys(back), Object.keys(a));
    }
  });

  test('what would not come back the same crosses as it is', () => {
    const base = analyses('Визит', 'Текст статьи.');
    const variants: Array<Record<string, AnalyzedText>> = [
      { ...base, body: { ...base.body!, keys: base.body!.keys.map((k, i) => (i === 0 ? `${k}\nx` : k)) } },
      { ...base, body: { ...base.body!, starts: base.body!.starts.map((s, i) => (i === 0 ? s + 0.5 : s)) } },
      { ...base, body: { ...base.body!, ends: base.body!.ends.map((e, i) => (i === 0 ? e + 2 ** 31 : e)) } },
      { ...base, body: { ...base.body!, extra: 1 } as unknown as AnalyzedText },
      { ...base, body: { keys: base.body!.keys, by: base.body!.by, starts: base.body!.starts, ends: base.body!.ends } },
      { ...base, body: { ...base.body!, ends: base.body!.ends.slice(1) } },
    ];
    for (const v of variants) {
      assert.equal(packAnalyses(v), null);
      const args = alertDocArgs(doc(v));
      assert.equal(args.length, 1);
      assert.deepEqual(alertDocFromArgs(structuredClone(args)), doc(v));
    }
    const args = alertDocArgs(doc(base));
    assert.equal(args.length, 2);
    assert.deepEqual(alertDocFromArgs(structuredClone(args)), doc(base));
  });

  test('a document saved through the thread reads back with its texts, its index keyed by its analyses', async () => {
    const store = await openThreadedSqliteStore(freshPath());
    try {
      const d = doc(analyses('Визит Лаврова', 'Министр прилетел.\n\nПереговоры продлятся два дня.', ['Политика']));
      await store.saveAlertDoc(d);
      // The analyses are not stored (0012_text_once): matching and search make them again.
      assert.deepEqual(await store.getAlertDoc(7), { ...d, analyzed: {}, analyzedBy: lem.id });
      assert.deepEqual((await store.searchCandidates(compileRule('переговоры', lem), { limit: 5, lemmatizer: lem.id })).map((x) => x.articleId), [7]);
    } finally {
      await store.close();
    }
  });
});

const article = (paragraphs: string[]): Article => testArticle('Заголовок', paragraphs);

describe("the dedup stage's lookup and store in one round trip", () => {
  test('findAndStoreArticle decides and stores as findDuplicates and storeArticle do', async () => {
    const words = (from: number, count: number) => Array.from({ length: count }, (_, i) => `слово${from + i}`).join(' ');
    const story = [words(0, 60), words(100, 60)];
    const pages: Array<{ guid: string; url: string; paragraphs: string[] }> = [
      { guid: 'g1', url: 'https://a.example/1', paragraphs: story },
      { guid: 'g2', url: 'https://b.example/1', paragraphs: story },
      { guid: 'g3', url: 'https://c.example/1', paragraphs: [story[0]!, words(100, 55)] },
      { guid: 'g4', url: 'https://a.example/1', paragraphs: [story[0]!, words(300, 60)] },
      { guid: 'g5', url: 'https://d.example/1', paragraphs: [words(500, 80)] },
      { guid: 'g1', url: 'https://a.example/1', paragraphs: story },
    ];
    const run = async (store: Store): Promise<unknown[]> => {
      await store.syncFeeds([testFeed('kg')]);
      const items = await store.recordPoll(okPoll('kg', '2026-01-01T00:00:00Z'), ['g1', 'g2', 'g3', 'g4', 'g5'].map((g) => testItem('kg', g)), '2026-01-01T01:00:00Z');
      const byGuid = new Map(items.map((i) => [i.guid, i]));
      const out: unknown[] = [];
      for (const p of pages) {
        const item = byGuid.get(p.guid) as StoredItem;
        const { decision, stored } = await dedupArticle(item, article(p.paragraphs), p.url, '2026-01-01T00:10:00Z', { store });
        out.push({ decision, stored });
      }
      return out;
    };
    const plain = await openSqliteStore(freshPath());
    const threaded = await openThreadedSqliteStore(freshPath());
    try {
      assert.equal(typeof (plain as Partial<{ findAndStoreArticle: unknown }>).findAndStoreArticle, 'undefined', 'the plain store makes two calls');
      assert.equal(typeof threaded.findAndStoreArticle, 'function');
      const [a, b] = [await run(plain), await run(threaded)];
      assert.deepEqual(b, a);
      const kinds = (a as Array<{ decision: { kind: string } }>).map((x) => x.decision.kind);
      // The last page is g1's text again, after g4 revised the article at its URL: a revision back.
      assert.deepEqual(kinds, ['new', 'duplicate-text', 'near-duplicate', 'revision', 'new', 'revision']);
    } finally {
      await plain.close();
      await threaded.close();
    }
  });
});

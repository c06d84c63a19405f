/**
 * With `retention.days`, the SQLite file stays as large as what it keeps: pruneExpired gives the pages of the rows it
 * deleted back (auto_vacuum = INCREMENTAL, incremental_vacuum in each batch). Counted in pages, never in time.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildAlertDoc } from '../../src/alerts/match.js';
import { StemOnly } from '../../src/alerts/morphology.js';
import { dedupInput } from '../../src/pipeline/dedup-stage.js';
import { decideForStore } from '../../src/store/articles.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.js';
import { mulberry32 } from '../helpers/prng.js';
import { okPoll, testArticle, testFeed, testItem } from '../helpers/store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-retention-pages-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const lem = new StemOnly();
const DAY = 86_400_000;
const T0 = Date.parse('2026-05-01T00:00:00.000Z');
const iso = (t: number) => new Date(t).toISOString();

/** Story `k`: six paragraphs of made-up words, distinct from every other story (about 3 KB). */
function story(k: number): string[] {
  const next = mulberry32(k + 1);
  const word = () => Array.from({ length: 3 }, () => 'bcdfghklmnprstvz'[next() % 16]! + 'aeiou'[next() % 5]!).join('');
  return Array.from({ length: 6 }, () => `${Array.from({ length: 70 }, word).join(' ')}.`);
}

/** Store stories `from`..`to`−1, first listed at `at`, the way the pipeline does (article, alert document, item done). */
async function storeStories(store: SqliteStore, from: number, to: number, at: number): Promise<void> {
  for (let k = from; k < to; k++) {
    const [item] = await store.recordPoll(okPoll('wire', iso(at)), [testItem('wire', `s${k}`)], iso(at + 900_000));
    const art = testArticle(`Story ${k}`, story(k));
    const input = dedupInput(item!, art, `https://example.com/s${k}`);
    const stored = await store.storeArticle({ itemId: item!.id, input, article: art, decision: decideForStore(input, await store.findDuplicates(input)), at: iso(at) });
    const body = art.paragraphs.join('\n\n');
    const texts = { title: art.title!, lead: '', body, feed: 'wire', tags: [] };
    await store.saveAlertDoc({ ...texts, articleId: stored.articleId, clusterId: String(stored.clusterId), url: null, publishedAt: null, analyzed: buildAlertDoc(texts, lem).analyzed, storedAt: iso(at) });
    await store.saveArticle(item!.id, { ok: true, article: art, finalUrl: `https://example.com/s${k}` }, iso(at), null);
  }
}

async function pruneAll(store: SqliteStore, now: number, days: number): Promise<number> {
  let articles = 0;
  for (;;) {
    const b = await store.pruneExpired({ before: iso(now - days * DAY), now: iso(now), limit: 50 });
    if (b.phase === null) return articles;
    articles += b.articles;
  }
}

/** Pages of the file as another connection sees them, and how many of them are free. */
function pages(path: string): { total: number; free: number } {
  const db = new Database(path, { readonly: true });
  try {
    return { total: db.pragma('page_count', { simple: true }) as number, free: db.pragma('freelist_count', { simple: true }) as number };
  } finally {
    db.close();
  }
}

describe('SQLite retention gives pages back', () => {
  test('pruning every story leaves a file of a few pages, none of them free', async () => {
    const path = join(dir, 'all.db');
    const store = await openSqliteStore(path);
    try {
      await store.syncFeeds([testFeed('wire')]);
      const empty = pages(path).total;
      await storeStories(store, 0, 150, T0);
      const full = pages(path).total;
      assert.ok(full > empty + 40, `150 stories take pages (${empty} → ${full})`);
      assert.equal(await pruneAll(store, T0 + 10 * DAY, 3), 150);
      const pruned = pages(path);
      assert.equal(pruned.free, 0, 'no free page is left in the file');
      assert.ok(pruned.total - empty < (full - empty) / 5, `the file shrank back: ${empty} empty, ${full} full, ${pruned.total} after retention`);
    } finally {
      await store.close();
    }
  });

  test('a store under retention stays bounded: ten days of stories, three kept, the file no larger than after the first three', async () => {
    const path = join(dir, 'rolling.db');
    const store = await openSqliteStore(path);
    try {
      await store.syncFeeds([testFeed('wire')]);
      const sizes: number[] = [];
      for (let day = 0; day < 10; day++) {
        await storeStories(store, day * 40, (day + 1) * 40, T0 + day * DAY);
        await pruneAll(store, T0 + day * DAY + 3_600_000, 3);
        sizes.push(pages(path).total);
      }
      const steady = sizes[3]!;
      assert.ok(Math.max(...sizes.slice(3)) <= steady * 1.25, `pages per day: ${sizes.join(', ')}`);
      assert.ok(sizes[9]! < sizes[2]! * 10 / 3 / 2, `ten days' stories would need far more: ${sizes.join(', ')}`);
    } finally {
      await store.close();
    }
  });
});

/**
 * Two workers store one item, driven step by step on both drivers: worker one's store has run but its transaction
 * is still open (its article, revision and the item's sighting written, not committed) when worker two stores the
 * same item with the decision its own lookup made. Worker two must wait for that transaction, and once it commits,
 * report the item as repeated with what worker one stored, leaving one sighting. (Before the store checked the
 * item's sighting for every kind of decision, a sighting insert that changed nothing was reported as a first store.)
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dedupInput } from '../../src/dedup/input.js';
import type { DedupDecision, StoredItem } from '../../src/model.js';
import { decideForStore, storeArticleSteps, type StoreArticleRequest } from '../../src/store/articles.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { postgresArticleRows } from '../../src/store/postgres/articles.js';
import { SqliteArticles } from '../../src/store/sqlite/articles.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { runAsync } from '../../src/store/steps.js';
import type { Store } from '../../src/store/store.js';
import { pgTestSchemas } from '../helpers/postgres.js';
import { okPoll, testArticle, testFeed, testItem } from '../helpers/store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-race-'));
const pg = pgTestSchemas();
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pg.dropAll();
});

const T0 = Date.parse('2026-04-01T08:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

const STORY = testArticle('Паводок в Оренбургской области: уровень воды в Урале растет', [
  'Уровень воды в реке Урал у Оренбурга за сутки поднялся еще на сорок сантиметров, сообщили в областном штабе.',
  'Эвакуированы жители трех поселков, в пунктах временного размещения находятся более пятисот человек.',
  'Спасатели дежурят у дамб круглосуточно; пик паводка ожидается в ближайшие выходные.',
]);
const URL = 'https://news.example.net/2026/04/01/flood-orenburg.html';

/**
 * The stored story, and an item of another feed that links to it (tracking parameters added): both workers decide,
 * on what is committed, that the item is a sighting of the story by its URL.
 */
async function scene(store: Store): Promise<{ item: StoredItem; req: StoreArticleRequest }> {
  await store.syncFeeds([testFeed('wire'), testFeed('region')]);
  const [first] = await store.recordPoll(okPoll('wire', at(0), { itemsSeen: 1 }), [testItem('wire', 'wire-1')], at(15));
  assert.ok(first);
  const firstInput = dedupInput(first, STORY, URL);
  await store.storeArticle({ itemId: first.id, input: firstInput, article: STORY, decision: decideForStore(firstInput, await store.findDuplicates(firstInput)), at: at(1) });
  const [item] = await store.recordPoll(okPoll('region', at(5), { itemsSeen: 1 }), [testItem('region', 'region-7')], at(20));
  assert.ok(item);
  const input = dedupInput(item, STORY, `${URL}?utm_source=region&utm_medium=rss`);
  const decision: DedupDecision = decideForStore(input, await store.findDuplicates(input));
  assert.equal(decision.kind, 'duplicate-url');
  return { item, req: { itemId: item.id, input, article: STORY, decision, at: at(6) } };
}

describe('two workers store one item, the first one not committed yet', () => {
  test('SQLite: the second waits for the write lock, then reports the first one\'s store as repeated', async () => {
    const path = join(dir, 'race.db');
    const two = await openSqliteStore(path);
    const raw = new Database(path);
    try {
      const { item, req } = await scene(two);
      // Worker one, on its own connection: its store runs inside a write transaction left open.
      raw.exec('BEGIN IMMEDIATE');
      const mine = new SqliteArticles(raw).storeArticle(req);
      assert.equal(mine.repeated, false);
      let settled = false;
      const theirs = two.storeArticle(req).finally(() => (settled = true));
      // Worker two's write cannot begin while worker one holds the lock: its call is still waiting after several
      // turns of the event loop (it asks for the lock again each time, without blocking the process).
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(settled, false, 'worker two waits for worker one');
      raw.exec('COMMIT');
      assert.deepEqual(await theirs, { ...mine, repeated: true });
      const sightings = raw.prepare('SELECT count(*) FROM sightings WHERE item_id = ?').pluck().get(item.id);
      assert.equal(sightings, 1);
    } finally {
      if (raw.inTransaction) raw.exec('ROLLBACK');
      raw.close();
      await two.close();
    }
  });

  test('PostgreSQL: the second waits on the item\'s row, then reports the first one\'s store as repeated', async () => {
    const schema = await pg.create();
    const two = await openPostgresStore(pg.url, { schema });
    const conn = await two.pool.connect();
    try {
      const { item, req } = await scene(two);
      // Worker one, on a connection of its own: one attempt of its store, in a transaction left open.
      await conn.query('BEGIN');
      const pid = (await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const mine = await runAsync(storeArticleSteps({ attempt: (steps) => runAsync(steps(postgresArticleRows(conn))), conflict: () => false }, req));
      assert.equal(mine.repeated, false);
      const theirs = two.storeArticle(req);
      // Until a backend is blocked by worker one's transaction.
      for (;;) {
        const [row] = await pg.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))', [pid]);
        if (Number(row?.n) > 0) break;
      }
      await conn.query('COMMIT');
      assert.deepEqual(await theirs, { ...mine, repeated: true });
      const [count] = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.sightings WHERE item_id = $1`, [item.id]);
      assert.equal(Number(count?.n), 1);
    } finally {
      await conn.query('ROLLBACK').catch(() => undefined);
      conn.release();
      await two.close();
    }
  });
});

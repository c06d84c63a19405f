/**
 * PostgreSQL limits on every connection (storage.statementTimeout, lockTimeout, idleInTransactionTimeout): the
 * pool's connections carry them from their first statement; a writer that meets a lock another session holds
 * fails with a typed, retryable error naming the limit, and its retry succeeds once the lock is gone; a server
 * session ended while its connection is checked out fails the statement and never brings the process down.
 * Against the real local PostgreSQL, one throwaway schema per store; the other session is a plain pg client.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { parseConfig } from '../../src/config/load.js';
import { FeedwatchError } from '../../src/errors.js';
import type { Article } from '../../src/model.js';
import { dedupInput } from '../../src/pipeline/dedup-stage.js';
import { decideForStore } from '../../src/store/articles.js';
import { openStore } from '../../src/store/open.js';
import { DEFAULT_PG_TIMEOUTS, postgresPoolConfig } from '../../src/store/postgres/store.js';
import type { StoredItem } from '../../src/model.js';
import type { Store } from '../../src/store/store.js';
import { pgTestSchemas } from '../helpers/postgres.js';
import { okPoll, testArticle, testFeed, testItem } from '../helpers/store-fixtures.js';

const pgs = pgTestSchemas();
after(() => pgs.dropAll());

const T0 = Date.parse('2026-04-01T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A store opened the way `feedwatch` opens it: from a config file's `storage` section and DATABASE_URL. */
async function storeFromConfig(schema: string, storageKeys: string): Promise<Store> {
  const config = parseConfig(`storage:\n  driver: postgres\n${storageKeys}`, '/etc/feedwatch/feedwatch.yaml');
  return openStore(config, { env: { DATABASE_URL: pgs.urlFor(schema) } });
}

/** A plain session of its own, as another program (or a stuck worker) would hold one. */
async function otherSession(schema: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: pgs.urlFor(schema) });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

function story(n: number): Article {
  return testArticle(`Выборы в городском совете, сообщение ${n}`, [
    `Избирательная комиссия города опубликовала предварительные итоги голосования по округу номер ${n}.`,
    'Явка составила чуть больше сорока процентов, что заметно выше, чем на прошлых выборах в совет.',
    'Окончательные результаты обещают объявить после пересчёта бюллетеней во всех участках округа.',
  ]);
}

/** A new item of feed `f` whose page carried `art`, and the store call that stores it as the pipeline would. */
async function itemWith(store: Store, guid: string, art: Article): Promise<{ item: StoredItem; put: () => ReturnType<Store['storeArticle']> }> {
  await store.syncFeeds([testFeed('f')]);
  const [item] = await store.recordPoll(okPoll('f', at(0), { itemsSeen: 1 }), [testItem('f', guid)], at(900));
  assert.ok(item);
  const url = `https://news.example.org/${guid}`;
  const put = async () => {
    const input = dedupInput(item, art, url);
    return store.storeArticle({ itemId: item.id, input, article: art, decision: decideForStore(input, await store.findDuplicates(input)), at: at(10) });
  };
  return { item, put };
}

/** Resolves, with its pid, once a session waits for a lock the session `holder` holds. */
async function sessionBlockedBy(holder: pg.Client): Promise<number> {
  const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  for (let i = 0; i < 100_000; i++) {
    const rows = await pgs.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))', [holderPid]);
    if (rows[0]) return rows[0].pid;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('no session ever waited for the lock');
}

describe('PostgreSQL connection limits', () => {
  test('every pooled connection starts with the three limits (and 0 leaves the server its own setting)', async () => {
    const schema = await pgs.create();
    const shown = async (timeouts: typeof DEFAULT_PG_TIMEOUTS) => {
      const pool = new pg.Pool(postgresPoolConfig(pgs.urlFor(schema), { maxConnections: 3, timeouts }));
      try {
        // Three connections at once: each was opened by the pool with the settings, not set once on one of them.
        const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
        const out = await Promise.all(
          clients.map(async (c) => (await c.query<{ s: string; l: string; i: string }>(
            `SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i`,
          )).rows[0]),
        );
        for (const c of clients) c.release();
        return out;
      } finally {
        await pool.end();
      }
    };
    assert.deepEqual(await shown({ statementMs: 12_000, lockMs: 1_500, idleInTransactionMs: 45_000 }), Array(3).fill({ s: '12s', l: '1500ms', i: '45s' }));
    assert.deepEqual(await shown(DEFAULT_PG_TIMEOUTS), Array(3).fill({ s: '30s', l: '5s', i: '1min' }));
    const server = (await pgs.query<{ s: string }>(`SELECT current_setting('lock_timeout') AS s`))[0]!.s;
    assert.deepEqual((await shown({ statementMs: 0, lockMs: 0, idleInTransactionMs: 0 })).map((r) => r!.l), Array(3).fill(server));
    assert.throws(() => postgresPoolConfig('postgres://x@h/d', { timeouts: { statementMs: -1, lockMs: 0, idleInTransactionMs: 0 } }), FeedwatchError);
  });

  test('the config keys have defaults and refuse what PostgreSQL cannot take', () => {
    const storage = (keys: string) => parseConfig(`storage:\n  driver: postgres\n${keys}`, '/etc/feedwatch/feedwatch.yaml').storage;
    assert.deepEqual(storage(''), { driver: 'postgres', urlEnv: 'DATABASE_URL', statementTimeout: 30_000, lockTimeout: 5_000, idleInTransactionTimeout: 60_000 });
    assert.equal((storage('  lockTimeout: 0\n') as { lockTimeout: number }).lockTimeout, 0);
    assert.throws(() => storage('  statementTimeout: 30d\n'), /storage\.statementTimeout/);
    assert.throws(() => storage('  lockTimeout: soon\n'), /storage\.lockTimeout/);
  });

  test('a writer meeting a lock another session holds fails with a typed, retryable error; its retry succeeds once the lock is gone', async () => {
    const schema = await pgs.create();
    const store = await storeFromConfig(schema, '  lockTimeout: 300ms\n');
    const other = await otherSession(schema);
    try {
      const { item, put } = await itemWith(store, 'council-election', story(1));
      // Another session holds the item's row in an open transaction, as a stuck worker would.
      await other.query('BEGIN');
      await other.query('SELECT id FROM items WHERE id = $1 FOR UPDATE', [item.id]);

      const err = await put().then(
        () => assert.fail('stored while the row was locked'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof FeedwatchError, String(err));
      assert.equal(err.kind, 'storage');
      assert.equal(err.retryable, true);
      assert.equal(err.context.timeout, 'lock');
      assert.equal(err.context.code, '55P03');
      assert.match(err.message, /storage\.lockTimeout/);
      assert.equal((await store.getItem(item.id))?.articleState, 'pending', 'nothing of the failed attempt was kept');
      assert.equal(Number((await pgs.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.articles`))[0]!.n), 0);

      // Still locked: the retry fails the same way (the writer never waits past the limit).
      await assert.rejects(put(), (e: unknown) => e instanceof FeedwatchError && e.context.timeout === 'lock');

      await other.query('COMMIT');
      const stored = await put();
      assert.equal(stored.kind, 'new');
      assert.equal(stored.repeated, false);
      assert.equal(Number((await pgs.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.articles`))[0]!.n), 1, 'stored once');
    } finally {
      await other.end();
      await store.close();
    }
  });

  test('a server session ended while its connection is checked out fails that call only; the process and the pool go on', async () => {
    const schema = await pgs.create();
    // No lock limit here: the writer waits until its session is terminated.
    const store = await storeFromConfig(schema, '  lockTimeout: 0\n');
    const other = await otherSession(schema);
    const unhandled: unknown[] = [];
    const onUncaught = (e: unknown) => unhandled.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const { item, put } = await itemWith(store, 'council-recount', story(2));
      await other.query('BEGIN');
      await other.query('SELECT id FROM items WHERE id = $1 FOR UPDATE', [item.id]);
      const writing = put().then(
        () => null,
        (e: unknown) => e,
      );
      const pid = await sessionBlockedBy(other);
      await pgs.query('SELECT pg_terminate_backend($1)', [pid]);
      const err = await writing;
      assert.ok(err instanceof FeedwatchError && err.kind === 'storage' && err.retryable, String(err));
      await other.query('COMMIT');
      // Give the ended connection's 'end' event its turn: it is what emits 'error' on the client.
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
      assert.equal((await put()).kind, 'new', 'the pool opened a fresh connection');
    } finally {
      process.off('uncaughtException', onUncaught);
      await other.end();
      await store.close();
    }
  });
});

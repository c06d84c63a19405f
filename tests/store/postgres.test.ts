/**
 * PostgresStore: the storage contract against the real local PostgreSQL (one throwaway schema per store),
 * then what only PostgreSQL has: many workers migrating at once, concurrent polls and claims, a database
 * error mid-poll, text PostgreSQL cannot store, the URL kept out of errors, and `openStore` for postgres.
 * A server that is down makes these tests fail with a message saying so; they never skip.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, FeedwatchError } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import { INSERT_CHUNK_ROWS, openPostgresStore, postgresMigrationsDir, type PostgresStoreOptions } from '../../src/store/postgres/store.js';
import { pgTestSchemas } from '../helpers/postgres.js';
import { okPoll, testFeed, testItem as feedItem } from '../helpers/store-fixtures.js';
import { runStoreContract } from './contract.js';
import { runArticleStoreContract } from './articles-contract.js';
import { runAlertStoreContract } from './alerts-contract.js';
import { runAlertHistoryContract } from './alert-history-contract.js';
import { runFeedHealthContract } from './feed-health-contract.js';
import { runRetentionStoreContract } from './retention-contract.js';

const pg = pgTestSchemas();
after(() => pg.dropAll());

/** A new, migrated store in a new schema (or in `schema`, to share it with another store). */
async function fresh(opts: PostgresStoreOptions = {}) {
  const schema = opts.schema ?? (await pg.create());
  return openPostgresStore(pg.url, { ...opts, schema });
}

runStoreContract('postgres', () => fresh());
runArticleStoreContract('postgres', () => fresh(), async () => {
  // Two pools on one schema: two workers.
  const schema = await pg.create();
  const one = await fresh({ schema });
  return [one, await fresh({ schema })];
});
runAlertStoreContract('postgres', async () => {
  const schema = await pg.create();
  return { store: await fresh({ schema }), reopen: (o) => fresh({ schema, ...(o?.claimIdentity ? { claims: { identity: o.claimIdentity } } : {}) }) };
});
runAlertHistoryContract('postgres', async () => {
  const schema = await pg.create();
  return { store: await fresh({ schema }), reopen: (o) => fresh({ schema, ...(o?.claimIdentity ? { claims: { identity: o.claimIdentity } } : {}) }) };
});
runFeedHealthContract('postgres', async () => {
  const schema = await pg.create();
  return { store: await fresh({ schema }), reopen: () => fresh({ schema }) };
});

runRetentionStoreContract('postgres', async () => {
  const schema = await pg.create();
  const count = async (sql: string) => Number((await pg.query<{ n: string }>(sql))[0]?.n);
  return {
    store: await fresh({ schema }),
    reopen: () => fresh({ schema }),
    count: (table) => count(`SELECT count(*) AS n FROM ${schema}.${table}`),
    ftsRows: () => count(`SELECT count(*) AS n FROM ${schema}.alert_docs WHERE search IS NOT NULL`),
  };
});

const feed = testFeed('a', { intervalMs: 60_000 });
const guids = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `g${from + i}`);
const migrationFiles = readdirSync(postgresMigrationsDir).filter((f) => f.endsWith('.sql')).sort();

describe('PostgresStore (PostgreSQL specifics)', () => {
  test('five stores opening at once on a fresh schema apply each migration once', async () => {
    const schema = await pg.create();
    const clock = new ManualClock(Date.parse('2026-02-03T04:05:06.000Z'));
    const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(pg.url, { schema, clock })));
    try {
      const applied = stores.flatMap((s) => s.lastMigration?.applied.map((m) => m.file) ?? []);
      assert.deepEqual(applied.sort(), migrationFiles, 'each file applied by exactly one store');
      for (const s of stores) assert.equal(s.lastMigration?.version, Number(migrationFiles.at(-1)!.slice(0, 4)));
      const rows = await pg.query(`SELECT version, name, applied_at FROM ${schema}.schema_migrations ORDER BY version`);
      assert.deepEqual(
        rows,
        migrationFiles.map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), applied_at: new Date('2026-02-03T04:05:06.000Z') })),
      );
      await stores[0]!.syncFeeds([feed]);
      assert.equal((await stores[4]!.feedState('a'))?.url, feed.url, 'all five work on the same tables');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('feed names sort in code point order whatever the database collation: the columns are COLLATE "C"', async () => {
    const schema = await pg.create();
    const store = await fresh({ schema });
    try {
      const rows = await pg.query<{ t: string; c: string; coll: string }>(
        `SELECT table_name AS t, column_name AS c, collation_name AS coll FROM information_schema.columns
         WHERE table_schema = $1 AND table_name IN ('feeds', 'items') AND column_name IN ('name', 'feed_name', 'guid') ORDER BY 1, 2`,
        [schema],
      );
      assert.deepEqual(rows, [
        { t: 'feeds', c: 'name', coll: 'C' },
        { t: 'items', c: 'feed_name', coll: 'C' },
        { t: 'items', c: 'guid', coll: 'C' },
      ]);
      // The test database's own collation may already be code point order; a linguistic one would not be.
      const [linguistic] = await pg.query<{ v: string[] }>(`SELECT array_agg(n ORDER BY n COLLATE "und-x-icu") AS v FROM unnest(ARRAY['Ria', 'by', 'Äb', 'zz']) AS n`);
      assert.deepEqual(linguistic?.v, ['Äb', 'by', 'Ria', 'zz'], 'the check above matters: ICU order differs');
      await store.syncFeeds(['Ria', 'by', 'Äb', 'zz'].map((name) => ({ ...feed, name })));
      assert.deepEqual((await store.feedStates()).map((f) => f.name), ['Ria', 'by', 'zz', 'Äb']);
    } finally {
      await store.close();
    }
  });

  test('two stores recording overlapping polls at once store each item once, across insert chunks', async () => {
    const schema = await pg.create();
    const [one, two] = await Promise.all([fresh({ schema }), fresh({ schema })]);
    try {
      await one.syncFeeds([feed]);
      const n = INSERT_CHUNK_ROWS * 2 + 100;
      const half = Math.floor(n / 2);
      const [a, b] = await Promise.all([
        one.recordPoll(okPoll('a', '2026-01-01T00:00:00Z'), guids(0, n).map((g) => feedItem('a', g)), '2026-01-01T00:15:00Z'),
        two.recordPoll(okPoll('a', '2026-01-01T00:00:01Z'), guids(half, n + half).map((g) => feedItem('a', g)), '2026-01-01T00:15:01Z'),
      ]);
      const all = [...a, ...b].map((i) => i.guid);
      assert.equal(new Set(all).size, all.length, 'no item was returned to both stores');
      assert.deepEqual(new Set(all), new Set(guids(0, n + half)));
      assert.equal((await one.feedState('a'))?.itemCount, n + half);
      const ids = a.map((i) => i.id);
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'new items come back in input order with rising ids');
    } finally {
      await one.close();
      await two.close();
    }
  });

  test('two workers claiming at once with a lease get disjoint items', async () => {
    const schema = await pg.create();
    const [one, two] = await Promise.all([fresh({ schema }), fresh({ schema })]);
    try {
      await one.syncFeeds([feed]);
      await one.recordPoll(okPoll('a', '2026-01-01T00:00:00Z'), guids(0, 30).map((g) => feedItem('a', g)), '2026-01-01T00:15:00Z');
      const now = '2026-01-01T00:01:00Z';
      const [x, y] = await Promise.all([one.pendingArticles(20, now, { leaseMs: 60_000 }), two.pendingArticles(20, now, { leaseMs: 60_000 })]);
      const got = [...x, ...y].map((i) => i.guid);
      assert.equal(got.length, 30, `both claims together hand out every item once (got ${x.length} + ${y.length})`);
      assert.deepEqual(new Set(got), new Set(guids(0, 30)));
      assert.deepEqual(await two.pendingArticles(20, now, { leaseMs: 60_000 }), []);
      assert.equal((await one.pendingArticles(100, '2026-01-01T00:02:00Z')).length, 30, 'due again when the lease ends');
    } finally {
      await one.close();
      await two.close();
    }
  });

  test('a database error in the middle of a poll rolls the poll back', async () => {
    const schema = await pg.create();
    const store = await fresh({ schema });
    try {
      await store.syncFeeds([feed]);
      await store.recordPoll({ ...okPoll('a', '2026-01-01T00:00:00Z'), etag: '"v1"' }, [feedItem('a', 'g1')], '2026-01-01T00:01:00Z');
      const before = await store.feedState('a');
      await pg.query(`CREATE FUNCTION ${schema}.boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.guid = 'boom' THEN RAISE EXCEPTION 'boom refused' USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$`);
      await pg.query(`CREATE TRIGGER boom BEFORE INSERT ON ${schema}.items FOR EACH ROW EXECUTE FUNCTION ${schema}.boom()`);
      await assert.rejects(
        store.recordPoll({ ...okPoll('a', '2026-01-01T00:01:00Z'), etag: '"v2"' }, [feedItem('a', 'g2'), feedItem('a', 'boom')], '2026-01-01T00:02:00Z'),
        (err: unknown) =>
          err instanceof FeedwatchError && err.kind === 'storage' && /boom refused/.test(err.message) && err.context.feed === 'a' && err.context.code === '23514' && !err.retryable,
      );
      assert.deepEqual(await store.feedState('a'), before);
      assert.deepEqual(await pg.query(`SELECT guid FROM ${schema}.items`), [{ guid: 'g1' }]);
    } finally {
      await store.close();
    }
  });

  test('NUL characters and lone surrogates, which PostgreSQL cannot store, are cleaned instead of failing the poll', async () => {
    const store = await fresh();
    try {
      await store.syncFeeds([feed]);
      const odd = feedItem('a', 'odd', { title: 'a\u0000b', categories: ['x\u0000', 'half \uD83D'], extra: { 'k\u0000': 'v\uDE00' } });
      const [stored] = await store.recordPoll(okPoll('a', '2026-01-01T00:00:00Z'), [odd], '2026-01-01T00:01:00Z');
      const back = await store.getItem(stored!.id);
      assert.equal(back?.title, 'ab');
      assert.deepEqual(back?.categories, ['x', 'half \uFFFD']);
      assert.deepEqual(back?.extra, { k: 'v\uFFFD' });
    } finally {
      await store.close();
    }
  });

  test('a database that records a migration this code does not know is refused; a failing migration leaves no trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedwatch-pgmig-'));
    try {
      const schema = await pg.create();
      writeFileSync(join(dir, '0001_one.sql'), 'CREATE TABLE one (x integer);');
      writeFileSync(join(dir, '0002_two.sql'), 'CREATE TABLE two (x integer); INSERT INTO one VALUES (1); THIS IS NOT SQL;');
      const migrationsDir = pathToFileURL(`${dir}/`);
      await assert.rejects(openPostgresStore(pg.url, { schema, migrationsDir }), (err: unknown) =>
        err instanceof FeedwatchError && err.kind === 'storage' && /0002_two\.sql failed and was rolled back/.test(err.message),
      );
      const tables = await pg.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [schema]);
      assert.deepEqual(tables.map((r) => r.t), ['one', 'schema_migrations']);
      assert.deepEqual(await pg.query(`SELECT count(*)::int AS n FROM ${schema}.one`), [{ n: 0 }]);

      const other = await pg.create();
      const store = await openPostgresStore(pg.url, { schema: other });
      await store.close();
      await pg.query(`INSERT INTO ${other}.schema_migrations VALUES (999, 'future', now())`);
      await assert.rejects(openPostgresStore(pg.url, { schema: other, migrationsDir: postgresMigrationsDir }), (err: unknown) =>
        err instanceof FeedwatchError && /migration 999 "future", which this feedwatch does not know/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a server that cannot be reached fails at open with a storage error that never shows the URL or password', async () => {
    const secret = 'Sup3rSecretPw';
    const url = `postgres://feedwatch:${secret}@127.0.0.1:1/feeds`;
    await assert.rejects(openPostgresStore(url, { connectTimeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof FeedwatchError && err.kind === 'storage', String(err));
      const shown = `${err.message} ${JSON.stringify(err.context)} ${String(err.cause ?? '')}`;
      assert.ok(!shown.includes(secret), shown);
      assert.match(err.message, /connect failed: .*ECONNREFUSED/);
      assert.deepEqual([err.context.host, err.context.port, err.context.database], ['127.0.0.1', '1', 'feeds']);
      assert.equal(err.retryable, true);
      return true;
    });
    await assert.rejects(openPostgresStore(`postgres://u:${secret}@[::1`), (err: unknown) =>
      err instanceof FeedwatchError && /not a valid URL/.test(err.message) && !err.message.includes(secret) && err.cause === undefined,
    );
    await assert.rejects(fresh({ schema: 'x; DROP TABLE y' }), (err: unknown) => err instanceof FeedwatchError && /must be letters/.test(err.message));
  });

  test('a closed store answers with a storage error; closing twice is harmless', async () => {
    const store = await fresh();
    await store.close();
    await store.close();
    await assert.rejects(store.feedStates(), (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage');
  });

  test('openStore reads the URL from the variable storage.urlEnv names, and fails clearly when it is unset', async () => {
    const config = parseConfig('storage:\n  driver: postgres\n  urlEnv: FW_TEST_DB\n', '/etc/feedwatch.yaml');
    await assert.rejects(openStore(config, { env: {} }), (err: unknown) =>
      err instanceof ConfigError && /FW_TEST_DB/.test(err.message) && err.context.path === 'storage.urlEnv',
    );
    const schema = await pg.create();
    const store = await openStore(config, { env: { FW_TEST_DB: pg.urlFor(schema) } });
    try {
      await store.syncFeeds([feed]);
      assert.deepEqual(await pg.query(`SELECT name FROM ${schema}.feeds`), [{ name: 'a' }], 'the URL\'s search_path chose the schema');
    } finally {
      await store.close();
    }
    const byDefault = parseConfig('storage:\n  driver: postgres\n', '/etc/feedwatch.yaml');
    await assert.rejects(openStore(byDefault, { env: {} }), (err: unknown) => err instanceof ConfigError && /DATABASE_URL/.test(err.message));
  });
});

/**
 * PostgreSQL for tests: the real local server (FEEDWATCH_TEST_PG_URL, default postgres://root@127.0.0.1:5432/test,
 * trust auth), one throwaway schema per store, all dropped by `dropAll()` when the file's tests end. When the
 * server is not reachable, `create()` throws an error that says so and how to start it: the tests fail, never skip.
 */
import pg from 'pg';

export const TEST_PG_URL = process.env.FEEDWATCH_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** Every schema made here starts with this, followed by the creation time in base 36. */
const PREFIX = 'fwtest_';
/** Schemas of runs that died without cleaning up are dropped once they are this old. */
const STALE_MS = 24 * 3_600_000;

export interface PgTestSchemas {
  /** The server URL (without a schema). */
  readonly url: string;
  /** A new, empty schema; its name is safe to put in SQL unquoted. */
  create(): Promise<string>;
  /** `url` with its connections' search_path set to `schema`, as a deployment would write DATABASE_URL. */
  urlFor(schema: string): string;
  /** Run SQL on an admin connection (for assertions and setup) and return the rows. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Drop every schema created here, then close the admin connections. */
  dropAll(): Promise<void>;
}

export function pgTestSchemas(url: string = TEST_PG_URL): PgTestSchemas {
  const admin = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  admin.on('error', () => undefined);
  const created: string[] = [];
  let n = 0;
  let ready: Promise<void> | null = null;

  /** Check the server once, and sweep schemas that crashed runs left behind. */
  function reachable(): Promise<void> {
    ready ??= (async () => {
      try {
        await admin.query('SELECT 1');
      } catch (err) {
        const host = new URL(url).host;
        throw new Error(
          `PostgreSQL is not reachable at ${host} (${err instanceof Error ? err.message : String(err)}). ` +
            'These tests need the local server: .ci/run starts it (pg_ctlcluster <version> main start); ' +
            'set FEEDWATCH_TEST_PG_URL to use another one.',
          { cause: err },
        );
      }
      const { rows } = await admin.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${PREFIX}%`]);
      for (const { nspname } of rows) {
        const bornAt = parseInt(nspname.slice(PREFIX.length).split('_')[0] ?? '', 36);
        if (Number.isFinite(bornAt) && Date.now() - bornAt > STALE_MS) await admin.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
      }
    })();
    return ready;
  }

  return {
    url,
    async create() {
      await reachable();
      const name = `${PREFIX}${Date.now().toString(36)}_${process.pid}_${++n}`;
      await admin.query(`CREATE SCHEMA ${name}`);
      created.push(name);
      return name;
    },
    urlFor(schema) {
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      return u.href;
    },
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await admin.query<T>(sql, params)).rows;
    },
    async dropAll() {
      try {
        for (const name of created.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

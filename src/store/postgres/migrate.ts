/**
 * Applies the numbered .sql files of migrations/postgres (listed by `readMigrations`) to a PostgreSQL schema.
 * The whole run holds a session advisory lock keyed by the current schema, so that many workers starting at
 * once migrate once: the first applies the files, the others wait, then find nothing left to do. Each file
 * runs in its own transaction together with its row in `schema_migrations`, so a failing file leaves no trace.
 */
import type pg from 'pg';
import { migrationFailed, pendingMigrations, readMigrations, type AppliedRow, type MigrateResult, type Migration } from '../migrate.js';

/** First key of the advisory lock (the second is a hash of the schema name): "FWMG". */
export const MIGRATION_LOCK_CLASS = 0x46574d47;

const LOCK_ARGS = `$1::int4, hashtext(coalesce(current_schema(), ''))`;

/**
 * Apply the folder's pending migrations through one connection of `pool`. Refuses a database that records a
 * migration this code does not have (a newer feedwatch wrote it, or a file was renamed).
 */
export async function migratePostgres(pool: pg.Pool, dir: URL, now: () => string): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  const client = await pool.connect();
  let dropConnection = false;
  try {
    // Migrating is not ordinary work: waiting for another process's migration, or building an index on a large
    // table, may take longer than the pool's statement and lock timeouts. They are lifted for this session and
    // put back (RESET returns to the connection's startup values) before it goes back to the pool.
    await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
    await client.query(`SELECT pg_advisory_lock(${LOCK_ARGS})`, [MIGRATION_LOCK_CLASS]);
    try {
      return await applyPending(client, migrations, dir, now);
    } finally {
      try {
        await client.query(`SELECT pg_advisory_unlock(${LOCK_ARGS})`, [MIGRATION_LOCK_CLASS]);
        await client.query('RESET statement_timeout; RESET lock_timeout');
      } catch {
        // The session is unusable; closing it releases the lock.
        dropConnection = true;
      }
    }
  } finally {
    client.release(dropConnection);
  }
}

async function applyPending(client: pg.PoolClient, migrations: Migration[], dir: URL, now: () => string): Promise<MigrateResult> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer NOT NULL PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL
  )`);
  const { rows } = await client.query<AppliedRow>('SELECT version, name FROM schema_migrations ORDER BY version');
  const applied: Migration[] = [];
  for (const m of pendingMigrations(migrations, rows, dir)) {
    try {
      await client.query('BEGIN');
      // No parameters: the simple query protocol, which runs a file of several statements.
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now()]);
      await client.query('COMMIT');
      applied.push(m);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw migrationFailed(m, dir, err);
    }
  }
  const version = await client.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
  return { applied, version: version.rows[0]?.v ?? 0 };
}

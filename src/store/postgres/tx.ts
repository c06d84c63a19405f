/**
 * How the PostgreSQL store parts run their work on the pool: `inTransaction` runs a function in one transaction on
 * one pooled connection, and `guarded` turns what the driver throws into a redacted storage FeedwatchError that
 * names the operation. Shared by store.ts, alerts.ts, articles.ts and retention.ts.
 */
import type pg from 'pg';
import { pgStorageError } from './errors.js';

/**
 * Run `fn` in one transaction on one connection of `pool`: COMMIT when it resolves, ROLLBACK when it throws.
 * A connection whose ROLLBACK fails is released as broken, so the pool closes it instead of reusing it.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Run `fn`; a failure becomes a storage FeedwatchError "`op` failed: …" with `{ op, ...context }` (a FeedwatchError
 * passes through as it is). `url` is the connection URL, only to redact it from the message.
 */
export async function guarded<T>(url: string, op: string, context: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw pgStorageError(`${op} failed`, { op, ...context }, err, url);
  }
}

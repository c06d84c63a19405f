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

/** Tries of one operation whose connection was lost (see `connectionLost`) before its error is let through. */
export const LOST_CONNECTION_TRIES = 4;

/**
 * Whether `err` says the connection went away, not that the statement failed: the server ended the session
 * (SQLSTATE 57P01-57P03: an administrator's pg_terminate_backend, a shutdown), a connection exception (class 08),
 * a socket error (an errno code), or pg's own plain Error for a connection that ended or broke before or during the
 * call (it carries no code; what the server or our code throws always has one, or is a FeedwatchError or a
 * TypeError). The server rolled back what that session had not committed.
 */
export function connectionLost(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return /^(57P0[123]|08...)$/.test(code) || /^E[A-Z]+$/.test(code);
  return code === undefined && Object.getPrototypeOf(err) === Error.prototype;
}

/**
 * Run `fn`; a failure becomes a storage FeedwatchError "`op` failed: …" with `{ op, ...context }` (a FeedwatchError
 * passes through as it is). `url` is the connection URL, only to redact it from the message.
 *
 * A call whose connection was lost is run again at once on another connection of the pool, up to
 * LOST_CONNECTION_TRIES in all: the session it ran in is gone with whatever it had not committed, and every storage
 * operation is idempotent (items by feed and guid, articles re-checked in their transaction, matches by rule and
 * story, claims by owner), so a commit whose answer was lost with the connection stores nothing twice (a counter it
 * raised, such as an item's page attempts or a feed's error count, may count one more).
 */
export async function guarded<T>(url: string, op: string, context: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await fn();
    } catch (err) {
      if (tries < LOST_CONNECTION_TRIES && connectionLost(err)) continue;
      throw pgStorageError(`${op} failed`, { op, ...context }, err, url);
    }
  }
}

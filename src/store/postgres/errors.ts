/**
 * Errors of the PostgreSQL store, and the connection URL kept out of them. The URL may hold a password, so no
 * message or context carries it: context names only host, port and database, and every driver message is
 * passed through `redact` before it becomes a FeedwatchError of kind 'storage'.
 */
import { FeedwatchError } from '../../errors.js';

/** The parts of a connection URL that are safe to show (never the user's password). */
export interface SafeTarget {
  host: string | null;
  port: string | null;
  database: string | null;
}

/** Host, port and database of `url`, or nulls when it does not parse. */
export function safeTarget(url: string): SafeTarget {
  try {
    const u = new URL(url);
    const host = u.hostname !== '' ? decodeURIComponent(u.hostname) : u.searchParams.get('host');
    return { host: host || null, port: u.port || null, database: decodeURIComponent(u.pathname.slice(1)) || null };
  } catch {
    return { host: null, port: null, database: null };
  }
}

/** The strings of `url` that must never be shown: the URL itself and its password, encoded or not. */
function secretsOf(url: string): string[] {
  const secrets = [url];
  try {
    const u = new URL(url);
    const fromQuery = u.searchParams.get('password');
    for (const s of [u.password, safeDecode(u.password), fromQuery ?? '']) {
      // Very short passwords are not searched for: replacing every "a" would make the message useless.
      if (s.length >= 3) secrets.push(s);
    }
  } catch {
    // An unparsable URL: only its whole text is hidden.
  }
  return secrets.sort((a, b) => b.length - a.length);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `text` with the connection URL and its password replaced by "[redacted]". */
export function redact(text: string, url: string): string {
  let out = text;
  for (const secret of secretsOf(url)) out = out.split(secret).join('[redacted]');
  return out;
}

/** SQLSTATE classes that fail again on retry: data exceptions, constraints, bad SQL, auth, missing database. */
const PERMANENT_CLASSES = new Set(['0A', '22', '23', '28', '2B', '3D', '3F', '42']);

/**
 * The server-side limits (see `PostgresTimeouts` in store.ts) by the SQLSTATE of their failure, with the config
 * key that sets each: a failure they cause says which limit it hit, in its message and as `context.timeout`.
 */
const TIMEOUTS: Readonly<Record<string, { timeout: 'statement' | 'lock' | 'idle-in-transaction'; what: string }>> = {
  '57014': { timeout: 'statement', what: 'statement cancelled: it ran longer than storage.statementTimeout (or an administrator cancelled it)' },
  '55P03': { timeout: 'lock', what: 'waited longer than storage.lockTimeout for a lock another session holds' },
  '25P03': { timeout: 'idle-in-transaction', what: 'transaction idle longer than storage.idleInTransactionTimeout; the server ended the session' },
};

/**
 * A storage FeedwatchError for a failure of the driver or the server. The message is redacted; the driver's
 * error is kept as the cause only when its own message held nothing secret.
 */
export function pgStorageError(what: string, context: Record<string, unknown>, err: unknown, url: string): FeedwatchError {
  if (err instanceof FeedwatchError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const raw = err instanceof Error ? err.message : String(err);
  const message = redact(raw, url);
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  const timeout = sqlState === null ? undefined : TIMEOUTS[sqlState];
  if (timeout) {
    return new FeedwatchError('storage', `${what}: ${timeout.what} (${message})`, { ...context, code: sqlState, timeout: timeout.timeout }, {
      cause: message === raw ? err : undefined,
      retryable: true,
    });
  }
  return new FeedwatchError('storage', `${what}: ${message}`, { ...context, code: typeof code === 'string' ? code : null }, {
    cause: message === raw ? err : undefined,
    retryable: !(sqlState !== null && PERMANENT_CLASSES.has(sqlState.slice(0, 2))),
  });
}

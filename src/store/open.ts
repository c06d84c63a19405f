/**
 * Opens the storage the config names: a SQLite file (its queries on a second thread with `storage.thread`), or PostgreSQL at the URL held by the environment
 * variable `storage.urlEnv` (default DATABASE_URL). The URL is a secret: it is never logged nor put in an error.
 * Each driver's module is loaded only when the config names it (pg costs a SQLite user ~60 ms of CPU per command).
 */
import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from './store.js';
import type { FeedOverview } from './activity.js';

export interface OpenStoreDeps {
  /** Where the PostgreSQL URL is read from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** SQLite: whether the queries go to a second thread when `storage.thread` is unset. Default false. */
  threadByDefault?: boolean;
}

export async function openStore(config: Config, deps: OpenStoreDeps = {}): Promise<Store> {
  const storage = config.storage;
  if (storage.driver === 'sqlite') {
    // A relative path is relative to the working directory, like every path on the command line.
    const path = resolve(storage.path);
    if (storage.thread ?? deps.threadByDefault ?? false) return (await import('./sqlite/threaded.js')).openThreadedSqliteStore(path);
    return (await import('./sqlite/store.js')).openSqliteStore(path);
  }
  const url = (deps.env ?? process.env)[storage.urlEnv];
  if (url === undefined || url.trim() === '') {
    throw new ConfigError(
      `${config.file}: storage.driver is "postgres" but the environment variable ${storage.urlEnv} (named by storage.urlEnv) is not set; ` +
        `set it to the database URL, e.g. ${storage.urlEnv}=postgres://user:password@host:5432/feedwatch`,
      { file: config.file, path: 'storage.urlEnv' },
    );
  }
  const timeouts = { statementMs: storage.statementTimeout, lockMs: storage.lockTimeout, idleInTransactionMs: storage.idleInTransactionTimeout };
  const { openPostgresStore } = await import('./postgres/store.js');
  return openPostgresStore(url.trim(), { timeouts, ...(deps.logger ? { logger: deps.logger } : {}) });
}

/**
 * Every stored feed's state and activity for a one-shot command (`feedwatch feeds`). On SQLite, one query on the file
 * opened read-only (./sqlite/read-only.ts): nothing written, no store loaded. Through the store (which creates or
 * migrates the file first) when that cannot answer — no file yet, an older schema — and on PostgreSQL.
 */
export async function readFeedOverview(config: Config, deps: OpenStoreDeps = {}): Promise<FeedOverview[]> {
  if (config.storage.driver === 'sqlite') {
    const quick = (await import('./sqlite/read-only.js')).readFeedOverview(resolve(config.storage.path));
    if (quick) return quick;
  }
  const store = await openStore(config, deps);
  try {
    await store.migrate();
    return await store.feedOverview();
  } finally {
    await store.close();
  }
}

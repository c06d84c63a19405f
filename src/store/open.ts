/**
 * Opens the storage the config names: a SQLite file (its queries on a second thread with `storage.thread`), or PostgreSQL at the URL held by the environment
 * variable `storage.urlEnv` (default DATABASE_URL). The URL is a secret: it is never logged nor put in an error.
 */
import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from './store.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore } from './sqlite/store.js';
import { openThreadedSqliteStore } from './sqlite/threaded.js';

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
    return (storage.thread ?? deps.threadByDefault ?? false) ? openThreadedSqliteStore(resolve(storage.path)) : openSqliteStore(resolve(storage.path));
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
  return openPostgresStore(url.trim(), { timeouts, ...(deps.logger ? { logger: deps.logger } : {}) });
}

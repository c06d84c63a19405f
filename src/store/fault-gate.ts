/**
 * Stop work on a storage fault (fault.ts), loudly and once. `gateStore(store, logger)` returns the same store,
 * except that once any call fails with a fault:
 *  - one error line is logged, naming the path, what happened and the fix;
 *  - every later call fails at once with that fault, without reaching the database (so that a poll stops before
 *    its fetch: its first call reads the feed's state), except `ping` and `close`;
 *  - `halted()` says so, so that the drivers take no work (embedded.ts skips its ticks, a bullmq job fails before
 *    it fetches anything) until `probe()` (a ping) succeeds: a file made writable again resumes work (one info
 *    line); a deleted or replaced file never does, and the process waits to be restarted with /healthz 503.
 * Driver-neutral: the SQLite store raises faults (sqlite/file-check.ts); errors that may pass (a busy database, a
 * dropped PostgreSQL connection) go through untouched and are retried by the drivers as before.
 */
import type { FeedwatchError } from '../errors.js';
import type { Logger } from '../log.js';
import { isStorageFault } from './fault.js';
import type { Store } from './store.js';

export interface StorageGate {
  /** The fault that stopped work, or null while storage works. */
  halted(): FeedwatchError | null;
  /** Ping storage (through the gate): resumes work when the fault is gone; resolves to `halted()` afterwards. */
  probe(): Promise<FeedwatchError | null>;
}

export function gateStore<S extends Store>(store: S, logger: Logger): { store: S; gate: StorageGate } {
  let fault: FeedwatchError | null = null;
  const halt = (err: FeedwatchError) => {
    if (fault) return;
    fault = err;
    logger.error({ path: err.context['path'], storage_fault: err.context['fault'], fix: err.context['fix'] }, `storage fault, work stopped: ${err.message}`);
  };
  const watch = <T>(result: Promise<T>): Promise<T> =>
    result.catch((err: unknown) => {
      if (isStorageFault(err)) halt(err);
      throw err;
    });
  const gated = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (prop === 'close') return fn.bind(target);
      if (prop === 'ping') {
        return () =>
          watch(fn.call(target) as Promise<void>).then(() => {
            if (fault === null) return;
            logger.info({ path: fault.context['path'] }, 'storage can be written again: work resumes');
            fault = null;
          });
      }
      return (...args: unknown[]) => {
        if (fault) return Promise.reject(fault);
        const result = fn.apply(target, args);
        return result instanceof Promise ? watch(result) : result;
      };
    },
  });
  const gate: StorageGate = {
    halted: () => fault,
    probe: () => gated.ping().then(
      () => fault,
      () => fault,
    ),
  };
  return { store: gated, gate };
}

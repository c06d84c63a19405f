/**
 * Fault injection around a real store: `faultyStore(store, 'saveAlertDoc', 2)` is the same store, except that the
 * first 2 calls of `saveAlertDoc` reject with a storage error (as a dropped connection or a busy database would)
 * before reaching it. Every other call, and every later one, goes to the real store. `calls` and `failed` count
 * what happened, so a test can show the fault was hit.
 */
import { FeedwatchError } from '../../src/errors.js';

export interface Faults {
  /** Calls of the faulty method so far (failed ones included). */
  calls: number;
  /** Calls that were made to fail. */
  failed: number;
  /** Fail this many more calls from now on. */
  failNext(n: number): void;
}

export function faultyStore<S extends object>(store: S, method: keyof S & string, failures: number): { store: S; faults: Faults } {
  let left = failures;
  const faults: Faults = {
    calls: 0,
    failed: 0,
    failNext: (n) => void (left = n),
  };
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (prop !== method) return fn.bind(target);
      return (...args: unknown[]) => {
        faults.calls++;
        if (left > 0) {
          left--;
          faults.failed++;
          return Promise.reject(new FeedwatchError('storage', `injected fault in ${method} (${faults.failed})`, { method }));
        }
        return fn.apply(target, args);
      };
    },
  });
  return { store: wrapped, faults };
}

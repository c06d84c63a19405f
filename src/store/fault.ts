/**
 * Storage faults: the database is no longer where it was opened, cannot be written, or reports an I/O error. Unlike
 * a busy database or a dropped connection, retrying does not help: what would be written next would be lost or
 * refused. A fault is a storage FeedwatchError whose context says which (`fault`), where (`path`) and what to do
 * (`fix`); it crosses the storage thread like any FeedwatchError (plain context). The pipeline stops taking work
 * while one holds (fault-gate.ts) and /healthz reports it (the store's ping fails with it).
 */
import { FeedwatchError } from '../errors.js';

export type StorageFaultKind = 'deleted' | 'replaced' | 'read-only' | 'io';

/** Whether `err` is a storage fault (see the top of this file), not a passing storage error. */
export function isStorageFault(err: unknown): err is FeedwatchError {
  return err instanceof FeedwatchError && err.kind === 'storage' && typeof err.context['fault'] === 'string';
}

/** A storage fault for `path`: the message says what happened and the fix, so that one log line tells all. */
export function storageFault(fault: StorageFaultKind, path: string, what: string, fix: string, cause?: unknown): FeedwatchError {
  return new FeedwatchError('storage', `${what}; ${fix}`, { fault, path, fix }, { retryable: false, ...(cause === undefined ? {} : { cause }) });
}

/**
 * The storage thread's body (see ./threaded.ts): opens a real SqliteStore on its own connection, then answers
 * each {id, method, args} message with {id, value} or {id, error} (a FeedwatchError flattened to plain data,
 * rebuilt on the main thread). Calls take effect in the order they arrive: SqliteStore queues the writes, and the
 * reads made behind them, and commits the writes of one turn of this thread's event loop together. (findAndStoreArticle
 * makes its lookup and its store as two such calls, as the main thread would.)
 *
 * Loaded as the worker's entry from dist/ (store-worker.js); from the sources through store-worker-tsx.mjs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FeedwatchError } from '../../errors.js';
import { openSqliteStore, type SqliteStore } from './store.js';
import { findAndStoreArticle, type FindAndStoreRequest } from '../articles.js';
import { serializeError } from '../../thread-errors.js';
import { alertDocFromArgs, STORE_METHODS, type StoreReply, type StoreRequest, type StoreWorkerData, type StoreWorkerHello } from './threaded.js';

const port = parentPort;
if (port === null) throw new Error('store-worker: run me as a worker thread (see src/store/sqlite/threaded.ts)');
const data = workerData as StoreWorkerData;
const allowed = new Set<string>([...STORE_METHODS, 'close', 'findAndStoreArticle']);

const store = await open();
if (store !== null) {
  port.postMessage({ type: 'ready', lastMigration: store.lastMigration } satisfies StoreWorkerHello);
  // The main thread sends the calls of one of its turns as one message (an array); each is answered on its own.
  port.on('message', (msg: StoreRequest | StoreRequest[]) => {
    if (Array.isArray(msg)) for (const m of msg) void answer(store, m);
    else void answer(store, msg);
  });
}

/** The store, or null after telling the main thread why it could not be opened (it then ends this thread). */
async function open(): Promise<SqliteStore | null> {
  try {
    return await openSqliteStore(data.path, {
      ...(data.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: data.busyTimeoutMs }),
      ...(data.migrate === undefined ? {} : { migrate: data.migrate }),
      ...(data.migrationsDir === undefined ? {} : { migrationsDir: new URL(data.migrationsDir) }),
      ...(data.claimIdentity === undefined ? {} : { claims: { identity: data.claimIdentity } }),
      commitGapMs: data.commitGapMs,
    });
  } catch (err) {
    port!.postMessage({ type: 'open-failed', error: serializeError(err) } satisfies StoreWorkerHello);
    return null;
  }
}

async function answer(store: SqliteStore, { id, method, args }: StoreRequest): Promise<void> {
  let reply: StoreReply;
  try {
    if (!allowed.has(method)) throw new FeedwatchError('storage', `the storage thread has no method "${method}"`, { op: method }, { retryable: false });
    if (method === 'findAndStoreArticle') {
      reply = { id, value: await findAndStoreArticle(store, args[0] as FindAndStoreRequest) };
    } else {
      const fn = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
      reply = { id, value: await fn.apply(store, method === 'saveAlertDoc' ? [alertDocFromArgs(args)] : args) };
    }
  } catch (err) {
    reply = { id, error: serializeError(err) };
  }
  send(reply, method);
}

/** Replies of one turn of this thread's loop (the writes of a turn commit together), sent back as one message. */
let outbox: Array<{ reply: StoreReply; method: string }> = [];

function send(reply: StoreReply, method: string): void {
  outbox.push({ reply, method });
  if (outbox.length === 1) setImmediate(flush);
}

function flush(): void {
  const batch = outbox;
  outbox = [];
  try {
    port!.postMessage(batch.length === 1 ? batch[0]!.reply : batch.map((b) => b.reply));
    return;
  } catch {
    // One of them does not clone: send them one by one, so that only that call fails.
  }
  for (const { reply, method } of batch) sendOne(reply, method);
}

function sendOne(reply: StoreReply, method: string): void {
  try {
    port!.postMessage(reply);
  } catch (err) {
    // A value that cannot cross threads (none of the Store's results should): say so rather than leave the call hanging.
    const e = new FeedwatchError('storage', `${method}: its result cannot be sent back from the storage thread`, { op: method }, { retryable: false, cause: err });
    port!.postMessage({ id: reply.id, error: serializeError(e) } satisfies StoreReply);
  }
}


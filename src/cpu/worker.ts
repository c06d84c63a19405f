/**
 * A CPU worker thread's body (see pool.ts): runs one task at a time and answers with its value or its error as
 * plain data (thread-errors.ts), so that a FeedwatchError keeps its kind across the thread.
 *
 * Loaded from dist/ as worker.js; from the sources through worker-tsx.mjs.
 */
import type { MessagePort } from 'node:worker_threads';
import { serializeError, type SerializedError } from '../thread-errors.js';
import { createTaskRunner, type CpuTask } from './tasks.js';

export type CpuReply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

/** A task as the pool sends it: `started` is told when this worker begins it (the deadline counts from then). */
export interface CpuEnvelope {
  task: CpuTask;
  started: MessagePort;
}

const runner = createTaskRunner();

export default async function runInWorker({ task, started }: CpuEnvelope): Promise<CpuReply> {
  // The modules of the task's type load (on its first task in this worker) before the deadline starts counting.
  const unprepared = await runner.prepare(task.type).then(
    () => null,
    (err: unknown) => err,
  );
  started.postMessage(null);
  started.close();
  if (unprepared !== null) return { ok: false, error: serializeError(unprepared) };
  try {
    return { ok: true, value: await runner.run(task) };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}

/**
 * A CPU worker thread's body (see pool.ts): runs one task at a time and answers with its value or its error as
 * plain data (thread-errors.ts), so that a FeedwatchError keeps its kind across the thread.
 *
 * Loaded from dist/ as worker.js; from the sources through worker-tsx.mjs.
 */
import { workerData } from 'node:worker_threads';
import { serializeError, type SerializedError } from '../thread-errors.js';
import { startMarker, type StartMark, type StartMarkShare } from './start-marks.js';
import { createTaskRunner, type CpuTask } from './tasks.js';
import { encodeResult } from './wire.js';

export type CpuReply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

/** A task as the pool sends it: `mark` is where this worker marks when it begins it (the deadline counts from then). */
export interface CpuEnvelope {
  task: CpuTask;
  mark: StartMark;
}

const runner = createTaskRunner();
/** The pool's start marks (start-marks.ts), shared with every worker of the pool as piscina's `workerData`. */
const markStart = startMarker(workerData as StartMarkShare);

export default async function runInWorker({ task, mark }: CpuEnvelope): Promise<CpuReply> {
  // The modules of the task's type load (on its first task in this worker) before the deadline starts counting.
  const unprepared = await runner.prepare(task.type).then(
    () => null,
    (err: unknown) => err,
  );
  markStart(mark);
  if (unprepared !== null) return { ok: false, error: serializeError(unprepared) };
  try {
    return { ok: true, value: encodeResult(task.type, await runner.run(task)) };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}

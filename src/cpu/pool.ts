/**
 * The edge where CPU work on untrusted input leaves the main thread: decoding a body, feed parsing, page parsing and
 * extraction, the morphology of an article and the alert rules' regexes over it run as tasks (tasks.ts) in a pool of
 * worker threads (piscina), so that no input can hold up the event loop (timers, polls, deliveries, /healthz). Each
 * task has budgets:
 *
 *  - time (`budgets.taskTimeout`), counted from when a worker takes it (tasks wait here, not in a worker's queue):
 *    past it the worker is ended (piscina terminates the thread and starts another) and the task fails as
 *    FeedwatchError 'too-slow';
 *  - memory (`budgets.taskMemory`, the worker's heap limit): a task that needs more ends its worker and fails as
 *    'too-complex'. A task whose input alone is over a quarter of it (`taskInputBytes`, counted as UTF-16) is
 *    refused before it is sent, as 'too-large': copied into a worker whose heap it nearly fills, it can make V8
 *    abort the whole process instead of ending the worker.
 *
 * The caller records either failure against the feed or page like any other, and retries it with backoff.
 * `budgets.threads: 0` runs the same tasks in the calling thread without budgets (createInlineCpu).
 */
import { Piscina } from 'piscina';
import { FeedwatchError } from '../errors.js';
import { rebuildError } from '../thread-errors.js';
import { StartMarks } from './start-marks.js';
import { createTaskRunner, type CpuResults, type CpuTask, type CpuTaskType } from './tasks.js';
import type { CpuEnvelope, CpuReply } from './worker.js';
import { decodeResult } from './wire.js';

export interface CpuBudgets {
  /** Worker threads; 0: run in the calling thread. */
  threads: number;
  /** Longest run of one task, ms. */
  taskTimeout: number;
  /** Heap limit of one worker, bytes. */
  taskMemory: number;
}

/**
 * A task running now: its type, what it is for (a feed's name) and since when (performance.now: when a worker began
 * it, or while a worker starts up for it, when it was handed over).
 */
export interface RunningTask {
  task: CpuTaskType;
  for: string;
  since: number;
}

export interface CpuStatus {
  threads: number;
  running: Array<{ task: CpuTaskType; for: string; ms: number }>;
  waiting: number;
}

/** Counts outcomes; the process's metrics by default (app.ts), nothing in tests that do not care. */
export interface CpuObserver {
  finished?(task: CpuTaskType, outcome: 'ok' | 'failed' | 'too-slow' | 'too-complex' | 'too-large'): void;
  running?(count: number): void;
}

export interface CpuWork {
  /** Run a task; `label` names what it is for in status output (a feed's name, a page's host). */
  run<T extends CpuTask>(task: T, label: string): Promise<CpuResults[T['type']]>;
  status(): CpuStatus;
  close(): Promise<void>;
}

/** The tasks in the calling thread, with no budget (`budgets.threads: 0`, and tools that run one task). */
export function createInlineCpu(): CpuWork {
  const runner = createTaskRunner();
  const running = new Set<RunningTask>();
  return {
    run: async <T extends CpuTask>(task: T, label: string) => {
      const entry = { task: task.type, for: label, since: performance.now() };
      running.add(entry);
      try {
        return (await runner.run(task)) as CpuResults[T['type']];
      } finally {
        running.delete(entry);
      }
    },
    status: () => statusOf(0, running, 0),
    close: async () => undefined,
  };
}

/** The worker's entry: the built body next to this file, or, running from the sources, the tsx shim. */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./worker-tsx.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);
}

const MB = 1024 * 1024;
const CPU_WORKER = { thread: 'CPU worker', kind: 'parse' } as const;

/** The largest task input sent to a worker: this share of its heap (`budgets.taskMemory`). */
export const TASK_INPUT_SHARE = 4;

/**
 * Bytes of a task's input as the worker will hold it: text at two bytes a character (what V8 needs for any text
 * beyond Latin-1; counting it so spares a scan), bytes as they are, site rules not counted (config, small).
 */
export function taskInputBytes(task: CpuTask): number {
  switch (task.type) {
    case 'decode':
      return task.body.byteLength;
    case 'page':
    case 'feed':
      // Decoded in the worker to a text of at most one character a byte, which it then extracts or parses: counted as
      // that text, as the same input to an 'extract' or 'parse-feed' task is.
      return task.body.byteLength * 2;
    case 'parse-feed':
      return task.xml.length * 2;
    case 'extract':
      return task.html.length * 2;
    case 'analyse':
    case 'regex':
      return Object.values(task.fields).reduce((n, text) => n + (text?.length ?? 0) * 2, 0);
  }
}

/** FeedwatchError 'too-large' for a task whose input is over `budgets.taskMemory / TASK_INPUT_SHARE`, else null. */
function refuseLarge(task: CpuTask, label: string, budgets: CpuBudgets): FeedwatchError | null {
  const bytes = taskInputBytes(task);
  const limit = Math.floor(budgets.taskMemory / TASK_INPUT_SHARE);
  if (bytes <= limit) return null;
  return new FeedwatchError(
    'too-large',
    `${task.type}: its input (${Math.round(bytes / MB)} MB as text) is over ${Math.round(limit / MB)} MB, a quarter of a worker's heap (budgets.taskMemory); not sent to a worker`,
    { task: task.type, for: label, bytes, limitBytes: limit },
  );
}

/**
 * The tasks of feed polls: small and many (a few ms each, one per feed that answers with a body). They run in a lane
 * of their own, `feedThreads` workers with a small young generation, so that a process that only polls (between
 * new articles, or with `pipeline.fetchArticles: false`) keeps one small worker busy instead of two (each page
 * worker's heap is ~50 MB resident while busy), and a poll's parse never waits behind pages. Pages, analyses and
 * regexes take the other lane, `budgets.threads` workers.
 */
const FEED_TASKS: ReadonlySet<CpuTaskType> = new Set(['feed', 'parse-feed']);

/** Threads feed tasks may use at once: half of them, at least one. */
export function feedThreads(threads: number): number {
  return Math.max(1, Math.floor(threads / 2));
}

/**
 * Which waiting task a freed thread of a lane takes first, by type (lower first; oldest first within one): a feed's
 * (small, and the schedule waits on it), then an article's analysis or regexes (the last CPU step of a page already
 * fetched and extracted: finishing it lets the page go and its memory with it), then a new page. In first-come order
 * an article's analysis waited behind every page queued before it (with 64 pages in flight, some 60 of them, about
 * 0.1 s on two threads), so that pages in flight took longer to finish.
 */
export const TASK_PRIORITY: Readonly<Record<CpuTaskType, number>> = {
  feed: 0,
  'parse-feed': 0,
  decode: 1,
  analyse: 1,
  regex: 1,
  extract: 2,
  page: 2,
};
const PRIORITIES = 3;

/**
 * Counted slots; a released one goes straight to the oldest waiter of the first priority that has one. Once closed,
 * every wait ends at once.
 */
export class Slots {
  private busy = 0;
  private closed = false;
  private readonly queues: Array<Array<() => void>> = Array.from({ length: PRIORITIES }, () => []);
  private queued = 0;
  constructor(private readonly size: number) {}
  get waiting(): number {
    return this.queued;
  }
  /** Wait for a slot; `priority` 0 is served first (TASK_PRIORITY). */
  acquire(priority = 0): Promise<void> {
    if (this.busy < this.size || this.closed) {
      this.busy++;
      return Promise.resolve();
    }
    this.queued++;
    return new Promise<void>((resolve) => this.queues[Math.min(Math.max(priority, 0), PRIORITIES - 1)]!.push(resolve));
  }
  release(): void {
    for (const queue of this.queues) {
      const next = queue.shift();
      if (!next) continue;
      this.queued--;
      next();
      return;
    }
    this.busy--;
  }
  close(): void {
    this.closed = true;
    this.queued = 0;
    for (const queue of this.queues) for (const wake of queue.splice(0)) wake();
  }
}

/**
 * What piscina is given to end a task (its `signal`): the least of an event emitter, one listener, instead of an
 * AbortController (an EventTarget, a signal and a listener object per task).
 */
class TaskAbort {
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | undefined;
  once(_event: 'abort', listener: () => void): void {
    this.listener = listener;
  }
  off(_event: 'abort', listener: () => void): void {
    if (this.listener === listener) this.listener = undefined;
  }
  removeListener(event: 'abort', listener: () => void): void {
    this.off(event, listener);
  }
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }
}

/** A task handed to a worker: where its start is marked, and how to end it. */
interface InWorker extends RunningTask {
  slot: number;
  started: boolean;
  timedOut: boolean;
  abort: TaskAbort;
}

/**
 * Young generation of a page lane's worker, MB: a page's parse (a DOM of several MB) dies young in it instead of being
 * promoted half-built and marked later. Measured at the ingestion bench's size (1,000 feeds × 10 items, 64 pages in
 * flight, load 4–6): 16 MB → 48 MB took the workers and V8's GC helper threads from 9.9 to 9.0 ms of CPU an article.
 * The feed lane keeps 16 MB: a feed's parse is small, and a daemon that only polls holds that worker alone.
 */
const PAGE_YOUNG_MB = 48;
const FEED_YOUNG_MB = 16;

/**
 * Two lanes of workers: feed tasks (FEED_TASKS) on `feedThreads` of their own, everything else (pages, analyses,
 * regexes, decoding) on `budgets.threads`; tasks beyond a lane's threads wait in it for a free one. A poll's parse
 * never waits behind pages, and a process that only polls keeps one small worker.
 */
export function createCpuPool(budgets: CpuBudgets, observer: CpuObserver = {}): CpuWork {
  if (budgets.threads === 0) return createInlineCpu();
  const heapMb = Math.max(16, Math.floor(budgets.taskMemory / MB));
  let inWorkers = 0;
  const counted = (delta: number): void => {
    inWorkers += delta;
    observer.running?.(inWorkers);
  };
  const lane = (threads: number, youngMb: number) => createLane(budgets, { threads, heapMb, youngMb: Math.min(youngMb, Math.max(4, Math.floor(heapMb / 4))) }, observer, counted);
  const feeds = lane(feedThreads(budgets.threads), FEED_YOUNG_MB);
  const pages = lane(budgets.threads, PAGE_YOUNG_MB);
  return {
    run: (task, label) => (FEED_TASKS.has(task.type) ? feeds : pages).run(task, label),
    status: () => {
      const f = feeds.status();
      const p = pages.status();
      return { threads: budgets.threads, running: [...f.running, ...p.running], waiting: f.waiting + p.waiting };
    },
    close: async () => {
      await Promise.all([feeds.close(), pages.close()]);
    },
  };
}

/** One lane of the pool: `threads` workers with a young generation of `youngMb`; tasks beyond that wait here for a free one. */
function createLane(budgets: CpuBudgets, shape: { threads: number; heapMb: number; youngMb: number }, observer: CpuObserver, counted: (delta: number) => void): CpuWork {
  // A slot per thread: no more tasks than threads are ever in the workers (see `slots` below).
  const marks = new StartMarks(shape.threads);
  const pool = new Piscina({
    filename: workerEntry().href,
    minThreads: 0,
    maxThreads: shape.threads,
    concurrentTasksPerWorker: 1,
    // An idle worker ends after 10 s, giving back its heap (what a big page made it grow to); the next task starts a
    // new one (~0.1 s of CPU). A daemon whose feeds mostly answer 304 then holds no worker between changes: after
    // the first cycle of 10,000 feeds the two workers, kept a minute, were 260 of its 496 MB resident.
    idleTimeout: 10_000,
    resourceLimits: { maxOldGenerationSizeMb: shape.heapMb, maxYoungGenerationSizeMb: shape.youngMb, stackSizeMb: 4 },
    workerData: marks.share,
  });
  const running = new Set<InWorker>();
  // No more than `threads` tasks are in the lane's workers at once (a task queued inside piscina would spend its
  // deadline waiting); the rest wait here, by TASK_PRIORITY.
  const slots = new Slots(shape.threads);
  let closed = false;
  /** Reads the task's start mark once its worker has written it: `since` becomes when the worker began it. */
  const refresh = (entry: InWorker): void => {
    if (entry.started) return;
    const at = marks.startedAt(entry.slot);
    if (at === null) return;
    entry.started = true;
    entry.since = at;
  };

  // The deadlines: one timer for the pool, not one per task. A task's deadline counts from when its worker began it
  // (its start mark), not while a replacement worker starts up; one not begun yet cannot be due before a whole
  // budget from now. The timer is armed for the earliest deadline there can be and, when it fires, ends the tasks
  // past theirs and is armed again for the next, while tasks run. It does not hold the process open (a task in a
  // worker does).
  let watchdog: NodeJS.Timeout | undefined;
  let watchdogAt = Infinity;
  const arm = (at: number): void => {
    if (watchdog !== undefined && watchdogAt <= at) return;
    clearTimeout(watchdog);
    watchdogAt = at;
    watchdog = setTimeout(check, Math.max(0, at - performance.now()));
    watchdog.unref();
  };
  const check = (): void => {
    watchdog = undefined;
    watchdogAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const entry of running) {
      refresh(entry);
      const due = entry.started ? entry.since + budgets.taskTimeout : now + budgets.taskTimeout;
      if (due <= now) {
        entry.timedOut = true;
        entry.abort.abort('too-slow');
      } else next = Math.min(next, due);
    }
    if (next !== Infinity) arm(next);
  };

  const run = async <T extends CpuTask>(task: T, label: string): Promise<CpuResults[T['type']]> => {
    const large = refuseLarge(task, label, budgets);
    if (large) {
      observer.finished?.(task.type, 'too-large');
      throw large;
    }
    await slots.acquire(TASK_PRIORITY[task.type]);
    if (closed) {
      slots.release();
      throw new Error('the CPU pool is closed');
    }
    const slot = marks.take();
    const entry: InWorker = { task: task.type, for: label, since: performance.now(), slot, started: false, timedOut: false, abort: new TaskAbort() };
    running.add(entry);
    counted(1);
    arm(entry.since + budgets.taskTimeout);
    let reply: CpuReply;
    try {
      const envelope: CpuEnvelope = { task, mark: { slot, ticket: marks.ticket(slot) } };
      reply = (await pool.run(envelope, { signal: entry.abort })) as CpuReply;
    } catch (err) {
      if (closed) throw new Error(`the CPU pool closed while ${task.type} ran`, { cause: err });
      const over = budgetError(err, entry.timedOut, task, label, budgets);
      observer.finished?.(task.type, over.kind === 'too-slow' ? 'too-slow' : 'too-complex');
      throw over;
    } finally {
      running.delete(entry);
      marks.release(slot);
      counted(-1);
      slots.release();
    }
    if (!reply.ok) {
      observer.finished?.(task.type, reply.error.kind === 'too-complex' ? 'too-complex' : 'failed');
      throw rebuildError(reply.error, CPU_WORKER);
    }
    observer.finished?.(task.type, 'ok');
    return decodeResult(task.type, reply.value) as CpuResults[T['type']];
  };

  return {
    run,
    status: () => {
      for (const entry of running) refresh(entry);
      return statusOf(shape.threads, running, slots.waiting);
    },
    close: async () => {
      closed = true;
      clearTimeout(watchdog);
      watchdog = undefined;
      slots.close();
      await pool.destroy();
    },
  };
}

/** What ended a task in the pool: its deadline, its memory limit, or its worker failing in another way. */
function budgetError(err: unknown, timedOut: boolean, task: CpuTask, label: string, budgets: CpuBudgets): FeedwatchError {
  const context = { task: task.type, for: label };
  if (timedOut) {
    return new FeedwatchError('too-slow', `${task.type} ran over its ${budgets.taskTimeout} ms budget (budgets.taskTimeout); its worker was ended`, { ...context, limitMs: budgets.taskTimeout });
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new FeedwatchError('too-complex', `${task.type} needed more than ${Math.round(budgets.taskMemory / MB)} MB (budgets.taskMemory); its worker was ended`, { ...context, limitBytes: budgets.taskMemory }, { cause: err });
  }
  // Any other end of a worker (a native crash, a stack overflow outside the stage's own handling): the input is blamed.
  const message = err instanceof Error ? err.message : String(err);
  return new FeedwatchError('too-complex', `${task.type}: its worker stopped (${message})`, context, { cause: err });
}

function statusOf(threads: number, running: Set<RunningTask>, waiting: number): CpuStatus {
  const now = performance.now();
  return { threads, running: [...running].map((r) => ({ task: r.task, for: r.for, ms: Math.round(now - r.since) })), waiting };
}

/**
 * When a CPU worker began a task, told to the pool's thread through shared memory (no message, no port per task).
 *
 * The pool has one slot per thread (it never has more tasks in its workers than threads). Handing a task over, it
 * takes a free slot and writes there the task's ticket (a positive number it counts up); the worker, when it begins
 * the task, writes the time and turns the ticket negative with one compare-and-swap; the pool reads the slot when it
 * wants to know (its deadline check, status), and frees the slot when the task has settled. A worker whose ticket is
 * no longer the slot's (its task settled meanwhile) changes nothing.
 *
 * Times are milliseconds of the process's monotonic clock (process.hrtime, one clock for all threads, unlike
 * performance.now whose origin is each thread's start, or the wall clock, which can step); the pool turns them into
 * its own performance.now.
 */

/** What a worker gets (piscina's `workerData`) to mark starts on. */
export interface StartMarkShare {
  buffer: SharedArrayBuffer;
  slots: number;
}

/** Where a task's start is to be marked: its slot and its ticket, sent with the task. */
export interface StartMark {
  slot: number;
  ticket: number;
}

/** Milliseconds of the monotonic clock every thread of the process shares. */
function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

/**
 * performance.now() - monotonicMs(): read between two reads of performance.now(), the closest pair of a few tries
 * (off by at most half their gap, microseconds).
 */
function clockOffset(): number {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 5; i++) {
    const a = performance.now();
    const m = monotonicMs();
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      offset = (a + b) / 2 - m;
    }
  }
  return offset;
}

function views(share: StartMarkShare): { times: Float64Array; tickets: Int32Array } {
  return { times: new Float64Array(share.buffer, 0, share.slots), tickets: new Int32Array(share.buffer, share.slots * Float64Array.BYTES_PER_ELEMENT, share.slots) };
}

/** The pool's side: slots to hand out and read. */
export class StartMarks {
  readonly share: StartMarkShare;
  private readonly times: Float64Array;
  private readonly tickets: Int32Array;
  private readonly free: number[];
  private lastTicket = 0;
  /** performance.now() minus monotonicMs() in this thread: both count the same clock, from different origins. */
  private readonly offset = clockOffset();

  constructor(slots: number) {
    this.share = { buffer: new SharedArrayBuffer(slots * (Float64Array.BYTES_PER_ELEMENT + Int32Array.BYTES_PER_ELEMENT)), slots };
    ({ times: this.times, tickets: this.tickets } = views(this.share));
    this.free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /** A free slot for a task being handed over, with a new ticket in it; -1 if none is free (a caller's error). */
  take(): number {
    const slot = this.free.pop();
    if (slot === undefined) return -1;
    this.lastTicket = this.lastTicket >= 0x7fffffff ? 1 : this.lastTicket + 1;
    Atomics.store(this.tickets, slot, this.lastTicket);
    return slot;
  }

  /** The ticket written to `slot` when it was taken. */
  ticket(slot: number): number {
    return Math.abs(Atomics.load(this.tickets, slot));
  }

  /** When the task in `slot` began in its worker (this thread's performance.now), or null if it has not yet. */
  startedAt(slot: number): number | null {
    return Atomics.load(this.tickets, slot) < 0 ? this.times[slot]! + this.offset : null;
  }

  /** The task in `slot` has settled: the slot goes back, its ticket void. */
  release(slot: number): void {
    Atomics.store(this.tickets, slot, 0);
    this.free.push(slot);
  }
}

/** The worker's side: a function to call when it begins the task whose mark the pool sent. */
export function startMarker(share: StartMarkShare): (mark: StartMark) => void {
  const { times, tickets } = views(share);
  return (mark) => {
    if (Atomics.load(tickets, mark.slot) !== mark.ticket) return;
    times[mark.slot] = monotonicMs();
    // The time is written before the ticket turns negative: a reader that sees it negative (Atomics.load) sees the time.
    Atomics.compareExchange(tickets, mark.slot, mark.ticket, -mark.ticket);
  };
}

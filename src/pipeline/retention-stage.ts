/**
 * The retention stage: with `retention: { days: N }`, remove what is older than N days (the rules are in
 * src/store/retention.ts) in small batches, one short transaction each, until nothing is left or the run's time
 * budget is spent, then log what went.
 *
 *   applyRetention(deps)   one run: batches of `retention.batchSize` until done or `budgetMs` (default 10 s) spent
 *   RetentionTimer         for a driver's timer: `tick()` starts a run when one is due (the first at once, then every
 *                          `retention.every`; after a run cut short by its budget, again within a minute) and none
 *                          is running; `running` is the run in flight, for a driver's shutdown to wait on.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { addCounts, emptyCounts, type PruneCounts, type RetentionStore } from '../store/retention.js';

const DAY_MS = 86_400_000;

/** Default time budget of one run. */
export const RETENTION_BUDGET_MS = 10_000;

/** A run cut short by its budget is resumed after at most this long. */
export const RETENTION_RESUME_MS = 60_000;

export interface RetentionConfig {
  /** Days to keep; null keeps everything (retention off). */
  days: number | null;
  batchSize: number;
  /** Milliseconds between runs. */
  every: number;
}

export interface RetentionDeps {
  store: RetentionStore;
  clock: Clock;
  logger: Logger;
  config: { retention: RetentionConfig };
}

export interface RetentionOptions {
  /** Stop starting batches once a run has taken this long (ms). Default RETENTION_BUDGET_MS. */
  budgetMs?: number;
}

export interface RetentionReport extends PruneCounts {
  /** ISO 8601: what was last seen before this went. */
  before: string;
  /** Batches that removed something. */
  batches: number;
  /** Nothing older than `before` is left (false: the budget ran out first). */
  done: boolean;
  ms: number;
}

/** One retention run; null when retention is off (`days: null`). Storage errors propagate. */
export async function applyRetention(deps: RetentionDeps, opts: RetentionOptions = {}): Promise<RetentionReport | null> {
  const { days, batchSize } = deps.config.retention;
  if (days === null) return null;
  const budgetMs = opts.budgetMs ?? RETENTION_BUDGET_MS;
  const started = deps.clock.now();
  const before = new Date(started - Math.round(days * DAY_MS)).toISOString();
  const total = emptyCounts();
  let batches = 0;
  let done = false;
  for (;;) {
    const batch = await deps.store.pruneExpired({ before, now: new Date(deps.clock.now()).toISOString(), limit: batchSize });
    if (batch.phase === null) {
      done = true;
      break;
    }
    batches++;
    addCounts(total, batch);
    if (deps.clock.now() - started >= budgetMs) break;
    // Between two batches, let the rest of the process (and, on SQLite, other connections) have their turn.
    await yieldToLoop();
  }
  const report: RetentionReport = { ...total, before, batches, done, ms: deps.clock.now() - started };
  const line = { ...total, before, batches, done, ms: report.ms };
  if (batches > 0 || !done) deps.logger.info(line, done ? 'retention removed old rows' : 'retention stopped at its time budget; resuming soon');
  else deps.logger.debug(line, 'retention: nothing to remove');
  return report;
}

/** Runs retention from a driver's timer: at most one run at a time, never awaited by the tick that starts it. */
export class RetentionTimer {
  private dueAt = 0;
  /** The run in flight, if any (it never rejects: errors are logged). */
  running: Promise<RetentionReport | null> | null = null;

  constructor(
    private readonly deps: RetentionDeps,
    private readonly opts: RetentionOptions = {},
  ) {}

  /** Start a run when retention is on, one is due, and none is running. */
  tick(): void {
    const { days, every } = this.deps.config.retention;
    if (days === null || this.running) return;
    const now = this.deps.clock.now();
    if (now < this.dueAt) return;
    this.dueAt = now + every;
    this.running = applyRetention(this.deps, this.opts)
      .then((report) => {
        if (report && !report.done) this.dueAt = Math.min(this.dueAt, this.deps.clock.now() + RETENTION_RESUME_MS);
        return report;
      })
      .catch((err: unknown) => {
        this.deps.logger.error({ err }, 'retention run failed; trying again at the next run');
        return null;
      })
      .finally(() => {
        this.running = null;
      });
  }
}

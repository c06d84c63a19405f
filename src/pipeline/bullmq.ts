/**
 * The queue driver: the stages of queues.ts run as BullMQ queues on Redis, so that polling and page fetching
 * spread over any number of worker processes on any number of hosts. Only the transport differs from the
 * embedded driver: each job runs the same stage function of stages.ts.
 *
 * Roles (`feedwatch run --role`):
 *  - scheduler: one BullMQ job scheduler per enabled feed (every = the feed's interval; removed with the feed),
 *    one each for alert delivery passes, retention runs and feed health checks (when configured), and a periodic sweep that re-checks the schedulers and re-enqueues items storage says are due but that no
 *    job holds (lost with a Redis that restarted empty, or left by a worker that died between two stages).
 *    Any number of schedulers may run: upserts are idempotent, job ids are per feed and slot.
 *  - worker: one BullMQ Worker per stage queue.
 *  - all: both, in one process.
 *
 * At-least-once made safe: job ids come from content (job-ids.ts), so a re-enqueue is a no-op; storage is
 * idempotent (items are UNIQUE(feed, guid), an article job skips an item already done); one poll per feed at
 * a time (a Redis lock per feed, and a poll that is not due yet is skipped). Article pages that fail are retried
 * with the backoff of stages.ts `articleRetryDelay` up to `pipeline.articleAttempts`; failed jobs are kept with
 * their reason (`queue.keepFailed`), completed ones trimmed (`queue.keepCompleted`).
 *
 * Stopping: workers stop taking jobs, the jobs in hand get until the deadline to finish, and what is still
 * running then is released (moved back to the head of its queue for another worker) once the workers closed.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Job, Queue, Worker } from 'bullmq';
import type { Feed } from '../model.js';
import type { Logger } from '../log.js';
import type { QueueDepth } from '../metrics.js';
import { articleJobId, feedOfSchedulerId, pollSchedulerId } from './job-ids.js';
import { redisFeedLock, type FeedLock } from './feed-lock.js';
import { STAGES, RetryLater, stageByQueue, type ArticleRef, type Stage, type StageContext } from './queues.js';
import type { BullmqQueueConfig, WatchedRedis } from './redis.js';
import { initialPollDelay } from './schedule.js';
import { articleRetryDelay, storageRetryDelay, type StageDeps } from './stages.js';

import type { Role } from './roles.js';
export { ROLES, type Role } from './roles.js';

export interface BullmqPipelineOptions {
  /** The connection the queues share (workers open one more each, for blocking reads). The caller closes it. */
  redis: WatchedRedis;
  role: Role;
  /** The `queue` section of the config (driver bullmq). */
  queue: BullmqQueueConfig;
  /** Lease of a feed's poll lock, renewed while the poll runs. Default: 2 × http.timeout + 30 s. */
  pollLockMs?: number;
  /** Name of this worker, stored on the jobs it processes. Default: host-pid. */
  workerName?: string;
}

export interface SchedulerSync {
  added: string[];
  updated: string[];
  removed: string[];
}

export interface SweepResult {
  schedulers: SchedulerSync;
  /** Items put back in the article queue. */
  requeued: number;
}

interface InHand {
  queue: string;
  job: Job;
  token: string | undefined;
}

/**
 * Scheduler upserts or removals in flight at once during a sync: a sliding window (the next one starts as soon as
 * one is answered), so that this process prepares commands while Redis runs the ones before them, with no pause
 * between batches.
 */
const SCHEDULER_WINDOW = 500;
/** Finished upserts or removals whose record (the hash of what was written) is written in one command. */
const RECORD_BATCH = 500;

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export class BullmqPipeline {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly inHand = new Map<string, InHand>();
  /** Article job ids seen with no live job, and since when (the sweep's grace period). */
  private readonly orphanSince = new Map<string, number>();
  private feeds: Feed[];
  private readonly log: Logger;
  private readonly feedLock: FeedLock;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<SweepResult> | null = null;
  private stopping = false;
  /** Scheduler roles: when the sweep loop started, and when a sweep last completed (clock ms): what /healthz looks at. */
  startedAt: number | null = null;
  lastTickAt: number | null = null;
  /** Items the sweeps have put back in the article queue since start. */
  readonly stats = { requeued: 0 };

  constructor(
    private readonly deps: StageDeps,
    feeds: Feed[],
    private readonly opts: BullmqPipelineOptions,
  ) {
    this.feeds = feeds.filter((f) => f.enabled);
    this.log = deps.logger.child({ driver: 'bullmq', role: opts.role });
    const lease = opts.pollLockMs ?? 2 * deps.config.http.timeout + 30_000;
    this.feedLock = redisFeedLock(opts.redis.client, opts.queue.prefix, lease);
    for (const stage of STAGES) {
      const q = new Queue(stage.queue, { connection: opts.redis.client, prefix: opts.queue.prefix });
      q.on('error', (err) => this.logError(`queue ${stage.queue}`, err));
      this.queues.set(stage.queue, q);
    }
  }

  get role(): Role {
    return this.opts.role;
  }

  queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no queue "${name}"`);
    return q;
  }

  async start(): Promise<void> {
    const { role } = this.opts;
    await Promise.all([...this.queues.values()].map((q) => q.waitUntilReady()));
    this.deps.metrics?.setQueueDepths(() => this.queueDepths());
    if (role === 'all' || role === 'worker') {
      for (const stage of STAGES) this.workers.push(this.startWorker(stage));
      await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    }
    if (role === 'all' || role === 'scheduler') {
      this.startedAt = this.deps.clock.now();
      // A failed first sweep (storage busy, say) is retried by the timer; the process starts anyway.
      await this.sweep().catch((err: unknown) => this.logError('sweep', err));
      const every = this.opts.queue.sweepInterval;
      this.sweepTimer = setInterval(() => void this.sweep().catch((err: unknown) => this.logError('sweep', err)), every);
      this.opts.redis.onRestored(() => void this.sweep().catch((err: unknown) => this.logError('sweep', err)));
    }
  }

  /**
   * Take a new feed list (config reload): a scheduler role re-syncs the job schedulers at once (added, changed and
   * removed feeds); workers read each feed from its job, so they have nothing to do.
   */
  async setFeeds(feeds: Feed[]): Promise<void> {
    this.feeds = feeds.filter((f) => f.enabled);
    if (this.opts.role !== 'worker' && this.startedAt !== null) await this.syncSchedulers();
  }

  /** Put payloads on a stage's queue; ids from content make a second enqueue of the same payload a no-op. */
  async enqueue(queueName: string, inputs: readonly unknown[]): Promise<void> {
    if (inputs.length === 0) return;
    const stage = stageByQueue(queueName);
    const jobOpts = stage.jobOptions(this.deps.config);
    await this.queue(queueName).addBulk(inputs.map((data) => ({ name: queueName, data, opts: { ...jobOpts, jobId: stage.jobId(data) } })));
  }

  /**
   * Make the poll queue's job schedulers match the feeds: one per enabled feed, every = its interval, carrying
   * the feed as the jobs' payload; schedulers of other feeds removed. A new scheduler starts at the feed's stored
   * next due time, or (never polled) after a random part of the interval (≤ 1 min), as the embedded driver does.
   *
   * Cheap when nothing changed, so that every sweep can run it and many schedulers can sync at once: two reads (the
   * ids of the poll queue's schedulers, and a hash of what this code last wrote for each: interval, feed, job
   * options), then only the schedulers that are missing or differ are upserted and the ones of feeds gone from the
   * config removed, `SCHEDULER_WINDOW` in flight on the one connection (a sliding window, not batches, so that
   * Redis never waits for this process to prepare the next batch). Records of the upserts that succeeded are
   * written `RECORD_BATCH` at a time; one that failed is redone next sweep.
   */
  async syncSchedulers(): Promise<SchedulerSync> {
    const q = this.queue('poll');
    const client = this.opts.redis.client;
    const recordKey = `${this.opts.queue.prefix}:schedules:poll`;
    const [ids, written] = await Promise.all([client.zrange(q.keys['repeat']!, 0, -1), client.hgetall(recordKey)]);
    const existing = new Set(ids);
    const result: SchedulerSync = { added: [], updated: [], removed: [] };
    const template = { ...stageByQueue('poll').jobOptions(this.deps.config) };
    const templateJson = JSON.stringify(template);
    const wanted = new Set<string>();
    const changed: Array<{ feed: Feed; id: string; record: string }> = [];
    for (const feed of this.feeds) {
      const id = pollSchedulerId(feed.name);
      wanted.add(id);
      const record = scheduleRecord(feed, templateJson);
      if (!existing.has(id) || written[id] !== record) changed.push({ feed, id, record });
    }
    if (changed.length > 0) {
      const states = new Map((await this.deps.store.feedStates()).map((s) => [s.name, s]));
      const now = this.deps.clock.now();
      await inWindow(
        changed,
        SCHEDULER_WINDOW,
        ({ feed, id }) => {
          const stored = states.get(feed.name)?.nextDueAt;
          const due = stored ? Date.parse(stored) : now + initialPollDelay(feed.intervalMs, this.deps.random);
          return q.upsertJobScheduler(id, { every: feed.intervalMs, startDate: Math.max(due, now) }, { name: 'poll', data: feed, opts: template });
        },
        async (done) => {
          await client.hset(recordKey, Object.fromEntries(done.map((c) => [c.id, c.record])));
          for (const c of done) (existing.has(c.id) ? result.updated : result.added).push(c.feed.name);
        },
      );
    }
    const gone = ids.filter((id) => !wanted.has(id));
    await inWindow(
      gone,
      SCHEDULER_WINDOW,
      (id) => q.removeJobScheduler(id),
      async (done) => {
        await client.hdel(recordKey, ...done);
        result.removed.push(...done.map((id) => feedOfSchedulerId(id) ?? id));
      },
    );
    // Records of schedulers removed by other means (a queue obliterated by hand) go too.
    const stale = Object.keys(written).filter((id) => !wanted.has(id) && !existing.has(id));
    if (stale.length > 0) await client.hdel(recordKey, ...stale);
    await this.syncTimers();
    if (result.added.length + result.updated.length + result.removed.length > 0) {
      this.log.info({ added: result.added.length, updated: result.updated.length, removed: result.removed.length }, 'feed schedules synced');
    }
    return result;
  }

  /**
   * The timers: a delivery pass every `queue.deliverInterval` while alert rules or feed health alerts are configured,
   * a retention run every `retention.every` while `retention.days` is set, a feed health check every
   * `alerts.feedHealth.every` while `alerts.feedHealth.channel` is set; no scheduler otherwise.
   */
  private async syncTimers(): Promise<void> {
    const { config } = this.deps;
    const health = config.alerts.feedHealth.channel !== undefined;
    await this.syncTimer('deliver', (this.deps.alerts?.rules.length ?? 0) > 0 || health ? this.opts.queue.deliverInterval : null);
    await this.syncTimer('retention', config.retention.days !== null ? config.retention.every : null);
    await this.syncTimer('health', health ? config.alerts.feedHealth.every : null);
  }

  private async syncTimer(queueName: string, every: number | null): Promise<void> {
    const q = this.queue(queueName);
    const id = `${queueName}-timer`;
    const cur = await q.getJobScheduler(id);
    if (every === null) {
      if (cur) await q.removeJobScheduler(id);
      return;
    }
    if (cur?.every === every) return;
    await q.upsertJobScheduler(id, { every }, { name: queueName, data: {}, opts: stageByQueue(queueName).jobOptions(this.deps.config) });
  }

  /**
   * Re-check the schedulers, then re-enqueue items that storage says are due but that have had no live job
   * (waiting, active, delayed) for `queue.sweepAfter`. One sweep at a time; skipped while Redis is away.
   */
  sweep(): Promise<SweepResult> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = this.sweepOnce().finally(() => {
      this.sweeping = null;
      this.lastTickAt = this.deps.clock.now();
      this.deps.metrics?.lastTick.set(this.lastTickAt / 1000);
    });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<SweepResult> {
    if (this.stopping || !this.opts.redis.up()) return { schedulers: { added: [], updated: [], removed: [] }, requeued: 0 };
    const schedulers = await this.syncSchedulers();
    if (!this.deps.config.pipeline.fetchArticles) return { schedulers, requeued: 0 };
    const now = this.deps.clock.now();
    const due = await this.deps.store.pendingArticles(1000, new Date(now).toISOString());
    const q = this.queue('article');
    const states = await Promise.all(due.map((item) => q.getJobState(articleJobId(item.feedName, item.guid))));
    const seen = new Set<string>();
    const requeue: ArticleRef[] = [];
    for (const [i, item] of due.entries()) {
      const id = articleJobId(item.feedName, item.guid);
      const state = states[i]!;
      if (LIVE_STATES.has(state)) continue;
      seen.add(id);
      const since = this.orphanSince.get(id) ?? now;
      this.orphanSince.set(id, since);
      if (now - since < this.opts.queue.sweepAfter) continue;
      if (state === 'completed' || state === 'failed') await q.remove(id);
      requeue.push({ id: item.id, feedName: item.feedName, guid: item.guid, link: item.link });
      this.orphanSince.delete(id);
    }
    for (const id of this.orphanSince.keys()) if (!seen.has(id)) this.orphanSince.delete(id);
    await this.enqueue('article', requeue);
    this.stats.requeued += requeue.length;
    if (requeue.length > 0) this.log.warn({ requeued: requeue.length }, 'due items with no job put back in the queue');
    return { schedulers, requeued: requeue.length };
  }

  private startWorker(stage: Stage): Worker {
    const { queue, config } = { queue: this.opts.queue, config: this.deps.config };
    const ctx: StageContext = { deps: this.deps, feedLock: this.feedLock };
    const processor = async (job: Job, token?: string): Promise<Record<string, unknown>> => {
      const key = `${stage.queue}/${job.id ?? ''}`;
      this.inHand.set(key, { queue: stage.queue, job, token });
      try {
        // A storage fault stopped work (src/store/fault-gate.ts): fail before fetching anything; retried later.
        const fault = this.deps.storageGate?.halted() ? await this.deps.storageGate.probe() : null;
        if (fault) throw fault;
        const result = await stage.run(job.data, ctx);
        if (stage.next && result.next.length > 0) await this.enqueue(stage.next, result.next);
        if (result.againInMs !== undefined) {
          const jobId = `${stage.jobId(job.data)}-${Math.floor((Date.now() + result.againInMs) / 1000)}`;
          await this.queue(stage.queue).add(stage.queue, job.data, { ...stage.jobOptions(this.deps.config), jobId, delay: result.againInMs });
        }
        return result.summary;
      } finally {
        this.inHand.delete(key);
      }
    };
    const worker = new Worker(stage.queue, processor, {
      connection: this.opts.redis.client,
      prefix: queue.prefix,
      name: this.opts.workerName ?? `${hostname()}-${process.pid}`,
      concurrency: stage.concurrency(config),
      lockDuration: queue.lockDuration,
      stalledInterval: queue.stalledInterval,
      maxStalledCount: queue.maxStalledCount,
      removeOnComplete: { count: queue.keepCompleted.count, age: Math.ceil(queue.keepCompleted.age / 1000) },
      removeOnFail: { count: queue.keepFailed.count, age: Math.ceil(queue.keepFailed.age / 1000) },
      settings: {
        // Storage's attempt count drives the delay; the lower end of the jitter, so that the retry never comes
        // after the item's recorded retry time (the sweep would otherwise see it due with its job delayed).
        // A storage-phase error (anything but RetryLater) backs off the same way, counted by the job's attempts.
        backoffStrategy: (attemptsMade: number, type?: string, err?: Error) =>
          type !== 'article' ? -1 : err instanceof RetryLater ? articleRetryDelay(err.attempts, () => 0, config.pipeline) : storageRetryDelay(attemptsMade, () => 0, config.pipeline),
      },
    });
    worker.on('error', (err) => this.logError(`worker ${stage.queue}`, err));
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
      const line = { queue: stage.queue, job_id: job.id, attempts: job.attemptsMade, reason: err.message };
      if (final) this.log.warn(line, 'job failed; kept in the failed set');
      else this.log.debug(line, 'job will be retried');
    });
    return worker;
  }

  /**
   * Stop: workers take no new job, jobs in hand get until `deadlineMs` to finish, the rest are moved back to
   * their queue (another worker takes them at once), then workers and queues close. The Redis connection
   * passed in stays open (its owner closes it).
   */
  async stop(deadlineMs: number): Promise<{ unfinished: number; released: number }> {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    const until = Date.now() + deadlineMs;
    await Promise.all(this.workers.map((w) => within(w.pause(true), 2000).catch((err: unknown) => this.logError('worker pause', err))));
    while (this.inHand.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    const hand = [...this.inHand.values()];
    // Close first: a paused worker may still have a fetch in flight that would take a released job right back.
    await Promise.all(this.workers.map((w) => within(w.close(true), 3000).catch((err: unknown) => this.logError('worker close', err))));
    let released = 0;
    for (const { queue, job, token } of hand) {
      // Through the queue (the worker is closed): back to the head of the wait list, lock dropped, no attempt counted.
      const moved = await within(
        (async () => {
          const fresh = await Job.fromId(this.queue(queue), job.id ?? '');
          await fresh?.moveToWait(token);
          return fresh !== undefined;
        })(),
        2000,
      ).catch(() => false);
      if (moved) released++;
    }
    if (hand.length > 0) this.log.warn({ unfinished: hand.length, released }, 'shutdown deadline reached; jobs in hand released to the queue');
    const unfinished = hand.length;
    await this.sweeping?.catch(() => undefined);
    await Promise.all([...this.queues.values()].map((q) => within(q.close(), 2000).catch(() => undefined)));
    return { unfinished, released };
  }

  /**
   * Jobs per stage queue in the states waiting, active and delayed (`feedwatch_queue_jobs`), across every process
   * of this prefix (each process reports the same queues). Nothing while Redis is away.
   */
  async queueDepths(): Promise<QueueDepth[]> {
    if (!this.opts.redis.up()) return [];
    const out: QueueDepth[] = [];
    for (const [name, q] of this.queues) {
      const counts = await q.getJobCounts('waiting', 'active', 'delayed');
      for (const state of ['waiting', 'active', 'delayed'] as const) out.push({ queue: name, state, count: counts[state] ?? 0 });
    }
    return out;
  }

  /** Jobs being processed in this process now. */
  jobsInHand(): number {
    return this.inHand.size;
  }

  private lastErrorLog = new Map<string, number>();

  /** Log an error from a queue or worker at most every 30 s per source (an outage makes many). */
  private logError(source: string, err: unknown): void {
    const now = Date.now();
    if (now - (this.lastErrorLog.get(source) ?? 0) < 30_000) return;
    this.lastErrorLog.set(source, now);
    this.log.error({ source, error: err instanceof Error ? err.message : String(err) }, 'queue error');
  }
}

/** `p`, or a rejection after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * What a feed's scheduler was written with, hashed: its interval, the feed (the jobs' payload) and the job options.
 * Plain JSON: feeds come from the config parser with their keys in one order, and a different order would only
 * cost one needless upsert.
 */
function scheduleRecord(feed: Feed, templateJson: string): string {
  return createHash('sha1').update(`${feed.intervalMs}\n${JSON.stringify(feed)}\n${templateJson}`).digest('base64');
}

/**
 * `run` over `items` with at most `window` calls in flight, the next started as each settles; `record` gets the
 * items that succeeded, in groups of RECORD_BATCH (and the rest at the end). On the first failure no new call
 * starts; the calls in flight settle, the successes are recorded, then the failure is thrown.
 */
export async function inWindow<T>(items: readonly T[], window: number, run: (item: T) => Promise<unknown>, record: (done: T[]) => Promise<void>): Promise<void> {
  let next = 0;
  const failed: { err?: unknown; any: boolean } = { any: false };
  let done: T[] = [];
  let recording: Promise<void> = Promise.resolve();
  const flush = () => {
    const group = done;
    done = [];
    recording = recording.then(() => record(group));
  };
  const lane = async (): Promise<void> => {
    while (!failed.any && next < items.length) {
      const item = items[next++]!;
      try {
        await run(item);
      } catch (err) {
        if (!failed.any) Object.assign(failed, { err, any: true });
        continue;
      }
      done.push(item);
      if (done.length >= RECORD_BATCH) flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, lane));
  if (done.length > 0) flush();
  await recording;
  if (failed.any) throw failed.err;
}

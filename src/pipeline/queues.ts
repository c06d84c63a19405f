/**
 * The pipeline's stages as BullMQ queues, in pipeline order. Each entry names its queue, derives a job id from
 * the payload (so enqueuing the same thing twice is a no-op), says how many jobs one worker runs at once and how
 * a job is retried, and runs the stage function of stages.ts on the payload: the same function the embedded
 * driver calls. What `run` returns in `next` is enqueued on the queue named by `next`.
 *
 *   poll     Feed        → pollFeed (conditional GET, parse, store new items)      → ArticleRef per new item
 *   article  ArticleRef  → processArticle (fetch page, extract, deduplicate, store, match alerts) → (end)
 *   deliver  (a tick)    → deliverAlerts (one delivery pass over the due alerts)  → (end)
 *   retention (a tick)   → applyRetention (old stories removed in small batches)  → (end)
 *   health   (a tick)    → checkFeedHealth (feed health alerts queued, each change claimed once) → (end)
 *
 * Polls, delivery passes, retention runs and health checks come from job schedulers (bullmq.ts), articles from the poll stage. Adding a stage
 * (say, splitting "dedup-store" or "match-alerts" out of processArticle) is one more entry in STAGES, with the
 * previous entry's `next` pointing at it; the driver builds queues and workers from this list.
 */
import { UnrecoverableError } from 'bullmq';
import type { Config } from '../config/load.js';
import type { Feed, StoredItem } from '../model.js';
import type { FeedLock } from './feed-lock.js';
import { articleJobId, pollJobId } from './job-ids.js';
import { deliverAlerts } from './alert-stage.js';
import { applyRetention, RETENTION_RESUME_MS } from './retention-stage.js';
import { checkFeedHealth } from './health-stage.js';
import { pollFeed, processArticle, type StageDeps } from './stages.js';

/** An article job's payload: which stored item, not the item itself (the worker reads it fresh from storage). */
export type ArticleRef = Pick<StoredItem, 'id' | 'feedName' | 'guid' | 'link'>;

export interface StageContext {
  deps: StageDeps;
  feedLock: FeedLock;
}

export interface StageResult<Out> {
  /** Payloads for the next stage's queue. */
  next: Out[];
  /** A short account of the job, kept as its return value. */
  summary: Record<string, unknown>;
  /** Run this stage again on the same payload after this many ms. */
  againInMs?: number;
}

export interface StageJobOptions {
  attempts: number;
  /** `article` is the custom backoff of bullmq.ts (stages.ts `articleRetryDelay`); the others are BullMQ's own. */
  backoff?: { type: 'article' } | { type: 'exponential' | 'fixed'; delay: number };
}

export interface Stage<In = unknown, Out = unknown> {
  /** Queue name (no colon). */
  queue: string;
  /** Queue that receives `next`, or null at the end of the pipeline. */
  next: string | null;
  jobId(input: In): string;
  /** Jobs one worker process runs at once. */
  concurrency(config: Config): number;
  jobOptions(config: Config): StageJobOptions;
  run(input: In, ctx: StageContext): Promise<StageResult<Out>>;
}

/**
 * A job that failed and may succeed later: BullMQ retries it after the backoff of its stage. `attempts` is the
 * attempt count as storage sees it, which the backoff follows.
 */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

/** Job attempts of an article job beyond its page attempts, for errors of the storage phase. */
export const STORAGE_RETRIES = 10;

export const pollStage: Stage<Feed, ArticleRef> = {
  queue: 'poll',
  next: 'article',
  jobId: (feed) => pollJobId(feed.name),
  concurrency: (config) => config.pipeline.pollConcurrency,
  // pollFeed records fetch failures against the feed itself; a job fails only when storage does.
  jobOptions: () => ({ attempts: 3, backoff: { type: 'exponential', delay: 5000 } }),
  async run(feed, { deps, feedLock }) {
    const held = await feedLock.withLock(feed.name, async () => {
      const state = await deps.store.feedState(feed.name);
      if (state && !state.enabled) return { skipped: 'disabled' as const };
      // The scheduler fires every interval; backoff after errors and Retry-After push nextDueAt further out.
      const dueIn = state?.nextDueAt ? Date.parse(state.nextDueAt) - deps.clock.now() : 0;
      if (dueIn > feed.intervalMs / 2) return { skipped: 'not-due' as const, dueInMs: dueIn };
      return pollFeed(feed, deps, state);
    });
    if (!held.locked) return { next: [], summary: { feed: feed.name, skipped: 'busy' } };
    const r = held.value;
    if ('skipped' in r) return { next: [], summary: { feed: feed.name, ...r } };
    const next = deps.config.pipeline.fetchArticles ? r.newItems.map((i) => ({ id: i.id, feedName: i.feedName, guid: i.guid, link: i.link })) : [];
    return { next, summary: { feed: r.feed, status: r.status, newItems: r.newItems.length, itemsSeen: r.itemsSeen, error: r.error, nextDueAt: r.nextDueAt } };
  },
};

export const articleStage: Stage<ArticleRef, never> = {
  queue: 'article',
  next: null,
  jobId: (ref) => articleJobId(ref.feedName, ref.guid),
  concurrency: (config) => config.pipeline.articleConcurrency,
  // Page attempts are counted by storage (RetryLater, UnrecoverableError after the last); a job attempt that fails
  // in the storage phase is not a page attempt, so the job gets STORAGE_RETRIES more (the sweep re-enqueues the item
  // should even those run out).
  jobOptions: (config) => ({ attempts: config.pipeline.articleAttempts + STORAGE_RETRIES, backoff: { type: 'article' } }),
  async run(ref, { deps }) {
    const item = await deps.store.getItem(ref.id);
    if (!item || item.feedName !== ref.feedName || item.guid !== ref.guid) {
      throw new UnrecoverableError(`item ${ref.id} (${ref.feedName} ${ref.guid}) is not in storage`);
    }
    // Done already (a re-run after a worker died between storing and acknowledging): nothing to do twice.
    if (item.articleState !== 'pending') return { next: [], summary: { itemId: item.id, skipped: item.articleState } };
    const s = await processArticle(item, deps);
    if (!s.ok && s.willRetry) throw new RetryLater(s.error ?? 'article failed', item.articleAttempts + 1);
    if (!s.ok) throw new UnrecoverableError(s.error ?? 'article failed');
    return { next: [], summary: { itemId: s.itemId, ok: true } };
  },
};

/** A tick of the delivery timer: the due alerts are in storage, claimed with a lease, so passes may overlap. */
export type DeliverTick = Record<string, never>;

export const deliverStage: Stage<DeliverTick, never> = {
  queue: 'deliver',
  next: null,
  jobId: () => 'deliver-now',
  concurrency: () => 1,
  // A failed pass is simply the next tick's work.
  jobOptions: () => ({ attempts: 1 }),
  async run(_tick, { deps }) {
    const report = await deliverAlerts(deps);
    return { next: [], summary: report ? { ...report } : { alerts: 'off' } };
  },
};

export const retentionStage: Stage<DeliverTick, never> = {
  queue: 'retention',
  next: null,
  // Runs come from the scheduler; a follow-up run's id is this plus its due second.
  jobId: () => 'retention-resume',
  concurrency: () => 1,
  jobOptions: () => ({ attempts: 1 }),
  async run(_tick, { deps }) {
    const report = await applyRetention(deps);
    if (!report) return { next: [], summary: { retention: 'off' } };
    // Cut short by its time budget: resume soon rather than at the next scheduled run (as the embedded timer does).
    return { next: [], summary: { ...report }, ...(report.done ? {} : { againInMs: RETENTION_RESUME_MS }) };
  },
};

export const healthStage: Stage<DeliverTick, never> = {
  queue: 'health',
  next: null,
  jobId: () => 'health-now',
  concurrency: () => 1,
  // A failed check is simply the next tick's work; two checks at once claim each change once (health-stage.ts).
  jobOptions: () => ({ attempts: 1 }),
  async run(_tick, { deps }) {
    const report = await checkFeedHealth(deps);
    return { next: [], summary: report ? { feeds: report.feeds, alerted: report.alerted.length, lost: report.lost } : { health: 'off' } };
  },
};

/** Every stage, in pipeline order. */
export const STAGES: readonly Stage[] = [pollStage as Stage, articleStage as Stage, deliverStage as Stage, retentionStage as Stage, healthStage as Stage];

export function stageByQueue(name: string): Stage {
  const stage = STAGES.find((s) => s.queue === name);
  if (!stage) throw new Error(`no pipeline stage has the queue "${name}"`);
  return stage;
}

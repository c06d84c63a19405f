/**
 * The embedded driver: runs the stages in this process, with no external services. It owns the timers and
 * the concurrency; the stages themselves are the plain functions of stages.ts.
 *
 *  - `runOnce()`  polls every enabled feed once, then fetches the article pages that are due, and returns.
 *  - `start()`    the daemon: every tick, polls the feeds that are due and feeds new items to the article
 *                 workers; `stop()` stops taking work and waits (up to a deadline) for the work in hand.
 */
import { describeError } from '../errors.js';
import type { Feed } from '../model.js';
import type { StoredItem } from '../store/store.js';
import { pollFeed, processArticle, storageRetryDelay, type ArticleSummary, type PollSummary, type StageDeps } from './stages.js';
import { initialPollDelay } from './schedule.js';
import { deliverAlerts } from './alert-stage.js';
import type { DeliverReport } from '../alerts/deliver.js';
import { RetentionTimer } from './retention-stage.js';

export interface EmbeddedOptions {
  /** Feeds polled at once. */
  pollConcurrency: number;
  /** Article pages fetched at once. */
  articleConcurrency: number;
  /** How often the daemon looks for due work, ms. */
  tickMs?: number;
}

export interface OnceResult {
  polls: PollSummary[];
  articles: ArticleSummary[];
  /** The final alert delivery pass (null without alerts). */
  deliveries?: DeliverReport | null;
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export class EmbeddedPipeline {
  private readonly feeds: Feed[];
  private readonly nextDue = new Map<string, number>();
  private readonly pollsInFlight = new Map<string, Promise<unknown>>();
  private readonly articlesInFlight = new Map<number, Promise<unknown>>();
  /**
   * Items whose storage phase failed (stages.ts `processArticle`): how often in a row, and not before when they are
   * tried again. In memory: after a restart they are simply due again.
   */
  private readonly storageRetry = new Map<number, { failures: number; notBefore: number }>();
  private timer: NodeJS.Timeout | null = null;
  /** When the loop started, and when a tick last completed (clock ms; null before): what /healthz looks at. */
  startedAt: number | null = null;
  lastTickAt: number | null = null;
  private stopped = true;
  private ticking = false;
  /** The alert delivery pass in flight: never two at once, and never awaited by a tick (a slow channel holds up nothing). */
  private delivering: Promise<unknown> | null = null;
  /** `retention: { days }`: old stories removed in small batches when due (retention-stage.ts). */
  private readonly retention: RetentionTimer;

  constructor(
    private readonly deps: StageDeps,
    feeds: Feed[],
    private readonly opts: EmbeddedOptions,
  ) {
    this.feeds = feeds.filter((f) => f.enabled);
    this.retention = new RetentionTimer(deps);
  }

  /** Poll every enabled feed once, then process every article page that is due now. */
  async runOnce(onProgress?: (done: number, total: number, last: PollSummary) => void): Promise<OnceResult> {
    let done = 0;
    const polls = await mapLimit(this.feeds, this.opts.pollConcurrency, async (feed) => {
      const summary = await pollFeed(feed, this.deps);
      onProgress?.(++done, this.feeds.length, summary);
      return summary;
    });
    const articles: ArticleSummary[] = [];
    const tried = new Set<number>();
    while (this.deps.config.pipeline.fetchArticles) {
      const now = new Date(this.deps.clock.now()).toISOString();
      // Each page at most once per run: one whose retry is already due again waits for the next run.
      const due = (await this.deps.store.pendingArticles(500, now)).filter((i) => !tried.has(i.id));
      if (due.length === 0) break;
      for (const item of due) tried.add(item.id);
      articles.push(...(await mapLimit(due, this.opts.articleConcurrency, (item) => this.processArticle(item))));
    }
    const deliveries = await deliverAlerts(this.deps);
    return { polls, articles, deliveries };
  }

  async start(): Promise<void> {
    this.stopped = false;
    const now = this.deps.clock.now();
    this.startedAt = now;
    const states = new Map((await this.deps.store.feedStates()).map((s) => [s.name, s]));
    for (const feed of this.feeds) {
      const stored = states.get(feed.name)?.nextDueAt;
      const due = stored ? Date.parse(stored) : now + initialPollDelay(feed.intervalMs, this.deps.random);
      this.nextDue.set(feed.name, Math.min(due, now + feed.intervalMs));
    }
    this.schedule();
  }

  /** Stop taking work; wait for polls and pages in flight, at most `deadlineMs`. Returns what was left unfinished. */
  async stop(deadlineMs: number): Promise<{ unfinished: number }> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = [...this.pollsInFlight.values(), ...this.articlesInFlight.values(), ...(this.delivering ? [this.delivering] : []), ...(this.retention.running ? [this.retention.running] : [])];
    if (pending.length === 0) return { unfinished: 0 };
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timeout = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    await Promise.race([Promise.allSettled(pending), deadline]);
    clearTimeout(timeout);
    return { unfinished: this.pollsInFlight.size + this.articlesInFlight.size };
  }

  /** Resolves once the polls, pages and delivery pass in flight now have finished (for tests and status). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pollsInFlight.values(), ...this.articlesInFlight.values(), ...(this.delivering ? [this.delivering] : [])]);
  }

  /** One pass: start due polls and due article pages within the concurrency limits. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const now = this.deps.clock.now();
      for (const feed of this.feeds) {
        if (this.pollsInFlight.size >= this.opts.pollConcurrency) break;
        if (this.pollsInFlight.has(feed.name) || (this.nextDue.get(feed.name) ?? 0) > now) continue;
        const run = pollFeed(feed, this.deps)
          .then((s) => this.nextDue.set(feed.name, Date.parse(s.nextDueAt)))
          .catch((err: unknown) => {
            // recordPoll itself failed (storage): try again after the interval, never stop the loop.
            this.deps.logger.error({ feed: feed.name, err }, 'poll could not be recorded');
            this.nextDue.set(feed.name, this.deps.clock.now() + feed.intervalMs);
          })
          .finally(() => this.pollsInFlight.delete(feed.name));
        this.pollsInFlight.set(feed.name, run);
      }
      const free = this.opts.articleConcurrency - this.articlesInFlight.size;
      if (free > 0 && this.deps.config.pipeline.fetchArticles) {
        const due = await this.deps.store.pendingArticles(free + this.articlesInFlight.size, new Date(now).toISOString());
        for (const item of due) {
          if (this.articlesInFlight.size >= this.opts.articleConcurrency) break;
          if (this.articlesInFlight.has(item.id) || (this.storageRetry.get(item.id)?.notBefore ?? 0) > now) continue;
          const run = this.processArticle(item).finally(() => this.articlesInFlight.delete(item.id));
          this.articlesInFlight.set(item.id, run);
        }
      }
      this.delivering ??= deliverAlerts(this.deps)
        .catch((err: unknown) => this.deps.logger.error({ err }, 'alert delivery pass failed'))
        .finally(() => (this.delivering = null));
      this.retention.tick();
    } catch (err) {
      this.deps.logger.error({ err }, 'scheduler tick failed');
    } finally {
      this.ticking = false;
      this.lastTickAt = this.deps.clock.now();
      this.deps.metrics?.lastTick.set(this.lastTickAt / 1000);
    }
  }

  /**
   * processArticle, with an error of its storage phase logged and the item left pending (its page attempts
   * unchanged) to be tried again after `storageRetryDelay`.
   */
  private async processArticle(item: StoredItem): Promise<ArticleSummary> {
    try {
      const summary = await processArticle(item, this.deps);
      this.storageRetry.delete(item.id);
      return summary;
    } catch (err) {
      const failures = (this.storageRetry.get(item.id)?.failures ?? 0) + 1;
      const delay = storageRetryDelay(failures);
      this.storageRetry.set(item.id, { failures, notBefore: this.deps.clock.now() + delay });
      const { kind, message } = describeError(err);
      this.deps.logger.error({ feed: item.feedName, item_id: item.id, err, failures, retry_in_ms: delay }, 'article could not be stored or matched; will retry');
      return { itemId: item.id, ok: false, error: `${kind}: ${message}`, willRetry: true };
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.opts.tickMs ?? 1000);
  }

  /** Feeds by next due time, for status output. */
  dueTimes(): Array<{ feed: string; dueAt: number }> {
    return [...this.nextDue.entries()].map(([feed, dueAt]) => ({ feed, dueAt })).sort((a, b) => a.dueAt - b.dueAt);
  }
}

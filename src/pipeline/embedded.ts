/**
 * The embedded driver: runs the stages in this process, with no external services. It owns the timers and
 * the concurrency; the stages themselves are the plain functions of stages.ts.
 *
 *  - `runOnce()`  polls every enabled feed once, then fetches the article pages that are due, and returns.
 *  - `start()`    the daemon. Feeds wait in a priority queue by due time; a poll starts at the first point of a
 *                 1 s grid (`WAKE_GRAIN_MS`) at or after its feed's due time, as soon as a poll slot is free there
 *                 (`pollConcurrency`, and at most `http.perHostConcurrency` polls per host: a feed whose host is
 *                 busy waits aside so it holds no slot the other hosts could use). A finished poll frees its slot
 *                 and starts the next feed whose grid point has passed at once, and its new items start their pages
 *                 at once (`articleConcurrency`, the same per-host bound). The only timers: one for the next grid
 *                 point with a feed due (armed only while a slot is free), and the housekeeping tick
 *                 (`tickMs`, on the same grid, so both wake the process together): the alert delivery pass,
 *                 retention, the feed health check (health-stage.ts), pages
 *                 whose retry came due, and the schedule lag (`feedwatch_schedule_lag_seconds` and a warning, at most
 *                 once a minute, when feeds are later than their interval's jitter). Each feed's poll state (its
 *                 validators and run of failures) is kept from one poll to its next, not read back from storage.
 *                 `stop()` stops taking work and waits (up to a deadline) for the work in hand.
 */
import { describeError } from '../errors.js';
import { systemTimers, type Timers } from '../clock.js';
import type { Feed, StoredItem } from '../model.js';
import { hostKey } from '../fetch/politeness.js';
import { MAX_PENDING_LIMIT } from '../store/rows.js';
import { pollFeed, processArticle, storageRetryDelay, type ArticleSummary, type PollState, type PollSummary, type StageDeps } from './stages.js';
import { initialPollDelay } from './schedule.js';
import { DueQueue, type Due } from './due-queue.js';
import { deliverAlerts } from './alert-stage.js';
import type { DeliverReport } from '../alerts/deliver.js';
import { RetentionTimer } from './retention-stage.js';
import { checkFeedHealth, FeedHealthTimer, type HealthReport } from './health-stage.js';
import type { QueueDepth } from '../metrics.js';

export interface EmbeddedOptions {
  /** Feeds polled at once. */
  pollConcurrency: number;
  /** Article pages fetched at once. */
  articleConcurrency: number;
  /**
   * Housekeeping period, ms (default 1000): alert delivery, retention, page retries that came due, the lag gauge.
   * Polls and pages never wait for it.
   */
  tickMs?: number;
  /** Where the daemon's timers come from (default: setTimeout). Tests pass a ManualClock. */
  timers?: Timers;
}

/**
 * Due times are served on a grid of this many ms: the timer for the next due feed is armed for the first grid point at
 * or after its due time, so that every feed due in between starts on that one wake-up (at 167 polls/s, some 170
 * feeds a wake-up instead of one each). A feed then starts up to this much after its due time, never before it (a
 * poll that ends meanwhile starts the feeds already due at once). Feed intervals are a minute or more, with a jitter
 * of ±10 % by default.
 */
export const WAKE_GRAIN_MS = 1000;

/** The grid point a feed due at `dueAt` starts by (`WAKE_GRAIN_MS`). */
export function servedAt(dueAt: number): number {
  return Math.ceil(dueAt / WAKE_GRAIN_MS) * WAKE_GRAIN_MS;
}

/** The first multiple of `every` ms on the clock after `now`: when the housekeeping tick comes next. */
export function nextTickAt(now: number, every: number): number {
  return (Math.floor(now / every) + 1) * every;
}

/** A feed is late when it waits longer than its interval × `defaults.jitter` past its due time, and at least this. */
export const LAG_TOLERANCE_FLOOR_MS = 1000;
/** At most one lag warning per this long (clock ms). */
export const LAG_WARNING_EVERY_MS = 60_000;

export interface OnceResult {
  polls: PollSummary[];
  articles: ArticleSummary[];
  /** The final alert delivery pass (null without alerts). */
  deliveries?: DeliverReport | null;
  /** The feed health check made before it (null when feed health alerts are off). */
  health?: HealthReport | null;
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

/** The per-host key of a URL; a URL that does not parse is its own key (its fetch fails and is recorded). */
function hostOfUrl(url: string | null): string {
  if (!url) return '';
  try {
    return hostKey(url);
  } catch {
    return url;
  }
}

/** Counts per key, for the work in flight per host. */
class Counts {
  private readonly n = new Map<string, number>();
  get(key: string): number {
    return this.n.get(key) ?? 0;
  }
  add(key: string, by: number): void {
    const v = this.get(key) + by;
    if (v <= 0) this.n.delete(key);
    else this.n.set(key, v);
  }
}

export class EmbeddedPipeline {
  private feeds: Feed[];
  /**
   * The enabled feeds by name. A queue entry whose feed object is not the one here is stale (the feed was removed,
   * disabled or changed by a config reload) and is dropped when it comes up.
   */
  private readonly live = new Map<string, Feed>();
  private readonly nextDue = new Map<string, number>();
  /**
   * Each feed's poll state as its last poll here left it (read once at start): the next poll takes it instead of
   * reading it from storage. A feed the config changes is read again. This process is the feeds' only poller; a
   * validator another process wrote meanwhile (`feedwatch once` on the same file) is missed once, which costs a 200
   * instead of a 304.
   */
  private readonly pollStates = new Map<string, PollState>();
  /** Feeds waiting for their due time (or for a poll slot), earliest first. */
  private readonly waiting = new DueQueue<Feed>();
  /** Due feeds set aside because their host already has `perHostConcurrency` polls in flight; one returns per poll of that host that ends. */
  private readonly parked = new Map<string, DueQueue<Feed>>();
  private readonly hostOf = new Map<string, string>();
  private readonly hostPolls = new Counts();
  private readonly hostPages = new Counts();
  private readonly pollsInFlight = new Map<string, Promise<unknown>>();
  private readonly articlesInFlight = new Map<number, Promise<unknown>>();
  /** Pending pages read from the store and not started yet (their host was busy, or no slot was free), with their host. */
  private pageBuffer: Array<{ item: StoredItem; host: string }> = [];
  /**
   * Whether the store may hold due pages that are neither buffered nor in flight: set when a poll stores new items
   * and when a read comes back full (its limit cut it short), cleared by a read that returns fewer. While it is clear a
   * page that ends starts the next buffered one without asking the store again; the housekeeping tick still reads
   * (pages whose retry came due).
   */
  private pendingUnread = true;
  /** The store query for pending pages in flight; `refillAgain` asks for one more pass when it ends. */
  private refilling: Promise<void> | null = null;
  private refillAgain = false;
  /**
   * Items whose storage phase failed (stages.ts `processArticle`): how often in a row, and not before when they are
   * tried again. In memory: after a restart they are simply due again.
   */
  private readonly storageRetry = new Map<number, { failures: number; notBefore: number }>();
  private readonly timers: Timers;
  private cancelTick: (() => void) | null = null;
  private cancelWake: (() => void) | null = null;
  private wakeAt: number | null = null;
  private lastLagWarning = -Infinity;
  /** How far behind its due time (its grid point, `servedAt`) the most overdue waiting feed is, ms (0: none is late); set every tick. */
  lagMs = 0;
  /** When the loop started, and when a tick last completed (clock ms; null before): what /healthz looks at. */
  startedAt: number | null = null;
  lastTickAt: number | null = null;
  private stopped = true;
  private ticking = false;
  /** The alert delivery pass in flight: never two at once, and never awaited by a tick (a slow channel holds up nothing). */
  private delivering: Promise<unknown> | null = null;
  /** `retention: { days }`: old stories removed in small batches when due (retention-stage.ts). */
  private readonly retention: RetentionTimer;
  /** `alerts.feedHealth`: a feed health check every `every` (health-stage.ts). */
  private readonly health: FeedHealthTimer;
  /**
   * Feeds already due when the daemon started and not polled since: while any is left, no health check runs, so
   * that a daemon back from a long stop does not report as stale ("not polled") the feeds it is catching up on.
   */
  private readonly catchingUp = new Set<string>();

  constructor(
    private readonly deps: StageDeps,
    feeds: Feed[],
    private readonly opts: EmbeddedOptions,
  ) {
    this.feeds = feeds.filter((f) => f.enabled);
    for (const feed of this.feeds) {
      this.live.set(feed.name, feed);
      this.hostOf.set(feed.name, hostOfUrl(feed.url));
    }
    this.retention = new RetentionTimer(deps);
    this.health = new FeedHealthTimer(deps);
    this.timers = opts.timers ?? systemTimers;
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
    const health = await checkFeedHealth(this.deps);
    const deliveries = await deliverAlerts(this.deps);
    return { polls, articles, deliveries, health };
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.deps.metrics?.setQueueDepths(() => this.queueDepths());
    const now = this.deps.clock.now();
    this.startedAt = now;
    const states = new Map((await this.deps.store.feedStates()).map((s) => [s.name, s]));
    for (const feed of this.feeds) {
      const state = states.get(feed.name);
      if (state) this.pollStates.set(feed.name, { etag: state.etag, lastModified: state.lastModified, errorCount: state.errorCount });
      const stored = state?.nextDueAt;
      const due = Math.min(stored ? Date.parse(stored) : now + initialPollDelay(feed.intervalMs, this.deps.random), now + feed.intervalMs);
      this.nextDue.set(feed.name, due);
      this.waiting.push(feed, due);
      if (due <= now) this.catchingUp.add(feed.name);
    }
    this.pumpPolls();
    this.scheduleTick();
  }

  /**
   * Take a new feed list (config reload): new feeds are scheduled as at start, removed and disabled ones are
   * no longer polled (a poll in flight finishes), and a changed feed is polled with its new settings no later
   * than its new interval from now. Pages already pending are unaffected.
   */
  setFeeds(feeds: Feed[]): void {
    const now = this.deps.clock.now();
    const enabled = feeds.filter((f) => f.enabled);
    const before = new Map(this.live);
    this.live.clear();
    for (const feed of enabled) {
      const old = before.get(feed.name);
      if (old && JSON.stringify(old) === JSON.stringify(feed)) {
        this.live.set(feed.name, old);
        continue;
      }
      this.live.set(feed.name, feed);
      this.hostOf.set(feed.name, hostOfUrl(feed.url));
      // Storage may have reset it (a new URL drops the validators): read again at the next poll.
      this.pollStates.delete(feed.name);
      if (this.stopped || this.pollsInFlight.has(feed.name)) continue;
      const due = old ? Math.min(this.nextDue.get(feed.name) ?? now, now + feed.intervalMs) : now + initialPollDelay(feed.intervalMs, this.deps.random);
      this.nextDue.set(feed.name, due);
      this.waiting.push(feed, due);
    }
    for (const name of before.keys()) {
      if (this.live.has(name)) continue;
      // A poll in flight holds its host itself (startPoll's argument); nothing else of the feed is kept.
      this.nextDue.delete(name);
      this.pollStates.delete(name);
      this.hostOf.delete(name);
      this.catchingUp.delete(name);
    }
    this.feeds = [...this.live.values()];
    this.pumpPolls();
  }

  /** Stop taking work; wait for polls and pages in flight, at most `deadlineMs`. Returns what was left unfinished. */
  async stop(deadlineMs: number): Promise<{ unfinished: number }> {
    this.stopped = true;
    this.cancelTick?.();
    this.cancelTick = null;
    this.cancelWake?.();
    this.cancelWake = null;
    this.wakeAt = null;
    const pending = [...this.inHand(), ...(this.retention.running ? [this.retention.running] : [])];
    if (pending.length === 0) return { unfinished: 0 };
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timeout = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    await Promise.race([Promise.allSettled(pending), deadline]);
    clearTimeout(timeout);
    return { unfinished: this.pollsInFlight.size + this.articlesInFlight.size };
  }

  /** Resolves once the polls, pages and delivery pass in flight now, and the work they started, have finished (for tests and status). */
  async settled(): Promise<void> {
    for (let pending = this.inHand(); pending.length > 0; pending = this.inHand()) await Promise.allSettled(pending);
  }

  private inHand(): Array<Promise<unknown>> {
    return [
      ...this.pollsInFlight.values(),
      ...this.articlesInFlight.values(),
      ...(this.refilling ? [this.refilling] : []),
      ...(this.delivering ? [this.delivering] : []),
      ...(this.health.running ? [this.health.running] : []),
    ];
  }

  /**
   * Housekeeping, every `tickMs`: start whatever is due (normally already started when it came due), look for pages
   * whose retry came due, start an alert delivery pass, and retention and a feed health check when due, and report
   * the schedule lag.
   */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      // A storage fault stopped work (src/store/fault-gate.ts): nothing is fetched until a ping finds it gone.
      if (this.deps.storageGate?.halted() && (await this.deps.storageGate.probe())) return;
      this.pumpPolls();
      if (this.deps.config.pipeline.fetchArticles) await this.refillPages();
      this.delivering ??= deliverAlerts(this.deps)
        .catch((err: unknown) => this.deps.logger.error({ err }, 'alert delivery pass failed'))
        .finally(() => (this.delivering = null));
      this.retention.tick();
      if (this.catchingUp.size === 0) this.health.tick();
      this.reportLag(this.deps.clock.now());
    } catch (err) {
      this.deps.logger.error({ err }, 'scheduler tick failed');
    } finally {
      this.ticking = false;
      this.lastTickAt = this.deps.clock.now();
      this.deps.metrics?.lastTick.set(this.lastTickAt / 1000);
    }
  }

  /**
   * Start the feeds whose grid point (`servedAt`) has come while a poll slot is free; then arm one timer for the next
   * grid point (none while every slot is busy). A feed that came due after the last grid point waits for the next one
   * even when a slot frees before: the feeds of one second start together, so their answers, their writes to storage
   * and storage's replies share wake-ups instead of each finished poll starting the one or two that came due since.
   */
  private pumpPolls(): void {
    if (this.stopped || this.deps.storageGate?.halted()) return;
    const now = this.deps.clock.now();
    const perHost = this.deps.config.http.perHostConcurrency;
    while (this.pollsInFlight.size < this.opts.pollConcurrency) {
      const top = this.waiting.peek();
      if (!top || servedAt(top.dueAt) > now) break;
      this.waiting.pop();
      // A feed removed or changed by a reload, or one whose poll is still running (a reload re-queued it).
      if (this.live.get(top.value.name) !== top.value || this.pollsInFlight.has(top.value.name)) continue;
      const host = this.hostOf.get(top.value.name) ?? '';
      if (this.hostPolls.get(host) >= perHost) {
        let aside = this.parked.get(host);
        if (!aside) this.parked.set(host, (aside = new DueQueue<Feed>()));
        aside.push(top.value, top.dueAt);
        continue;
      }
      this.startPoll(top.value, host);
    }
    this.armWake(now);
  }

  private armWake(now: number): void {
    const top = this.waiting.peek();
    const at = top && this.pollsInFlight.size < this.opts.pollConcurrency ? servedAt(top.dueAt) : null;
    if (at === this.wakeAt) return;
    this.cancelWake?.();
    this.cancelWake = null;
    this.wakeAt = at;
    if (at === null) return;
    this.cancelWake = this.timers.after(at - now, () => {
      this.cancelWake = null;
      this.wakeAt = null;
      this.pumpPolls();
    });
  }

  private startPoll(feed: Feed, host: string): void {
    this.hostPolls.add(host, 1);
    const run = (async () => {
      let next: number;
      let fresh = 0;
      try {
        const summary = await pollFeed(feed, this.deps, this.pollStates.get(feed.name));
        next = Date.parse(summary.nextDueAt);
        fresh = summary.newItems.length;
        // Unless a reload changed the feed meanwhile (its state is then read again).
        if (this.live.get(feed.name) === feed) this.pollStates.set(feed.name, summary.state);
      } catch (err) {
        this.pollStates.delete(feed.name);
        // recordPoll itself failed (storage): try again after the interval, never stop the loop.
        this.deps.logger.error({ feed: feed.name, err }, 'poll could not be recorded');
        next = this.deps.clock.now() + feed.intervalMs;
      }
      this.nextDue.set(feed.name, next);
      this.catchingUp.delete(feed.name);
      this.pollsInFlight.delete(feed.name);
      this.hostPolls.add(host, -1);
      const aside = this.parked.get(host);
      const back = aside?.pop();
      if (back) this.waiting.push(back.value, back.dueAt);
      if (aside?.size === 0) this.parked.delete(host);
      if (this.stopped) return;
      // The feed as the config has it now: a reload may have changed it (or removed it) while it was polled.
      const current = this.live.get(feed.name);
      if (current) this.waiting.push(current, current === feed ? next : Math.min(next, this.deps.clock.now() + current.intervalMs));
      this.pumpPolls();
      if (fresh > 0) {
        this.pendingUnread = true;
        this.pumpPages();
      }
    })();
    this.pollsInFlight.set(feed.name, run);
  }

  /**
   * Start buffered pages while a page slot is free; read more pending pages from the store when none is startable
   * and the store may hold some not read yet (`pendingUnread`).
   */
  private pumpPages(): void {
    if (this.stopped || this.deps.storageGate?.halted() || !this.deps.config.pipeline.fetchArticles) return;
    if (!this.startBufferedPages() && this.pendingUnread) void this.refillPages();
  }

  /** Start what the buffer holds within the limits; true when every page slot is taken. */
  private startBufferedPages(): boolean {
    const limit = this.opts.articleConcurrency;
    if (this.stopped || this.articlesInFlight.size >= limit) return this.articlesInFlight.size >= limit;
    const now = this.deps.clock.now();
    const perHost = this.deps.config.http.perHostConcurrency;
    const keep: Array<{ item: StoredItem; host: string }> = [];
    for (let i = 0; i < this.pageBuffer.length; i++) {
      const entry = this.pageBuffer[i]!;
      const { item, host } = entry;
      if (this.articlesInFlight.has(item.id) || (this.storageRetry.get(item.id)?.notBefore ?? 0) > now) continue;
      if (this.articlesInFlight.size >= limit) {
        // Every slot taken: the rest stays as it is, unlooked at.
        for (let j = i; j < this.pageBuffer.length; j++) keep.push(this.pageBuffer[j]!);
        break;
      }
      if (this.hostPages.get(host) >= perHost) keep.push(entry);
      else this.startPage(item, host);
    }
    this.pageBuffer = keep;
    return this.articlesInFlight.size >= limit;
  }

  /**
   * A page holds a page slot until it is stored, and its host's count (`http.perHostConcurrency`) only while its
   * request runs: extraction and storage are not the host's load, and holding the host through them (some 0.5 s a
   * page against ~10 ms of HTTP at 64 pages in flight) left page slots idle while pages of busy hosts waited.
   */
  private startPage(item: StoredItem, host: string): void {
    this.hostPages.add(host, 1);
    let fetching = true;
    const fetched = () => {
      if (!fetching) return;
      fetching = false;
      this.hostPages.add(host, -1);
    };
    const run = this.processArticle(item, () => {
      fetched();
      this.pumpPages();
    }).finally(() => {
      this.articlesInFlight.delete(item.id);
      fetched();
      this.pumpPages();
    });
    this.articlesInFlight.set(item.id, run);
  }

  /** One store query for pending pages at a time; asked again while it runs, it runs once more after. */
  private refillPages(): Promise<void> {
    if (this.refilling) {
      this.refillAgain = true;
      return this.refilling;
    }
    this.refilling = (async () => {
      do {
        this.refillAgain = false;
        if (this.stopped || this.startBufferedPages()) break;
        const known = new Set<number>([...this.articlesInFlight.keys(), ...this.pageBuffer.map((e) => e.item.id)]);
        // Enough rows past the ones in hand that a few busy hosts do not leave the free slots idle.
        const limit = Math.min(MAX_PENDING_LIMIT, known.size + 4 * this.opts.articleConcurrency);
        // Cleared before the read: a poll storing new items meanwhile sets it again.
        this.pendingUnread = false;
        const rows = await this.deps.store.pendingArticles(limit, new Date(this.deps.clock.now()).toISOString());
        if (rows.length >= limit) this.pendingUnread = true;
        for (const row of rows) if (!known.has(row.id)) this.pageBuffer.push({ item: row, host: hostOfUrl(row.link) });
        this.startBufferedPages();
      } while (this.refillAgain);
    })()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'could not read the pending article pages'))
      .finally(() => (this.refilling = null));
    return this.refilling;
  }

  /** The lag gauge, and a warning (at most once a minute) when feeds wait past their interval's jitter. */
  private reportLag(now: number): void {
    let oldest: Due<Feed> | undefined = this.waiting.peek();
    for (const aside of this.parked.values()) {
      const top = aside.peek();
      if (top && (!oldest || top.dueAt < oldest.dueAt)) oldest = top;
    }
    this.lagMs = oldest ? Math.max(0, now - servedAt(oldest.dueAt)) : 0;
    this.deps.metrics?.scheduleLag.set(this.lagMs / 1000);
    if (!oldest || this.lagMs <= this.tolerance(oldest.value) || now - this.lastLagWarning < LAG_WARNING_EVERY_MS) return;
    this.lastLagWarning = now;
    let late = 0;
    const count = (q: DueQueue<Feed>) => {
      for (const e of q.entries()) if (now - servedAt(e.dueAt) > this.tolerance(e.value)) late++;
    };
    count(this.waiting);
    for (const aside of this.parked.values()) count(aside);
    const seconds = Math.round(this.lagMs / 1000);
    this.deps.logger.warn(
      {
        lag_seconds: seconds,
        feed: oldest.value.name,
        late_feeds: late,
        feeds: this.feeds.length,
        polls_in_flight: this.pollsInFlight.size,
        poll_concurrency: this.opts.pollConcurrency,
      },
      `scheduler is ${seconds} s behind: ${late} of ${this.feeds.length} feeds wait longer than their interval's jitter ` +
        `(most overdue: ${oldest.value.name}); raise pipeline.pollConcurrency (now ${this.opts.pollConcurrency}) or lengthen feed intervals`,
    );
  }

  /** How late a feed may start and still be within its interval's jitter. */
  private tolerance(feed: Feed): number {
    const d = this.deps.config.defaults;
    return Math.max(LAG_TOLERANCE_FLOOR_MS, Math.max(feed.intervalMs, d.minInterval) * d.jitter);
  }

  /**
   * processArticle, with an error of its storage phase logged and the item left pending (its page attempts
   * unchanged) to be tried again after `storageRetryDelay`.
   */
  private async processArticle(item: StoredItem, fetched?: () => void): Promise<ArticleSummary> {
    try {
      const summary = await processArticle(item, this.deps, fetched ? { fetched } : {});
      this.storageRetry.delete(item.id);
      return summary;
    } catch (err) {
      const failures = (this.storageRetry.get(item.id)?.failures ?? 0) + 1;
      const delay = storageRetryDelay(failures, this.deps.random, this.deps.config.pipeline);
      this.storageRetry.set(item.id, { failures, notBefore: this.deps.clock.now() + delay });
      const { kind, message } = describeError(err);
      this.deps.logger.error({ feed: item.feedName, item_id: item.id, err, failures, retry_in_ms: delay }, 'article could not be stored or matched; will retry');
      return { itemId: item.id, ok: false, error: `${kind}: ${message}`, willRetry: true };
    }
  }

  /**
   * The next tick comes at the next multiple of `tickMs` on the clock: the grid the poll wake-ups are on (WAKE_GRAIN_MS
   * divides the daemon's tick), so that a second with feeds due wakes the process once, not once for its polls and
   * again, at a time of its own, for the tick.
   */
  private scheduleTick(): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    this.cancelTick = this.timers.after(nextTickAt(now, this.opts.tickMs ?? 1000) - now, () => {
      this.cancelTick = null;
      void this.tick().finally(() => this.scheduleTick());
    });
  }

  /**
   * What waits and what runs, as `feedwatch_queue_jobs` reports it: `poll` waiting = enabled feeds past their due
   * time (its grid point, `servedAt`) not started yet (no slot free, or their host busy), delayed = feeds waiting for
   * their due time, active = polls running; `article` waiting = pending pages read from storage and not started,
   * delayed = pages held back after a storage error, active = pages being processed. (Pages not yet read from
   * storage are not counted.)
   */
  queueDepths(): QueueDepth[] {
    const now = this.deps.clock.now();
    let due = 0;
    let later = 0;
    for (const e of this.waiting.entries()) {
      if (this.live.get(e.value.name) !== e.value) continue;
      if (servedAt(e.dueAt) <= now) due++;
      else later++;
    }
    for (const aside of this.parked.values()) due += aside.size;
    let held = 0;
    for (const r of this.storageRetry.values()) if (r.notBefore > now) held++;
    return [
      { queue: 'poll', state: 'waiting', count: due },
      { queue: 'poll', state: 'delayed', count: later },
      { queue: 'poll', state: 'active', count: this.pollsInFlight.size },
      { queue: 'article', state: 'waiting', count: this.pageBuffer.length },
      { queue: 'article', state: 'delayed', count: held },
      { queue: 'article', state: 'active', count: this.articlesInFlight.size },
    ];
  }

  /** Feeds by next due time, for status output. */
  dueTimes(): Array<{ feed: string; dueAt: number }> {
    return [...this.nextDue.entries()].map(([feed, dueAt]) => ({ feed, dueAt })).sort((a, b) => a.dueAt - b.dueAt);
  }
}

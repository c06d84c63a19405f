/** Prometheus metrics of one process (prom-client), served at /metrics by server.ts. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The timed steps of the pipeline (`feedwatch_stage_duration_seconds{stage}`); README "Health, metrics, logs". */
export const STAGES_TIMED = ['poll', 'parse', 'fetch_page', 'extract', 'dedup', 'store', 'match', 'deliver'] as const;
export type TimedStage = (typeof STAGES_TIMED)[number];

/** One queue's jobs in one state, as a driver counts them (`feedwatch_queue_jobs{queue,state}`). */
export interface QueueDepth {
  queue: string;
  state: string;
  count: number;
}

/** How often the event loop's delay is sampled (`feedwatch_nodejs_eventloop_lag_*`), ms. */
export const EVENT_LOOP_SAMPLE_MS = 500;

/** How long a scrape waits for the queue depths (Redis may be away): past it the last values stay. */
const QUEUE_DEPTH_TIMEOUT_MS = 2000;

export function createMetrics() {
  const registry = new Registry();
  /** Set by the running pipeline driver: read on each scrape. */
  let queueDepths: (() => Promise<QueueDepth[]> | QueueDepth[]) | null = null;
  // prom-client's default metrics are already named process_* and nodejs_*: the prefix makes them
  // feedwatch_process_cpu_seconds_total, not feedwatch_process_process_cpu_seconds_total.
  // The event loop's delay sampled every 500 ms, not prom-client's default 10: each sample is a timer that wakes the
  // process. 100 wake-ups a second were 40 % of an idle daemon's CPU, and 10 (every 100 ms) still most of its main
  // thread's (README "Scale: the poll cycle"). A stall longer than the period always shows, whole, in the next
  // sample; a shorter one shows when a sample falls in it. (`feedwatch_nodejs_eventloop_lag_seconds` itself is
  // measured at each scrape, not sampled.)
  collectDefaultMetrics({ register: registry, prefix: 'feedwatch_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return {
    registry,
    polls: new Counter({ name: 'feedwatch_polls_total', help: 'Feed polls by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    newItems: new Counter({ name: 'feedwatch_items_new_total', help: 'New feed items stored', registers: [registry] }),
    articles: new Counter({ name: 'feedwatch_articles_total', help: 'Article pages processed by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    pollSeconds: new Histogram({ name: 'feedwatch_poll_duration_seconds', help: 'Time to poll one feed', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    cpuTasks: new Counter({ name: 'feedwatch_cpu_tasks_total', help: 'Tasks on untrusted input (feed, page, decode, parse-feed, extract, analyse, regex) by outcome: ok, failed, too-slow, too-complex, too-large', labelNames: ['task', 'outcome'] as const, registers: [registry] }),
    cpuTasksRunning: new Gauge({ name: 'feedwatch_cpu_tasks_running', help: 'Tasks on untrusted input running now', registers: [registry] }),
    articlesCut: new Counter({ name: 'feedwatch_articles_cut_total', help: 'Articles whose text was cut to budgets.articleChars', registers: [registry] }),
    analysisCut: new Counter({ name: 'feedwatch_analysis_cut_total', help: 'Article fields analysed only up to budgets.analyzedTokens', registers: [registry] }),
    lastTick: new Gauge({ name: 'feedwatch_last_tick_timestamp_seconds', help: 'When the scheduler last looked for work', registers: [registry] }),
    scheduleLag: new Gauge({
      name: 'feedwatch_schedule_lag_seconds',
      help: 'How long the most overdue feed has been waiting past its due time (embedded driver; 0 when on time)',
      registers: [registry],
    }),
    alertDeliveries: new Counter({
      name: 'feedwatch_alert_deliveries_total',
      help: 'Alert delivery attempts by channel and outcome: delivered, retrying (failed, will retry), failed (given up)',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    pageFailures: new Counter({
      name: 'feedwatch_page_failures_total',
      help: 'Failed attempts at an article page by error kind (http-status, network, not-html, nothing-extracted, too-slow...)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    stageSeconds: new Histogram({
      name: 'feedwatch_stage_duration_seconds',
      help: 'Time of one pipeline step: poll (feed HTTP), parse, fetch_page, extract, dedup, store, match, deliver (one message)',
      labelNames: ['stage'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: 'feedwatch_queue_jobs',
      help: 'Work waiting and in hand per queue and state (bullmq: its queues; embedded: the due queue and the page buffer)',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      async collect() {
        if (!queueDepths) return;
        let timer: NodeJS.Timeout | undefined;
        const depths = await Promise.race([
          Promise.resolve(queueDepths()).catch(() => null),
          new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), QUEUE_DEPTH_TIMEOUT_MS))),
        ]).finally(() => clearTimeout(timer));
        if (!depths) return;
        this.reset();
        for (const d of depths) this.set({ queue: d.queue, state: d.state }, d.count);
      },
    }),
    /** Where `feedwatch_queue_jobs` reads from (the driver that runs; null: none). */
    setQueueDepths(source: (() => Promise<QueueDepth[]> | QueueDepth[]) | null): void {
      queueDepths = source;
    },
  };
}

/** The label set of each timed stage, made once (not an object per observation). */
const STAGE_LABELS = Object.fromEntries(STAGES_TIMED.map((stage) => [stage, Object.freeze({ stage })])) as Record<TimedStage, { stage: TimedStage }>;

/** Observe `ms` (a stage's time by the caller's clock) under `stage`; nothing without metrics. */
export function observeStage(metrics: Partial<Pick<Metrics, 'stageSeconds'>> | undefined, stage: TimedStage, ms: number): void {
  metrics?.stageSeconds?.observe(STAGE_LABELS[stage], ms / 1000);
}

/** Observe how long `fn` took, by `clock` (ms), under `stage`; also when it throws. */
export async function timeStage<T>(metrics: Partial<Pick<Metrics, 'stageSeconds'>> | undefined, clock: { now(): number }, stage: TimedStage, fn: () => Promise<T> | T): Promise<T> {
  const histogram = metrics?.stageSeconds;
  if (!histogram) return fn();
  const t0 = clock.now();
  try {
    return await fn();
  } finally {
    histogram.observe(STAGE_LABELS[stage], (clock.now() - t0) / 1000);
  }
}

export type Metrics = ReturnType<typeof createMetrics>;

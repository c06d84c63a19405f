/**
 * Builds the running parts from a Config: storage, HTTP with per-host limits, the extractor with the
 * config's site rules, logger and metrics. The CLI commands and the tests start from here.
 */
import { systemClock, type Clock, type Random } from './clock.js';
import type { AlertMessage } from './alerts/message.js';
import type { Config } from './config/load.js';
import type { ConfigChanges } from './config/reload.js';
import { createCpuPool, type CpuWork } from './cpu/pool.js';
import { createFetchAgent, fetchUrl } from './fetch/http.js';
import { createHostLimiter } from './fetch/politeness.js';
import { createHostGate, memorySlots, type HostGate } from './fetch/host-gate.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { StageDeps } from './pipeline/stages.js';
import { createAlertEngine } from './pipeline/alert-stage.js';
import { BoilerplateLearner } from './pipeline/boilerplate-stage.js';
import { openStore } from './store/open.js';
import { gateStore, type StorageGate } from './store/fault-gate.js';
import type { Store } from './store/store.js';
import { PollTally } from './pipeline/poll-tally.js';

/** How often the poll summary line is logged. */
const POLL_SUMMARY_MS = 60_000;

export interface App {
  config: Config;
  /** The pool of worker threads for CPU work on untrusted input (src/cpu/pool.ts). */
  cpu: CpuWork;
  deps: StageDeps;
  store: Store;
  /** Whether a storage fault stopped work (src/store/fault-gate.ts); `store` is gated by it. */
  storageGate: StorageGate;
  logger: Logger;
  metrics: Metrics;
  /**
   * Switch the running stages to `next` (hot reload, config/reload.ts): the feed table synced, site rules and
   * alert rules rebuilt, `deps` updated in place so that every stage reads the new config from its next call.
   * The pipelines' own feed lists are the caller's (they own the timers and job schedulers).
   */
  reload(next: Config, changes: ConfigChanges): Promise<void>;
  close(): Promise<void>;
}

export interface AppOverrides {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  store?: Store;
  /** SQLite with `storage.thread` unset: put the queries on a second thread (what `feedwatch run` asks in embedded mode). */
  storageThreadByDefault?: boolean;
  /** The process's metrics (cli/run.ts makes them before the health server starts). Default: new ones. */
  metrics?: Metrics;
  /** Environment the alert channels read their secrets from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Per-host limits shared beyond this process (the bullmq driver passes its Redis gate). Default: when
   * `http.perHostRate` is set, a gate in memory that enforces it in this process.
   */
  hostGate?: HostGate;
  /** Each alert a log channel sends, handed over too (`feedwatch once` prints them after its table). */
  showLogAlert?: (channel: string, m: AlertMessage) => void;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger({ level: config.log.level, format: config.log.format });
  // A storage fault (the SQLite file deleted or read-only, say) stops work with one log line (fault-gate.ts).
  const { store, gate: storageGate } = gateStore(overrides.store ?? (await openStore(config, { threadByDefault: overrides.storageThreadByDefault ?? false })), logger);
  await store.migrate();
  await store.syncFeeds(config.feeds);
  const metrics = overrides.metrics ?? createMetrics();
  const limiter = createHostLimiter({ perHost: config.http.perHostConcurrency, total: config.http.concurrency });
  // One connection pool for the process; its DNS lookups refuse private addresses unless the config allows them.
  const agent = createFetchAgent({ allowPrivateNetworks: config.http.allowPrivateNetworks, connectTimeoutMs: config.http.idleTimeout });
  const clock = overrides.clock ?? systemClock;
  const gate =
    overrides.hostGate ??
    (config.http.perHostRate > 0
      ? createHostGate(memorySlots(), { perHost: config.http.perHostConcurrency, perSecond: config.http.perHostRate, leaseMs: config.http.timeout + 5000 })
      : null);
  // Decoding, parsing, extraction, morphology and alert regexes over untrusted input run in worker threads, each task under its budgets
  // (fixed at start: `budgets` waits for a restart).
  const cpu = createCpuPool(config.budgets, {
    finished: (task, outcome) => metrics.cpuTasks.inc({ task, outcome }),
    running: (n) => metrics.cpuTasksRunning.set(n),
  });
  // Dictionaries loaded once per process; rules compiled and channel secrets read once, here.
  const engineFor = (c: Config) =>
    createAlertEngine(c.alerts, {
      env: overrides.env ?? process.env,
      logger,
      userAgent: c.userAgent,
      showLogAlert: overrides.showLogAlert,
      maxTokens: c.budgets.analyzedTokens,
      analyse: (fields, maxTokens) => cpu.run({ type: 'analyse', fields, maxTokens }, 'alerts'),
      regexes: (fields, terms) => cpu.run({ type: 'regex', fields, terms }, 'alert regexes'),
    });
  const alerts = await engineFor(config);
  // Engines replaced by a reload: their channels stay open until close, as a delivery may still hold one.
  const retired: (typeof alerts)[] = [];
  const deps: StageDeps = {
    config,
    store,
    clock,
    random: overrides.random ?? Math.random,
    logger,
    metrics,
    storageGate,
    fetch: (url, opts) => {
      const get = () => fetchUrl(url, opts, { dispatcher: agent, clock });
      return limiter.run(url, () => (gate ? gate.run(url, get) : get()));
    },
    // The site rules of the running config (a reload replaces deps.config) go with each page.
    extract: (html, url, feed) =>
      cpu.run({ type: 'extract', html, url, sites: deps.config.sites, maxChars: deps.config.budgets.articleChars }, feed ?? new URL(url).host),
    decode: (body, contentType, kind, url, feed) => cpu.run({ type: 'decode', body, contentType, kind, url }, feed),
    decodeAndExtract: (body, contentType, url, feed) => cpu.run({ type: 'page', body, contentType, url, sites: deps.config.sites, maxChars: deps.config.budgets.articleChars }, feed),
    parseFeed: (xml, feedName, opts) => cpu.run({ type: 'parse-feed', xml, feedName, opts }, feedName),
    decodeAndParseFeed: (body, contentType, url, feedName, opts) => cpu.run({ type: 'feed', body, contentType, url, feedName, opts }, feedName),
    alerts,
    ...(config.boilerplate.enabled
      ? { boilerplate: new BoilerplateLearner({ minStories: config.boilerplate.minStories, windowMs: config.boilerplate.window, maxPerHost: config.boilerplate.maxPerHost }) }
      : {}),
  };
  // One info line a minute counting the polls (those that brought nothing new are logged at debug only).
  const pollTally = new PollTally();
  deps.pollTally = pollTally;
  let summarisedAt = clock.now();
  const summarise = () => {
    const c = pollTally.take();
    const now = clock.now();
    if (c) {
      const seconds = Math.round((now - summarisedAt) / 1000);
      logger.info(
        { seconds, polls: c.polls, not_modified: c.notModified, unchanged: c.unchanged, with_new_items: c.withNewItems, failed: c.failed, new_items: c.newItems },
        'poll summary',
      );
    }
    summarisedAt = now;
  };
  const summaryTimer = setInterval(summarise, POLL_SUMMARY_MS).unref();
  return {
    config,
    cpu,
    deps,
    store,
    storageGate,
    logger,
    metrics,
    reload: async (next, changes) => {
      if (changes.feedsAdded.length + changes.feedsRemoved.length + changes.feedsChanged.length > 0 || changes.otherChanged.includes('defaults')) {
        await store.syncFeeds(next.feeds);
      }
      if (changes.alertsChanged || changes.otherChanged.includes('userAgent')) {
        const engine = await engineFor(next);
        if (deps.alerts) retired.push(deps.alerts);
        deps.alerts = engine;
      }
      deps.config = next;
    },
    close: async () => {
      clearInterval(summaryTimer);
      summarise();
      await cpu.close();
      await store.close();
      // The pipeline has stopped (work still in hand at its deadline was released), so a request still in flight
      // belongs to abandoned work: abort it. agent.close() would wait for it, up to http.timeout.
      await agent.destroy();
      for (const engine of [...retired, deps.alerts]) for (const channel of engine?.channels.values() ?? []) await channel.close?.();
    },
  };
}

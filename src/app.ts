/**
 * Builds the running parts from a Config: storage, HTTP with per-host limits, the extractor with the
 * config's site rules, logger and metrics. The CLI commands and the tests start from here.
 */
import { systemClock, type Clock, type Random } from './clock.js';
import type { Config } from './config/load.js';
import { extractArticle } from './extract/index.js';
import { createFetchAgent, fetchUrl } from './fetch/http.js';
import { createHostLimiter } from './fetch/politeness.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { StageDeps } from './pipeline/stages.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';

export interface App {
  config: Config;
  deps: StageDeps;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  close(): Promise<void>;
}

export interface AppOverrides {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  store?: Store;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger({ level: config.log.level, format: config.log.format });
  const store = overrides.store ?? (await openStore(config));
  await store.migrate();
  await store.syncFeeds(config.feeds);
  const metrics = createMetrics();
  const limiter = createHostLimiter({ perHost: config.http.perHostConcurrency, total: config.http.concurrency });
  // One connection pool for the process; its DNS lookups refuse private addresses unless the config allows them.
  const agent = createFetchAgent({ allowPrivateNetworks: config.http.allowPrivateNetworks, connectTimeoutMs: config.http.idleTimeout });
  const clock = overrides.clock ?? systemClock;
  const deps: StageDeps = {
    config,
    store,
    clock,
    random: overrides.random ?? Math.random,
    logger,
    metrics,
    fetch: (url, opts) => limiter.run(url, () => fetchUrl(url, opts, { dispatcher: agent, clock })),
    extract: (html, url) => extractArticle(html, url, { rules: config.sites }),
  };
  return {
    config,
    deps,
    store,
    logger,
    metrics,
    close: async () => {
      await store.close();
      await agent.close();
    },
  };
}

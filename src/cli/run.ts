/**
 * `feedwatch run`: the daemon. Polls feeds at their intervals, fetches articles, serves /healthz and
 * /metrics, and on SIGINT/SIGTERM stops taking work, finishes what it holds (within a deadline), closes
 * storage and exits.
 */
import type { Server } from 'node:http';
import { createApp } from '../app.js';
import { EmbeddedPipeline } from '../pipeline/embedded.js';
import { startHealthServer } from '../server.js';
import { loadCliConfig } from './config.js';

const SHUTDOWN_DEADLINE_MS = 20_000;

export async function runCommand(configPath: string | undefined): Promise<number> {
  const config = loadCliConfig(configPath);
  const app = await createApp(config);
  const { logger } = app;
  const pipeline = new EmbeddedPipeline(app.deps, config.feeds, {
    pollConcurrency: config.http.concurrency,
    articleConcurrency: config.pipeline.articleConcurrency,
  });
  let stopping = false;
  let server: Server | null = null;
  if (config.server.port > 0) {
    server = await startHealthServer({
      host: config.server.host,
      port: config.server.port,
      metrics: app.metrics,
      check: async () => ({ ok: !stopping, detail: { feeds: config.feeds.length, stopping } }),
    });
    logger.info({ host: config.server.host, port: config.server.port }, 'health and metrics listening');
  }
  await pipeline.start();
  logger.info({ config: config.file, feeds: config.feeds.filter((f) => f.enabled).length, storage: config.storage.driver, queue: config.queue.driver }, 'feedwatch started');

  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal, deadline_ms: SHUTDOWN_DEADLINE_MS }, 'shutting down: no new work, finishing work in hand');
      void (async () => {
        const { unfinished } = await pipeline.stop(SHUTDOWN_DEADLINE_MS);
        await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
        await app.close();
        logger.info({ unfinished }, 'stopped');
        logger.flush?.();
        resolve(0);
      })();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

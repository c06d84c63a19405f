/**
 * `feedwatch run [--role all|scheduler|worker]`: the daemon. With the embedded queue driver (the default) one
 * process polls feeds at their intervals and fetches articles; it takes only `--role all`. With
 * `queue.driver: bullmq` the work goes through Redis: `scheduler` keeps one job schedule per feed, `worker`
 * runs the stages, `all` does both. Serves /healthz and /metrics; on SIGINT/SIGTERM stops taking work,
 * finishes what it holds within `pipeline.shutdownDeadline` (releasing the rest to the queue), closes storage
 * and Redis, and exits.
 */
import type { Server } from 'node:http';
import { createApp } from '../app.js';
import type { Config } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../log.js';
import { ROLES, type Role } from '../pipeline/roles.js';
import { EmbeddedPipeline } from '../pipeline/embedded.js';
import type { WatchedRedis } from '../pipeline/redis.js';
import { startHealthServer } from '../server.js';
import { loadCliConfig } from './config.js';

/** A host slot not renewed for this long is free again (a worker killed mid-request gives it back then). */
export const HOST_SLOT_LEASE_MS = 10_000;

export interface RunOptions {
  /** all (default), scheduler or worker. */
  role?: string;
}

/** The role named on the command line; an unknown one is a usage error (status 2, like any bad option). */
export function parseRole(value: string | undefined): Role {
  const role = value ?? 'all';
  if ((ROLES as readonly string[]).includes(role)) return role as Role;
  throw Object.assign(new TypeError(`--role must be one of ${ROLES.join(', ')}; got "${role}"`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
}

/** The embedded driver runs every stage in one process: a scheduler or worker alone needs the bullmq driver. */
export function checkRole(role: Role, config: Config): void {
  if (config.queue.driver === 'embedded' && role !== 'all') {
    throw new ConfigError(
      `--role ${role} needs the bullmq queue driver, but ${config.file} uses queue.driver "embedded", which runs every stage ` +
        `in this one process and takes only --role all (the default). To split scheduler and workers, set ` +
        `queue: { driver: bullmq } and REDIS_URL.`,
      { file: config.file, path: 'queue.driver' },
    );
  }
}

export async function runCommand(configPath: string | undefined, opts: RunOptions = {}): Promise<number> {
  const role = parseRole(opts.role);
  const config = loadCliConfig(configPath);
  checkRole(role, config);
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  let redis: WatchedRedis | null = null;
  let hostGate;
  if (config.queue.driver === 'bullmq') {
    // Loaded only for the bullmq driver: embedded mode needs no Redis client and never loads one. (ioredis stays on
    // major 5: 6 subclasses String, which leaves every string method of the process slower, extraction by ~30 %.)
    const { connectRedis, redisUrlFrom } = await import('../pipeline/redis.js');
    const { createRedisHostGate } = await import('../fetch/redis-limiter.js');
    redis = connectRedis(redisUrlFrom(config), { name: `feedwatch-${role}`, logger });
    hostGate = createRedisHostGate(redis.client, config.queue.prefix, {
      perHost: config.http.perHostConcurrency,
      perSecond: config.http.perHostRate,
      leaseMs: HOST_SLOT_LEASE_MS,
    });
  }
  // The embedded daemon keeps SQLite on its own thread unless the config says otherwise (README: storage.thread).
  const storageThreadByDefault = config.queue.driver === 'embedded';
  const app = await createApp(config, { logger, storageThreadByDefault, ...(hostGate ? { hostGate } : {}) });
  const pipeline =
    redis && config.queue.driver === 'bullmq'
      ? new (await import('../pipeline/bullmq.js')).BullmqPipeline(app.deps, config.feeds, { redis, role, queue: config.queue })
      : new EmbeddedPipeline(app.deps, config.feeds, {
          pollConcurrency: config.pipeline.pollConcurrency,
          articleConcurrency: config.pipeline.articleConcurrency,
        });
  const deadlineMs = config.pipeline.shutdownDeadline;
  let stopping = false;
  let server: Server | null = null;
  if (config.server.port > 0) {
    server = await startHealthServer({
      host: config.server.host,
      port: config.server.port,
      metrics: app.metrics,
      check: async () => ({
        ok: !stopping,
        detail: { feeds: config.feeds.length, stopping, role, queue: config.queue.driver, ...(redis ? { redis: redis.up() ? 'up' : 'down' } : {}) },
      }),
    });
    logger.info({ host: config.server.host, port: config.server.port }, 'health and metrics listening');
  }
  await pipeline.start();
  logger.info(
    { config: config.file, feeds: config.feeds.filter((f) => f.enabled).length, storage: config.storage.driver, queue: config.queue.driver, role },
    'feedwatch started',
  );

  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal, deadline_ms: deadlineMs }, 'shutting down: no new work, finishing work in hand');
      void (async () => {
        const result = await pipeline.stop(deadlineMs);
        await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
        await app.close();
        await redis?.close();
        logger.info(result, 'stopped');
        logger.flush?.();
        // Work released at the deadline may still hold a socket open; it must not keep the process alive.
        setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
        resolve(0);
      })();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

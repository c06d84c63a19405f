/**
 * The Redis connection of the bullmq driver: where its URL comes from, and an ioredis client that rides out
 * outages. Commands wait while Redis is away (no per-request retry limit, offline queue on) and the client
 * reconnects with capped backoff, so the process keeps running and resumes by itself. The outage is logged once
 * when it starts (then at most every 30 s) and once when Redis is back; `onRestored` callbacks then run, so the
 * scheduler can put back what a Redis that restarted empty has lost. The URL is a secret: it is never logged.
 */
import { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';

type BullmqQueueConfig = Extract<Config['queue'], { driver: 'bullmq' }>;

/** `queue.url`, else the variable named by `queue.urlEnv`; a ConfigError that says which to set when neither is. */
export function redisUrlFrom(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  const queue = config.queue;
  if (queue.driver !== 'bullmq') {
    throw new ConfigError(`${config.file}: queue.driver is "${queue.driver}"; only the bullmq driver uses Redis`, { file: config.file, path: 'queue.driver' });
  }
  const url = queue.url ?? env[queue.urlEnv]?.trim();
  if (!url) {
    throw new ConfigError(
      `${config.file}: queue.driver is "bullmq" but no Redis URL is given: set queue.url, or the environment variable ${queue.urlEnv} ` +
        `(named by queue.urlEnv), e.g. ${queue.urlEnv}=redis://127.0.0.1:6379`,
      { file: config.file, path: 'queue.urlEnv' },
    );
  }
  return url;
}

export type { BullmqQueueConfig };

export interface RedisClientOptions {
  /** Shown in CLIENT LIST and in log lines. */
  name: string;
  logger: Logger;
  /** Longest wait between reconnection attempts, ms. Default 5000. */
  maxReconnectDelayMs?: number;
}

export interface WatchedRedis {
  client: Redis;
  /** True while the connection is up. */
  up(): boolean;
  /** Run `fn` each time the connection comes back after being lost (not on the first connect). */
  onRestored(fn: () => void): void;
  /** Close the connection: QUIT, or drop it when Redis does not answer within `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

export function connectRedis(url: string, opts: RedisClientOptions): WatchedRedis {
  const maxDelay = opts.maxReconnectDelayMs ?? 5000;
  const client = new Redis(url, {
    connectionName: opts.name,
    // BullMQ needs both: a command waits for the connection instead of failing after N retries.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
  });
  const log = opts.logger.child({ redis: opts.name });
  const restored: Array<() => void> = [];
  let everReady = false;
  let down = false;
  let downSince = 0;
  let lastLogged = 0;
  let closing = false;
  const lost = (reason: string) => {
    if (closing) return;
    const now = Date.now();
    if (!down) {
      down = true;
      downSince = now;
      lastLogged = now;
      log.warn({ reason }, everReady ? 'redis connection lost; commands wait until it is back' : 'redis not reachable yet; waiting for it');
    } else if (now - lastLogged >= 30_000) {
      lastLogged = now;
      log.warn({ reason, down_ms: now - downSince }, 'redis still unreachable; retrying');
    }
  };
  client.on('error', (err: Error) => lost(err.message));
  client.on('close', () => lost('connection closed'));
  client.on('ready', () => {
    if (!everReady) {
      everReady = true;
      if (down) log.info({ waited_ms: Date.now() - downSince }, 'redis reachable');
      down = false;
      return;
    }
    if (down) {
      down = false;
      log.info({ down_ms: Date.now() - downSince }, 'redis connection restored');
      for (const fn of restored) fn();
    }
  });
  return {
    client,
    up: () => client.status === 'ready',
    onRestored: (fn) => void restored.push(fn),
    async close(timeoutMs = 2000) {
      closing = true;
      if (client.status === 'end') return;
      let timer: NodeJS.Timeout | undefined;
      const quit = client.quit().then(
        () => true,
        () => false,
      );
      const ok = await Promise.race([quit, new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
      clearTimeout(timer);
      if (!ok) client.disconnect();
    },
  };
}

/**
 * `feedwatch run [--role all|scheduler|worker] [--port N]`: the daemon. With the embedded queue driver (the default)
 * one process polls feeds at their intervals and fetches articles; it takes only `--role all`. With
 * `queue.driver: bullmq` the work goes through Redis: `scheduler` keeps one job schedule per feed, `worker`
 * runs the stages, `all` does both. Serves /healthz, /readyz and /metrics (src/health.ts) on `--port`, else
 * `$FEEDWATCH_PORT`, else `server.port`; on SIGINT/SIGTERM stops taking work, finishes what it holds within
 * `pipeline.shutdownDeadline` (releasing the rest to the queue), closes storage and Redis, and exits.
 *
 * Start-up is all or nothing: any error before the pipeline runs (a missing variable, a database that cannot be
 * reached or does not exist, a port in use) closes what was opened and ends in a StartupError, which the CLI
 * prints as one line before exiting non-zero, so that PM2, systemd or Docker restart the process.
 */
import type { Server } from 'node:http';
import { createApp, type App } from '../app.js';
import { systemClock } from '../clock.js';
import { configCache } from '../config/cache.js';
import type { Config } from '../config/load.js';
import { ConfigReloader, type ReloadResult } from '../config/reload.js';
import { ConfigError, FeedwatchError, StartupError } from '../errors.js';
import { checkHealth, checkReady, type Dependency, type HealthOptions, type HealthState } from '../health.js';
import { createLogger, type Logger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { ROLES, type Role } from '../pipeline/roles.js';
import { EmbeddedPipeline } from '../pipeline/embedded.js';
import type { BullmqPipeline } from '../pipeline/bullmq.js';
import type { WatchedRedis } from '../pipeline/redis.js';
import { loadMorphology } from '../alerts/morphology.js';
import { apiToken } from '../api/auth.js';
import type { ApiContext } from '../api/views.js';
import { startHealthServer } from '../server.js';
import { loadAndStore, loadCliConfig } from './config.js';

/** A host slot not renewed for this long is free again (a worker killed mid-request gives it back then). */
export const HOST_SLOT_LEASE_MS = 10_000;

/** The embedded daemon's housekeeping interval, ms (delivery, retention, page retries, the lag gauge; polls and pages do not wait for it). */
const EMBEDDED_TICK_MS = 1000;

export interface RunOptions {
  /** all (default), scheduler or worker. */
  role?: string;
  /** `--port`: the health and metrics port of this process (0: none). */
  port?: string;
  /** Where FEEDWATCH_PORT is read from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
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

/**
 * The health port of this process: `--port`, else the environment variable FEEDWATCH_PORT, else `server.port`
 * (so that processes sharing one config file each get their own). 0 serves nothing.
 */
export function resolvePort(cli: string | undefined, env: NodeJS.ProcessEnv, config: Config): number {
  const fromEnv = env['FEEDWATCH_PORT']?.trim();
  const [source, value] = cli !== undefined ? ['--port', cli.trim()] : fromEnv ? ['FEEDWATCH_PORT', fromEnv] : [null, null];
  if (source === null) return config.server.port;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new ConfigError(`${source} must be a port number from 0 to 65535 (0 serves no health port); got "${value}"`, { file: config.file, path: 'server.port' });
  }
  return port;
}

/** One line for a start-up failure: what failed, never a stack trace (nor a URL: the stores redact theirs). */
export function startupFailure(err: unknown, where: { role: Role; host?: string; port?: number }): StartupError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  let reason: string;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const what = code === 'EADDRINUSE' ? 'is in use by another process' : code === 'EACCES' ? 'may not be bound by this user' : 'is not an address of this host';
    reason =
      `health port ${where.host}:${where.port} ${what}; give each process its own port with --port N or FEEDWATCH_PORT=N ` +
      `(server.port in the config is the default; 0 serves none)`;
  } else if (err instanceof ConfigError) reason = `invalid config: ${err.message}`;
  else if (err instanceof FeedwatchError) reason = `${err.kind}: ${err.message}`;
  else reason = err instanceof Error ? err.message : String(err);
  const line = `cannot start (role ${where.role}): ${reasonOnOneLine(reason)}`;
  return new StartupError(line, err instanceof ConfigError ? 2 : 1, { cause: err });
}

/**
 * The reason on one line: each run of whitespace holding a line break becomes "; " (one pass over the lines, no
 * pattern scanning whitespace from every position).
 */
function reasonOnOneLine(reason: string): string {
  const lines = reason.split('\n');
  if (lines.length === 1) return reason;
  let out = lines[0]!.trimEnd();
  for (let i = 1; i < lines.length; i++) {
    const last = i === lines.length - 1;
    const line = last ? lines[i]!.trimStart() : lines[i]!.trim();
    // A line of whitespace only belongs to the run around it.
    if (line === '' && !last) continue;
    out += `; ${line}`;
  }
  return out;
}

/** Run the closers (most recent first), each bounded, so that a dead dependency cannot hold the exit. */
async function closeAll(closers: Array<() => Promise<unknown>>, perCloserMs = 3000): Promise<void> {
  for (const close of closers.reverse()) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([close().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, perCloserMs)))]);
    clearTimeout(timer);
  }
}

interface Running {
  config: Config;
  logger: Logger;
  app: App;
  redis: WatchedRedis | null;
  pipeline: EmbeddedPipeline | BullmqPipeline;
  server: Server | null;
  reloader: ConfigReloader;
}

/** One log line per reload attempt: what changed, what waits for a restart, or why the running config stays. */
export function logReload(logger: Logger, r: ReloadResult): void {
  if (!r.ok) {
    logger.error({ reason: r.reason, error: r.error }, `config reload failed, the running config stays: ${r.error}`);
    return;
  }
  const c = r.changes;
  logger.info(
    {
      reason: r.reason,
      version: r.version.sha256,
      feeds: r.version.feeds,
      feeds_added: c.feedsAdded.length,
      feeds_removed: c.feedsRemoved.length,
      feeds_changed: c.feedsChanged.length,
      sites_changed: c.sitesChanged,
      alerts_changed: c.alertsChanged,
    },
    'config reloaded',
  );
  if (c.restartNeeded.length > 0) {
    logger.warn({ keys: c.restartNeeded }, `config keys ${c.restartNeeded.join(', ')} changed; they take effect at the next restart`);
  }
}

export async function runCommand(configPath: string | undefined, opts: RunOptions = {}): Promise<number> {
  const role = parseRole(opts.role);
  // SIGHUP means "reload the config" (below, once running); until then it must not end the process either.
  const ignoreHup = () => undefined;
  process.on('SIGHUP', ignoreHup);
  const state: HealthState = { started: false, stopping: false };
  const closers: Array<() => Promise<unknown>> = [];
  const where: { role: Role; host?: string; port?: number } = { role };
  let running: Running;
  try {
    running = await start(configPath, opts, role, state, closers, where);
  } catch (err) {
    await closeAll(closers);
    process.off('SIGHUP', ignoreHup);
    throw startupFailure(err, where);
  }
  return serveUntilSignal(running, state).finally(() => process.off('SIGHUP', ignoreHup));
}

async function start(
  configPath: string | undefined,
  opts: RunOptions,
  role: Role,
  state: HealthState,
  closers: Array<() => Promise<unknown>>,
  where: { host?: string; port?: number },
): Promise<Running> {
  // The cache this process writes to, fixed at start: an entry stored on a reload must name the build and libraries
  // running, not a dist/ or node_modules/ replaced since (their new code would find an entry it did not make).
  const cache = configCache();
  const config = loadCliConfig(configPath, undefined, cache);
  checkRole(role, config);
  const port = resolvePort(opts.port, opts.env ?? process.env, config);
  Object.assign(where, { host: config.server.host, port });
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const metrics = createMetrics();
  let app: App | null = null;
  let redis: WatchedRedis | null = null;
  let pipeline: EmbeddedPipeline | BullmqPipeline | null = null;
  const dependencies: Dependency[] = [];
  const health = (): HealthOptions => ({
    clock: systemClock,
    tickIntervalMs: config.queue.driver === 'embedded' ? EMBEDDED_TICK_MS : role === 'worker' ? null : config.queue.sweepInterval,
    dependencies,
  });
  const loop = (): Pick<HealthState, 'lastTickAt' | 'loopStartedAt'> => (pipeline ? { lastTickAt: pipeline.lastTickAt, loopStartedAt: pipeline.startedAt } : {});
  const detail = { feeds: config.feeds.length, role, queue: config.queue.driver, storage: config.storage.driver };
  // The port first: one in use fails at once, before any connection is opened.
  let server: Server | null = null;
  // Read at each request: a hot reload swaps app.deps.config and the alert engine.
  let apiContext: (() => ApiContext) | null = null;
  if (port > 0) {
    // A non-loopback address without a token ends here, with one line (src/api/auth.ts).
    const token = apiToken(config, opts.env ?? process.env);
    server = await startHealthServer({
      host: config.server.host,
      port,
      metrics,
      api: { context: () => apiContext?.() ?? null, token, logger },
      health: async () => {
        const r = await checkHealth({ ...state, ...loop() }, health());
        return { ok: r.ok, detail: { reasons: r.reasons, ...r.detail, ...detail, ...(app ? { cpu: app.cpu.status() } : {}) } };
      },
      ready: async () => {
        const r = await checkReady(state, health());
        return { ok: r.ok, detail: { reasons: r.reasons, ...r.detail, ...detail } };
      },
    });
    const s = server;
    closers.push(() => new Promise<void>((r) => s.close(() => r())));
    logger.info({ host: config.server.host, port, token: token !== null }, 'status page, API, health and metrics listening');
  }
  let hostGate;
  if (config.queue.driver === 'bullmq') {
    // Loaded only for the bullmq driver: embedded mode needs no Redis client and never loads one. (ioredis stays on
    // major 5: 6 subclasses String, which leaves every string method of the process slower, extraction by ~30 %.)
    const { connectRedis, redisUrlFrom } = await import('../pipeline/redis.js');
    const { createRedisHostGate } = await import('../fetch/redis-limiter.js');
    const r = connectRedis(redisUrlFrom(config), { name: `feedwatch-${role}`, logger });
    redis = r;
    closers.push(() => r.close());
    dependencies.push({ name: 'redis', ping: () => r.client.ping() });
    hostGate = createRedisHostGate(r.client, config.queue.prefix, {
      perHost: config.http.perHostConcurrency,
      perSecond: config.http.perHostRate,
      leaseMs: HOST_SLOT_LEASE_MS,
    });
  }
  // The embedded daemon keeps SQLite on its own thread unless the config says otherwise (README: storage.thread).
  const storageThreadByDefault = config.queue.driver === 'embedded';
  const a = await createApp(config, { logger, metrics, storageThreadByDefault, ...(hostGate ? { hostGate } : {}) });
  app = a;
  closers.push(() => a.close());
  dependencies.push({ name: 'storage', ping: () => a.store.ping() });
  pipeline =
    redis && config.queue.driver === 'bullmq'
      ? new (await import('../pipeline/bullmq.js')).BullmqPipeline(app.deps, config.feeds, { redis, role, queue: config.queue })
      : new EmbeddedPipeline(app.deps, config.feeds, {
          pollConcurrency: config.pipeline.pollConcurrency,
          articleConcurrency: config.pipeline.articleConcurrency,
          tickMs: EMBEDDED_TICK_MS,
        });
  const lemmatizer = a.deps.alerts?.lemmatizer ?? (await loadMorphology());
  const p = pipeline;
  await p.start();
  closers.push(() => p.stop(0));
  const reloader = new ConfigReloader({
    file: config.file,
    initial: config,
    // Each config that validates is stored for the read-only commands (`feedwatch feeds` right after an edit).
    load: (file) => loadAndStore(file, cache),
    apply: async (next, changes) => {
      await a.reload(next, changes);
      await p.setFeeds(next.feeds);
    },
    onResult: (r) => logReload(logger, r),
    watch: config.reload.watch,
  });
  const reload = () => ({ version: reloader.version, last: reloader.last });
  apiContext = () => ({ config: a.deps.config, store: a.store, clock: systemClock, lemmatizer: a.deps.alerts?.lemmatizer ?? lemmatizer, reload, regexes: (fields, terms) => a.cpu.run({ type: 'regex', fields, terms }, 'search regexes') });
  reloader.start();
  closers.push(() => reloader.stop());
  state.started = true;
  logger.info(
    { config: config.file, feeds: config.feeds.filter((f) => f.enabled).length, storage: config.storage.driver, queue: config.queue.driver, role, port },
    'feedwatch started',
  );
  return { config, logger, app, redis, pipeline: p, server, reloader };
}

function serveUntilSignal({ config, logger, app, redis, pipeline, server, reloader }: Running, state: HealthState): Promise<number> {
  const deadlineMs = config.pipeline.shutdownDeadline;
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      if (state.stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      state.stopping = true;
      logger.info({ signal, deadline_ms: deadlineMs }, 'shutting down: no new work, finishing work in hand');
      void (async () => {
        await reloader.stop();
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

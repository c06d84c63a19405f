/**
 * The one schema of the config file: every key, its default and its meaning. README's
 * "Configuration" section documents the same keys; keep them in step.
 */
import { z } from 'zod';
import { duration, size } from './zod-types.js';
import { siteRuleSchema } from '../extract/rule-schema.js';
import { alertsSchema } from '../alerts/config-schema.js';
import { ARTICLE_CHARS } from '../extract/article-cap.js';
import { feedSchema, staleAfter } from './feed-schema.js';
import { DEFAULT_MAX_FEEDS, feedListIssues } from './feed-list.js';

export { feedSchema } from './feed-schema.js';
export { DEFAULT_MAX_FEEDS } from './feed-list.js';

const defaultsSchema = z
  .object({
    /** Poll interval of feeds that do not set their own. */
    interval: duration.prefault('15m'),
    /** Shortest interval a feed may ask for (also the floor when honouring Retry-After / TTL). */
    minInterval: duration.prefault('60s'),
    /** Longest wait after repeated failures: backoff doubles from the interval up to this cap. */
    maxBackoff: duration.prefault('6h'),
    /** Fraction of the interval added or removed at random so feeds do not poll in lockstep. */
    jitter: z.number().min(0).max(0.5).default(0.1),
    /** No new item for this long and a feed is stale; unset: 20 poll intervals, at least 2 days. */
    staleAfter: staleAfter.optional(),
    /** Polls failing for this long raise a feed health alert (`alerts.feedHealth`); 0: at the first failed poll. */
    failingAfter: duration.prefault('1h'),
  })
  .strict()
  .prefault({});

const httpSchema = z
  .object({
    /** Whole request, from connect to last byte. */
    timeout: duration.prefault('30s'),
    /** Longest silence while waiting for headers or body bytes. */
    idleTimeout: duration.prefault('10s'),
    /** Largest feed body accepted (after gzip/brotli decoding). */
    maxFeedSize: size.prefault('10MB'),
    /** Largest article page accepted (after decoding). */
    maxPageSize: size.prefault('5MB'),
    maxRedirects: z.number().int().min(0).max(20).default(5),
    /** Requests in flight to one host at once. */
    perHostConcurrency: z.number().int().min(1).max(64).default(2),
    /** Requests in flight in all (at least pollConcurrency + articleConcurrency, so neither waits for the other). */
    concurrency: z.number().int().min(1).max(1024).default(160),
    /**
     * Requests started per second to one host, at most (fractions allowed: 0.5 = one every 2 s); 0 = no limit.
     * With the bullmq driver this and `perHostConcurrency` hold across all workers (shared through Redis).
     */
    perHostRate: z.number().min(0).max(1000).default(0),
    /** Allow fetching from loopback and private networks (off by default: a feed must not probe your LAN). */
    allowPrivateNetworks: z.boolean().default(false),
  })
  .strict()
  .prefault({});

/** A PostgreSQL timeout setting: whole milliseconds in a 32-bit integer (about 24 days), 0 for the server's setting. */
const pgTimeout = (dflt: string) =>
  duration.prefault(dflt).refine((ms) => Number.isInteger(ms) && ms >= 0 && ms <= 2_147_483_647, 'write a duration from 0 (the server\'s setting) to 24d, e.g. 5s');

const storageSchema = z
  .discriminatedUnion('driver', [
    z
      .object({
        driver: z.literal('sqlite'),
        path: z.string().min(1).default('data/feedwatch.db'),
        /**
         * Run the SQLite queries on a second thread (its own connection), so that they no longer stall fetching
         * and extraction in this process (see src/store/sqlite/threaded.ts). Unset: on for the embedded daemon
         * (`feedwatch run` with queue.driver embedded), off for bullmq workers (measured slower there) and for
         * one-shot commands (starting the thread costs more than it saves).
         */
        thread: z.boolean().optional(),
      })
      .strict(),
    z
      .object({
        driver: z.literal('postgres'),
        /** Name of the environment variable holding the connection URL (never the URL itself). */
        urlEnv: z.string().default('DATABASE_URL'),
        /** statement_timeout of every connection: a statement running longer is cancelled (0: the server's setting). */
        statementTimeout: pgTimeout('30s'),
        /** lock_timeout of every connection: a wait for a lock longer than this fails, retryably (0: the server's setting). */
        lockTimeout: pgTimeout('5s'),
        /** idle_in_transaction_session_timeout: the server ends a session idle this long inside a transaction (0: the server's setting). */
        idleInTransactionTimeout: pgTimeout('60s'),
      })
      .strict(),
  ])
  .prefault({ driver: 'sqlite' });

const queueSchema = z
  .discriminatedUnion('driver', [
    z.object({ driver: z.literal('embedded') }).strict(),
    z
      .object({
        driver: z.literal('bullmq'),
        /** Name of the environment variable holding the Redis URL. */
        urlEnv: z.string().default('REDIS_URL'),
        /** Redis URL written in the config; when absent the URL is read from the variable named by `urlEnv`. */
        url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
        /** Prefix of every Redis key feedwatch writes. */
        prefix: z.string().regex(/^\S+$/, 'a non-empty word without spaces').default('feedwatch'),
        /** A worker's claim on a job lasts this long unless renewed (every half); a dead worker's jobs return after it. */
        lockDuration: duration.prefault('30s'),
        /** How often workers look for jobs whose worker died (stalled jobs) and put them back in the queue. */
        stalledInterval: duration.prefault('30s'),
        /** Times a job may come back from a dead worker before it is failed. */
        maxStalledCount: z.number().int().min(0).max(100).default(2),
        /** Completed jobs kept for inspection: at most `count`, none older than `age`; the rest are trimmed. */
        keepCompleted: z
          .object({ count: z.number().int().min(0).default(1000), age: duration.prefault('1h') })
          .strict()
          .prefault({}),
        /** Failed jobs kept with their reason (after their last attempt): at most `count`, none older than `age`. */
        keepFailed: z
          .object({ count: z.number().int().min(0).default(10000), age: duration.prefault('7d') })
          .strict()
          .prefault({}),
        /**
         * How often the scheduler re-checks the job schedulers (one per feed) and re-enqueues items that storage
         * says are due but no job holds (lost with a Redis restart, or a worker that died between two stages).
         */
        sweepInterval: duration.prefault('60s'),
        /**
         * The sweep re-enqueues an item only after seeing it due with no job for this long: longer than a page can
         * take, so that a job still in a worker's hand when Redis restarted empty finishes before it is queued again.
         */
        sweepAfter: duration.prefault('2m'),
        /** How often a worker runs an alert delivery pass (a job scheduler; only with alert rules configured). */
        deliverInterval: duration.prefault('2s'),
      })
      .strict(),
  ])
  .prefault({ driver: 'embedded' });

const pipelineSchema = z
  .object({
    /** Fetch and extract the article page of each new item. */
    fetchArticles: z.boolean().default(true),
    /** Feeds polled at once, per process (each bullmq worker polls this many). */
    pollConcurrency: z.number().int().min(1).max(256).default(32),
    /** Article pages fetched at once, per process (each bullmq worker fetches this many). */
    articleConcurrency: z.number().int().min(1).max(256).default(128),
    /** Attempts at an article page before keeping the feed's description for good. */
    articleAttempts: z.number().int().min(1).max(20).default(3),
    /** Wait before the second attempt at a page; each later attempt waits 4 times longer (±10 %), up to the cap. */
    articleRetryDelay: duration.prefault('5m'),
    /** Longest wait between two attempts at a page. */
    articleRetryMaxDelay: duration.prefault('12h'),
    /** On SIGTERM/SIGINT: time to finish the work in hand; what is still running then is released (bullmq) or dropped. */
    shutdownDeadline: duration.prefault('20s'),
  })
  .strict()
  .prefault({});

const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** json, pretty, or auto (pretty on a terminal, JSON otherwise). */
    format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  })
  .strict()
  .prefault({});

const serverSchema = z
  .object({
    /** Port of the health (/healthz) and metrics (/metrics) endpoint; 0 turns it off. */
    port: z.number().int().min(0).max(65535).default(9464),
    host: z.string().default('127.0.0.1'),
    /**
     * Variable holding the token of the status page and the HTTP API (src/api/auth.ts): required when `host` is not a
     * loopback address; when set, every request to them must carry it.
     */
    tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'write an environment variable name, e.g. FEEDWATCH_API_TOKEN').default('FEEDWATCH_API_TOKEN'),
  })
  .strict()
  .prefault({});

const retentionSchema = z
  .object({
    /**
     * Remove stories last seen more than this many days ago (with their articles, revisions, sightings, alert
     * documents and feed items), items without an article older than that, delivered or failed alert deliveries
     * older than that, and matches of stories no longer stored. A story seen again within the window keeps all its
     * articles. null (the default) keeps everything forever. Fractions allowed (0.5 = 12 hours).
     */
    days: z.number().positive().max(36_500).nullable().default(null),
    /** Rows removed per transaction: small batches, so that storage is never locked for long. */
    batchSize: z.number().int().min(1).max(10_000).default(500),
    /** How often the daemon runs retention (the first run is at start); a run stops after 10 s and resumes sooner. */
    every: duration
      .prefault('1h')
      .refine((ms) => ms >= 1000, 'must be at least 1s'),
  })
  .strict()
  .prefault({});

const boilerplateSchema = z
  .object({
    /**
     * Learn each site's boilerplate: a paragraph that recurs (normalised) in `minStories` distinct stories of one host
     * within `window` is dropped from that host's new articles, and its stored articles are cleaned of it.
     */
    enabled: z.boolean().default(true),
    /** Distinct stories (story clusters) of one host a paragraph must appear in to be learned. */
    minStories: z.number().int().min(2).max(10_000).default(10),
    /** Stories older than this no longer count; a paragraph not seen for this long is forgotten (learned or not). */
    window: duration
      .prefault('30d')
      .refine((ms) => ms >= 60_000, 'must be at least 1m'),
    /** Most paragraphs tracked per host; beyond it the least recently seen unlearned ones are forgotten first. */
    maxPerHost: z.number().int().min(100).max(1_000_000).default(20_000),
  })
  .strict()
  .prefault({});

const budgetsSchema = z
  .object({
    /**
     * Worker threads for the CPU work on untrusted input (feed parse, page parse and extraction, morphology of an
     * article), per process; 0 runs it on the main thread, with no deadline nor memory limit (for debugging).
     */
    threads: z.number().int().min(0).max(64).default(2),
    /** Longest one such task may run; then its worker is ended and the feed or page fails as `too-slow`. */
    taskTimeout: duration
      .prefault('20s')
      .refine((ms) => ms >= 100, 'must be at least 100ms'),
    /** Heap of one worker thread; a task that needs more ends its worker and fails as `too-complex`. */
    taskMemory: size
      .prefault('512MB')
      .refine((b) => b >= 32 * 1024 * 1024, 'must be at least 32MB'),
    /** Deepest element nesting of a feed document; deeper fails as `too-complex` before parsing. */
    feedDepth: z.number().int().min(8).max(10_000).default(100),
    /** Most elements in a feed document; more fails as `too-complex` before parsing. */
    feedElements: z.number().int().min(100).max(10_000_000).default(100_000),
    /** Word tokens of one article analysed for alerts and search (title first, then lead, body…); the rest is not. */
    analyzedTokens: z.number().int().min(100).max(10_000_000).default(10_000),
    /**
     * Characters of one article's lead and paragraphs kept (src/extract/article-cap.ts); a longer article is cut,
     * stored with `cut` saying what it had, and logged. Bounds what storing it holds the storage thread for.
     */
    articleChars: z.number().int().min(1_000).max(100_000_000).default(ARTICLE_CHARS),
  })
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    /** Largest feed list accepted; a longer one is a config error (a bound on untrusted input, raise it at will). */
    maxFeeds: z.number().int().positive().default(DEFAULT_MAX_FEEDS),
    /** User-Agent sent with every request. */
    userAgent: z.string().min(1).default('feedwatch/0.1 (+https://github.com/feedwatch/feedwatch)'),
    defaults: defaultsSchema,
    http: httpSchema,
    storage: storageSchema,
    queue: queueSchema,
    pipeline: pipelineSchema,
    /** Time, memory and size budgets of the CPU work on untrusted input (src/cpu/). */
    budgets: budgetsSchema,
    log: logSchema,
    server: serverSchema,
    /** Removing old stories and deliveries (src/store/retention.ts has the rules). Off by default (days: null). */
    retention: retentionSchema,
    /** Site rules for extraction: see README "Site rules". */
    sites: z.array(siteRuleSchema).default([]),
    /** Boilerplate learned per site (src/pipeline/boilerplate-stage.ts). */
    boilerplate: boilerplateSchema,
    alerts: alertsSchema,
    /** Hot reload (src/config/reload.ts): SIGHUP always reloads; `watch` also reloads when the file changes. */
    reload: z
      .object({ watch: z.boolean().default(true) })
      .strict()
      .prefault({}),
    feeds: z.compile(z.array(feedSchema)).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const issue of feedListIssues(cfg.feeds, cfg.maxFeeds)) ctx.addIssue({ code: 'custom', ...issue });
  });

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/**
 * Shared by the bullmq tests: a loopback site of N feeds × M items whose article pages are the Sputnik fixture
 * with per-item text (it counts the requests it serves, and how many run at once), the YAML of a bullmq config
 * over it, bullmq pipelines started in this process ("nodes"), a wait-for-condition with a deadline, and a
 * read-only look at the items table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { createRedisHostGate } from '../../src/fetch/redis-limiter.js';
import { silentLogger } from '../../src/log.js';
import { BullmqPipeline, type Role } from '../../src/pipeline/bullmq.js';
import { connectRedis, type WatchedRedis } from '../../src/pipeline/redis.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

const TEMPLATE = readFileSync(new URL('../fixtures/sputnik/sputnik-kg-20220305-lavrov.html', import.meta.url), 'utf8');
const TEXT_BLOCK = '<div class="article__block" data-type="text"><div class="article__text">';

/** The fixture page with its own title and one sentence of its own in the second text block. */
export function articlePage(feed: number, item: number): string {
  const parts = TEMPLATE.split(TEXT_BLOCK);
  parts[2] = `Сообщение ${feed}-${item}: материал номер ${item} ленты ${feed}. ${parts[2]}`;
  return parts.join(TEXT_BLOCK).replace(/(<h1 class="article__title">)[^<]*/, `$1Новость ${item} ленты ${feed}`);
}

export function feedXml(base: string, feed: number, items: number): string {
  const entries = Array.from({ length: items }, (_, i) => {
    const date = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) - i * 60_000).toUTCString();
    return `<item><title>Новость ${i} ленты ${feed}</title><link>${base}/a/f${feed}/${i}.html</link><guid isPermaLink="false">f${feed}-item-${i}</guid><description>Описание ${i}</description><pubDate>${date}</pubDate></item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Лента ${feed}</title><link>${base}/</link><description>test</description>${entries.join('')}</channel></rss>`;
}

export interface FeedSite {
  server: TestServer;
  url: string;
  feedUrls: string[];
  totalItems: number;
  /** Requests served per path. */
  hits: Map<string, number>;
  /** Start times (ms) of page and feed requests. */
  starts: number[];
  /** Most requests in progress at once. */
  maxActive(): number;
  /** Start times of each feed's polls, by feed index. */
  feedPolls: Map<number, number[]>;
  /** Most polls of one feed in progress at once. */
  maxConcurrentPollsOfOneFeed(): number;
  close(): Promise<void>;
}

export interface FeedSiteOptions {
  feeds: number;
  items: number;
  /** Delay before a page is answered, ms. */
  pageDelayMs?: number;
  feedDelayMs?: number;
  /** A handler to answer some page paths differently (return true when it answered). */
  override?: (path: string, res: import('node:http').ServerResponse) => boolean;
}

export async function startFeedSite(opts: FeedSiteOptions): Promise<FeedSite> {
  const hits = new Map<string, number>();
  const starts: number[] = [];
  const feedPolls = new Map<number, number[]>();
  const pollsActive = new Map<number, number>();
  let maxPollsOfOne = 0;
  let active = 0;
  let maxActive = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const server = await startServer({}, async (_req, res, url) => {
    const path = url.pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    starts.push(Date.now());
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      const feed = /^\/feeds\/f(\d+)\.xml$/.exec(path);
      if (feed) {
        const n = Number(feed[1]);
        feedPolls.set(n, [...(feedPolls.get(n) ?? []), Date.now()]);
        pollsActive.set(n, (pollsActive.get(n) ?? 0) + 1);
        maxPollsOfOne = Math.max(maxPollsOfOne, pollsActive.get(n)!);
        try {
          if (opts.feedDelayMs) await sleep(opts.feedDelayMs);
          res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(feedXml(server.url, n, opts.items));
        } finally {
          pollsActive.set(n, pollsActive.get(n)! - 1);
        }
        return;
      }
      if (opts.override?.(path, res)) return;
      const page = /^\/a\/f(\d+)\/(\d+)\.html$/.exec(path);
      if (!page) {
        res.writeHead(404).end('not found');
        return;
      }
      if (opts.pageDelayMs) await sleep(opts.pageDelayMs);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(articlePage(Number(page[1]), Number(page[2])));
    } finally {
      active--;
    }
  });
  return {
    server,
    url: server.url,
    feedUrls: Array.from({ length: opts.feeds }, (_, n) => `${server.url}/feeds/f${n}.xml`),
    totalItems: opts.feeds * opts.items,
    hits,
    starts,
    maxActive: () => maxActive,
    feedPolls,
    maxConcurrentPollsOfOneFeed: () => maxPollsOfOne,
    close: () => server.close(),
  };
}

export interface YamlOptions {
  dbPath: string;
  prefix: string;
  feedUrls: string[];
  /** Extra keys for the `queue:` section, indented by 2. */
  queue?: string;
  /** Extra top-level YAML (e.g. a `pipeline:` section). */
  extra?: string;
  /** Extra keys for the `http:` section. */
  http?: string;
  interval?: string;
  /** http.timeout and http.idleTimeout (10s and 5s unless given). */
  timeout?: string;
  idleTimeout?: string;
}

export function bullmqYaml(o: YamlOptions): string {
  return [
    'log:\n  level: warn\n  format: json',
    'server:\n  port: 0',
    `storage:\n  driver: sqlite\n  path: ${JSON.stringify(o.dbPath)}`,
    `defaults:\n  interval: ${o.interval ?? '1h'}\n  minInterval: 1s`,
    `http:\n  timeout: ${o.timeout ?? '10s'}\n  idleTimeout: ${o.idleTimeout ?? '5s'}\n  allowPrivateNetworks: true\n${o.http ?? ''}`,
    `queue:\n  driver: bullmq\n  prefix: ${o.prefix}\n  lockDuration: 10s\n  stalledInterval: 1s\n  sweepInterval: 500ms\n  sweepAfter: 1500ms\n${o.queue ?? ''}`,
    o.extra ?? '',
    `feeds:\n${o.feedUrls.map((u, i) => `  - name: feed-${i}\n    url: ${u}\n`).join('')}`,
  ].join('\n');
}

/**
 * Wait until `count()` reaches `target`, checking every 50 ms. Work is counted, not timed: it fails only when the
 * count has not grown for `stallMs` (a hang or a lost item), however slow a loaded machine makes the run.
 */
export async function waitForCount(count: () => number | Promise<number>, target: number, what: string, stallMs = 120_000): Promise<number> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const n = await count();
    if (n >= target) return n;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      throw new Error(`no progress for ${stallMs} ms waiting for: ${what} (${n} of ${target})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait until `cond` holds, checking every 50 ms; fail with `what` after `ms` (a deadline for hangs, never for speed: keep it generous). */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ItemRow {
  id: number;
  feed_name: string;
  link: string | null;
  guid: string;
  article_state: string;
  article_attempts: number;
  /** 1 when the item's article is stored: its own copy, or the article its sighting points at (0012_text_once). */
  has_article: number;
}

/** Every item row, read through a separate read-only connection. */
export function itemRows(dbPath: string): ItemRow[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], ItemRow>('SELECT id, feed_name, link, guid, article_state, article_attempts, (article IS NOT NULL OR article_id IS NOT NULL) AS has_article FROM items').all();
  } finally {
    db.close();
  }
}

export function doneCount(dbPath: string): number {
  try {
    return itemRows(dbPath).filter((r) => r.article_state === 'done').length;
  } catch {
    return 0;
  }
}

export interface Node {
  app: App;
  redis: WatchedRedis;
  pipeline: BullmqPipeline;
  close(): Promise<void>;
}

export interface NodeStarter {
  /** A bullmq pipeline in this process with its own app (storage, local limiter) and Redis connection. */
  start(yaml: string, role: Role, name?: string, wrapStore?: (store: Store) => Store): Promise<Node>;
  closeAll(): Promise<void>;
}

/** Nodes on the Redis at `url`; the random source is 0, so a feed never polled is due at once. */
export function nodeStarter(dir: string, url: string): NodeStarter {
  const open = new Set<Node>();
  return {
    async start(yaml, role, name = role, wrapStore) {
      const config = parseConfig(yaml, join(dir, 'feedwatch.yaml'));
      assert.equal(config.queue.driver, 'bullmq');
      if (config.queue.driver !== 'bullmq') throw new Error('unreachable');
      const redis = connectRedis(url, { name, logger: silentLogger });
      const hostGate = createRedisHostGate(redis.client, config.queue.prefix, {
        perHost: config.http.perHostConcurrency,
        perSecond: config.http.perHostRate,
        leaseMs: 5000,
      });
      const store = wrapStore ? wrapStore(await openStore(config)) : undefined;
      const app = await createApp(config, { logger: silentLogger, hostGate, random: () => 0, ...(store ? { store } : {}) });
      const pipeline = new BullmqPipeline(app.deps, config.feeds, { redis, role, queue: config.queue, workerName: name });
      await pipeline.start();
      const node: Node = {
        app,
        redis,
        pipeline,
        close: async () => {
          if (!open.delete(node)) return;
          await pipeline.stop(2000);
          await app.close();
          await redis.close();
        },
      };
      open.add(node);
      return node;
    },
    async closeAll() {
      await Promise.all([...open].map((n) => n.close().catch(() => undefined)));
    },
  };
}

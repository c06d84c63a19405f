/**
 * Redis for tests. `redisTestPrefix()` uses the real local server (FEEDWATCH_TEST_REDIS_URL, default
 * redis://127.0.0.1:6379) under a key prefix of its own (`fwtest-<base36 time>-<random>`), and `cleanup()` deletes
 * every key under it; prefixes that crashed runs left behind are deleted once they are a day old. When the server
 * is not reachable the tests fail with how to start it, never skip.
 *
 * `startRedisServer()` runs a private redis-server (no persistence) on a spare port, for tests that kill Redis
 * and start it again empty.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.FEEDWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const PREFIX = 'fwtest-';
const STALE_MS = 24 * 3_600_000;

export interface RedisTestPrefix {
  url: string;
  /** Use as `queue.prefix`: every key of the run starts with `<prefix>:`. */
  prefix: string;
  /** A connection for assertions. */
  client: Redis;
  keys(): Promise<string[]>;
  /** Delete the run's keys and close the connection. */
  cleanup(): Promise<void>;
}

/** Delete (unlink) every key matching `pattern`; returns how many. Also what the benches clean up with. */
export async function deleteMatching(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) n += await client.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

async function scanAll(client: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

export async function redisTestPrefix(url: string = TEST_REDIS_URL): Promise<RedisTestPrefix> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null, lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${new URL(url).host} (${err instanceof Error ? err.message : String(err)}). These tests need the local ` +
        'server: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no; ' +
        'set FEEDWATCH_TEST_REDIS_URL to use another one.',
      { cause: err },
    );
  }
  // Runs that died without cleaning up.
  const stale = new Set<string>();
  for (const key of await scanAll(client, `${PREFIX}*`)) {
    const run = key.split(':')[0]!;
    const bornAt = parseInt(run.slice(PREFIX.length).split('-')[0] ?? '', 36);
    if (Number.isFinite(bornAt) && Date.now() - bornAt > STALE_MS) stale.add(run);
  }
  for (const run of stale) await deleteMatching(client, `${run}:*`);
  const prefix = `${PREFIX}${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    url,
    prefix,
    client,
    keys: () => scanAll(client, `${prefix}:*`),
    async cleanup() {
      await deleteMatching(client, `${prefix}:*`);
      await client.quit();
    },
  };
}

export interface OwnRedis {
  url: string;
  port: number;
  /** Kill the server (SIGKILL: with no persistence, every key is gone). */
  kill(): Promise<void>;
  /** Start it again on the same port, empty. */
  start(): Promise<void>;
  /** Kill it and remove its folder. */
  close(): Promise<void>;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function waitForPing(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.ping();
      c.disconnect();
      return;
    } catch (err) {
      c.disconnect();
      if (Date.now() > until) throw new Error(`redis-server at ${url} did not answer within ${deadlineMs} ms`, { cause: err });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A private redis-server on a spare port in 6390..7389, without persistence. */
export async function startRedisServer(): Promise<OwnRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-redis-'));
  let port = 0;
  for (let i = 0; i < 50 && port === 0; i++) {
    const p = 6390 + Math.floor(Math.random() * 1000);
    if (await portIsFree(p)) port = p;
  }
  if (port === 0) throw new Error('no free port for a test redis-server in 6390..7389');
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitForPing(url, 10_000);
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  return {
    url,
    port,
    kill,
    start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

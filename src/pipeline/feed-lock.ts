/**
 * One poll of a feed at a time, across every worker: a Redis lock per feed (SET NX PX with a random token),
 * renewed while the poll runs and released by compare-and-delete, so a lock is only ever removed by its holder.
 * A worker killed mid-poll leaves the lock to expire after `leaseMs`.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

type ScriptCall = (...args: Array<string | number>) => Promise<number>;

export type Locked<T> = { locked: true; value: T } | { locked: false };

export interface FeedLock {
  /** Run `fn` holding the feed's lock; `{ locked: false }` at once when another poll of the feed holds it. */
  withLock<T>(feedName: string, fn: () => Promise<T>): Promise<Locked<T>>;
}

export function feedLockKey(prefix: string, feedName: string): string {
  return `${prefix}:lock:poll:${feedName}`;
}

export function redisFeedLock(redis: Redis, prefix: string, leaseMs: number): FeedLock {
  if (!('fwLockRelease' in redis)) {
    redis.defineCommand('fwLockRelease', { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand('fwLockRenew', { numberOfKeys: 1, lua: RENEW });
  }
  const commands = redis as unknown as { fwLockRelease: ScriptCall; fwLockRenew: ScriptCall };
  return {
    async withLock(feedName, fn) {
      const key = feedLockKey(prefix, feedName);
      const token = randomUUID();
      if ((await redis.set(key, token, 'PX', leaseMs, 'NX')) !== 'OK') return { locked: false };
      const renew = setInterval(() => void commands.fwLockRenew(key, token, leaseMs).catch(() => undefined), Math.max(100, Math.floor(leaseMs / 3)));
      try {
        return { locked: true, value: await fn() };
      } finally {
        clearInterval(renew);
        await commands.fwLockRelease(key, token).catch(() => undefined);
      }
    },
  };
}

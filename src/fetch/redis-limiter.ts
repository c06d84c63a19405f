/**
 * Host slots kept in Redis, so that every worker on every machine shares the per-host limits (the slot backend
 * of host-gate.ts). Per host, two sorted sets under the queue prefix:
 *   <prefix>:host:<host>:leases   member = request token, score = lease expiry (ms, Redis server time)
 *   <prefix>:host:<host>:starts   member = request token, score = start time, for the requests-per-second window
 * One Lua script drops expired leases and old starts, then takes a slot only if both limits allow, atomically.
 * Times come from the Redis server's clock (TIME), so workers with skewed clocks still agree.
 */
import type { Redis } from 'ioredis';
import { createHostGate, rateWindow, type HostGate, type HostGateOptions, type SlotBackend } from './host-gate.js';

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leases, starts = KEYS[1], KEYS[2]
local token, perHost, leaseMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local rateCount, windowMs = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
if redis.call('ZCARD', leases) >= perHost then return -1 end
if rateCount > 0 then
  redis.call('ZREMRANGEBYSCORE', starts, '-inf', now - windowMs)
  if redis.call('ZCARD', starts) >= rateCount then
    local oldest = redis.call('ZRANGE', starts, 0, 0, 'WITHSCORES')
    return math.max(1, tonumber(oldest[2]) + windowMs - now)
  end
  redis.call('ZADD', starts, now, token)
  redis.call('PEXPIRE', starts, windowMs + 1000)
end
redis.call('ZADD', leases, now + leaseMs, token)
redis.call('PEXPIRE', leases, leaseMs * 2)
return 0
`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0
`;

type ScriptCall = (...args: Array<string | number>) => Promise<number>;

/** Redis keys of one host's slots. */
export function hostSlotKeys(prefix: string, host: string): { leases: string; starts: string } {
  return { leases: `${prefix}:host:${host}:leases`, starts: `${prefix}:host:${host}:starts` };
}

export function redisSlots(redis: Redis, prefix: string): SlotBackend {
  if (!('fwHostAcquire' in redis)) {
    redis.defineCommand('fwHostAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('fwHostRenew', { numberOfKeys: 1, lua: RENEW });
  }
  const commands = redis as unknown as { fwHostAcquire: ScriptCall; fwHostRenew: ScriptCall };
  return {
    async tryAcquire(host, token, limits) {
      const k = hostSlotKeys(prefix, host);
      const rate = limits.perSecond > 0 ? rateWindow(limits.perSecond) : { count: 0, windowMs: 0 };
      return Number(await commands.fwHostAcquire(k.leases, k.starts, token, limits.perHost, limits.leaseMs, rate.count, rate.windowMs));
    },
    async renew(host, token, leaseMs) {
      await commands.fwHostRenew(hostSlotKeys(prefix, host).leases, token, leaseMs);
    },
    async release(host, token) {
      await redis.zrem(hostSlotKeys(prefix, host).leases, token);
    },
  };
}

/** The per-host gate shared by every process using this Redis and prefix. */
export function createRedisHostGate(redis: Redis, prefix: string, opts: HostGateOptions): HostGate {
  return createHostGate(redisSlots(redis, prefix), opts);
}

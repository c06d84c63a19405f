/**
 * Per-host limits that can hold across processes: at most `perHost` requests in flight to one host and at most
 * `perSecond` requests started per second, whoever asks. The bookkeeping lives in a slot backend (Redis for the
 * bullmq driver, see redis-limiter.ts; `memorySlots()` for one process); this module is the loop around it:
 * take a slot (waiting while the host is busy or its rate is used up), renew the slot's lease while the request
 * runs, give it back when it settles. A process killed mid-request holds its slot only until the lease runs out.
 *
 * The gate sits innermost, right around the request, so that a request starts when its slot is taken (the
 * in-process limiter of politeness.ts queues before it).
 */
import { randomUUID } from 'node:crypto';
import type { Random } from '../clock.js';
import { hostKey } from './politeness.js';

export interface HostLimits {
  /** Requests in flight to one host at once. */
  perHost: number;
  /** Requests started per second to one host (fractions allowed); 0 = no rate limit. */
  perSecond: number;
  /** A slot not renewed for this long is free again, ms. */
  leaseMs: number;
}

/** Where the slots are counted. Tokens are unique per request. */
export interface SlotBackend {
  /** 0: the slot is taken; a positive number: the rate is used up, try again in that many ms; -1: every slot is busy. */
  tryAcquire(host: string, token: string, limits: HostLimits): Promise<number>;
  /** Push the lease of a slot taken with `token` to now + `leaseMs`. */
  renew(host: string, token: string, leaseMs: number): Promise<void>;
  release(host: string, token: string): Promise<void>;
}

export interface HostGate {
  /** Run `fn` once a slot for the URL's host is taken; resolves or rejects with what `fn` does. */
  run<T>(url: string, fn: () => Promise<T>): Promise<T>;
}

export interface HostGateOptions extends HostLimits {
  /** Wait between two tries while every slot of a host is busy, ms (scaled by 0.5..1.5 at random). Default 40. */
  busyRetryMs?: number;
  random?: Random;
  /** Called when renewing or releasing a slot fails (the lease then expires on its own). */
  onError?: (err: unknown) => void;
}

/** The rate limit as "at most `count` starts in any `windowMs`": 2.5/s is 3 per 1200 ms, 0.5/s is 1 per 2000 ms. */
export function rateWindow(perSecond: number): { count: number; windowMs: number } {
  const count = Math.max(1, Math.ceil(perSecond));
  return { count, windowMs: Math.round((1000 * count) / perSecond) };
}

export function createHostGate(backend: SlotBackend, opts: HostGateOptions): HostGate {
  if (!(opts.perHost >= 1) || !(opts.perSecond >= 0) || !(opts.leaseMs >= 100)) {
    throw new RangeError(`host gate needs perHost >= 1, perSecond >= 0, leaseMs >= 100; got ${opts.perHost}, ${opts.perSecond}, ${opts.leaseMs}`);
  }
  const limits: HostLimits = { perHost: opts.perHost, perSecond: opts.perSecond, leaseMs: opts.leaseMs };
  const busyRetryMs = opts.busyRetryMs ?? 40;
  const random = opts.random ?? Math.random;
  const onError = opts.onError ?? (() => undefined);
  return {
    async run<T>(url: string, fn: () => Promise<T>): Promise<T> {
      const host = hostKey(url);
      const token = randomUUID();
      for (;;) {
        const wait = await backend.tryAcquire(host, token, limits);
        if (wait === 0) break;
        await sleep(wait > 0 ? wait + Math.floor(random() * 10) : Math.round(busyRetryMs * (0.5 + random())));
      }
      const renew = setInterval(() => backend.renew(host, token, limits.leaseMs).catch(onError), Math.max(50, Math.floor(limits.leaseMs / 3)));
      try {
        return await fn();
      } finally {
        clearInterval(renew);
        // Not awaited: with the backend unreachable the request is done anyway, and the lease frees the slot.
        backend.release(host, token).catch(onError);
      }
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Slots in this process's memory: the same rules as the Redis script, for the embedded driver. */
export function memorySlots(now: () => number = Date.now): SlotBackend {
  const hosts = new Map<string, { leases: Map<string, number>; starts: number[] }>();
  const of = (host: string) => {
    let h = hosts.get(host);
    if (!h) hosts.set(host, (h = { leases: new Map(), starts: [] }));
    return h;
  };
  return {
    async tryAcquire(host, token, limits) {
      const t = now();
      const h = of(host);
      for (const [k, until] of h.leases) if (until <= t) h.leases.delete(k);
      if (h.leases.size >= limits.perHost) return -1;
      if (limits.perSecond > 0) {
        const { count, windowMs } = rateWindow(limits.perSecond);
        h.starts = h.starts.filter((s) => s > t - windowMs);
        if (h.starts.length >= count) return Math.max(1, h.starts[0]! + windowMs - t);
        h.starts.push(t);
      }
      h.leases.set(token, t + limits.leaseMs);
      return 0;
    },
    async renew(host, token, leaseMs) {
      const h = hosts.get(host);
      if (h?.leases.has(token)) h.leases.set(token, now() + leaseMs);
    },
    async release(host, token) {
      const h = hosts.get(host);
      h?.leases.delete(token);
      if (h && h.leases.size === 0 && h.starts.length === 0) hosts.delete(host);
    },
  };
}

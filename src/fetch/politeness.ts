/**
 * Per-host politeness: at most `perHost` requests in flight to one host and `total` in all, in this process.
 * Waiting tasks start in arrival order, except that a task whose host is busy lets later tasks for other
 * hosts go first (one slow site never holds up the rest). No timers: slots free up when tasks settle.
 */
import { FeedwatchError } from '../errors.js';

export interface HostLimiterOptions {
  /** Requests in flight to one host (host:port) at once. */
  perHost: number;
  /** Requests in flight in all. */
  total: number;
}

export interface HostLimiter {
  /** Run `fn` once a slot for the URL's host is free; resolves or rejects with what `fn` does. */
  run<T>(url: string, fn: () => Promise<T>): Promise<T>;
  /** Tasks running now, in all and for one host. */
  active(host?: string): number;
  /** Tasks waiting for a slot. */
  pending(): number;
}

interface Waiting {
  host: string;
  start: () => void;
}

/** The host key a URL is limited under: lower-case host with port, e.g. `ru.sputnik.kg` or `127.0.0.1:8080`. */
export function hostKey(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    throw new FeedwatchError('bad-url', `not a URL: ${url}`, { url }, { retryable: false });
  }
}

export function createHostLimiter(opts: HostLimiterOptions): HostLimiter {
  if (!(opts.perHost >= 1) || !(opts.total >= 1)) {
    throw new RangeError(`host limiter needs perHost >= 1 and total >= 1, got ${opts.perHost}, ${opts.total}`);
  }
  const perHostActive = new Map<string, number>();
  let totalActive = 0;
  const queue: Waiting[] = [];

  const canStart = (host: string): boolean => totalActive < opts.total && (perHostActive.get(host) ?? 0) < opts.perHost;

  const acquire = (host: string): void => {
    totalActive++;
    perHostActive.set(host, (perHostActive.get(host) ?? 0) + 1);
  };

  const release = (host: string): void => {
    totalActive--;
    const n = (perHostActive.get(host) ?? 1) - 1;
    if (n === 0) perHostActive.delete(host);
    else perHostActive.set(host, n);
    drain();
  };

  const drain = (): void => {
    for (let i = 0; i < queue.length && totalActive < opts.total; ) {
      const w = queue[i]!;
      if (canStart(w.host)) {
        queue.splice(i, 1);
        acquire(w.host);
        w.start();
      } else {
        i++;
      }
    }
  };

  return {
    run<T>(url: string, fn: () => Promise<T>): Promise<T> {
      let host: string;
      try {
        host = hostKey(url);
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<T>((resolve, reject) => {
        const start = (): void => {
          let p: Promise<T>;
          try {
            p = Promise.resolve(fn());
          } catch (err) {
            p = Promise.reject(err);
          }
          p.then(resolve, reject).finally(() => release(host));
        };
        if (canStart(host) && queue.length === 0) {
          acquire(host);
          start();
        } else {
          queue.push({ host, start });
          drain();
        }
      });
    },
    active: (host?: string) => (host === undefined ? totalActive : (perHostActive.get(host.toLowerCase()) ?? 0)),
    pending: () => queue.length,
  };
}

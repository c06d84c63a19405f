/**
 * When to poll a feed next: a pure function of the poll's outcome, the feed's interval and the clock.
 * - success (200 or 304): the interval, with ± jitter so feeds spread out;
 * - failure: exponential backoff from the interval (×2 per consecutive error), capped at maxBackoff;
 * - a Retry-After from the server is honoured when it asks for longer, within [minInterval, maxBackoff]; it is a
 *   floor applied after the jitter, so a poll is never scheduled before the server said (up to maxBackoff, so a
 *   hostile Retry-After of years cannot park a feed for ever).
 */
import type { Random } from '../clock.js';

export interface ScheduleSettings {
  minIntervalMs: number;
  maxBackoffMs: number;
  /** Fraction of the interval, 0..0.5. */
  jitter: number;
}

export interface PollResultForSchedule {
  ok: boolean;
  /** Consecutive errors including this poll (0 after a success). */
  errorCount: number;
  retryAfterSeconds: number | null;
}

export function nextPollDelay(intervalMs: number, result: PollResultForSchedule, settings: ScheduleSettings, random: Random): number {
  const base = Math.max(intervalMs, settings.minIntervalMs);
  let delay: number;
  if (result.ok) {
    delay = base;
  } else {
    const exponent = Math.min(Math.max(result.errorCount - 1, 0), 30);
    delay = Math.min(base * 2 ** exponent, Math.max(settings.maxBackoffMs, base));
  }
  let floor = settings.minIntervalMs;
  if (result.retryAfterSeconds !== null && Number.isFinite(result.retryAfterSeconds) && result.retryAfterSeconds > 0) {
    const asked = Math.min(result.retryAfterSeconds * 1000, Math.max(settings.maxBackoffMs, settings.minIntervalMs));
    delay = Math.max(delay, asked);
    floor = Math.max(floor, asked);
  }
  const spread = delay * settings.jitter;
  const jittered = delay - spread + 2 * spread * random();
  // Jitter spreads feeds out; it must not move a poll before the server's Retry-After (nor below minInterval).
  return Math.ceil(Math.max(floor, jittered));
}

/** Delay before the first poll after start: spread over [0, min(interval, 1 min)) so a restart does not stampede. */
export function initialPollDelay(intervalMs: number, random: Random): number {
  return Math.floor(random() * Math.min(intervalMs, 60_000));
}

/**
 * A feed's health at a glance, from its stored state and activity (plain data in, plain data out):
 *
 *  - `disabled`: the config disables it or no longer lists it;
 *  - `failing`: its last poll failed (the reason is the stored error, with the count of consecutive failures);
 *  - `stale`: it polls fine but nothing new came for `staleAfter` (20 poll intervals, at least 2 days), or it has
 *    not been polled for 3 intervals (at least 10 minutes) past its due time (no process is polling it);
 *  - `pending`: enabled but never polled yet;
 *  - `ok` otherwise.
 *
 * Article pages that failed do not change the feed's health; they are counted beside it.
 */
import type { FeedState } from '../model.js';
import type { FeedActivity } from '../store/activity.js';

export type Health = 'ok' | 'stale' | 'failing' | 'disabled' | 'pending';

export interface FeedHealth {
  health: Health;
  /** Why it is not ok (one line), or null. */
  reason: string | null;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** How long a polling feed may go without a new item before it is stale. */
export function staleAfterMs(intervalMs: number): number {
  return Math.max(2 * DAY, 20 * intervalMs);
}

/** "3 h", "2 d 4 h", "45 min": a span for a reason line. */
export function span(ms: number): string {
  const min = Math.floor(ms / MINUTE);
  if (min < 60) return `${Math.max(min, 0)} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

export function feedHealth(state: FeedState, activity: FeedActivity | undefined, intervalMs: number, now: number): FeedHealth {
  if (!state.enabled) return { health: 'disabled', reason: 'disabled in the config' };
  if (state.errorCount > 0) {
    const polls = state.errorCount === 1 ? 'the last poll failed' : `the last ${state.errorCount} polls failed`;
    return { health: 'failing', reason: `${polls}: ${state.lastError ?? (state.lastStatus === null ? 'no answer' : `HTTP ${state.lastStatus}`)}` };
  }
  if (state.lastFetchedAt === null) return { health: 'pending', reason: 'not polled yet' };
  const due = state.nextDueAt === null ? null : Date.parse(state.nextDueAt);
  const late = Math.max(3 * intervalMs, 10 * MINUTE);
  if (due !== null && now - due > late) return { health: 'stale', reason: `not polled for ${span(now - Date.parse(state.lastFetchedAt))}: is a scheduler running?` };
  const staleAfter = staleAfterMs(intervalMs);
  const last = activity?.lastItemAt ? Date.parse(activity.lastItemAt) : null;
  if (last === null) return { health: 'ok', reason: 'the feed has listed no item yet' };
  if (now - last > staleAfter) return { health: 'stale', reason: `no new item for ${span(now - last)} (stale after ${span(staleAfter)})` };
  return { health: 'ok', reason: null };
}

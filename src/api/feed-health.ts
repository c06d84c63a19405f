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
import type { Feed, FeedState } from '../model.js';
import type { FeedActivity, FeedOverview } from '../store/activity.js';

export type Health = 'ok' | 'stale' | 'failing' | 'disabled' | 'pending';

export interface FeedHealth {
  health: Health;
  /** Why it is not ok (one line), or null. */
  reason: string | null;
  /**
   * Since when it is failing or stale (ISO 8601; null otherwise): the start of the first failed poll in a row, the
   * moment the newest item became older than `staleAfter`, or the moment the overdue poll passed its grace.
   */
  since: string | null;
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

/** What a feed's health is judged against: its poll interval, and its own `staleAfter` when the config sets one. */
export interface FeedLimits {
  intervalMs: number;
  /** No new item for longer than this: stale. Absent: `staleAfterMs(intervalMs)`. */
  staleAfterMs?: number | undefined;
}

export function feedHealth(state: FeedState, activity: FeedActivity | undefined, limits: FeedLimits, now: number): FeedHealth {
  const { intervalMs } = limits;
  const iso = (t: number) => new Date(t).toISOString();
  if (!state.enabled) return { health: 'disabled', reason: 'disabled in the config', since: null };
  if (state.errorCount > 0) {
    const polls = state.errorCount === 1 ? 'the last poll failed' : `the last ${state.errorCount} polls failed`;
    const reason = `${polls}: ${state.lastError ?? (state.lastStatus === null ? 'no answer' : `HTTP ${state.lastStatus}`)}`;
    return { health: 'failing', reason, since: state.failingSince ?? state.lastFetchedAt };
  }
  if (state.lastFetchedAt === null) return { health: 'pending', reason: 'not polled yet', since: null };
  const due = state.nextDueAt === null ? null : Date.parse(state.nextDueAt);
  const late = Math.max(3 * intervalMs, 10 * MINUTE);
  if (due !== null && now - due > late) {
    return { health: 'stale', reason: `not polled for ${span(now - Date.parse(state.lastFetchedAt))}: is a scheduler running?`, since: iso(due + late) };
  }
  const staleAfter = limits.staleAfterMs ?? staleAfterMs(intervalMs);
  const last = activity?.lastItemAt ? Date.parse(activity.lastItemAt) : null;
  if (last === null) return { health: 'ok', reason: 'the feed has listed no item yet', since: null };
  if (now - last > staleAfter) return { health: 'stale', reason: `no new item for ${span(now - last)} (stale after ${span(staleAfter)})`, since: iso(last + staleAfter) };
  return { health: 'ok', reason: null, since: null };
}

/** A feed as `feedwatch feeds` and /api/feeds show it: its stored state (as the config sees it), activity and health. */
export interface FeedStatus {
  state: FeedState;
  activity: FeedActivity | undefined;
  limits: FeedLimits;
  health: FeedHealth;
}

/**
 * Every feed's status from what storage holds (`feedOverview`, one query): config order first, then stored feeds the
 * config no longer lists (disabled); limits from the config (`defaultIntervalMs` for those).
 */
export function feedStatuses(feeds: readonly Feed[], stored: readonly FeedOverview[], defaultIntervalMs: number, now: number): FeedStatus[] {
  const activity = new Map<string, FeedActivity>();
  const states: FeedState[] = [];
  for (const o of stored) {
    activity.set(o.state.name, o.activity);
    states.push(o.state);
  }
  // withConfig lists the config's feeds first, in its order.
  return withConfig(feeds, states).map((state, i) => {
    const f = feeds[i];
    const limits: FeedLimits = f ? { intervalMs: f.intervalMs, staleAfterMs: f.staleAfterMs } : { intervalMs: defaultIntervalMs };
    const a = activity.get(state.name);
    return { state, activity: a, limits, health: feedHealth(state, a, limits, now) };
  });
}

/** A feed's article pages that failed: given up on, waiting for another attempt, and the newest one's error. */
export interface PageFailures {
  failed: number;
  retrying: number;
  lastError: string | null;
}

export function pageFailuresOf(a: FeedActivity | undefined): PageFailures {
  return { failed: a?.pagesFailed ?? 0, retrying: a?.pagesRetrying ?? 0, lastError: a?.lastPageError ?? null };
}

/**
 * The stored states as the config sees them: config order first (a feed never polled yet gets an empty state),
 * `enabled` as the config says, then stored feeds the config no longer lists, disabled, by name.
 */
export function withConfig(feeds: readonly Feed[], stored: readonly FeedState[]): FeedState[] {
  const byName = new Map<string, FeedState>();
  for (const s of stored) byName.set(s.name, s);
  let found = 0;
  const out = feeds.map((f): FeedState => {
    const s = byName.get(f.name);
    if (!s) {
      return { name: f.name, url: f.url, enabled: f.enabled, etag: null, lastModified: null, lastStatus: null, lastError: null, errorCount: 0, failingSince: null, declaredFeeds: [], lastFetchedAt: null, nextDueAt: null, movedTo: null, itemCount: 0 };
    }
    found++;
    return { ...s, url: f.url, enabled: f.enabled };
  });
  // Names are unique on both sides (the schema refuses a duplicate, storage keys feeds by name): when every stored
  // feed was found, none is unlisted, the usual case, and the set of listed names is not needed.
  if (found < stored.length) {
    const listed = new Set(feeds.map((f) => f.name));
    const unlisted = stored.filter((s) => !listed.has(s.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const s of unlisted) out.push({ ...s, enabled: false });
  }
  return out;
}

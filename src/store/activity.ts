/**
 * What the status page and the HTTP API ask of storage beyond the pipeline's own questions (`Store extends
 * ActivityStore`): each feed's stored state with its item and page activity, and how many items came in per hour.
 * One query each per driver (sqlite/activity.ts, postgres/activity.ts), served by indexes of migration 0009; the
 * plain results and the checks of their arguments are here.
 */
import { FeedwatchError } from '../errors.js';
import type { FeedState } from '../model.js';

/** A feed's items and article pages, as storage counts them. */
export interface FeedActivity {
  feed: string;
  /** When the feed last listed an item it had not listed before (ISO 8601), or null. */
  lastItemAt: string | null;
  /** Items whose page was given up on (the feed's description stands in). */
  pagesFailed: number;
  /** Items whose page failed and waits for another attempt. */
  pagesRetrying: number;
  /** The error of the newest of those items, or null. */
  lastPageError: string | null;
}

/** New items first seen in one hour. */
export interface HourCount {
  /** Start of the hour, ISO 8601 UTC ("2026-03-05T18:00:00.000Z"). */
  hour: string;
  items: number;
}

/** A stored feed: its fetch state and its activity (what `feedwatch feeds`, /api/feeds and the health check show). */
export interface FeedOverview {
  state: FeedState;
  activity: FeedActivity;
}

export interface ActivityStore {
  /** Every stored feed's state and activity, in one query (no round trip per feed), in no particular order. */
  feedOverview(): Promise<FeedOverview[]>;
  /** Items first seen at or after `since` (ISO 8601) and before `until`, counted per UTC hour; hours without any are left out. */
  itemsPerHour(since: string, until: string): Promise<HourCount[]>;
}

const HOUR_MS = 3_600_000;
/** Longest span itemsPerHour counts (a bound on the rows one call returns). */
export const MAX_ACTIVITY_HOURS = 24 * 31;

/** The UTC hour `iso` falls in, as an ISO 8601 string. */
export function hourOf(iso: string): string {
  const t = Date.parse(iso);
  return new Date(t - (((t % HOUR_MS) + HOUR_MS) % HOUR_MS)).toISOString();
}

/** itemsPerHour's arguments, checked: both times, in order, at most MAX_ACTIVITY_HOURS apart. */
export function checkSpan(since: string, until: string): void {
  const a = Date.parse(since);
  const b = Date.parse(until);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a || b - a > MAX_ACTIVITY_HOURS * HOUR_MS) {
    throw new FeedwatchError('storage', `itemsPerHour needs two ISO 8601 times at most ${MAX_ACTIVITY_HOURS} hours apart, in order; got ${since} .. ${until}`, { since, until }, { retryable: false });
  }
}

/**
 * The `hours` hours ending with the one `lastHour` falls in, oldest first, with the counts storage returned (0
 * where it returned none).
 */
export function fillHours(counts: readonly HourCount[], lastHour: string, hours: number): HourCount[] {
  const byHour = new Map(counts.map((c) => [Date.parse(c.hour), c.items]));
  const last = Date.parse(hourOf(lastHour));
  const out: HourCount[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const t = last - i * HOUR_MS;
    out.push({ hour: new Date(t).toISOString(), items: byHour.get(t) ?? 0 });
  }
  return out;
}

/**
 * Row helpers every storage driver uses alike: times normalized to ISO 8601 UTC with milliseconds (so that
 * comparing text compares time), the checked parameters of one item insert (JSON columns as JSON text), and the
 * text stored as a failure's error, the checked arguments of `pendingArticles`. Each driver's rows.ts converts its
 * own row shapes.
 */
import { FeedwatchError } from '../errors.js';
import type { FeedItem, PollOutcome } from '../model.js';
import type { PendingOptions } from './store.js';

/** Most items `pendingArticles` returns at once. */
export const MAX_PENDING_LIMIT = 1000;

/** `value` as ISO 8601 UTC with milliseconds; a storage error naming `what` when it is not a time. */
export function isoUtc(value: string, what: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new FeedwatchError('storage', `${what} "${value}" is not an ISO 8601 time`, { [what]: value }, { retryable: false });
  }
  return new Date(ms).toISOString();
}

/**
 * Named parameters of one item insert. Checks what the table would otherwise reject with a less helpful
 * message (a missing guid, an item of another feed); called inside the poll's transaction, so a bad item
 * rolls back the whole poll.
 */
export function itemParams(feedName: string, item: FeedItem, firstSeenAt: string) {
  if (typeof item.guid !== 'string' || item.guid === '') {
    throw new FeedwatchError('storage', `an item of feed "${feedName}" has no guid`, { feed: feedName, link: item.link ?? null }, { retryable: false });
  }
  if (item.feedName !== feedName) {
    throw new FeedwatchError('storage', `item "${item.guid}" belongs to feed "${item.feedName}", not "${feedName}"`, { feed: feedName, guid: item.guid }, { retryable: false });
  }
  return {
    feedName,
    guid: item.guid,
    link: item.link ?? null,
    title: item.title ?? null,
    description: item.description ?? null,
    author: item.author ?? null,
    publishedAt: item.publishedAt ?? null,
    categories: JSON.stringify(item.categories ?? []),
    enclosures: JSON.stringify(item.enclosures ?? []),
    extra: JSON.stringify(item.extra ?? {}),
    firstSeenAt,
  };
}

/** The error text stored for a failed poll or page: "kind: message". */
export function errorText(kind: string | null, message: string | null): string {
  return `${kind ?? 'error'}: ${message ?? 'unknown error'}`;
}

/**
 * The lease of a `pendingArticles` call in milliseconds (0: no claim), after checking that `limit` is an integer
 * from 1 to MAX_PENDING_LIMIT and the lease a whole number of milliseconds; a storage error otherwise.
 */
export function pendingLeaseMs(limit: number, opts: PendingOptions): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PENDING_LIMIT) {
    throw new FeedwatchError('storage', `pendingArticles limit must be an integer from 1 to ${MAX_PENDING_LIMIT}, not ${limit}`, { limit }, { retryable: false });
  }
  const leaseMs = opts.leaseMs ?? 0;
  if (!Number.isInteger(leaseMs) || leaseMs < 0) {
    throw new FeedwatchError('storage', `pendingArticles leaseMs must be a whole number of milliseconds, not ${leaseMs}`, { leaseMs }, { retryable: false });
  }
  return leaseMs;
}

/** The feed links a failed poll's HTML page declared, as the JSON parameter of recordPoll (null for none). */
export function declaredFeedsParam(outcome: Pick<PollOutcome, 'declaredFeeds'>): string | null {
  const feeds = outcome.declaredFeeds ?? [];
  return feeds.length === 0 ? null : JSON.stringify(feeds);
}

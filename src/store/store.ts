/**
 * What the pipeline asks of storage. One interface, implemented per driver (sqlite/, postgres/) and proven
 * by one contract test suite run against each. Methods are named for what the pipeline needs, not for tables.
 * All methods are async so that a network database can implement them.
 */
import type { Article, ArticleOutcome, Feed, FeedItem, FeedState, PollOutcome, StoredItem } from '../model.js';
import type { ActivityStore } from './activity.js';
import type { AlertStore } from './alerts.js';
import type { BoilerplateStore } from './boilerplate.js';
import type { ArticleStore } from './articles.js';
import type { RetentionStore } from './retention.js';

/** The article extracted from an item's page, as `saveArticle` stored it. */
export interface ItemArticle {
  itemId: number;
  article: Article;
  /** URL of the page after redirects. */
  finalUrl: string;
  /** ISO 8601 time the page was fetched (the `at` given to saveArticle). */
  fetchedAt: string;
}

export interface PendingOptions {
  /** Claim the returned items for this many milliseconds (a whole number; 0, the default, claims nothing). */
  leaseMs?: number;
}

export interface Store extends AlertStore, ArticleStore, RetentionStore, BoilerplateStore, ActivityStore {
  /** One round trip to the database (the health checks' ping); rejects when it cannot answer. */
  ping(): Promise<void>;
  /** Apply pending migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  /**
   * Make the feeds table match the config: add new feeds, update URLs/intervals/enabled/tags, keep the state of
   * known ones (a changed URL starts its fetch state afresh: no ETag, Last-Modified, redirect or error count).
   * Feeds no longer in the config are disabled, never deleted: their items stay.
   */
  syncFeeds(feeds: Feed[]): Promise<void>;
  feedStates(): Promise<FeedState[]>;
  feedState(name: string): Promise<FeedState | null>;
  /**
   * Record one poll in a single transaction: the feed's fetch state (status, ETag, Last-Modified, error
   * count, next due time) and the items, keyed by (feed, guid) so a re-poll stores nothing twice.
   * Returns only the items that were new.
   */
  recordPoll(outcome: PollOutcome, items: FeedItem[], nextDueAt: string): Promise<StoredItem[]>;
  /**
   * Items whose article page is to be fetched now: pending and due, oldest due first; at most `limit` (1..1000).
   * With `leaseMs`, the items are claimed: each returned item is not due again until `now + leaseMs` (unless
   * `saveArticle` records an outcome first), so workers asking at once never get the same item.
   */
  pendingArticles(limit: number, now: string, opts?: PendingOptions): Promise<StoredItem[]>;
  /**
   * Record the outcome of fetching and extracting an item's page. On failure, `retryAt` is when to try again,
   * or null to give up (the item keeps the feed's description).
   */
  saveArticle(itemId: number, outcome: ArticleOutcome, at: string, retryAt: string | null): Promise<void>;
  getItem(id: number): Promise<StoredItem | null>;
  /** The article saved for an item, or null when none was extracted (yet). */
  getArticle(itemId: number): Promise<ItemArticle | null>;
  close(): Promise<void>;
}

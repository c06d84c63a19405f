/**
 * What the pipeline asks of storage. One interface, implemented per driver (sqlite/, postgres/) and proven
 * by one contract test suite run against each. Methods are named for what the pipeline needs, not for tables.
 * All methods are async so that a network database can implement them.
 */
import type { ArticleOutcome, Feed, FeedItem, FeedState, PollOutcome } from '../model.js';

/** An item as stored: the feed's item plus its row id and article state. */
export interface StoredItem extends FeedItem {
  id: number;
  firstSeenAt: string;
  /** 'pending' (page not fetched yet or to be retried), 'done', 'failed' (gave up; the description stands in). */
  articleState: 'pending' | 'done' | 'failed';
  articleAttempts: number;
  articleError: string | null;
}

export interface Store {
  /** Apply pending migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  /** Make the feeds table match the config: add new feeds, update URLs/intervals, keep state of known ones. */
  syncFeeds(feeds: Feed[]): Promise<void>;
  feedStates(): Promise<FeedState[]>;
  feedState(name: string): Promise<FeedState | null>;
  /**
   * Record one poll in a single transaction: the feed's fetch state (status, ETag, Last-Modified, error
   * count, next due time) and the items, keyed by (feed, guid) so a re-poll stores nothing twice.
   * Returns only the items that were new.
   */
  recordPoll(outcome: PollOutcome, items: FeedItem[], nextDueAt: string): Promise<StoredItem[]>;
  /** Items whose article page is to be fetched now: pending, and due (next attempt time reached). */
  pendingArticles(limit: number, now: string): Promise<StoredItem[]>;
  /**
   * Record the outcome of fetching and extracting an item's page. On failure, `retryAt` is when to try again,
   * or null to give up (the item keeps the feed's description).
   */
  saveArticle(itemId: number, outcome: ArticleOutcome, at: string, retryAt: string | null): Promise<void>;
  getItem(id: number): Promise<StoredItem | null>;
  close(): Promise<void>;
}

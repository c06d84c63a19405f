/**
 * Conversions between SQLite rows and the model: row shapes as better-sqlite3 returns them, the named
 * parameters written for feeds, and JSON columns. Time normalization and item parameters are shared with the
 * other driver (../rows.ts); `isoUtc` is re-exported here for the SQLite modules that import it from this file.
 */
import type { Article, Enclosure, Feed, FeedState, StoredItem } from '../../model.js';
import type { ItemArticle } from '../store.js';
import { unpackArticle } from './packed.js';

export { isoUtc } from '../rows.js';

/** The columns of a FeedRow (`f` is the feeds table): its state, and its items counted. */
export const FEED_COLUMNS = `f.name, f.url, f.enabled, f.etag, f.last_modified, f.last_status,
  f.last_error, f.error_count, f.last_fetched_at, f.next_due_at, f.moved_to, f.failing_since, f.declared_feeds,
  (SELECT count(*) FROM items i WHERE i.feed_name = f.name) AS item_count`;

export interface FeedRow {
  name: string;
  url: string;
  enabled: number;
  etag: string | null;
  last_modified: string | null;
  last_status: number | null;
  last_error: string | null;
  error_count: number;
  last_fetched_at: string | null;
  next_due_at: string | null;
  moved_to: string | null;
  declared_feeds: string | null;
  failing_since: string | null;
  item_count: number;
}

export interface ItemRow {
  id: number;
  feed_name: string;
  guid: string;
  link: string | null;
  title: string | null;
  description: string | null;
  author: string | null;
  published_at: string | null;
  categories: string;
  enclosures: string;
  extra: string;
  first_seen_at: string;
  article_state: StoredItem['articleState'];
  article_attempts: number;
  article_error: string | null;
  next_article_attempt_at: string | null;
  article_url: string | null;
  article_fetched_at: string | null;
  article: string | null;
}

export function toFeedState(row: FeedRow): FeedState {
  return {
    name: row.name,
    url: row.url,
    enabled: row.enabled === 1,
    etag: row.etag,
    lastModified: row.last_modified,
    lastStatus: row.last_status,
    lastError: row.last_error,
    errorCount: row.error_count,
    lastFetchedAt: row.last_fetched_at,
    nextDueAt: row.next_due_at,
    movedTo: row.moved_to,
    failingSince: row.failing_since,
    declaredFeeds: row.declared_feeds === null ? [] : (JSON.parse(row.declared_feeds) as string[]),
    itemCount: row.item_count,
  };
}

export function toStoredItem(row: ItemRow): StoredItem {
  return {
    id: row.id,
    feedName: row.feed_name,
    guid: row.guid,
    link: row.link,
    title: row.title,
    description: row.description,
    author: row.author,
    publishedAt: row.published_at,
    categories: JSON.parse(row.categories) as string[],
    enclosures: JSON.parse(row.enclosures) as Enclosure[],
    extra: JSON.parse(row.extra) as Record<string, string | string[]>,
    firstSeenAt: row.first_seen_at,
    articleState: row.article_state,
    articleAttempts: row.article_attempts,
    articleError: row.article_error,
  };
}

/** An item's saved article: its own JSON (no sighting), or the packed revision its sighting names. */
export type ItemArticleRow = Pick<ItemRow, 'id' | 'article' | 'article_url' | 'article_fetched_at'> & { packed: Buffer | null };

/** The saved article of an item row, or null when it has none. */
export function toItemArticle(row: ItemArticleRow): ItemArticle | null {
  if (row.article === null && row.packed === null) return null;
  return {
    itemId: row.id,
    article: row.article !== null ? (JSON.parse(row.article) as Article) : unpackArticle(row.packed!),
    finalUrl: row.article_url ?? '',
    fetchedAt: row.article_fetched_at ?? '',
  };
}

export function feedParams(feed: Feed) {
  return {
    name: feed.name,
    url: feed.url,
    intervalMs: feed.intervalMs,
    enabled: feed.enabled ? 1 : 0,
    tags: JSON.stringify(feed.tags ?? []),
  };
}

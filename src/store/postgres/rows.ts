/**
 * Conversions between PostgreSQL rows and the model. pg returns bigint and count(*) as strings, timestamptz
 * as Date and jsonb already parsed; these turn them into the model's numbers, ISO 8601 UTC strings and plain
 * values. Going in, every string is cleaned of what PostgreSQL cannot store (NUL characters in text and
 * jsonb, lone UTF-16 surrogates in jsonb), so one odd item cannot block a feed's polls forever.
 */
import type { Article, Enclosure, FeedState, StoredItem } from '../../model.js';
import type { ItemArticle } from '../store.js';

/** The columns of a FeedRow (`f` is the feeds table): its state, and its items counted. */
export const FEED_COLUMNS = `f.name, f.url, f.enabled, f.etag, f.last_modified, f.last_status, f.last_error, f.error_count,
  f.last_fetched_at, f.next_due_at, f.moved_to, f.failing_since, f.declared_feeds,
  (SELECT count(*) FROM items i WHERE i.feed_name = f.name) AS item_count`;

export interface FeedRow {
  name: string;
  url: string;
  enabled: boolean;
  etag: string | null;
  last_modified: string | null;
  last_status: number | null;
  last_error: string | null;
  error_count: number;
  last_fetched_at: Date | null;
  next_due_at: Date | null;
  moved_to: string | null;
  declared_feeds: string[] | null;
  failing_since: Date | null;
  item_count: string | number;
}

export interface ItemRow {
  id: string | number;
  feed_name: string;
  guid: string;
  link: string | null;
  title: string | null;
  description: string | null;
  author: string | null;
  published_at: string | null;
  categories: string[];
  enclosures: Enclosure[];
  extra: Record<string, string | string[]>;
  first_seen_at: Date;
  article_state: StoredItem['articleState'];
  article_attempts: number;
  article_error: string | null;
}

export interface ArticleRow {
  id: string | number;
  article: Article | null;
  article_url: string | null;
  article_fetched_at: Date | null;
}

/** Item columns returned to the pipeline (the article is read only by getArticle). */
export const ITEM_COLUMNS = `id, feed_name, guid, link, title, description, author, published_at, categories, enclosures,
  extra, first_seen_at, article_state, article_attempts, article_error`;

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function toFeedState(row: FeedRow): FeedState {
  return {
    name: row.name,
    url: row.url,
    enabled: row.enabled,
    etag: row.etag,
    lastModified: row.last_modified,
    lastStatus: row.last_status,
    lastError: row.last_error,
    errorCount: row.error_count,
    lastFetchedAt: iso(row.last_fetched_at),
    nextDueAt: iso(row.next_due_at),
    movedTo: row.moved_to,
    failingSince: iso(row.failing_since),
    declaredFeeds: row.declared_feeds ?? [],
    itemCount: Number(row.item_count),
  };
}

export function toStoredItem(row: ItemRow): StoredItem {
  return {
    id: Number(row.id),
    feedName: row.feed_name,
    guid: row.guid,
    link: row.link,
    title: row.title,
    description: row.description,
    author: row.author,
    publishedAt: row.published_at,
    categories: row.categories,
    enclosures: row.enclosures,
    extra: row.extra,
    firstSeenAt: row.first_seen_at.toISOString(),
    articleState: row.article_state,
    articleAttempts: row.article_attempts,
    articleError: row.article_error,
  };
}

/** The saved article of an item row, or null when it has none. */
export function toItemArticle(row: ArticleRow): ItemArticle | null {
  if (row.article === null) return null;
  return {
    itemId: Number(row.id),
    article: row.article,
    finalUrl: row.article_url ?? '',
    fetchedAt: iso(row.article_fetched_at) ?? '',
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` without NUL characters and with lone surrogates replaced by U+FFFD; null stays null. */
export function cleanText<T extends string | null>(s: T): T {
  if (s === null) return s;
  return s.replace(/\0/g, '').replace(LONE_SURROGATE, '\uFFFD') as T;
}

/** JSON text for a jsonb parameter, every string in it (keys too) cleaned as by `cleanText`. */
export function jsonParam(value: unknown): string {
  return cleanJsonText(JSON.stringify(value));
}

/**
 * `text` (JSON) cleaned as by `cleanText`. JSON.stringify writes NUL and lone surrogates as \u escapes, so
 * text without such an escape is returned as is; the rare rest is parsed and written again.
 */
export function cleanJsonText(text: string): string {
  if (!/\\u(?:0000|d[89a-f])/i.test(text)) return text;
  return JSON.stringify(JSON.parse(text), function (_key, v: unknown) {
    if (typeof v === 'string') return cleanText(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[cleanText(k)] = inner;
      return out;
    }
    return v;
  });
}

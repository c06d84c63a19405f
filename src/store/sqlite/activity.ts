/** The ActivityStore's queries on SQLite (../activity.ts): every feed's state and activity in one query, items per hour. */
import type BetterSqlite3 from 'better-sqlite3';
import type { FeedOverview, HourCount } from '../activity.js';
import { FEED_COLUMNS } from './rows.js';

/**
 * The feeds table read whole (no ORDER BY: a scan of the table, not of the name index and back), each feed with its
 * newest item and its article pages in trouble. Those are few: one pass over the partial index items_page_trouble
 * (0009, whose condition the WHERE repeats so that SQLite sees it applies) counts them per feed, and the error is the
 * newest one's (with a single max() SQLite takes a bare column from the row that has the max).
 */
export const FEED_OVERVIEW = `SELECT ${FEED_COLUMNS},
    (SELECT max(i.first_seen_at) FROM items i WHERE i.feed_name = f.name) AS last_item_at,
    coalesce(t.failed, 0) AS pages_failed, coalesce(t.retrying, 0) AS pages_retrying, t.last_page_error
  FROM feeds f LEFT JOIN (
    SELECT feed_name, sum(article_state = 'failed') AS failed, sum(article_state = 'pending') AS retrying,
      max(id) AS newest, article_error AS last_page_error
    FROM items WHERE article_state <> 'done' AND article_attempts > 0 GROUP BY feed_name
  ) t ON t.feed_name = f.name`;

/**
 * FEED_OVERVIEW as one JSON text, each feed an array of the columns in OverviewRow order. better-sqlite3 makes a JS
 * object per row and a string per cell through the V8 API, which with 10,000 feeds costs more than the query itself;
 * SQLite writing the JSON and one JSON.parse cost about a third of that conversion. declared_feeds is JSON already
 * (its CHECK says so) and goes in as an array.
 */
export const FEED_OVERVIEW_JSON = `SELECT json_group_array(json_array(name, url, enabled, etag, last_modified, last_status, last_error,
    error_count, last_fetched_at, next_due_at, moved_to, failing_since, json(declared_feeds), item_count,
    last_item_at, pages_failed, pages_retrying, last_page_error))
  FROM (${FEED_OVERVIEW})`;

/** One feed of FEED_OVERVIEW_JSON. */
type OverviewRow = [
  name: string,
  url: string,
  enabled: number,
  etag: string | null,
  lastModified: string | null,
  lastStatus: number | null,
  lastError: string | null,
  errorCount: number,
  lastFetchedAt: string | null,
  nextDueAt: string | null,
  movedTo: string | null,
  failingSince: string | null,
  declaredFeeds: string[] | null,
  itemCount: number,
  lastItemAt: string | null,
  pagesFailed: number,
  pagesRetrying: number,
  lastPageError: string | null,
];

/** FEED_OVERVIEW on a connection: the store's, or a read-only one (./read-only.ts). */
export function feedOverview(db: BetterSqlite3.Database): FeedOverview[] {
  return overviewOf(db.prepare<[], string>(FEED_OVERVIEW_JSON).pluck().get());
}

function overviewOf(json: string | undefined): FeedOverview[] {
  return (JSON.parse(json ?? '[]') as OverviewRow[]).map((r) => ({
    state: {
      name: r[0],
      url: r[1],
      enabled: r[2] === 1,
      etag: r[3],
      lastModified: r[4],
      lastStatus: r[5],
      lastError: r[6],
      errorCount: r[7],
      lastFetchedAt: r[8],
      nextDueAt: r[9],
      movedTo: r[10],
      failingSince: r[11],
      declaredFeeds: r[12] ?? [],
      itemCount: r[13],
    },
    activity: { feed: r[0], lastItemAt: r[14], pagesFailed: r[15], pagesRetrying: r[16], lastPageError: r[17] },
  }));
}

export class SqliteActivity {
  private readonly overview: BetterSqlite3.Statement<[], string>;
  private readonly hours: BetterSqlite3.Statement<[string, string], HourCount>;

  constructor(db: BetterSqlite3.Database) {
    this.overview = db.prepare<[], string>(FEED_OVERVIEW_JSON).pluck();
    this.hours = db.prepare(`SELECT substr(first_seen_at, 1, 13) || ':00:00.000Z' AS hour, count(*) AS items
      FROM items WHERE first_seen_at >= ? AND first_seen_at < ? GROUP BY 1 ORDER BY 1`);
  }

  feedOverview(): FeedOverview[] {
    return overviewOf(this.overview.get());
  }

  itemsPerHour(since: string, until: string): HourCount[] {
    return this.hours.all(since, until);
  }
}

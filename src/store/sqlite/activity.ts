/** The ActivityStore's queries on SQLite (../activity.ts): every feed's state and activity in one query, items per hour. */
import type BetterSqlite3 from 'better-sqlite3';
import type { FeedOverview, HourCount } from '../activity.js';
import { FEED_COLUMNS, toFeedState, type FeedRow } from './rows.js';

interface OverviewRow extends FeedRow {
  last_item_at: string | null;
  pages_failed: number;
  pages_retrying: number;
  last_page_error: string | null;
}

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

/** FEED_OVERVIEW on a connection: the store's, or a read-only one (./read-only.ts). */
export function feedOverview(db: BetterSqlite3.Database): FeedOverview[] {
  return (db.prepare(FEED_OVERVIEW).all() as OverviewRow[]).map(toOverview);
}

function toOverview(r: OverviewRow): FeedOverview {
  return {
    state: toFeedState(r),
    activity: { feed: r.name, lastItemAt: r.last_item_at, pagesFailed: r.pages_failed, pagesRetrying: r.pages_retrying, lastPageError: r.last_page_error },
  };
}

export class SqliteActivity {
  private readonly overview: BetterSqlite3.Statement<[], OverviewRow>;
  private readonly hours: BetterSqlite3.Statement<[string, string], HourCount>;

  constructor(db: BetterSqlite3.Database) {
    this.overview = db.prepare(FEED_OVERVIEW);
    this.hours = db.prepare(`SELECT substr(first_seen_at, 1, 13) || ':00:00.000Z' AS hour, count(*) AS items
      FROM items WHERE first_seen_at >= ? AND first_seen_at < ? GROUP BY 1 ORDER BY 1`);
  }

  feedOverview(): FeedOverview[] {
    return this.overview.all().map(toOverview);
  }

  itemsPerHour(since: string, until: string): HourCount[] {
    return this.hours.all(since, until);
  }
}

/** The ActivityStore's queries on SQLite (../activity.ts): per-feed item and page activity, items per hour. */
import type BetterSqlite3 from 'better-sqlite3';
import type { FeedActivity, HourCount } from '../activity.js';

interface ActivityRow {
  feed: string;
  last_item_at: string | null;
  pages_failed: number;
  pages_retrying: number;
  last_page_error: string | null;
}

// Each condition repeats the partial index's own (items_page_trouble, 0009), so that SQLite sees it applies.
const TROUBLE = `i.feed_name = f.name AND i.article_state <> 'done' AND i.article_attempts > 0`;

export class SqliteActivity {
  private readonly activity: BetterSqlite3.Statement<[], ActivityRow>;
  private readonly hours: BetterSqlite3.Statement<[string, string], HourCount>;

  constructor(db: BetterSqlite3.Database) {
    this.activity = db.prepare(`SELECT f.name AS feed,
        (SELECT max(i.first_seen_at) FROM items i WHERE i.feed_name = f.name) AS last_item_at,
        (SELECT count(*) FROM items i WHERE ${TROUBLE} AND i.article_state = 'failed') AS pages_failed,
        (SELECT count(*) FROM items i WHERE ${TROUBLE} AND i.article_state = 'pending') AS pages_retrying,
        (SELECT i.article_error FROM items i WHERE ${TROUBLE} ORDER BY i.id DESC LIMIT 1) AS last_page_error
      FROM feeds f ORDER BY f.name`);
    this.hours = db.prepare(`SELECT substr(first_seen_at, 1, 13) || ':00:00.000Z' AS hour, count(*) AS items
      FROM items WHERE first_seen_at >= ? AND first_seen_at < ? GROUP BY 1 ORDER BY 1`);
  }

  feedActivity(): FeedActivity[] {
    return this.activity.all().map((r) => ({
      feed: r.feed,
      lastItemAt: r.last_item_at,
      pagesFailed: r.pages_failed,
      pagesRetrying: r.pages_retrying,
      lastPageError: r.last_page_error,
    }));
  }

  itemsPerHour(since: string, until: string): HourCount[] {
    return this.hours.all(since, until);
  }
}

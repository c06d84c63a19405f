/** The ActivityStore's queries on PostgreSQL (../activity.ts): every feed's state and activity in one query, items per hour. */
import type pg from 'pg';
import type { FeedOverview, HourCount } from '../activity.js';
import { FEED_COLUMNS, toFeedState, type FeedRow } from './rows.js';

interface OverviewRow extends FeedRow {
  last_item_at: Date | null;
  pages_failed: string;
  pages_retrying: string;
  last_page_error: string | null;
}

const TROUBLE = `i.feed_name = f.name AND i.article_state <> 'done' AND i.article_attempts > 0`;

const OVERVIEW = `SELECT ${FEED_COLUMNS},
    (SELECT max(i.first_seen_at) FROM items i WHERE i.feed_name = f.name) AS last_item_at,
    (SELECT count(*) FROM items i WHERE ${TROUBLE} AND i.article_state = 'failed') AS pages_failed,
    (SELECT count(*) FROM items i WHERE ${TROUBLE} AND i.article_state = 'pending') AS pages_retrying,
    (SELECT i.article_error FROM items i WHERE ${TROUBLE} ORDER BY i.id DESC LIMIT 1) AS last_page_error
  FROM feeds f`;

const HOURS = `SELECT to_char(date_trunc('hour', first_seen_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24":00:00.000Z"') AS hour, count(*) AS items
  FROM items WHERE first_seen_at >= $1 AND first_seen_at < $2 GROUP BY 1 ORDER BY 1`;

export class PostgresActivity {
  constructor(private readonly pool: pg.Pool) {}

  async feedOverview(): Promise<FeedOverview[]> {
    const { rows } = await this.pool.query<OverviewRow>(OVERVIEW);
    return rows.map((r) => ({
      state: toFeedState(r),
      activity: {
        feed: r.name,
        lastItemAt: r.last_item_at?.toISOString() ?? null,
        pagesFailed: Number(r.pages_failed),
        pagesRetrying: Number(r.pages_retrying),
        lastPageError: r.last_page_error,
      },
    }));
  }

  async itemsPerHour(since: string, until: string): Promise<HourCount[]> {
    const { rows } = await this.pool.query<{ hour: string; items: string }>(HOURS, [since, until]);
    return rows.map((r) => ({ hour: r.hour, items: Number(r.items) }));
  }
}

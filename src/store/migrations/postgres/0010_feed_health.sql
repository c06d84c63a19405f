-- 0010_feed_health: what feed health alerts need; the same meaning as migrations/sqlite/0010_feed_health.sql.
-- The runner wraps this file in a transaction under an advisory lock.
ALTER TABLE feeds ADD COLUMN failing_since timestamptz;
UPDATE feeds SET failing_since = last_fetched_at WHERE error_count > 0;

CREATE TABLE feed_health (
  feed_name   text COLLATE "C" NOT NULL PRIMARY KEY,
  alerted     text NOT NULL CHECK (alerted IN ('ok', 'stale', 'failing')),
  changed_at  timestamptz NOT NULL,
  transitions integer NOT NULL CHECK (transitions > 0)
);

-- 0010_feed_health: what feed health alerts need (src/pipeline/health-stage.ts).
--  feeds.failing_since  when the feed's current run of failed polls began (the first failed poll's start); NULL
--                       while its last poll succeeded. Feeds failing now are taken to have failed since their
--                       last poll.
--  feed_health          per feed, the health last alerted ('stale' or 'failing'; 'ok' after a recovery; no row:
--                       never alerted, 'ok'), when, and how many transitions were alerted. A process that sees a
--                       change claims it with UPDATE ... WHERE alerted = <what it read> (or an INSERT that
--                       conflicts): only the one that changed the row queues the alert, in the same transaction.
ALTER TABLE feeds ADD COLUMN failing_since TEXT;
UPDATE feeds SET failing_since = last_fetched_at WHERE error_count > 0;

CREATE TABLE feed_health (
  feed_name   TEXT NOT NULL PRIMARY KEY,
  alerted     TEXT NOT NULL CHECK (alerted IN ('ok', 'stale', 'failing')),
  changed_at  TEXT NOT NULL,
  transitions INTEGER NOT NULL CHECK (transitions > 0)
) STRICT;

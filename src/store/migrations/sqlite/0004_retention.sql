-- 0004_retention: what `retention: { days: N }` needs to remove old rows in small batches without scanning
-- (src/store/sqlite/retention.ts; the rules are in src/store/retention.ts).
--  story_clusters  one row per story cluster with the time it was last seen: the latest seen_at of the sightings
--                  of its articles (a sighting's seen_at is when the feed first listed the item). Kept by the
--                  trigger below, so retention finds expired stories with one index range instead of walking the
--                  cluster of every old article; a story seen again recently keeps all its articles, however old
--                  the first one is. Every stored article comes with its sighting in the same transaction, so every
--                  article's cluster has a row here.
-- Partial indexes for the other kinds retention removes: items left without an article, finished deliveries, and
-- matches by age. Times are ISO 8601 UTC text with milliseconds, as in 0001. The runner wraps this file in a
-- transaction.

CREATE TABLE story_clusters (
  cluster_id   INTEGER NOT NULL PRIMARY KEY,
  last_seen_at TEXT NOT NULL
) STRICT;

CREATE INDEX story_clusters_last_seen ON story_clusters (last_seen_at, cluster_id);

-- Stories already stored: the latest of their sightings (or of their articles' first-seen times).
INSERT INTO story_clusters (cluster_id, last_seen_at)
  SELECT cluster_id, max(t) FROM (
    SELECT a.cluster_id, a.first_seen_at AS t FROM articles a
    UNION ALL
    SELECT a.cluster_id, s.seen_at FROM sightings s JOIN articles a ON a.id = s.article_id)
  GROUP BY cluster_id;

-- A sighting moves its story's last-seen time forward (never back: an old item stored late is an old sighting).
CREATE TRIGGER sightings_story_seen AFTER INSERT ON sightings
BEGIN
  INSERT INTO story_clusters (cluster_id, last_seen_at)
    SELECT cluster_id, NEW.seen_at FROM articles WHERE id = NEW.article_id
    ON CONFLICT (cluster_id) DO UPDATE SET last_seen_at = excluded.last_seen_at
      WHERE excluded.last_seen_at > story_clusters.last_seen_at;
END;

-- Items with no article (never stored, page failed, or their story removed), oldest first.
CREATE INDEX items_retention ON items (first_seen_at, id) WHERE article_id IS NULL;
-- Delivered and failed deliveries, by the time they reached that state.
CREATE INDEX alert_deliveries_finished ON alert_deliveries (updated_at, id) WHERE status <> 'pending';
-- Matches by age.
CREATE INDEX alert_matches_matched ON alert_matches (matched_at);

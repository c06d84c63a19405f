-- 0004_retention: what `retention: { days: N }` needs to remove old rows in small batches without scanning; the
-- same tables and meaning as migrations/sqlite/0004_retention.sql, in PostgreSQL types
-- (src/store/postgres/retention.ts; the rules are in src/store/retention.ts).
--  story_clusters  one row per story cluster with the time it was last seen (the latest seen_at of its articles'
--                  sightings), kept by a trigger on sightings. The row is also the story's lock: retention takes it
--                  FOR UPDATE SKIP LOCKED (re-checking its time) before removing the story's articles, and a
--                  sighting being added takes it in its trigger. A story seen again at that very moment is either
--                  kept whole (retention skips the row the sighting holds) or removed first, and then the store of
--                  the new sighting fails (a deadlock, which storeArticle retries, or a foreign-key error, which the
--                  pipeline retries as a failed page) and is decided again on what is left.
-- The trigger function resolves table names in the schema it was created in (SET search_path FROM CURRENT).
-- The runner wraps this file in a transaction under an advisory lock: no BEGIN/COMMIT here.

CREATE TABLE story_clusters (
  cluster_id   bigint PRIMARY KEY,
  last_seen_at timestamptz NOT NULL
);

CREATE INDEX story_clusters_last_seen ON story_clusters (last_seen_at, cluster_id);

INSERT INTO story_clusters (cluster_id, last_seen_at)
  SELECT cluster_id, max(t) FROM (
    SELECT a.cluster_id, a.first_seen_at AS t FROM articles a
    UNION ALL
    SELECT a.cluster_id, s.seen_at FROM sightings s JOIN articles a ON a.id = s.article_id) AS seen
  GROUP BY cluster_id;

CREATE FUNCTION sightings_story_seen() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO story_clusters AS c (cluster_id, last_seen_at)
    SELECT a.cluster_id, NEW.seen_at FROM articles a WHERE a.id = NEW.article_id
    ON CONFLICT (cluster_id) DO UPDATE SET last_seen_at = excluded.last_seen_at
      WHERE excluded.last_seen_at > c.last_seen_at;
  RETURN NULL;
END $$;

CREATE TRIGGER sightings_story_seen AFTER INSERT ON sightings FOR EACH ROW EXECUTE FUNCTION sightings_story_seen();

CREATE INDEX items_retention ON items (first_seen_at, id) WHERE article_id IS NULL;
CREATE INDEX alert_deliveries_finished ON alert_deliveries (updated_at, id) WHERE status <> 'pending';
CREATE INDEX alert_matches_matched ON alert_matches (matched_at);

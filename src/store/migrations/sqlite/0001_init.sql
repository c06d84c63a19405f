-- 0001_init: feeds with their fetch state, and items keyed by (feed, guid) with the state of their article page.
-- Times are ISO 8601 UTC text with milliseconds ("2026-01-01T00:00:00.000Z"), so that text order is time order;
-- published_at is kept as the feed gave it (with its offset). JSON columns hold arrays/objects as text.
-- The runner wraps this file in a transaction: no BEGIN/COMMIT here.

CREATE TABLE feeds (
  name            TEXT NOT NULL PRIMARY KEY,
  url             TEXT NOT NULL,
  interval_ms     INTEGER NOT NULL CHECK (interval_ms > 0),
  -- 0 when disabled in the config or removed from it (feeds are never deleted: their items stay).
  enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  tags            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  etag            TEXT,
  last_modified   TEXT,
  last_status     INTEGER,
  last_error      TEXT,
  error_count     INTEGER NOT NULL DEFAULT 0 CHECK (error_count >= 0),
  last_fetched_at TEXT,
  next_due_at     TEXT,
  moved_to        TEXT
) STRICT;

-- AUTOINCREMENT: an id never comes back after its row is deleted (retention), since ids travel in queue jobs.
CREATE TABLE items (
  id                      INTEGER PRIMARY KEY AUTOINCREMENT,
  feed_name               TEXT NOT NULL REFERENCES feeds (name) ON UPDATE CASCADE,
  guid                    TEXT NOT NULL CHECK (guid <> ''),
  link                    TEXT,
  title                   TEXT,
  description             TEXT,
  author                  TEXT,
  published_at            TEXT,
  categories              TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
  enclosures              TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(enclosures)),
  extra                   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra)),
  first_seen_at           TEXT NOT NULL,
  -- The article page: 'pending' (to fetch, or to retry at next_article_attempt_at), 'done', 'failed' (gave up).
  article_state           TEXT NOT NULL DEFAULT 'pending' CHECK (article_state IN ('pending', 'done', 'failed')),
  article_attempts        INTEGER NOT NULL DEFAULT 0 CHECK (article_attempts >= 0),
  article_error           TEXT,
  -- Set to first_seen_at on insert, so every pending item has a due time; NULL once done or failed.
  next_article_attempt_at TEXT,
  -- Final URL of the fetched page (after redirects) and when it was fetched: the keys dedup will canonicalize.
  article_url             TEXT,
  article_fetched_at      TEXT,
  -- The extracted Article as JSON. Deduplication will move article texts into their own table (one row per
  -- distinct text, with story clusters and sightings) and point items at it.
  article                 TEXT CHECK (article IS NULL OR json_valid(article)),
  UNIQUE (feed_name, guid)
) STRICT;

-- pendingArticles: due pending items, oldest due first. Partial, so done/failed items cost nothing here.
CREATE INDEX items_article_due ON items (next_article_attempt_at, id) WHERE article_state = 'pending';

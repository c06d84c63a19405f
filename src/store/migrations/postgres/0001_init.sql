-- 0001_init: feeds with their fetch state, and items keyed by (feed, guid) with the state of their article page.
-- The same schema and meaning as migrations/sqlite/0001_init.sql, in PostgreSQL types: times are timestamptz
-- (instants; the store reads and writes them as ISO 8601 UTC), except published_at, kept as the feed gave it
-- (text with its offset), and last_modified, an HTTP header value. JSON columns are jsonb.
-- Names use COLLATE "C" so that ORDER BY name is code point order, as in SQLite.
-- The runner wraps this file in a transaction under an advisory lock: no BEGIN/COMMIT here.

CREATE TABLE feeds (
  name            text COLLATE "C" NOT NULL PRIMARY KEY,
  url             text NOT NULL,
  interval_ms     bigint NOT NULL CHECK (interval_ms > 0),
  -- false when disabled in the config or removed from it (feeds are never deleted: their items stay).
  enabled         boolean NOT NULL DEFAULT true,
  tags            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
  etag            text,
  last_modified   text,
  last_status     integer,
  last_error      text,
  error_count     integer NOT NULL DEFAULT 0 CHECK (error_count >= 0),
  last_fetched_at timestamptz,
  next_due_at     timestamptz,
  moved_to        text
);

-- An identity column: an id never comes back after its row is deleted (retention), since ids travel in queue jobs.
CREATE TABLE items (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feed_name               text COLLATE "C" NOT NULL REFERENCES feeds (name) ON UPDATE CASCADE,
  guid                    text COLLATE "C" NOT NULL CHECK (guid <> ''),
  link                    text,
  title                   text,
  description             text,
  author                  text,
  published_at            text,
  categories              jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(categories) = 'array'),
  enclosures              jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(enclosures) = 'array'),
  extra                   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(extra) = 'object'),
  first_seen_at           timestamptz NOT NULL,
  -- The article page: 'pending' (to fetch, or to retry at next_article_attempt_at), 'done', 'failed' (gave up).
  article_state           text NOT NULL DEFAULT 'pending' CHECK (article_state IN ('pending', 'done', 'failed')),
  article_attempts        integer NOT NULL DEFAULT 0 CHECK (article_attempts >= 0),
  article_error           text,
  -- Set to first_seen_at on insert, so every pending item has a due time; NULL once done or failed.
  -- pendingArticles with a lease moves it forward while a worker holds the item.
  next_article_attempt_at timestamptz,
  -- Final URL of the fetched page (after redirects) and when it was fetched.
  article_url             text,
  article_fetched_at      timestamptz,
  -- The extracted Article.
  article                 jsonb CHECK (article IS NULL OR jsonb_typeof(article) = 'object'),
  UNIQUE (feed_name, guid)
);

-- pendingArticles: due pending items, oldest due first. Partial, so done/failed items cost nothing here.
CREATE INDEX items_article_due ON items (next_article_attempt_at, id) WHERE article_state = 'pending';

-- 0002_dedup: deduplicated article storage. One row per distinct article text (its current revision's normalized
-- text hash is unique), grouped in story clusters; every revision of an article kept; the MinHash LSH band index
-- for near-duplicate lookups; one sighting per feed item (which feed carried the story, at which URL, when); and
-- items pointing at their article. Written by src/store/sqlite/articles.ts; see src/store/articles.ts.
-- Times are ISO 8601 UTC text with milliseconds, as in 0001. The runner wraps this file in a transaction.

-- AUTOINCREMENT: ids travel in queue jobs and CLI arguments, so a deleted article's id never comes back.
CREATE TABLE articles (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  -- The story cluster: the id of the cluster's first article (a new story's article is its own cluster). No foreign
  -- key: the cluster keeps its number when retention deletes that first article.
  cluster_id    INTEGER NOT NULL,
  -- Identity key (dedup/canonical-url.ts) of the URL the article was first stored under; revisions keep it.
  canonical_url TEXT NOT NULL UNIQUE,
  -- The current revision: sha256 hex of the normalized text, MinHash signature (hex; NULL for texts too short to
  -- fingerprint), word count, title.
  text_hash     TEXT NOT NULL UNIQUE,
  minhash       TEXT,
  token_count   INTEGER NOT NULL CHECK (token_count >= 0),
  title         TEXT,
  revision      INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
  -- When the feed first listed the item that brought the article; when its latest revision was stored.
  first_seen_at TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;

-- story(): the articles of a cluster.
CREATE INDEX articles_cluster ON articles (cluster_id, id);

-- Every text an article has had; revision 1 is the text it was first stored with.
CREATE TABLE article_revisions (
  article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  revision    INTEGER NOT NULL CHECK (revision >= 1),
  text_hash   TEXT NOT NULL,
  minhash     TEXT,
  token_count INTEGER NOT NULL CHECK (token_count >= 0),
  -- The item whose page carried this text, and the page's URL as fetched.
  item_id     INTEGER REFERENCES items (id) ON DELETE SET NULL,
  url         TEXT NOT NULL,
  -- The extracted Article (model.ts) as JSON.
  article     TEXT NOT NULL CHECK (json_valid(article)),
  created_at  TEXT NOT NULL,
  PRIMARY KEY (article_id, revision)
) STRICT;

-- The ON DELETE SET NULL of items (retention).
CREATE INDEX article_revisions_item ON article_revisions (item_id) WHERE item_id IS NOT NULL;

-- The LSH band index of the current revisions (dedup/bands.ts): 32 rows per fingerprinted article, clustered on
-- the lookup key, so a near-duplicate lookup is one primary-key probe per band, however many articles are stored.
CREATE TABLE article_band (
  band_no    INTEGER NOT NULL CHECK (band_no >= 0),
  band_value INTEGER NOT NULL CHECK (band_value BETWEEN 0 AND 4294967295),
  article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  PRIMARY KEY (band_no, band_value, article_id)
) STRICT, WITHOUT ROWID;

-- Replacing an article's bands on revision, and the cascade when an article is deleted.
CREATE INDEX article_band_article ON article_band (article_id);

-- Provenance: one row per feed item whose page carried an article (unique item_id: a retried job adds nothing).
CREATE TABLE sightings (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  item_id       INTEGER NOT NULL UNIQUE REFERENCES items (id) ON DELETE CASCADE,
  article_id    INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  feed_name     TEXT NOT NULL,
  -- The page's URL as fetched (after redirects), and its identity key.
  url           TEXT NOT NULL,
  canonical_url TEXT NOT NULL,
  -- The article's revision this page carried, and how dedup classified it (dedup/types.ts DedupDecision kind).
  revision      INTEGER NOT NULL CHECK (revision >= 1),
  decision      TEXT NOT NULL CHECK (decision IN ('new', 'near-duplicate', 'revision', 'duplicate-guid', 'duplicate-url', 'duplicate-text')),
  -- Estimated Jaccard similarity to the matched article, for near duplicates.
  similarity    REAL,
  -- When the feed first listed the item; when the sighting was stored.
  seen_at       TEXT NOT NULL,
  stored_at     TEXT NOT NULL
) STRICT;

CREATE INDEX sightings_article ON sightings (article_id, seen_at);

-- Items point at the article their page carried (NULL until stored, or when the page gave no article).
ALTER TABLE items ADD COLUMN article_id INTEGER REFERENCES articles (id) ON DELETE SET NULL;
CREATE INDEX items_article ON items (article_id) WHERE article_id IS NOT NULL;

-- 0003_alerts: what keyword alerts and `feedwatch search` keep.
--  alert_docs       one row per stored article: its field texts and their analysis (tokens + lemma keys, JSON),
--                   made once when the article was stored (src/store/alerts.ts AlertDocRecord).
--  alert_fts        FTS5 over the lemma keys of each field (`lemmaText`), rowid = article_id. Contentless: the
--                   keys are not stored twice; search reads texts and analyses from alert_docs.
--  alert_matches    one row per (rule, story cluster): the primary key is what makes a republished story
--                   never alert twice (INSERT ... ON CONFLICT DO NOTHING).
--  alert_deliveries one row per (match, channel): status, attempts, last error, next due time, and the claim of
--                   the store instance sending it (claimed_by until claimed_until).
-- article_id has no foreign key yet: deduplication's articles table comes with its own migration; retention
-- deletes alert_docs rows with their articles.
-- Times are ISO 8601 UTC text with milliseconds, as in 0001.

CREATE TABLE alert_docs (
  article_id   INTEGER NOT NULL PRIMARY KEY,
  cluster_id   TEXT NOT NULL,
  feed         TEXT NOT NULL,
  url          TEXT,
  title        TEXT NOT NULL,
  lead         TEXT NOT NULL,
  body         TEXT NOT NULL,
  tags         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  published_at TEXT,
  -- Lemmatizer id of the analyses (e.g. "az+snowball/1"); search treats rows of another id as unindexed.
  analyzed_by  TEXT NOT NULL,
  -- {"title": AnalyzedText, "lead": ..., "body": ..., "feed": ..., "tag": ...}
  analysis     TEXT NOT NULL CHECK (json_valid(analysis)),
  stored_at    TEXT NOT NULL
) STRICT;

CREATE INDEX alert_docs_analyzed_by ON alert_docs (analyzed_by);

-- Keys are letters, digits and "_" ("_" keeps Snowball stem keys such as _зеленск whole); remove_diacritics 0
-- keeps й apart from и. The same tokenizer reads the quoted keys of the query (src/alerts/fts-query.ts).
CREATE VIRTUAL TABLE alert_fts USING fts5 (
  title, lead, body, feed, tags,
  content = '', contentless_delete = 1,
  tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);

CREATE TABLE alert_matches (
  rule       TEXT NOT NULL,
  cluster_id TEXT NOT NULL,
  -- The article that matched first (the one the alert is about).
  article_id INTEGER NOT NULL,
  matched_at TEXT NOT NULL,
  PRIMARY KEY (rule, cluster_id)
) STRICT;

CREATE TABLE alert_deliveries (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  rule          TEXT NOT NULL,
  cluster_id    TEXT NOT NULL,
  article_id    INTEGER NOT NULL,
  channel       TEXT NOT NULL,
  -- The AlertItem (title, lead, link, matched terms, highlights) as JSON: what the channel renders.
  item          TEXT NOT NULL CHECK (json_valid(item)),
  digest        INTEGER NOT NULL CHECK (digest IN (0, 1)),
  status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error    TEXT,
  -- When it is (next) due: the match time, the end of its digest window, or the time of the next retry.
  due_at        TEXT NOT NULL,
  claimed_by    TEXT,
  claimed_until TEXT,
  delivered_at  TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  UNIQUE (rule, cluster_id, channel),
  FOREIGN KEY (rule, cluster_id) REFERENCES alert_matches (rule, cluster_id)
) STRICT;

-- pending(): due pending deliveries, oldest due first. Partial, so the delivered history costs nothing here.
CREATE INDEX alert_deliveries_due ON alert_deliveries (due_at, id) WHERE status = 'pending';

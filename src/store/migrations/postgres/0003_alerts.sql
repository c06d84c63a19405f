-- 0003_alerts: what keyword alerts and `feedwatch search` keep; the same tables and meaning as
-- migrations/sqlite/0003_alerts.sql, in PostgreSQL types.
--  alert_docs.lexemes  the search index: a tsvector of the document's lemma keys, each prefixed with its field
--                      ("t:лавров", "b:_зеленск"; t title, l lead, b body, f feed, g tags), built with
--                      array_to_tsvector (no parser, no stemming) so that it holds exactly the keys SQLite's FTS5
--                      indexes. Not the built-in `russian` configuration: its Snowball stems disagree with the
--                      dictionary lemmas alerts match by (to_tsquery('russian', 'Лавров') is 'лавр', while
--                      to_tsvector('russian', 'Лаврова') is 'лавров'), so narrowing by it would hide articles that
--                      alerts match. NULL when a key is too long for a tsvector: such a row is always a candidate.
-- article_id has no foreign key yet: deduplication's articles table comes with its own migration.
-- The runner wraps this file in a transaction under an advisory lock: no BEGIN/COMMIT here.

CREATE TABLE alert_docs (
  article_id   bigint NOT NULL PRIMARY KEY,
  cluster_id   text COLLATE "C" NOT NULL,
  feed         text COLLATE "C" NOT NULL,
  url          text,
  title        text NOT NULL,
  lead         text NOT NULL,
  body         text NOT NULL,
  tags         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
  published_at text,
  analyzed_by  text COLLATE "C" NOT NULL,
  analysis     jsonb NOT NULL CHECK (jsonb_typeof(analysis) = 'object'),
  lexemes      tsvector,
  stored_at    timestamptz NOT NULL
);

CREATE INDEX alert_docs_lexemes ON alert_docs USING gin (lexemes);
CREATE INDEX alert_docs_analyzed_by ON alert_docs (analyzed_by);

CREATE TABLE alert_matches (
  rule       text COLLATE "C" NOT NULL,
  cluster_id text COLLATE "C" NOT NULL,
  article_id bigint NOT NULL,
  matched_at timestamptz NOT NULL,
  PRIMARY KEY (rule, cluster_id)
);

CREATE TABLE alert_deliveries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule          text COLLATE "C" NOT NULL,
  cluster_id    text COLLATE "C" NOT NULL,
  article_id    bigint NOT NULL,
  channel       text COLLATE "C" NOT NULL,
  item          jsonb NOT NULL CHECK (jsonb_typeof(item) = 'object'),
  digest        boolean NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error    text,
  due_at        timestamptz NOT NULL,
  claimed_by    text,
  claimed_until timestamptz,
  delivered_at  timestamptz,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  UNIQUE (rule, cluster_id, channel),
  FOREIGN KEY (rule, cluster_id) REFERENCES alert_matches (rule, cluster_id)
);

CREATE INDEX alert_deliveries_due ON alert_deliveries (due_at, id) WHERE status = 'pending';

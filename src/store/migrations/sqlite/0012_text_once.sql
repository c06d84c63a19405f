-- 0012_text_once: each article's text is stored once (src/store/sqlite/packed.ts). Before, an article's JSON was in
-- items.article and in article_revisions.article, its body a third time in alert_docs.body, and alert_docs.analysis
-- (tokens, offsets and keys of every field, about 3 times the body) made up 42-48 % of the file.
--  article_revisions.packed  the extracted Article's JSON, deflated: the one copy of each text (was `article`, JSON).
--  article_revisions.minhash NULL: a revision's signature was never read (the article's current one is in articles).
--  items.article             only for an item whose article was not stored (no sighting); an item with a sighting
--                            reads its text from the revision its sighting names (getArticle).
--  alert_docs                no analysis: matching and search analyse a document's fields when they need them
--                            (alertDocOf); `body` is NULL when it is the paragraphs of revision `body_revision` of
--                            the article (it is kept only when it is not: a feed entry, or a copy whose paragraphs
--                            differ); `analyzed_by` still names the lemmatizer the index keys were made with.
--  alert_fts                 rebuilt with detail = none (which rows hold a key, not where: 0.21 of the size of the
--                            full index on the dev corpus), from the stored analyses. It only narrows: a rule's
--                            words are looked for in every column (src/alerts/fts-query.ts) and matchRule decides.
-- feedwatch_pack and feedwatch_body are SQL functions the store registers on its connection (packed.ts). Space the
-- deleted rows leave is given back by the VACUUM the store runs once after this migration (auto_vacuum, see
-- src/store/sqlite/store.ts). The runner wraps this file in a transaction.

ALTER TABLE article_revisions ADD COLUMN packed BLOB NOT NULL DEFAULT x'';
UPDATE article_revisions SET packed = feedwatch_pack(article), minhash = NULL;
ALTER TABLE article_revisions DROP COLUMN article;

UPDATE items SET article = NULL WHERE article IS NOT NULL AND EXISTS (SELECT 1 FROM sightings s WHERE s.item_id = items.id);

CREATE VIRTUAL TABLE alert_fts_once USING fts5 (
  title, lead, body, feed, tags,
  content = '', contentless_delete = 1, detail = none,
  tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);
INSERT INTO alert_fts_once (rowid, title, lead, body, feed, tags)
  SELECT article_id,
    (SELECT group_concat(value, ' ') FROM json_each(analysis, '$.title.keys')),
    (SELECT group_concat(value, ' ') FROM json_each(analysis, '$.lead.keys')),
    (SELECT group_concat(value, ' ') FROM json_each(analysis, '$.body.keys')),
    (SELECT group_concat(value, ' ') FROM json_each(analysis, '$.feed.keys')),
    (SELECT group_concat(value, ' ') FROM json_each(analysis, '$.tag.keys'))
  FROM alert_docs;
DROP TABLE alert_fts;
ALTER TABLE alert_fts_once RENAME TO alert_fts;
INSERT INTO alert_fts (alert_fts, rank) VALUES ('automerge', 2);

CREATE TABLE alert_docs_once (
  article_id    INTEGER NOT NULL PRIMARY KEY,
  cluster_id    TEXT NOT NULL,
  feed          TEXT NOT NULL,
  url           TEXT,
  title         TEXT NOT NULL,
  lead          TEXT NOT NULL,
  -- NULL: the paragraphs of revision body_revision of article article_id, a blank line apart.
  body          TEXT,
  body_revision INTEGER CHECK (body_revision >= 1),
  tags          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  published_at  TEXT,
  analyzed_by   TEXT NOT NULL,
  stored_at     TEXT NOT NULL,
  CHECK ((body IS NULL) = (body_revision IS NOT NULL))
) STRICT;

WITH cur AS (
  SELECT d.*, a.revision AS rev,
    (SELECT feedwatch_body(r.packed) FROM article_revisions r WHERE r.article_id = a.id AND r.revision = a.revision) AS rbody
  FROM alert_docs d LEFT JOIN articles a ON a.id = d.article_id)
INSERT INTO alert_docs_once (article_id, cluster_id, feed, url, title, lead, body, body_revision, tags, published_at, analyzed_by, stored_at)
  SELECT article_id, cluster_id, feed, url, title, lead,
    CASE WHEN rbody IS NOT NULL AND rbody = body THEN NULL ELSE body END,
    CASE WHEN rbody IS NOT NULL AND rbody = body THEN rev END,
    tags, published_at, analyzed_by, stored_at
  FROM cur;
DROP TABLE alert_docs;
ALTER TABLE alert_docs_once RENAME TO alert_docs;
CREATE INDEX alert_docs_analyzed_by ON alert_docs (analyzed_by);

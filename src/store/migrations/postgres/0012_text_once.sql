-- 0012_text_once: each article's text is stored once; the same meaning as migrations/sqlite/0012_text_once.sql.
--  article_revisions.article  the one copy of each text (jsonb: PostgreSQL compresses it, TOAST, past 2 KB).
--  items.article              only for an item whose article was not stored (no sighting); an item with a sighting
--                             reads its text from the revision its sighting names (getArticle).
--  alert_docs                 no analysis (matching and search analyse fields when they need them); `body` NULL when
--                             it is the paragraphs of revision `body_revision` of the article, kept otherwise.
-- Space of the old values is reused by later rows after (auto)vacuum; VACUUM FULL gives it back to the disk.
-- The runner wraps this file in a transaction under an advisory lock: no BEGIN/COMMIT here.

UPDATE items SET article = NULL WHERE article IS NOT NULL AND EXISTS (SELECT 1 FROM sightings s WHERE s.item_id = items.id);

ALTER TABLE alert_docs DROP COLUMN analysis;
ALTER TABLE alert_docs ALTER COLUMN body DROP NOT NULL;
ALTER TABLE alert_docs ADD COLUMN body_revision integer CHECK (body_revision >= 1);

UPDATE alert_docs d SET body = NULL, body_revision = a.revision
  FROM articles a JOIN article_revisions r ON r.article_id = a.id AND r.revision = a.revision
  WHERE a.id = d.article_id
    AND d.body = array_to_string(ARRAY(SELECT p FROM jsonb_array_elements_text(r.article -> 'paragraphs') WITH ORDINALITY AS x(p, n) ORDER BY n), E'\n\n');

ALTER TABLE alert_docs ADD CONSTRAINT alert_docs_body_once CHECK ((body IS NULL) = (body_revision IS NOT NULL));

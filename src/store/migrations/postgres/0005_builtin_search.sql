-- 0005_builtin_search: `feedwatch search` narrows with PostgreSQL's built-in text search configurations.
--  alert_docs.search  replaces alert_docs.lexemes (a tsvector of our own lemma keys): the `russian` or `english`
--                     configuration over the document's tokens (folded, as alerts see them), each field told by its
--                     weight (title A, lead B, body C, feed and tags D), plus the lemmas az guessed for words
--                     outside its dictionary as "t:казакбаев"-style lexemes. A rule word is looked up by every form
--                     of its dictionary paradigm (to_tsquery stems them the way the documents were stemmed), so
--                     "Лавров" finds "Лаврова" although to_tsquery('russian', 'Лавров') alone is 'лавр'
--                     (src/store/postgres/alerts.ts). NULL when a document is too long to index, and for every
--                     document stored before this migration: such a row is always a candidate (matchRule decides),
--                     so search still finds it, without the index.
-- The runner wraps this file in a transaction under an advisory lock: no BEGIN/COMMIT here.

DROP INDEX alert_docs_lexemes;
ALTER TABLE alert_docs DROP COLUMN lexemes;
ALTER TABLE alert_docs ADD COLUMN search tsvector;
CREATE INDEX alert_docs_search ON alert_docs USING gin (search);

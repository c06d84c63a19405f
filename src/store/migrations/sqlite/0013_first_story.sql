-- 0013_first_story: a paragraph's first story is kept in its own row (src/store/boilerplate.ts has the rules).
--  boilerplate_paragraphs.first_story  the story (cluster id) of the sighting that added the row, at first_seen_at;
--                                      NULL for rows added before this migration, whose first story is a row of
--                                      boilerplate_sightings like the later ones.
--  boilerplate_sightings               from now on only the stories after a paragraph's first.
-- Most paragraphs are only ever sighted in the story they came with: a sighting row each (and its index entry, each
-- on a page of its own) was about a third of what the daemon wrote to the file per stored article.
-- The runner wraps this file in a transaction.
ALTER TABLE boilerplate_paragraphs ADD COLUMN first_story TEXT;

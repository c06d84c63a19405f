-- 0013_first_story: the same meaning as migrations/sqlite/0013_first_story.sql.
ALTER TABLE boilerplate_paragraphs ADD COLUMN first_story text COLLATE "C";

-- 0011_declared_feeds: the same meaning as migrations/sqlite/0011_declared_feeds.sql.
ALTER TABLE feeds ADD COLUMN declared_feeds jsonb CHECK (declared_feeds IS NULL OR jsonb_typeof(declared_feeds) = 'array');

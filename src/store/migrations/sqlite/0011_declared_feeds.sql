-- 0011_declared_feeds: the feed links an HTML page declared when a feed's URL served one (src/feed/discover.ts).
--  feeds.declared_feeds  JSON array of absolute URLs (at most 10) from the last poll when it failed as not-a-feed;
--                        NULL otherwise (cleared by a successful poll and by a changed URL).
ALTER TABLE feeds ADD COLUMN declared_feeds TEXT CHECK (declared_feeds IS NULL OR json_valid(declared_feeds));

-- 0009_activity: what the status page and the HTTP API read (src/store/activity.ts) without scanning items:
--  items_first_seen       items per hour over the last days;
--  items_feed_first_seen  each feed's newest item;
--  items_page_trouble     each feed's items whose page failed (given up, or waiting for another attempt).
CREATE INDEX items_first_seen ON items (first_seen_at);
CREATE INDEX items_feed_first_seen ON items (feed_name, first_seen_at);
CREATE INDEX items_page_trouble ON items (feed_name, id) WHERE article_state <> 'done' AND article_attempts > 0;

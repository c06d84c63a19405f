-- 0007_delivery_ids: the id of the message a delivery goes out in; the same meaning as
-- migrations/sqlite/0007_delivery_ids.sql. The runner wraps this file in a transaction under an advisory lock.

ALTER TABLE alert_deliveries ADD COLUMN message_id text COLLATE "C";

-- 0007_delivery_ids: the id of the message a delivery goes out in.
--  alert_deliveries.message_id  set (a random UUID) before the message is sent the first time, and kept: every
--                               later attempt at that message carries it (webhook `X-Feedwatch-Delivery` and body
--                               `id`, e-mail Message-ID), so a receiver drops a repeat. The deliveries of one digest
--                               message share it. NULL until the first attempt.
-- claimed_by now names a process and a store instance ("HOST/PID/START/NONCE", src/store/claim-owner.ts); claims
-- made before this migration keep their old form and simply run out with their lease.

ALTER TABLE alert_deliveries ADD COLUMN message_id TEXT;

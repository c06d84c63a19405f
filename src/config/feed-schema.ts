/**
 * The schema of one entry of `feeds` (part of the config schema, ./schema.ts), in a module of its own so that the
 * validated-config cache (./cache.ts) can validate the feeds an edit added or changed without building the whole
 * config schema. It loads zod, so only what needs it imports it.
 */
import { z } from 'zod';
import { duration, httpUrl } from './zod-types.js';

/** How long a feed may list nothing new before it is stale (src/api/feed-health.ts). */
export const staleAfter = duration.refine((ms) => ms >= 60_000, 'must be at least 1m');

export const feedSchema = z
  .object({
    /** Unique name of the feed; used in logs, `feedwatch feeds` and storage. */
    name: z.string().min(1).max(200),
    url: httpUrl,
    /** Poll interval; defaults to `defaults.interval`. */
    interval: duration.optional(),
    /** No new item for this long: the feed is stale (status page, health alert); defaults to `defaults.staleAfter`. */
    staleAfter: staleAfter.optional(),
    /** Polls failing for this long raise a feed health alert (`alerts.feedHealth`); defaults to `defaults.failingAfter`. */
    failingAfter: duration.optional(),
    enabled: z.boolean().default(true),
    /** Extra request headers for this feed (e.g. a cookie or an API key). */
    headers: z.record(z.string(), z.string()).default({}),
    tags: z.array(z.string()).default([]),
  })
  .strict();

export type ParsedFeed = z.output<typeof feedSchema>;

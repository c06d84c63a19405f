/**
 * The config's feed list beyond one feed's schema (./feed-schema.ts), without zod: the checks across feeds (how many,
 * unique names) and a validated feed as the pipeline takes it (a Feed, the defaults filled in). The config schema's
 * refinement (./schema.ts) and the validated-config cache's reuse of unchanged feeds (./reuse.ts) both use these,
 * so the two give the same answers.
 */
import type { Feed } from '../model.js';
import type { ParsedFeed } from './feed-schema.js';

/** Most feeds one config may list (see the top-level key maxFeeds). */
export const DEFAULT_MAX_FEEDS = 10_000;

/** What a feed takes from the top-level `defaults` (the parsed values, in milliseconds). */
export interface FeedDefaults {
  interval: number;
  minInterval: number;
  staleAfter?: number | undefined;
  failingAfter: number;
}

export interface FeedListIssue {
  path: (string | number)[];
  message: string;
}

/** What is wrong with the list as a whole: more feeds than maxFeeds, a name used twice. Empty when nothing is. */
export function feedListIssues(feeds: readonly { name: string }[], maxFeeds: number): FeedListIssue[] {
  const issues: FeedListIssue[] = [];
  if (feeds.length > maxFeeds) {
    issues.push({ path: ['feeds'], message: `${feeds.length} feeds, over maxFeeds (${maxFeeds}); remove feeds or raise maxFeeds` });
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < feeds.length; i++) {
    const name = feeds[i]!.name;
    const prev = seen.get(name);
    if (prev !== undefined) {
      issues.push({ path: ['feeds', i, 'name'], message: `duplicate feed name "${name}" (also feeds[${prev}]); names must be unique` });
    }
    seen.set(name, i);
  }
  return issues;
}

/** A validated feed with the defaults filled in: its interval (at least `minInterval`), staleAfter, failingAfter. */
export function toFeed(f: ParsedFeed, defaults: FeedDefaults): Feed {
  const staleAfterMs = f.staleAfter ?? defaults.staleAfter;
  return {
    name: f.name,
    url: f.url,
    intervalMs: Math.max(f.interval ?? defaults.interval, defaults.minInterval),
    ...(staleAfterMs === undefined ? {} : { staleAfterMs }),
    failingAfterMs: f.failingAfter ?? defaults.failingAfter,
    enabled: f.enabled,
    headers: f.headers,
    tags: f.tags,
  };
}

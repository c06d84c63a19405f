/**
 * The quick YAML reader (js-yaml, core schema, duplicate keys refused) of configs that use no anchors, aliases, tags
 * or merge keys: about 8 times cheaper than the full reader (`yaml`, in ./load.ts) with 10,000 feeds. It loads no
 * zod, so the validated-config cache (./cache.ts) can read an edited file with it before it knows whether it needs
 * the schema at all. Whatever it cannot read, and every config that fails, goes through the full reader, whose
 * errors carry line and column.
 */
import { load as loadYamlQuickly, CORE_SCHEMA } from 'js-yaml';
import { DEFAULT_MAX_FEEDS } from './feed-list.js';

/**
 * Anchors, aliases, tags and merge keys: left to the full reader (which bounds alias expansion). Matched loosely
 * (an `&` inside a URL's query does not count, a `*` after a space in a title does): a false match only costs time.
 */
const NEEDS_FULL_READER = /(?:^|[\s[{,])[&*!][^\s]|<</m;

/** The file's value as the quick reader reads it, or undefined: leave it to the full reader. */
export function readQuickly(text: string): unknown {
  if (NEEDS_FULL_READER.test(text)) return undefined;
  try {
    return loadYamlQuickly(text, { schema: CORE_SCHEMA, json: false }) ?? {};
  } catch {
    return undefined;
  }
}

/** The feed count check of the quick path: over the limit, the full reader says where. */
export function feedCountWithin(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return true;
  const { feeds, maxFeeds } = raw as { feeds?: unknown; maxFeeds?: unknown };
  return !Array.isArray(feeds) || feeds.length <= (typeof maxFeeds === 'number' ? maxFeeds : DEFAULT_MAX_FEEDS);
}

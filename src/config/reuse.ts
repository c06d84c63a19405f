/**
 * After an edit of the config, the validated-config cache (./cache.ts) reuses what the previous entry validated:
 * an edit usually adds, removes or changes a few feeds of thousands, and validating 10,000 unchanged feeds again
 * (with zod loaded for it) cost more than the rest of `feedwatch feeds`.
 *
 * An entry keeps, beside the Config, a digest of the value the YAML gave (`ConfigDigest`): everything but `feeds` as
 * one JSON text, and each feed's value as a JSON text. The new file is read (quick reader only, ./quick-read.ts) and
 * compared with it:
 *  - everything but `feeds` the same value (so the same defaults, limits and schema answers): each feed whose value
 *    is the same as one of the previous entry's feeds is that feed's Feed again; only the others are validated, by
 *    the feed schema alone (./feed-schema.ts, which loads zod; an edit that only removes or reorders feeds loads it
 *    not at all); the checks across feeds (count, unique names: ./feed-list.ts) run over the whole new list;
 *  - anything else (another top level, a feed that fails, a value that is not plain JSON, no digest): no answer,
 *    and the caller parses and validates the whole file as without the cache, with the same errors.
 * Only values are compared, never text: the YAML is always read whole by a YAML reader.
 */
import type { Feed } from '../model.js';
import type { Config } from './load.js';
import { feedListIssues, toFeed } from './feed-list.js';

/** The value a config's YAML gave, as JSON texts: the top level without `feeds`, and each feed. */
export interface ConfigDigest {
  top: string;
  feeds: string[];
}

/** The digest of a value read from YAML, or null when it is not plain JSON data (then nothing is reused). */
export function digestOf(raw: unknown): ConfigDigest | null {
  if (!isPlainObject(raw)) return null;
  const { feeds, ...top } = raw as { feeds?: unknown };
  if (feeds !== undefined && !Array.isArray(feeds)) return null;
  if (!plainJson(top, 0)) return null;
  const list = (feeds ?? []) as unknown[];
  const out = new Array<string>(list.length);
  for (let i = 0; i < list.length; i++) {
    if (!plainJson(list[i], 0)) return null;
    out[i] = JSON.stringify(list[i]);
  }
  return { top: JSON.stringify(top), feeds: out };
}

/**
 * The Config of `raw` (read from `file`) made from the previous entry's Config and digest (as many feeds in both)
 * and the feeds that changed, validated; or null when it cannot be (see the module comment): the caller then parses
 * the whole file. The Config is plain JSON data: the entry's, and new feeds checked.
 */
export async function reuseValidated(raw: unknown, digest: ConfigDigest, previous: { config: Config; digest: ConfigDigest }, file: string): Promise<Config | null> {
  const { config } = previous;
  // A list over maxFeeds is not validated feed by feed: the full reader says where it is too long.
  if (digest.top !== previous.digest.top || digest.feeds.length > config.maxFeeds) return null;
  const known = new Map<string, number>();
  previous.digest.feeds.forEach((d, i) => known.set(d, i));
  const feeds = new Array<Feed>(digest.feeds.length);
  const changed: number[] = [];
  for (let i = 0; i < digest.feeds.length; i++) {
    const at = known.get(digest.feeds[i]!);
    if (at === undefined) changed.push(i);
    else feeds[i] = config.feeds[at]!;
  }
  if (changed.length > 0) {
    const { feedSchema } = await import('./feed-schema.js');
    const values = (raw as { feeds: unknown[] }).feeds;
    for (const i of changed) {
      const result = feedSchema.safeParse(values[i]);
      if (!result.success) return null;
      feeds[i] = toFeed(result.data, config.defaults);
      // The rest came from JSON (the entry): plain. A feed that is not (an interval of 400 digits is Infinity ms) is not stored.
      if (!plainJson(feeds[i], 0)) return null;
    }
  }
  if (feedListIssues(feeds, config.maxFeeds).length > 0) return null;
  return { ...config, file, feeds };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Plain JSON data only: null, booleans, finite numbers but -0, strings, arrays without holes and plain objects of
 * them (no symbol keys, no `__proto__` key), at most 64 deep: what JSON.stringify writes and JSON.parse gives back
 * equal, so that equal texts are equal values.
 */
export function plainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !plainJson(value[i], depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || !plainJson(value[key], depth + 1)) return false;
  }
  return true;
}

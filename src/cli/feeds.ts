/**
 * `feedwatch feeds [--json]`: each feed's state — last fetch, status, items, errors, next poll. It reads the
 * stored states in one query and writes nothing: the config's view (which feeds exist, which are enabled) is
 * merged in memory, so it is cheap with thousands of feeds and safe beside a running daemon.
 */
import type { Feed, FeedState } from '../model.js';
import { loadCliConfig } from './config.js';
import { openStore } from '../store/open.js';
import { formatTable, utcMinute } from './table.js';
import { printable } from '../control-chars.js';

export async function feedsCommand(configPath: string | undefined, json: boolean): Promise<number> {
  const config = loadCliConfig(configPath);
  const store = await openStore(config);
  try {
    await store.migrate();
    const states = withConfig(config.feeds, await store.feedStates());
    if (json) {
      for (const s of states) console.log(printable(JSON.stringify(s)));
      return 0;
    }
    console.log(
      formatTable(
        ['feed', 'enabled', 'last fetch (UTC)', 'status', 'items', 'errors', 'next poll (UTC)', 'last error'],
        states.map((s) => [
          s.name,
          s.enabled ? 'yes' : 'no',
          utcMinute(s.lastFetchedAt),
          s.lastStatus,
          s.itemCount,
          s.errorCount,
          utcMinute(s.nextDueAt),
          s.lastError ? s.lastError.slice(0, 60) + (s.movedTo ? ` (moved to ${s.movedTo})` : '') : s.movedTo ? `moved to ${s.movedTo}` : null,
        ]),
      ),
    );
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * The stored states as the config sees them: config order first (a feed never polled yet gets an empty state),
 * `enabled` as the config says, then stored feeds the config no longer lists, disabled.
 */
export function withConfig(feeds: readonly Feed[], stored: readonly FeedState[]): FeedState[] {
  const byName = new Map(stored.map((s) => [s.name, s]));
  const listed = new Set(feeds.map((f) => f.name));
  const fromConfig = feeds.map((f): FeedState => {
    const s = byName.get(f.name);
    return s
      ? { ...s, url: f.url, enabled: f.enabled }
      : { name: f.name, url: f.url, enabled: f.enabled, etag: null, lastModified: null, lastStatus: null, lastError: null, errorCount: 0, lastFetchedAt: null, nextDueAt: null, movedTo: null, itemCount: 0 };
  });
  return [...fromConfig, ...stored.filter((s) => !listed.has(s.name)).map((s) => ({ ...s, enabled: false }))];
}

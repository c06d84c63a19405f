/** `feedwatch feeds [--json]`: each feed's state — last fetch, status, items, errors, next poll. */
import { loadCliConfig } from './config.js';
import { openStore } from '../store/open.js';
import { formatTable, utcMinute } from './table.js';
import { printable } from '../control-chars.js';

export async function feedsCommand(configPath: string | undefined, json: boolean): Promise<number> {
  const config = loadCliConfig(configPath);
  const store = await openStore(config);
  try {
    await store.migrate();
    await store.syncFeeds(config.feeds);
    const states = await store.feedStates();
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

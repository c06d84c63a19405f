/**
 * `feedwatch feeds [--json]`: each feed's state — health, last fetch, status, items, errors, article pages that
 * failed, next poll; under the table, the feed links offered by a feed URL that serves an HTML page. It reads what
 * storage holds in one query (on SQLite a read-only one, src/store/sqlite/read-only.ts) and writes nothing: the
 * config's view (which feeds exist, which are enabled, their limits) is merged in memory, so it is cheap with
 * thousands of feeds and safe beside a running daemon. The config comes through the validated-config cache
 * (src/config/cache.ts): unchanged since the last run, it is neither parsed nor validated again (a run after a
 * change stores it, the one file this command may write, in the user's cache folder).
 */
import { readCliConfig } from './cached-config.js';
import { readFeedOverview } from '../store/open.js';
import { formatTable, utcMinute } from './table.js';
import { printable } from '../control-chars.js';
import { feedStatuses, pageFailuresOf, type FeedStatus } from '../api/feed-health.js';

export { withConfig } from '../api/feed-health.js';

export async function feedsCommand(configPath: string | undefined, json: boolean): Promise<number> {
  const config = await readCliConfig(configPath);
  const rows = feedStatuses(config.feeds, await readFeedOverview(config), config.defaults.interval, Date.now());
  if (json) {
    // One write: a console.log per feed costs more than the rest of the command with thousands of feeds.
    if (rows.length > 0) process.stdout.write(rows.map((r) => printable(JSON.stringify(jsonLine(r)))).join('\n') + '\n');
    return 0;
  }
  console.log(
    formatTable(
      ['feed', 'health', 'last fetch (UTC)', 'status', 'items', 'errors', 'pages failed', 'next poll (UTC)', 'last error'],
      rows.map(({ state: s, activity, health }) => [
        s.name,
        health.health,
        utcMinute(s.lastFetchedAt),
        s.lastStatus,
        s.itemCount,
        s.errorCount,
        pagesCell(pageFailuresOf(activity)),
        utcMinute(s.nextDueAt),
        s.lastError ? s.lastError.slice(0, 60) + (s.movedTo ? ` (moved to ${s.movedTo})` : '') : s.movedTo ? `moved to ${s.movedTo}` : null,
      ]),
    ),
  );
  for (const { state } of rows.filter((r) => r.state.declaredFeeds.length > 0)) {
    console.log(printable(`\n${state.name}: ${state.url} is an HTML page, not a feed; it declares:\n${state.declaredFeeds.map((u) => `  ${u}`).join('\n')}`));
  }
  const troubled = rows.filter((r) => r.activity?.lastPageError);
  if (troubled.length > 0) {
    console.log('\nlast page error per feed:');
    for (const r of troubled) console.log(printable(`  ${r.state.name}: ${r.activity!.lastPageError!.slice(0, 200)}`));
  }
  return 0;
}

/** "2 + 1 retrying": pages given up on, and those waiting for another attempt. */
function pagesCell(p: { failed: number; retrying: number }): string | number {
  return p.retrying > 0 ? `${p.failed} + ${p.retrying} retrying` : p.failed;
}

/**
 * One feed as `--json` prints it: the stored state, then its health and page failures. Object.assign, not a spread
 * with more keys: V8 gives each such object a map of its own (a spread's copy has no transitions to extend), which
 * made this three times slower than the rest of `--json` with 10,000 feeds. Same keys, same order.
 */
function jsonLine({ state, activity, health }: FeedStatus): object {
  return Object.assign({}, state, { health: health.health, reason: health.reason, lastItemAt: activity?.lastItemAt ?? null, pageFailures: pageFailuresOf(activity) });
}

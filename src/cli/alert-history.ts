/**
 * The alert history commands (README "Alert history"):
 *
 *  - `feedwatch alerts list [--rule R] [--state pending|delivered|failed] [--limit N] [--json]`: recorded deliveries,
 *    newest first: rule, story id, channel, state, attempts, last error and their times (UTC).
 *  - `feedwatch alerts retry ID`: a delivery that failed for good made pending again, due now (the daemon's next
 *    delivery pass sends it). Exit 1 when there is no such delivery or it is not failed.
 *  - `feedwatch alerts replay RULE --since DATE [--dry-run]`: the config's rule RULE re-applied to the articles stored
 *    since DATE, queuing an alert for each story it matches and has not alerted on (src/pipeline/alert-replay.ts);
 *    `--dry-run` lists those stories and writes nothing.
 *
 * Exit status 2 for bad arguments or an unknown rule.
 */
import type { DeliveryRecord, DeliveryStatus } from '../alerts/deliver.js';
import { loadMorphology } from '../alerts/morphology.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config/load.js';
import { createCpuPool } from '../cpu/pool.js';
import { printable } from '../control-chars.js';
import { parseIsoTime } from '../iso-time.js';
import { replayRule } from '../pipeline/alert-replay.js';
import { compileAlertRules } from '../pipeline/alert-stage.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { readCliConfig } from './cached-config.js';
import { clip, formatTable, utcMinute } from './table.js';

export interface AlertHistoryOptions {
  configPath: string | undefined;
  json: boolean;
  rule?: string | undefined;
  state?: string | undefined;
  limit?: string | undefined;
  since?: string | undefined;
  dryRun: boolean;
}

export const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 10_000;
const STATES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

const fail = (cmd: string, msg: string, code: number): number => {
  process.stderr.write(`feedwatch alerts ${cmd}: ${msg}\n`);
  return code;
};

async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function alertsListCommand(args: string[], opts: AlertHistoryOptions): Promise<number> {
  if (args.length > 0) return fail('list', `takes no arguments, not ${args.length} (filter with --rule and --state)`, 2);
  const limit = opts.limit === undefined ? DEFAULT_LIST_LIMIT : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) return fail('list', `--limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, not "${opts.limit}"`, 2);
  const state = opts.state as DeliveryStatus | undefined;
  if (state !== undefined && !STATES.includes(state)) return fail('list', `--state must be one of ${STATES.join(', ')}, not "${opts.state}"`, 2);
  return withStore(await readCliConfig(opts.configPath), async (store) => {
    const rows = await store.deliveries({ newestFirst: true, limit, ...(state ? { status: state } : {}), ...(opts.rule !== undefined ? { rule: opts.rule } : {}) });
    if (opts.json) {
      for (const d of rows) process.stdout.write(printable(JSON.stringify(deliveryJson(d))) + '\n');
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write('no alert deliveries recorded' + (state || opts.rule !== undefined ? ' that match the filter' : '') + '\n');
      return 0;
    }
    const table = rows.map((d) => [
      d.id,
      d.rule,
      d.clusterId,
      d.channel,
      d.status,
      d.attempts,
      utcMinute(d.status === 'pending' ? d.dueAt : null),
      utcMinute(d.deliveredAt),
      utcMinute(d.updatedAt),
      d.lastError === null ? null : clip(d.lastError, 60),
    ]);
    process.stdout.write(formatTable(['id', 'rule', 'story', 'channel', 'state', 'attempts', 'due (UTC)', 'delivered (UTC)', 'updated (UTC)', 'last error'], table) + '\n');
    process.stdout.write(`\n${rows.length} deliver${rows.length === 1 ? 'y' : 'ies'}, newest first${rows.length === limit ? ` (the newest ${limit}; --limit N for more)` : ''}\n`);
    return 0;
  });
}

/** A delivery as `alerts list --json` prints it (times ISO 8601 UTC). */
export function deliveryJson(d: DeliveryRecord) {
  return {
    id: d.id,
    rule: d.rule,
    storyId: d.clusterId,
    articleId: d.articleId,
    channel: d.channel,
    state: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    dueAt: d.dueAt,
    deliveredAt: d.deliveredAt,
    updatedAt: d.updatedAt,
    title: d.item.title,
    url: d.item.url ?? null,
  };
}

export async function alertsRetryCommand(args: string[], opts: AlertHistoryOptions): Promise<number> {
  if (args.length !== 1) return fail('retry', `give exactly one delivery id (see feedwatch alerts list --state failed), not ${args.length}`, 2);
  const raw = args[0]!;
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) return fail('retry', `a delivery id is a positive whole number, not "${raw}"`, 2);
  return withStore(await readCliConfig(opts.configPath), async (store) => {
    const outcome = await store.retryDelivery(id, new Date(systemClock.now()).toISOString());
    if (!outcome.retried) {
      return fail('retry', outcome.status === null ? `no delivery has id ${id}` : `delivery ${id} is ${outcome.status}, not failed; only a failed delivery can be retried`, 1);
    }
    process.stdout.write(`delivery ${id} is pending again, due now: the running daemon sends it on its next delivery pass\n`);
    return 0;
  });
}

export async function alertsReplayCommand(args: string[], opts: AlertHistoryOptions): Promise<number> {
  if (args.length !== 1) return fail('replay', `give exactly one rule name from the config, not ${args.length}`, 2);
  const name = args[0]!;
  if (opts.since === undefined) return fail('replay', '--since DATE is required (e.g. --since 2026-03-05): the stored articles to re-apply the rule to', 2);
  const since = parseIsoTime(opts.since);
  if (since === null) return fail('replay', `--since must be an ISO 8601 date or time (UTC unless it names a zone), e.g. 2026-03-05 or 2026-03-05T18:00:00Z, not "${opts.since}"`, 2);
  const config = await readCliConfig(opts.configPath);
  const configured = config.alerts.rules.find((r) => r.name === name);
  if (!configured) {
    const known = config.alerts.rules.map((r) => r.name).join(', ') || 'none';
    return fail('replay', `the config has no alert rule named "${name}" (rules: ${known})`, 2);
  }
  if (!configured.enabled) return fail('replay', `rule "${name}" is disabled in the config; enable it to replay it`, 2);
  const lemmatizer = await loadMorphology();
  const [rule] = compileAlertRules([configured], lemmatizer);
  // The rule's regexes run over the stored articles in the CPU pool, under the daemon's budgets, as live alerts do.
  const cpu = createCpuPool(config.budgets);
  const report = await withStore(config, (store) =>
    replayRule(
      {
        store,
        clock: systemClock,
        lemmatizer,
        regexes: (fields, terms) => cpu.run({ type: 'regex', fields, terms }, `replay ${name}`),
        overBudget: (articleId, err) => process.stderr.write(`feedwatch alerts replay: article ${articleId}: ${printable(err.message)}; the rule's regexes match nothing in it\n`),
      },
      rule!,
      { since, dryRun: opts.dryRun },
    ),
  ).finally(() => cpu.close());
  if (opts.json) {
    for (const h of report.alerted) process.stdout.write(printable(JSON.stringify(h)) + '\n');
  } else {
    if (report.alerted.length > 0) {
      const rows = report.alerted.map((h) => [h.storyId, h.articleId, utcMinute(h.storedAt), h.feed, clip(h.title, 70)]);
      process.stdout.write(formatTable(['story', 'article', 'stored (UTC)', 'feed', 'title'], rows) + '\n\n');
    }
    const n = report.alerted.length;
    const stories = (k: number) => `${k} stor${k === 1 ? 'y' : 'ies'}`;
    const what = opts.dryRun ? `would alert on ${stories(n)}` : `alerted on ${stories(n)} (${rule!.channels.join(', ')}; the running daemon delivers them)`;
    process.stdout.write(`rule "${name}" matches ${stories(report.matched)} stored since ${since}; ${report.alreadyAlerted} already alerted; ${what}${opts.dryRun ? ' (dry run: nothing written)' : ''}\n`);
  }
  return 0;
}

/** `feedwatch alerts list | retry | replay` as a user runs them: child processes on a SQLite store, exit codes, output. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAlertDoc } from '../../src/alerts/match.js';
import { alertItem } from '../../src/alerts/message.js';
import { loadMorphology } from '../../src/alerts/morphology.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { runFeedwatch, type CommandResult } from '../helpers/feedwatch-process.js';

let dir: string;
let configFile: string;
let dbPath: string;
const feedwatch = (args: string[]): Promise<CommandResult> => runFeedwatch([...args, '--config', configFile], { timeoutMs: 300_000 });

/** Stored articles (story, stored at, title); the live rule "lavrov" alerted on s1, whose webhook delivery failed. */
const DOCS: Array<[string, string, string]> = [
  ['s1', '2026-03-05T10:00:00.000Z', 'Визит Лаврова в Бишкек'],
  ['s2', '2026-03-05T11:00:00.000Z', 'Лавров и Казакбаев'],
  ['s3', '2026-03-01T11:00:00.000Z', 'Лавров в Москве'],
  ['s4', '2026-03-05T12:00:00.000Z', 'Погода в Бишкеке'],
];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-history-'));
  configFile = join(dir, 'feedwatch.yaml');
  dbPath = join(dir, 'feedwatch.db');
  writeFileSync(
    configFile,
    `storage:\n  driver: sqlite\n  path: ${JSON.stringify(dbPath)}\n` +
      `alerts:\n  channels:\n    out: { type: log }\n  rules:\n` +
      `    - { name: lavrov, query: 'Лавров', channels: [out] }\n    - { name: off, query: 'Лавров', channels: [out], enabled: false }\n`,
  );
  const lem = await loadMorphology();
  const store = await openSqliteStore(dbPath);
  for (const [i, [story, storedAt, title]] of DOCS.entries()) {
    const d = { title, lead: '', body: '', feed: 'kg', tags: [] };
    await store.saveAlertDoc({ articleId: i + 1, clusterId: story, url: `https://example.org/${i + 1}`, publishedAt: null, storedAt, ...d, analyzed: buildAlertDoc(d, lem).analyzed });
  }
  const item = alertItem({ title: DOCS[0]![2], lead: null, url: 'https://example.org/1', feed: 'kg', publishedAt: null }, []);
  await store.recordMatch({ rule: 'lavrov', clusterId: 's1', articleId: 1, channels: ['out'], item, digest: false, dueAt: DOCS[0]![1], matchedAt: DOCS[0]![1] });
  const [d] = await store.deliveries();
  await store.markFailed(d!.id, { attempts: 5, error: 'delivery: HTTP 503 | from\nhook', retryAt: null, at: '2026-03-05T10:05:00.000Z' });
  await store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('alerts list: a table with times in UTC, filters, and one JSON object per line', async () => {
  const table = await feedwatch(['alerts', 'list']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^id +rule +story +channel +state +attempts +due \(UTC\) +delivered \(UTC\) +updated \(UTC\) +last error/);
  assert.match(table.stdout, /\n1 +lavrov +s1 +out +failed +5 +- +- +2026-03-05 10:05 +delivery: HTTP 503 \| from hook\n/);
  assert.match(table.stdout, /\n1 delivery, newest first\n$/);
  const none = await feedwatch(['alerts', 'list', '--state', 'delivered']);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /no alert deliveries recorded that match the filter/);
  const json = await feedwatch(['alerts', 'list', '--rule', 'lavrov', '--json']);
  const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0]!.storyId, rows[0]!.state, rows[0]!.attempts, rows[0]!.updatedAt, rows[0]!.title], ['s1', 'failed', 5, '2026-03-05T10:05:00.000Z', 'Визит Лаврова в Бишкек']);
  const bad = await feedwatch(['alerts', 'list', '--state', 'lost']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--state must be one of pending, delivered, failed/);
});

test('alerts replay: an unknown or disabled rule, or no --since, is refused; --dry-run lists and writes nothing; replay queues once', async () => {
  for (const [args, message] of [
    [['alerts', 'replay', 'nope', '--since', '2026-03-05'], /no alert rule named "nope" \(rules: lavrov, off\)/],
    [['alerts', 'replay', 'off', '--since', '2026-03-05'], /rule "off" is disabled/],
    [['alerts', 'replay', 'lavrov'], /--since DATE is required/],
    [['alerts', 'replay', 'lavrov', '--since', 'yesterday'], /--since must be an ISO 8601 date or time/],
  ] as const) {
    const r = await feedwatch([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const dry = await feedwatch(['alerts', 'replay', 'lavrov', '--since', '2026-03-05', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^story +article +stored \(UTC\) +feed +title\n/);
  assert.match(dry.stdout, /\ns2 +2 +2026-03-05 11:00 +kg +Лавров и Казакбаев\n/);
  assert.doesNotMatch(dry.stdout, /\ns[134] /, 's1 alerted already, s3 stored before --since, s4 does not match');
  assert.match(dry.stdout, /rule "lavrov" matches 2 stories stored since 2026-03-05T00:00:00.000Z; 1 already alerted; would alert on 1 story \(dry run: nothing written\)\n$/);
  assert.equal((await feedwatch(['alerts', 'list', '--json'])).stdout.trim().split('\n').length, 1, 'the dry run wrote no delivery');

  const real = await feedwatch(['alerts', 'replay', 'lavrov', '--since', '2026-03-05', '--json']);
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(real.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { storyId: string }).storyId), ['s2']);
  const again = await feedwatch(['alerts', 'replay', 'lavrov', '--since', '2026-03-05']);
  assert.match(again.stdout, /2 already alerted; alerted on 0 stories/);
  const pending = await feedwatch(['alerts', 'list', '--state', 'pending', '--json']);
  assert.deepEqual(pending.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { storyId: string }).storyId), ['s2']);
});

test('alerts retry: a failed delivery is pending again; an unknown, not-failed or malformed id is refused', async () => {
  const bad = await feedwatch(['alerts', 'retry', 'abc']);
  assert.equal(bad.code, 2);
  const unknown = await feedwatch(['alerts', 'retry', '999']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no delivery has id 999/);
  const ok = await feedwatch(['alerts', 'retry', '1']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /delivery 1 is pending again, due now/);
  const twice = await feedwatch(['alerts', 'retry', '1']);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /delivery 1 is pending, not failed/);
  const row = JSON.parse((await feedwatch(['alerts', 'list', '--rule', 'lavrov', '--state', 'pending', '--json'])).stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.deepEqual([row.id, row.state, row.attempts, row.lastError], [1, 'pending', 5, 'delivery: HTTP 503 | from\nhook']);
});

/** What a user hits at the terminal: secrets check, a closed pipe, metric names, times with their zone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetrics } from '../../src/metrics.js';
import { utcMinute, utcSecond } from '../../src/cli/table.js';
import { neededSecrets } from '../../src/config/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { runFeedwatch, type CommandResult } from '../helpers/feedwatch-process.js';
import { buildAlertDoc } from '../../src/alerts/match.js';
import { loadMorphology } from '../../src/alerts/morphology.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src/cli/main.ts');

function feedwatch(args: string[], env: Record<string, string | undefined> = {}): Promise<CommandResult> {
  return runFeedwatch(args, { env, timeoutMs: 60_000 });
}

const dir = mkdtempSync(join(tmpdir(), 'fw-small-'));

const SECRET_CONFIG = `
storage: { driver: postgres, urlEnv: FW_T_DB_URL }
alerts:
  channels:
    tg: { type: telegram, tokenEnv: FW_T_TG_TOKEN, chatId: "-100" }
    hook: { type: webhook, url: https://hooks.example.org/x, secretEnv: FW_T_HOOK_SECRET, headersFromEnv: { X-Api-Key: FW_T_HOOK_KEY } }
  rules:
    - { name: r, query: 'Бишкек', channels: [tg, hook] }
feeds: []
`;

test('check-config names every unset secret variable with its key and exits 1; set, it exits 0', async () => {
  const file = join(dir, 'secrets.yaml');
  writeFileSync(file, SECRET_CONFIG);
  const unset = { FW_T_DB_URL: undefined, FW_T_TG_TOKEN: undefined, FW_T_HOOK_SECRET: undefined, FW_T_HOOK_KEY: undefined };
  const r = await feedwatch(['check-config', '--config', file], unset);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /OK — 0 feeds/);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 4, r.stderr);
  assert.match(r.stderr, /storage\.urlEnv: environment variable FW_T_DB_URL is not set/);
  assert.match(r.stderr, /alerts\.channels\.tg\.tokenEnv: environment variable FW_T_TG_TOKEN is not set/);
  assert.match(r.stderr, /alerts\.channels\.hook\.secretEnv: environment variable FW_T_HOOK_SECRET is not set/);
  assert.match(r.stderr, /alerts\.channels\.hook\.headersFromEnv\.X-Api-Key: environment variable FW_T_HOOK_KEY is not set/);

  const set = await feedwatch(['check-config', '--config', file], { FW_T_DB_URL: 'postgres://x', FW_T_TG_TOKEN: 'secret-token-value', FW_T_HOOK_SECRET: 's', FW_T_HOOK_KEY: 'k' });
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stderr, '');
  assert.doesNotMatch(set.stdout, /secret-token-value/);
});

test('check-config counts in the right number: 1 feed, 0 site rules', async () => {
  const file = join(dir, 'one-feed.yaml');
  writeFileSync(file, 'feeds:\n  - { name: port, url: "https://port.example.org/rss.xml" }\n');
  const r = await feedwatch(['check-config', '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /OK — 1 feed \(1 enabled\), 0 site rules, storage sqlite, queue embedded$/m);
});

test('variables a driver does not use are not asked for', () => {
  const sqlite = parseConfig('storage: { driver: sqlite }\nqueue: { driver: bullmq, url: "redis://127.0.0.1:6379" }\nfeeds: []\n', 'x.yaml');
  assert.deepEqual(neededSecrets(sqlite), []);
  const embedded = parseConfig('feeds: []\n', 'y.yaml');
  assert.deepEqual(neededSecrets(embedded), []);
  const bullmq = parseConfig('queue: { driver: bullmq }\nfeeds: []\n', 'z.yaml');
  assert.deepEqual(neededSecrets(bullmq), [{ key: 'queue.urlEnv', variable: 'REDIS_URL' }]);
});

/**
 * `feedwatch ARGS | head -n 1` through a real shell pipe: the exit status of feedwatch (not of head) and what it
 * wrote on stderr.
 */
async function headOfPipe(args: string[]): Promise<{ status: string; stderr: string }> {
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('bash', ['-c', `"${process.execPath}" --import tsx "${main}" ${quoted} | head -n 1 >/dev/null; echo "status \${PIPESTATUS[0]}"`], { cwd: root });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((r) => child.on('close', r));
  return { status: out.trim(), stderr: err };
}

test('a reader that closes the pipe early ends the command quietly with status 0: feeds', async () => {
  const file = join(dir, 'many.yaml');
  const feeds = Array.from({ length: 3000 }, (_, i) => `  - { name: "feed number ${i}", url: "https://site-${i}.example.org/rss.xml" }`).join('\n');
  writeFileSync(file, `storage: { driver: sqlite, path: "${join(dir, 'many.db')}" }\nfeeds:\n${feeds}\n`);
  // feeds --json writes about 600 KB: far more than a pipe holds, so a write after `head` exits gets EPIPE.
  assert.deepEqual(await headOfPipe(['feeds', '--json', '--config', file]), { status: 'status 0', stderr: '' });
});

test('feeds ends the process once its output is written: a slow reader of the pipe still gets all of it, status 0', async () => {
  const file = join(dir, 'many-read.yaml');
  const feeds = Array.from({ length: 3000 }, (_, i) => `  - { name: "feed ${i}", url: "https://site-${i}.example.org/rss.xml" }`).join('\n');
  writeFileSync(file, `storage: { driver: sqlite, path: "${join(dir, 'many-read.db')}" }\nfeeds:\n${feeds}\n`);
  for (const json of [true, false]) {
    // The reader takes its time (a pipe holds 64 KB of the 300-600 KB), so the output is still in flight when the
    // command returns.
    const child = spawn('bash', ['-c', `"${process.execPath}" --import tsx "${main}" feeds ${json ? '--json ' : ''}--config '${file}' | (sleep 1; cat); echo "status \${PIPESTATUS[0]}" >&2`], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((r) => child.on('close', r));
    const lines = out.trimEnd().split('\n');
    assert.equal(err.trim(), 'status 0');
    // --json: a line per feed; the table: a header, a rule and a line per feed.
    assert.equal(lines.length, json ? 3000 : 3002);
    assert.match(lines.at(-1)!, /feed 2999/);
  }
});

test('search | head and extract | head end quietly with status 0 (EPIPE)', async () => {
  // search: 1,500 stored articles with 300-character titles, so --json writes some 700 KB.
  const dbPath = join(dir, 'search.db');
  const file = join(dir, 'search.yaml');
  writeFileSync(file, `storage: { driver: sqlite, path: ${JSON.stringify(dbPath)} }\nfeeds: []\n`);
  const store = await openSqliteStore(dbPath);
  const lem = await loadMorphology();
  for (let i = 1; i <= 1500; i++) {
    const texts = { feed: 'port', title: `Lighthouse keeper report ${i}: ${'calm sea and light wind, '.repeat(11)}`, lead: 'Weather', body: '', tags: [] };
    await store.saveAlertDoc({ articleId: i, clusterId: String(i), url: `https://example.org/${i}`, publishedAt: null, storedAt: '2026-03-01T00:00:00.000Z', ...texts, analyzed: buildAlertDoc(texts, lem).analyzed });
  }
  await store.close();
  assert.deepEqual(await headOfPipe(['search', 'lighthouse', '--limit', '1500', '--json', '--config', file]), { status: 'status 0', stderr: '' });
  assert.deepEqual(await headOfPipe(['search', 'lighthouse', '--limit', '1500', '--config', file]), { status: 'status 0', stderr: '' });

  // extract: 60 saved pages of 40 paragraphs each, one JSON line of about 5 KB per page (300 KB in all).
  const pages = mkdtempSync(join(dir, 'pages-'));
  const inputs: string[] = [];
  for (let i = 1; i <= 60; i++) {
    const body = Array.from({ length: 40 }, (_, j) => `<p>Page ${i}, paragraph ${j}: the harbour master logged every boat that came in before the storm closed the port.</p>`).join('');
    const path = join(pages, `page-${i}.html`);
    writeFileSync(path, `<html><head><title>Page ${i}</title></head><body><article><h1>Page ${i}</h1>${body}</article></body></html>`);
    inputs.push(path);
  }
  assert.deepEqual(await headOfPipe(['extract', ...inputs]), { status: 'status 0', stderr: '' });
});

test('process metrics carry the feedwatch_ prefix once', async () => {
  const text = await createMetrics().registry.metrics();
  assert.match(text, /^feedwatch_process_cpu_seconds_total /m);
  assert.match(text, /^feedwatch_nodejs_heap_size_total_bytes /m);
  assert.doesNotMatch(text, /feedwatch_process_process_/);
});

test('times in tables are shown in UTC whatever offset they were stored with', () => {
  assert.equal(utcMinute('2022-03-05T18:20:00+06:00'), '2022-03-05 12:20');
  assert.equal(utcMinute('2026-12-31T23:59:59.900-05:00'), '2027-01-01 04:59');
  assert.equal(utcMinute(null), null);
  assert.equal(utcSecond('2022-03-05T18:20:07+06:00'), '2022-03-05 12:20:07');
});

test('pretty log lines carry their time in UTC, marked Z, whatever the machine zone', async () => {
  const script = `import(${JSON.stringify(join(root, 'src/log.ts'))}).then(({ createLogger }) => createLogger({ format: 'pretty', stderr: true }).info('hello'))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { ...process.env, TZ: 'Asia/Bishkek' } });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((r) => child.on('close', r));
  assert.match(err, /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z\] INFO.*: hello$/m);
});

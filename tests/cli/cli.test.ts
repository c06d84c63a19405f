/** The `feedwatch` command as a user runs it: a child process, its exit code and its output. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, send, type TestServer } from '../helpers/http-server.js';
import { runFeedwatch, type CommandResult } from '../helpers/feedwatch-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'tests/fixtures/sputnik');

function feedwatch(args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return runFeedwatch(args, { env, timeoutMs: 300_000 });
}

let srv: TestServer;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-'));
  srv = await startServer({
    '/feed.xml': send(readFileSync(join(fixtures, 'sputnik-kg-rss.xml')), { headers: { 'content-type': 'application/rss+xml' } }),
    '/gone.xml': send('no', { status: 410 }),
  });
});
after(async () => srv?.close());

test('check-config names the unknown key and exits 2', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'feeds:\n  - name: a\n    url: https://example.com/rss\n    tgas: [x]\n');
  const r = await feedwatch(['check-config', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${file.replaceAll('/', '\\/')}:4:5: feeds\\[0\\]: unknown key "tgas"`));
});

test('check-config reads FEEDWATCH_CONFIG and reports what the file holds', async () => {
  const r = await feedwatch(['check-config'], { FEEDWATCH_CONFIG: join(root, 'config/feedwatch.example.yaml') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /OK — 6 feeds \(6 enabled\)/);
});

test('once polls every feed, stores the items and prints a summary; feeds shows the state', async () => {
  const file = join(dir, 'ok.yaml');
  writeFileSync(
    file,
    `storage:\n  driver: sqlite\n  path: ${join(dir, 'db.sqlite')}\nhttp:\n  allowPrivateNetworks: true\nfeeds:\n  - name: kg\n    url: ${srv.url}/feed.xml\n  - name: gone\n    url: ${srv.url}/gone.xml\n`,
  );
  const r = await feedwatch(['once', '--no-articles', '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^kg\s+200\s+\d+\s+\d+/m);
  assert.match(r.stdout, /^gone\s+410\s+0\s+0\s+\d+\s+http-status: HTTP 410/m);
  assert.match(r.stdout, /2 feeds polled, 1 failed, \d+ new items/);
  const f = await feedwatch(['feeds', '--json', '--config', file]);
  const states = f.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; itemCount: number; errorCount: number; lastStatus: number });
  assert.equal(states.find((s) => s.name === 'gone')?.errorCount, 1);
  assert.ok((states.find((s) => s.name === 'kg')?.itemCount ?? 0) > 0);
});

test('extract handles many files in one call, one JSON line each', async () => {
  const pages = ['sputnik-kg-20220305-lavrov.html', 'snanews-de-20201216.html'].map((f) => join(fixtures, f));
  const r = await feedwatch(['extract', ...pages, join(dir, 'missing.html')]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 3);
  const expected = JSON.parse(readFileSync(join(fixtures, 'sputnik-kg-20220305-lavrov.expected.json'), 'utf8')) as { paragraphs: string[] };
  assert.equal(lines[0]?.input, pages[0]);
  assert.equal(lines[0]?.text, expected.paragraphs.join('\n\n'));
  assert.equal(lines[1]?.extractor, 'sputnik');
  assert.ok(lines[2]?.error, 'a missing file gives an error line, not a crash');
});

test('unknown commands and options exit 2 with the usage', async () => {
  const r = await feedwatch(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  const r2 = await feedwatch(['once', '--bogus']);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /Usage: feedwatch/);
});

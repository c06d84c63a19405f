/** Commands load only what they use: `help` and `check-config` never load storage, queues, parsers or dictionaries; the daemon leaves parsers to its CPU workers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { send, startServer } from '../helpers/http-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Storage drivers, the queue client, mail, feed parsing and the morphology dictionaries. */
const STORAGE_AND_QUEUES = ['better-sqlite3', 'bullmq', 'ioredis', 'pg', 'az', 'nodemailer', 'rss-parser'];
/** The HTML parser and the HTTP client (check-config uses the first to validate site rules' selectors). */
const PAGES = ['cheerio', 'undici'];

const fromPackages = (urls: string[], names: string[]) => urls.filter((u) => names.some((n) => u.includes(`/node_modules/${n}/`)));

function importsOf(args: string[]): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'fw-imports-')), 'imports.txt');
  execFileSync(process.execPath, ['--import', 'tsx', '--import', join(root, 'tests/helpers/record-imports.mjs'), join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    env: { ...process.env, FW_RECORD_IMPORTS: file },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return readFileSync(file, 'utf8').trim().split('\n');
}

test('feedwatch help loads no storage, queue, parser, HTTP client or dictionary', () => {
  const urls = importsOf(['help']);
  assert.ok(urls.some((u) => u.endsWith('/src/cli/main.ts')), 'the recorder saw the entry point');
  assert.deepEqual(fromPackages(urls, [...STORAGE_AND_QUEUES, ...PAGES]), []);
});

test('feedwatch check-config loads no storage, queue or dictionary', () => {
  const urls = importsOf(['check-config', '--config', 'config/feedwatch.example.yaml']);
  assert.ok(urls.some((u) => u.endsWith('/src/cli/check-config.ts')));
  assert.deepEqual(fromPackages(urls, STORAGE_AND_QUEUES), []);
});

test('the recorder does see a package when a command uses it: extract loads cheerio', () => {
  const urls = importsOf(['extract', 'tests/fixtures/sputnik/sputnik-kg-20220305-lavrov.html']);
  assert.ok(fromPackages(urls, ['cheerio']).length > 0);
  assert.deepEqual(fromPackages(urls, ['better-sqlite3', 'bullmq', 'ioredis', 'pg']), []);
});

test('feedwatch feeds on a SQLite config without site rules loads neither pg, cheerio, the full YAML reader nor a dictionary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-feeds-imports-'));
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(config, `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'db.sqlite'))}\nfeeds:\n  - name: a\n    url: https://a.example/rss\n`);
  const urls = importsOf(['feeds', '--config', config]);
  assert.ok(urls.some((u) => u.endsWith('/src/cli/feeds.ts')));
  assert.ok(fromPackages(urls, ['better-sqlite3']).length > 0, 'the recorder sees the driver it uses');
  assert.deepEqual(fromPackages(urls, ['pg', 'cheerio', 'cheerio-select', 'yaml', 'az', 'snowball-stemmers', 'undici', 'bullmq', 'ioredis']), []);
});

test('feedwatch feeds on an existing SQLite file reads it without loading the store, and without the regex engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-feeds-read-only-'));
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(config, `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'db.sqlite'))}\nfeeds:\n  - name: a\n    url: https://a.example/rss\n`);
  const first = importsOf(['feeds', '--config', config]);
  assert.ok(first.some((u) => u.endsWith('/src/store/sqlite/store.ts')), 'no file yet: the store creates it');
  const urls = importsOf(['feeds', '--config', config]);
  assert.ok(urls.some((u) => u.endsWith('/src/store/sqlite/read-only.ts')));
  assert.deepEqual(urls.filter((u) => u.endsWith('/src/store/sqlite/store.ts') || u.includes('/src/dedup/')), []);
  assert.deepEqual(fromPackages(urls, ['re2js']), []);
});

test('feedwatch run leaves feed parsing and page extraction to its CPU workers and loads mail only to send one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-run-imports-'));
  const items = Array.from({ length: 3 }, (_, i) => `<item><title>T ${i}</title><link>https://example.org/${i}</link><guid>g${i}</guid><description>&lt;p&gt;d ${i}&lt;/p&gt;</description></item>`);
  const srv = await startServer({ '/feed.xml': send(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${items.join('')}</channel></rss>`, { headers: { 'content-type': 'application/rss+xml' } }) });
  const port = await freePort();
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(
    config,
    [
      `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'db.sqlite'))}`,
      'http:\n  allowPrivateNetworks: true',
      'pipeline:\n  fetchArticles: false',
      // A configured mail channel: its transport (nodemailer) is made with the first message, none here.
      'alerts:\n  channels:\n    mail: { type: email, host: smtp.invalid, from: bot@example.org, to: me@example.org }',
      `feeds:\n  - name: f\n    url: ${srv.url}/feed.xml`,
    ].join('\n'),
  );
  const file = join(dir, 'imports.txt');
  const args = ['--import', 'tsx', '--import', join(root, 'tests/helpers/record-imports.mjs'), join(root, 'src/cli/main.ts'), 'run', '--config', config, '--port', String(port)];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, FW_RECORD_IMPORTS: file, FEEDWATCH_CONFIG: '' }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    // The feed polled, its body decoded and parsed by a CPU worker.
    let parsed = 0;
    for (let i = 0; i < 600 && parsed < 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
      parsed = Number(/^feedwatch_cpu_tasks_total\{task="feed",outcome="ok"\} (\d+)/m.exec(text)?.[1] ?? 0);
    }
    assert.equal(parsed, 1, 'a worker parsed the feed');
  } finally {
    child.kill('SIGTERM');
    await exited;
    await srv.close();
  }
  // From the sources, a worker loads its body through tsx, whose hooks the recorder shares: the lines after the
  // worker's entry are (also) the worker's imports.
  const urls = readFileSync(file, 'utf8').trim().split('\n');
  rmSync(dir, { recursive: true, force: true });
  const workerStart = urls.findIndex((u) => u.endsWith('/src/cpu/worker.ts'));
  assert.ok(urls.some((u) => u.endsWith('/src/pipeline/embedded.ts')), 'the recorder saw the daemon');
  assert.ok(workerStart > 0, 'the recorder saw the CPU worker start');
  const parser = urls.flatMap((u, i) => (u.endsWith('/src/feed/parse.ts') || fromPackages([u], ['rss-parser']).length > 0 ? [i] : []));
  assert.ok(parser.length > 0 && parser.every((i) => i > workerStart), 'the feed parser is loaded by the worker, not before it by the main thread');
  // Neither thread loads what no task of this daemon needs: the page extractor, mail, the dictionaries.
  assert.deepEqual(fromPackages(urls, ['cheerio', 'parse5', 'nodemailer', 'az']), []);
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

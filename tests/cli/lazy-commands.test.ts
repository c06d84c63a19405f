/** Commands load only what they use: `help` and `check-config` never load storage, queues, parsers or dictionaries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

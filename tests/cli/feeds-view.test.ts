/** `feedwatch feeds` reads and never writes: the config's view is merged with the stored states in memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { withConfig } from '../../src/cli/feeds.js';
import type { Feed, FeedState } from '../../src/model.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { okPoll, testFeed, testItem } from '../helpers/store-fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const feed = (name: string, enabled = true): Feed => ({ name, url: `https://${name}.example.org/rss`, intervalMs: 900_000, enabled, headers: {}, tags: [] });
const state = (name: string, over: Partial<FeedState> = {}): FeedState => ({
  name, url: `https://${name}.example.org/rss`, enabled: true, etag: null, lastModified: null, lastStatus: 200, lastError: null,
  errorCount: 0, failingSince: null, declaredFeeds: [], lastFetchedAt: '2026-12-01T10:00:00.000Z', nextDueAt: '2026-12-01T10:15:00.000Z', movedTo: null, itemCount: 7, ...over,
});

test('config order first, never-polled feeds get an empty state, config decides enabled, unlisted feeds show disabled', () => {
  const rows = withConfig([feed('b'), feed('new'), feed('a', false)], [state('a'), state('b', { errorCount: 2 }), state('gone')]);
  assert.deepEqual(
    rows.map((r) => [r.name, r.enabled, r.itemCount, r.errorCount, r.lastFetchedAt]),
    [
      ['b', true, 7, 2, '2026-12-01T10:00:00.000Z'],
      ['new', true, 0, 0, null],
      ['a', false, 7, 0, '2026-12-01T10:00:00.000Z'],
      ['gone', false, 7, 0, '2026-12-01T10:00:00.000Z'],
    ],
  );
});

test('feeds lists every configured feed without writing them into the database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-feeds-'));
  const db = join(dir, 'f.db');
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(config, `storage: { driver: sqlite, path: "${db}" }\nfeeds:\n${Array.from({ length: 25 }, (_, i) => `  - { name: f${i}, url: "https://f${i}.example.org/rss" }`).join('\n')}\n`);
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'feeds', '--json', '--config', config], { cwd: root }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as FeedState);
  assert.deepEqual(lines.map((l) => l.name), Array.from({ length: 25 }, (_, i) => `f${i}`));
  const conn = new Database(db, { readonly: true });
  try {
    assert.equal((conn.prepare('SELECT count(*) AS n FROM feeds').get() as { n: number }).n, 0);
  } finally {
    conn.close();
  }
});

test('feeds shows each feed\'s failed article pages (given up and retrying) and the newest page error, as /api/feeds does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-feeds-pages-'));
  const db = join(dir, 'f.db');
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(config, `storage: { driver: sqlite, path: "${db}" }\nfeeds:\n  - { name: quiet, url: "https://quiet.example.org/rss" }\n  - { name: rough, url: "https://rough.example.org/rss" }\n`);
  const store = await openSqliteStore(db);
  try {
    await store.migrate();
    await store.syncFeeds([testFeed('quiet'), testFeed('rough')]);
    const t = '2026-12-01T10:00:00.000Z';
    await store.recordPoll(okPoll('quiet', t), [testItem('quiet', 'q1')], '2026-12-01T10:15:00.000Z');
    const items = await store.recordPoll(okPoll('rough', t), ['r1', 'r2', 'r3', 'r4'].map((g) => testItem('rough', g)), '2026-12-01T10:15:00.000Z');
    const [gone, later, bad] = items;
    await store.saveArticle(gone!.id, { ok: false, kind: 'http-status', reason: 'HTTP 404' }, t, null);
    await store.saveArticle(later!.id, { ok: false, kind: 'timeout', reason: 'no answer in 30 s' }, t, '2026-12-01T11:00:00.000Z');
    await store.saveArticle(bad!.id, { ok: false, kind: 'nothing-extracted', reason: 'no article text found on the page' }, t, null);
  } finally {
    await store.close();
  }
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'feeds', ...args, '--config', config], { cwd: root }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
  const lines = (await run(['--json'])).trim().split('\n').map((l) => JSON.parse(l) as FeedState & { pageFailures: { failed: number; retrying: number; lastError: string | null }; health: string });
  assert.deepEqual(lines.map((l) => [l.name, l.pageFailures]), [
    ['quiet', { failed: 0, retrying: 0, lastError: null }],
    ['rough', { failed: 2, retrying: 1, lastError: 'nothing-extracted: no article text found on the page' }],
  ]);
  const table = await run([]);
  assert.match(table, /pages failed/);
  assert.match(table, /^rough\s.*\s2 \+ 1 retrying\s/m);
  assert.match(table, /^quiet\s.*\s1\s+0\s+0\s+2026-12-01 10:15/m);
  assert.match(table, /rough: nothing-extracted: no article text found on the page/);
});

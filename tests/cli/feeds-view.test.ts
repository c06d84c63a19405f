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

const root = fileURLToPath(new URL('../../', import.meta.url));

const feed = (name: string, enabled = true): Feed => ({ name, url: `https://${name}.example.org/rss`, intervalMs: 900_000, enabled, headers: {}, tags: [] });
const state = (name: string, over: Partial<FeedState> = {}): FeedState => ({
  name, url: `https://${name}.example.org/rss`, enabled: true, etag: null, lastModified: null, lastStatus: 200, lastError: null,
  errorCount: 0, lastFetchedAt: '2026-12-01T10:00:00.000Z', nextDueAt: '2026-12-01T10:15:00.000Z', movedTo: null, itemCount: 7, ...over,
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

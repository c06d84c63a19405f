/** `feedwatch import-opml` and `export-opml` as a user runs them: the config file edited in place, then exported. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOpml } from '../../src/opml/parse.js';
import { parseConfig } from '../../src/config/load.js';
import { runFeedwatch, type CommandResult } from '../helpers/feedwatch-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function feedwatch(args: string[]): Promise<CommandResult> {
  return runFeedwatch(args, { timeoutMs: 60_000 });
}

test('import-opml appends to the config file, a second import adds nothing, export-opml gives every feed back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-opml-'));
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(config, '# desk config\nfeeds:\n  - name: Existing\n    url: https://existing.example.org/rss # keep me\n');
  const opml = join(root, 'tests/fixtures/opml/folders.opml');

  const dry = await feedwatch(['import-opml', opml, '--config', config, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would add 5 feeds/);
  assert.doesNotMatch(readFileSync(config, 'utf8'), /Agency wire/);

  const first = await feedwatch(['import-opml', opml, '--config', config, '--tag', 'opml', '--tag', 'desk']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^added 5 feeds to .*feedwatch\.yaml; skipped 0$/m);
  const text = readFileSync(config, 'utf8');
  assert.match(text, /^# desk config\n/);
  assert.match(text, /url: https:\/\/existing\.example\.org\/rss # keep me\n/);
  const loaded = parseConfig(text, config);
  assert.equal(loaded.feeds.length, 6);
  assert.deepEqual(loaded.feeds.find((f) => f.name === 'Almaty evening')!.tags, ['World', 'Central Asia', 'opml', 'desk']);

  const second = await feedwatch(['import-opml', opml, '--config', config]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^added 0 feeds .*; skipped 5$/m);
  assert.equal(readFileSync(config, 'utf8'), text);

  const exported = await feedwatch(['export-opml', '--config', config]);
  assert.equal(exported.code, 0, exported.stderr);
  const back = parseOpml(Buffer.from(exported.stdout), 'export.opml').feeds;
  assert.deepEqual(
    back.map((f) => [f.title, f.xmlUrl, f.categories]),
    loaded.feeds.map((f) => [f.name, f.url, f.tags]),
  );
});

test('import-opml on a file that is not OPML exits non-zero with one line naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-opml-'));
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(config, 'feeds: []\n');
  const bad = join(dir, 'notes.xml');
  writeFileSync(bad, '<notes><note>hi</note></notes>');
  const r = await feedwatch(['import-opml', bad, '--config', config]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /notes\.xml: not an OPML file/);
  assert.equal(readFileSync(config, 'utf8'), 'feeds: []\n');
});

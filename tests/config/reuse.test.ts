/**
 * After an edit of the config, the validated-config cache reuses the previous entry's validated feeds
 * (src/config/reuse.ts): the Config is the one a full parse gives, whatever the edit; only the feeds that changed
 * are validated (an edit that changes none loads no zod, one that changes a feed loads the feed schema alone); a
 * changed feed that fails, a name used twice or a change of the top level are parsed whole, with the same errors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigCached, previousEntry, saveConfig, type ConfigCache } from '../../src/config/cache.js';
import { loadConfigFile, loadConfigSource } from '../../src/config/load.js';
import { digestOf, reuseValidated } from '../../src/config/reuse.js';
import { ConfigError } from '../../src/errors.js';
import { configWithCache } from '../helpers/config-cache.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'feedwatch-config-reuse-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const feed = (i: number, extra = '') => `  - name: feed-${i}\n    url: https://site${i}.example/rss\n${extra}`;
const feedList = (count: number) => Array.from({ length: count }, (_, i) => feed(i)).join('');
const TOP = `defaults:\n  interval: 10m\n  staleAfter: 3d\nstorage:\n  driver: sqlite\n  path: data/x.db\n`;
const BASE = `${TOP}feeds:\n${feedList(6)}`;

function setup(text = BASE): { file: string; cache: ConfigCache } {
  return configWithCache(join(root, `t${++n}`), text);
}

/** The edit, read through the cache after the previous text was; and what a full parse of the edit gives. */
async function afterEdit(before: string, edited: string): Promise<{ cached: unknown; full: unknown; file: string; cache: ConfigCache }> {
  const { file, cache } = setup(before);
  await loadConfigCached(file, cache);
  writeFileSync(file, edited);
  return { cached: await loadConfigCached(file, cache), full: loadConfigFile(file), file, cache };
}

test('after each kind of edit the Config is the one a full parse of the file gives', async () => {
  const edits: Array<[string, string]> = [
    ['a feed added at the end', BASE + feed(6)],
    ['a feed added in the middle', BASE.replace(feed(2), feed(2) + feed(9))],
    ['a feed removed', BASE.replace(feed(3), '')],
    ['two feeds swapped', BASE.replace(feed(1) + feed(2), feed(2) + feed(1))],
    ["a feed's interval set", BASE.replace(feed(4), feed(4, '    interval: 2m\n'))],
    ["a feed's url changed", BASE.replace('site5.example', 'other.example')],
    ['a feed disabled, with tags and a header', BASE.replace(feed(0), feed(0, '    enabled: false\n    tags: [a, b]\n    headers: { X-Key: k }\n'))],
    ['a comment and blank lines only', `# a comment\n\n${BASE}`],
    ['the defaults changed', BASE.replace('interval: 10m', 'interval: 20m')],
    ['the feeds key removed', TOP],
  ];
  for (const [what, edited] of edits) {
    const { cached, full } = await afterEdit(BASE, edited);
    assert.deepEqual(cached, full, what);
  }
  // Without defaults in the file (no staleAfter at all): the schema's defaults, the same way.
  const bare = `feeds:\n${feedList(4)}`;
  for (const edited of [bare + feed(4), bare.replace(feed(1), feed(1, '    staleAfter: 2d\n    failingAfter: 0\n'))]) {
    const { cached, full } = await afterEdit(bare, edited);
    assert.deepEqual(cached, full);
  }
});

test('the edited file is stored with its digest: the next edit reuses it, and the unchanged file is a hit', async () => {
  const { file, cache } = setup();
  await loadConfigCached(file, cache);
  writeFileSync(file, BASE + feed(6));
  await loadConfigCached(file, cache);
  const stored = previousEntry(cache, file);
  assert.equal(stored?.config.feeds.length, 7);
  assert.equal(stored?.digest.feeds.length, 7);
  writeFileSync(file, BASE + feed(6) + feed(7));
  assert.deepEqual(await loadConfigCached(file, cache), loadConfigFile(file));
  assert.equal(readdirSync(cache.dir).length, 1, 'one entry per file');
});

test('only the changed feeds are validated: the previous Feed objects come back for the others', async () => {
  const { file, cache } = setup();
  await loadConfigCached(file, cache);
  const previous = previousEntry(cache, file)!;
  const text = BASE.replace(feed(4), feed(4, '    interval: 2m\n')) + feed(6);
  writeFileSync(file, text);
  const edited = loadConfigSource(file);
  const config = await reuseValidated(edited.raw, digestOf(edited.raw)!, previous, file);
  assert.ok(config);
  assert.deepEqual(config, edited.config);
  for (const i of [0, 1, 2, 3, 5]) assert.equal(config.feeds[i], previous.config.feeds[i], `feed ${i} reused`);
  assert.notEqual(config.feeds[4], previous.config.feeds[4]);
  assert.equal(config.feeds[4]!.intervalMs, 120_000);
  assert.equal(config.feeds[6]!.name, 'feed-6');
});

test('a changed feed is validated again: an invalid one fails with the line, the key path and the fix', async () => {
  const { file, cache } = setup();
  await loadConfigCached(file, cache);
  writeFileSync(file, BASE.replace(feed(2), feed(2, '    interval: 5 minutes\n')));
  await assert.rejects(loadConfigCached(file, cache), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, new RegExp(`^${file.replaceAll('.', '\\.')}:\\d+:\\d+: feeds\\[2\\]\\.interval: "5 minutes" is not a duration; write e\\.g\\. 90s`));
    const line = Number(/:(\d+):\d+:/.exec(err.message)![1]);
    assert.equal(readFileSync(file, 'utf8').split('\n')[line - 1], '    interval: 5 minutes');
    return true;
  });
  writeFileSync(file, BASE.replace(feed(2), feed(2, '    intervall: 5m\n')));
  await assert.rejects(loadConfigCached(file, cache), /feeds\[2\]: unknown key "intervall"; check the spelling/);
});

test('an added feed named as an unchanged one fails as a duplicate, with its line', async () => {
  const { file, cache } = setup();
  await loadConfigCached(file, cache);
  writeFileSync(file, `${BASE}  - name: feed-1\n    url: https://another.example/rss\n`);
  await assert.rejects(loadConfigCached(file, cache), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /:\d+:\d+: feeds\[6\]\.name: duplicate feed name "feed-1" \(also feeds\[1\]\); names must be unique/);
    return true;
  });
});

test('more feeds than maxFeeds after an edit fail as without the cache', async () => {
  const { file, cache } = setup(`maxFeeds: 6\n${BASE}`);
  await loadConfigCached(file, cache);
  writeFileSync(file, `maxFeeds: 6\n${BASE}${feed(6)}`);
  await assert.rejects(loadConfigCached(file, cache), /feeds: 7 feeds, over maxFeeds \(6\)/);
});

test('an entry written by another build, without a digest or with one that does not match its feeds is not reused', async () => {
  const { file, cache } = setup();
  await loadConfigCached(file, cache);
  assert.ok(previousEntry(cache, file));
  assert.equal(previousEntry({ ...cache, code: 'build-2\0js-yaml@1 yaml@1 zod@1' }, file), null, 'another build');
  saveConfig(cache, file, BASE, loadConfigFile(file));
  assert.equal(previousEntry(cache, file), null, 'stored without a digest');
  const { config, raw } = loadConfigSource(file);
  const digest = digestOf(raw)!;
  saveConfig(cache, file, BASE, config, { ...digest, feeds: digest.feeds.slice(1) });
  assert.equal(previousEntry(cache, file), null, 'a digest that does not match the Config feed for feed is not stored');
  saveConfig(cache, file, BASE, config, digest);
  assert.ok(previousEntry(cache, file));
});

test('a value that is not plain JSON has no digest: NaN is not null, -0 is not 0', () => {
  assert.equal(digestOf({ feeds: [{ name: 'a', url: 'https://a.example/', interval: Number.NaN }] }), null);
  assert.equal(digestOf({ defaults: { jitter: -0 } }), null);
  assert.equal(digestOf({ feeds: {} }), null, 'feeds not a list: left to the schema');
  assert.equal(digestOf([1]), null);
  assert.deepEqual(digestOf({ userAgent: 'x', feeds: [{ name: 'a' }] }), { top: '{"userAgent":"x"}', feeds: ['{"name":"a"}'] });
});

/** The modules a run of loadConfigCached resolves, in a fresh process (tests/helpers/record-imports.mjs). */
function importsOf(file: string, cache: ConfigCache): string[] {
  const out = join(root, `imports${++n}.txt`);
  writeFileSync(out, '');
  const script = `const m = await import(${JSON.stringify(join(repo, 'src/config/cache.ts'))}); await m.loadConfigCached(${JSON.stringify(file)}, ${JSON.stringify(cache)});`;
  execFileSync(process.execPath, ['--import', 'tsx', '--import', join(repo, 'tests/helpers/record-imports.mjs'), '--input-type=module', '-e', script], {
    cwd: repo,
    env: { ...process.env, FW_RECORD_IMPORTS: out },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return readFileSync(out, 'utf8').trim().split('\n');
}

test('an edit that changes no feed loads no zod; one that adds a feed loads the feed schema, not the config schema', async () => {
  const { file, cache } = setup();
  await loadConfigCached(file, cache);
  const zod = (urls: string[]) => urls.filter((u) => /\/node_modules\/zod\//.test(u));
  const schema = (urls: string[]) => urls.some((u) => u.endsWith('/src/config/schema.ts'));
  const feedSchema = (urls: string[]) => urls.some((u) => u.endsWith('/src/config/feed-schema.ts'));

  writeFileSync(file, BASE.replace(feed(3), ''));
  const removed = importsOf(file, cache);
  assert.ok(removed.some((u) => /\/node_modules\/js-yaml\//.test(u)), 'the edited file is read');
  assert.deepEqual(zod(removed), [], 'a feed removed: nothing to validate');
  assert.equal(feedSchema(removed) || schema(removed), false);

  writeFileSync(file, BASE + feed(6));
  const added = importsOf(file, cache);
  assert.ok(feedSchema(added), 'the added feed is validated');
  assert.equal(schema(added), false, 'by the feed schema alone');

  writeFileSync(file, BASE.replace('interval: 10m', 'interval: 20m') + feed(6));
  assert.ok(schema(importsOf(file, cache)), 'another top level: the whole file is validated');
});

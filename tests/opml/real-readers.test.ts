/**
 * OPML files written by real feed readers (tests/fixtures/opml/real/, copied unchanged from the readers' public
 * repositories; see tests/fixtures/opml/README.md): NetNewsWire's shipped default list and a user's subscription list
 * from its parser tests (211 outlines, folders, duplicates, empty htmlUrl, `&amp;`, non-ASCII titles), Newsboat's
 * export with the `category` attribute and an outline without a title, and Newsboat's nested-folder test list with
 * title-only outlines. Each is parsed, appended to a config, exported and parsed back (the round trip); each also
 * arrives re-encoded as UTF-16 (little- and big-endian, with a byte-order mark, as Windows tools save) and reads the
 * same. The command line round trip (import-opml, then export-opml) runs on the UTF-16 copy of the largest one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOpml, type OpmlFeed } from '../../src/opml/parse.js';
import { writeOpml } from '../../src/opml/write.js';
import { appendFeeds } from '../../src/opml/config-edit.js';
import { parseConfig } from '../../src/config/load.js';
import { runFeedwatch } from '../helpers/feedwatch-process.js';

const real = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../fixtures/opml/real/${name}`, import.meta.url)));

interface Expected {
  feeds: number;
  /** How many feeds carry each category list (as JSON). */
  categories: Record<string, number>;
  /** Feeds whose address is already in the list (one written with and one without a trailing slash). */
  duplicates: number;
  withHtmlUrl: number;
}

/** Counted by reading each file. */
const FILES: Record<string, Expected> = {
  'netnewswire-default-feeds.opml': { feeds: 16, categories: { '[]': 16 }, duplicates: 0, withHtmlUrl: 16 },
  'netnewswire-subs.opml': {
    feeds: 207,
    categories: { '[]': 69, '["Programming"]': 33, '["Macintosh"]': 5, '["Weblogs"]': 97, '["Writers"]': 3 },
    duplicates: 1,
    withHtmlUrl: 172,
  },
  'newsboat-category.opml': { feeds: 1, categories: { '["tag one","tag_two","tag/three"]': 1 }, duplicates: 0, withHtmlUrl: 0 },
  'newsboat-example.opml': { feeds: 7, categories: { '[]': 4, '["Blogs"]': 1, '["Blogs","friends"]': 1, '["eloquent"]': 1 }, duplicates: 0, withHtmlUrl: 0 },
};

const histogram = (feeds: OpmlFeed[]) => {
  const out: Record<string, number> = {};
  for (const f of feeds) out[JSON.stringify(f.categories)] = (out[JSON.stringify(f.categories)] ?? 0) + 1;
  return out;
};

/** The file's text as UTF-16 with a byte-order mark, its declaration saying so. */
function utf16(bytes: Buffer, endian: 'le' | 'be'): Buffer {
  const text = bytes.toString('utf8').replace(/^(<\?xml[^>]*encoding=")[^"]*(")/, `$1UTF-16$2`);
  const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
  if (endian === 'le') return le;
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return be;
}

for (const [name, want] of Object.entries(FILES)) {
  test(`${name}: every feed read with its folders or categories, then config -> OPML -> config gives the same feeds`, () => {
    const parsed = parseOpml(real(name), name);
    assert.deepEqual(parsed.skipped, []);
    assert.equal(parsed.feeds.length, want.feeds);
    assert.deepEqual(histogram(parsed.feeds), want.categories);
    assert.equal(parsed.feeds.filter((f) => f.htmlUrl !== null).length, want.withHtmlUrl);
    for (const f of parsed.feeds) {
      assert.match(f.xmlUrl, /^https?:\/\//, f.xmlUrl);
      assert.ok(f.title.trim() !== '', `a name for ${f.xmlUrl}`);
    }

    const appended = appendFeeds('# imported\nfeeds: []\n', 'feedwatch.yaml', parsed.feeds);
    assert.equal(appended.added.length, want.feeds - want.duplicates);
    assert.equal(appended.skipped.length, want.duplicates);
    const config = parseConfig(appended.text, 'feedwatch.yaml');
    assert.equal(config.feeds.length, want.feeds - want.duplicates);
    assert.equal(new Set(config.feeds.map((f) => f.name)).size, config.feeds.length, 'names are unique');
    // Each configured feed is one of the file's, with its folders or categories as tags.
    const byUrl = new Map(parsed.feeds.map((f) => [f.xmlUrl, f]));
    for (const f of config.feeds) assert.deepEqual(f.tags, byUrl.get(f.url)?.categories, f.url);

    const exported = writeOpml(config.feeds.map((f) => ({ name: f.name, url: f.url, tags: f.tags })), 'feedwatch', new Date(Date.UTC(2026, 11, 6)));
    const back = parseOpml(Buffer.from(exported, 'utf8'), 'export.opml');
    assert.deepEqual(
      back.feeds.map((f) => [f.title, f.xmlUrl, f.categories]),
      config.feeds.map((f) => [f.name, f.url, f.tags]),
    );
    // Importing the export into the config it came from adds nothing.
    assert.equal(appendFeeds(appended.text, 'feedwatch.yaml', back.feeds).added.length, 0);
  });

  test(`${name} saved as UTF-16 (LE and BE, with a BOM) reads the same`, () => {
    const want8 = parseOpml(real(name), name).feeds;
    for (const endian of ['le', 'be'] as const) {
      assert.deepEqual(parseOpml(utf16(real(name), endian), `${name}.${endian}`).feeds, want8, endian);
    }
  });
}

test('non-ASCII and escaped titles of a real list survive the round trip', () => {
  const feeds = parseOpml(real('netnewswire-subs.opml'), 'subs').feeds;
  const titles = feeds.map((f) => f.title);
  for (const t of ['Learn Swift ↯', 'We ❤ Swift', '⌥⇧K', 'Stratēchery', 'And now it’s all this', 'chat & code', 'Susan × Blog']) assert.ok(titles.includes(t), t);
  const config = parseConfig(appendFeeds('feeds: []\n', 'c.yaml', feeds).text, 'c.yaml');
  const back = parseOpml(Buffer.from(writeOpml(config.feeds.map((f) => ({ name: f.name, url: f.url, tags: f.tags })), 't', new Date(0))), 'back').feeds;
  for (const t of ['Learn Swift ↯', 'We ❤ Swift', '⌥⇧K', 'Stratēchery', 'chat & code']) assert.ok(back.some((f) => f.title === t), t);
});

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-opml-real-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('feedwatch import-opml of the UTF-16 copy of a real list, then export-opml: the same feeds, folders as categories', { timeout: 300_000 }, async () => {
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(config, `# my feeds\nstorage: { driver: sqlite, path: ${JSON.stringify(join(dir, 'fw.db'))} }\nfeeds: []\n`);
  const opml = join(dir, 'subs-utf16.opml');
  writeFileSync(opml, utf16(real('netnewswire-subs.opml'), 'le'));
  const env = { FEEDWATCH_CONFIG: undefined };
  const imported = await runFeedwatch(['import-opml', opml, '--config', config], { env, timeoutMs: 240_000 });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /added 206 feeds to .*; skipped 1\n$/);
  assert.match(readFileSync(config, 'utf8'), /^# my feeds\n/, 'the comment is kept');
  const exported = await runFeedwatch(['export-opml', '--config', config], { env, timeoutMs: 240_000 });
  assert.equal(exported.code, 0, exported.stderr);
  const back = parseOpml(Buffer.from(exported.stdout, 'utf8'), 'export.opml').feeds;
  const original = parseOpml(real('netnewswire-subs.opml'), 'subs').feeds;
  const key = (f: OpmlFeed) => `${f.xmlUrl} ${JSON.stringify(f.categories)}`;
  const originalKeys = new Set(original.map(key));
  assert.equal(back.length, 206);
  for (const f of back) assert.ok(originalKeys.has(key(f)), key(f));
  assert.equal(new Set(back.map((f) => f.xmlUrl.replace(/\/$/, ''))).size, 206, 'one feed per address');
});

/** OPML in and out: reader-shaped files parsed, feeds appended to a config file with its comments kept, round trip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseOpml, type OpmlFeed } from '../../src/opml/parse.js';
import { writeOpml } from '../../src/opml/write.js';
import { appendFeeds } from '../../src/opml/config-edit.js';
import { parseConfig } from '../../src/config/load.js';
import { FeedwatchError } from '../../src/errors.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../fixtures/opml/${name}`, import.meta.url)));
const simple = (feeds: OpmlFeed[]) => feeds.map((f) => ({ title: f.title, url: f.xmlUrl, categories: f.categories }));

test('nested folders become categories, in document order; empty folders and folders without feeds add nothing', () => {
  const { feeds, skipped } = parseOpml(fixture('folders.opml'), 'folders.opml');
  assert.deepEqual(simple(feeds), [
    { title: 'Agency wire', url: 'https://wire.example.org/rss/world.xml', categories: ['World'] },
    { title: 'Bishkek daily', url: 'https://bishkek.example.kg/export/rss2/index.xml', categories: ['World', 'Central Asia'] },
    { title: 'Almaty evening', url: 'http://almaty.example.kz/feed/', categories: ['World', 'Central Asia'] },
    { title: 'Compiler notes', url: 'https://blog.example.net/atom.xml', categories: ['Tech'] },
    { title: 'Loose feed', url: 'https://loose.example.com/rss', categories: [] },
  ]);
  assert.equal(feeds[0]!.htmlUrl, 'https://wire.example.org/world');
  assert.equal(feeds[2]!.htmlUrl, null);
  assert.deepEqual(skipped, []);
});

test('the category attribute, lower-case attribute names and entities are read; non-http addresses are skipped with a reason', () => {
  const { feeds, skipped } = parseOpml(fixture('categories.opml'), 'categories.opml');
  assert.deepEqual(simple(feeds), [
    { title: 'Politics & Power', url: 'https://politics.example.org/rss', categories: ['News/Politics', 'Watchlist'] },
    { title: 'Markets "live"', url: 'https://markets.example.org/feed.xml?lang=en&edition=eu', categories: ['Economy'] },
  ]);
  assert.equal(feeds[0]!.htmlUrl, 'https://politics.example.org/');
  assert.deepEqual(
    skipped.map((s) => s.xmlUrl),
    ['javascript:alert(1)', '/feed.xml'],
  );
});

test('windows-1251 and UTF-16 files decode to the same Cyrillic titles', () => {
  const a = parseOpml(fixture('cp1251.opml'), 'cp1251.opml').feeds;
  const b = parseOpml(fixture('utf16.opml'), 'utf16.opml').feeds;
  assert.deepEqual(simple(a), [
    { title: 'Вечерний Бишкек', url: 'https://vb.example.kg/rss.xml', categories: ['Новости'] },
    { title: 'Газета «Известия»', url: 'https://iz.example.ru/xml/rss/all.xml', categories: ['Новости'] },
  ]);
  assert.deepEqual(simple(b), simple(a));
});

test('a file that is not OPML, or is over its bounds, is a clear typed error', () => {
  const notOpml = Buffer.from('<rss><channel><title>x</title></channel></rss>');
  assert.throws(() => parseOpml(notOpml, 'x.xml'), (e: unknown) => e instanceof FeedwatchError && e.kind === 'parse' && /x\.xml: not an OPML file/.test(e.message));

  const deep = '<opml><body>' + '<outline text="f">'.repeat(40) + '<outline xmlUrl="https://a.example/rss"/>' + '</outline>'.repeat(40) + '</body></opml>';
  assert.throws(() => parseOpml(Buffer.from(deep), 'deep.opml', { maxBytes: 1e6, maxOutlines: 1000, maxDepth: 32 }), (e: unknown) => e instanceof FeedwatchError && e.kind === 'too-large' && /nested more than 32/.test(e.message));

  const many = '<opml><body>' + Array.from({ length: 51 }, (_, i) => `<outline xmlUrl="https://a.example/${i}"/>`).join('') + '</body></opml>';
  assert.throws(() => parseOpml(Buffer.from(many), 'many.opml', { maxBytes: 1e6, maxOutlines: 50, maxDepth: 32 }), (e: unknown) => e instanceof FeedwatchError && e.kind === 'too-large' && /more than 50 outlines/.test(e.message));
  assert.throws(() => parseOpml(Buffer.from(many), 'big.opml', { maxBytes: 100, maxOutlines: 50, maxDepth: 32 }), (e: unknown) => e instanceof FeedwatchError && e.kind === 'too-large');
});

const CONFIG = `# my feeds, hand-written
userAgent: "desk/1.0 (ops@example.org)"

feeds:
  # the wire, polled often
  - name: Agency wire
    url: https://wire.example.org/rss/world.xml
    interval: 5m   # keep it fast
  - name: Compiler notes
    url: https://other.example.org/rss

alerts:
  rules: []
`;

test('appending keeps comments and existing entries, skips known addresses and makes taken names unique', () => {
  const { feeds } = parseOpml(fixture('folders.opml'), 'folders.opml');
  const r = appendFeeds(CONFIG, 'cfg.yaml', feeds, ['imported']);
  assert.ok(r.text.startsWith('# my feeds, hand-written\n'));
  assert.match(r.text, /# the wire, polled often\n/);
  assert.match(r.text, /interval: 5m +# keep it fast/);
  assert.deepEqual(r.skipped.map((s) => s.url), ['https://wire.example.org/rss/world.xml']);
  assert.deepEqual(
    r.added.map((a) => a.name),
    ['Bishkek daily', 'Almaty evening', 'Compiler notes (blog.example.net)', 'Loose feed'],
  );
  const config = parseConfig(r.text, 'cfg.yaml');
  assert.equal(config.feeds.length, 6);
  assert.deepEqual(config.feeds.find((f) => f.name === 'Bishkek daily')!.tags, ['World', 'Central Asia', 'imported']);
  assert.deepEqual(config.feeds.find((f) => f.name === 'Loose feed')!.tags, ['imported']);
  // The alerts section after the list is untouched.
  assert.match(r.text, /alerts:\n {2}rules: \[\]\n$/);

  // Importing the same file again adds nothing.
  const again = appendFeeds(r.text, 'cfg.yaml', feeds, ['imported']);
  assert.equal(again.added.length, 0);
  assert.equal(again.text, r.text);
});

test('a config with no feeds key, or an empty flow list, gets a block list', () => {
  const feeds = parseOpml(fixture('cp1251.opml'), 'c.opml').feeds;
  for (const text of ['# nothing yet\nuserAgent: x/1\n', 'feeds: []\n']) {
    const r = appendFeeds(text, 'cfg.yaml', feeds);
    assert.equal(r.added.length, 2, text);
    assert.match(r.text, /\n {2}- name: Вечерний Бишкек\n {4}url: https:\/\/vb\.example\.kg\/rss\.xml\n/);
    assert.equal(parseConfig(r.text, 'cfg.yaml').feeds.length, 2);
  }
  assert.match(appendFeeds('# nothing yet\nuserAgent: x/1\n', 'cfg.yaml', feeds).text, /^# nothing yet\n/);
});

test('a config that is already invalid is reported as it is, and nothing is produced', () => {
  assert.throws(() => appendFeeds('feeds:\n  - name: a\n    url: https://a.example/rss\n    tgas: [x]\n', 'bad.yaml', []), /bad\.yaml:4:5: feeds\[0\]: unknown key "tgas"/);
});

test('export escapes what it writes, and importing the export gives the same feeds back', () => {
  const feeds = [
    { name: 'Quotes "&" <angles>', url: 'https://q.example.org/rss?a=1&b=2', tags: ['News/Politics', 'watch'] },
    { name: 'Вечерний Бишкек', url: 'https://vb.example.kg/rss.xml', tags: [] },
    { name: "Apostrophe's feed\u0007", url: 'https://apo.example.org/feed', tags: ['x'] },
  ];
  const xml = writeOpml(feeds, 'mine <&>', new Date(Date.UTC(2026, 10, 2)));
  assert.match(xml, /<title>mine &lt;&amp;&gt;<\/title>/);
  assert.doesNotMatch(xml, /\u0007/);
  const back = parseOpml(Buffer.from(xml), 'out.opml').feeds;
  assert.deepEqual(
    back.map((f) => ({ name: f.title, url: f.xmlUrl, tags: f.categories })),
    feeds.map((f) => ({ ...f, name: f.name.replace('\u0007', '') })),
  );
});

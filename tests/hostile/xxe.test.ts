/**
 * XML entities in untrusted input: a feed (or an OPML file) that declares external entities (a file on this machine,
 * a loopback URL, a parameter entity, an external DTD) gets none of them resolved: no file's text reaches an item and
 * no request reaches the canary server; entity expansion is bounded (billion laughs, and one large entity referenced
 * many times). Checked on the parsers (parseFeed, parseOpml) and end to end through `feedwatch once`, which is allowed
 * to fetch from loopback (the feed is served there), so only the parser stands between the entities and the canary.
 * Inputs are generated; the secret is a fresh random string in a temporary file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { parseFeed } from '../../src/feed/parse.js';
import { parseOpml } from '../../src/opml/parse.js';
import { FeedwatchError } from '../../src/errors.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { runFeedwatch } from '../helpers/feedwatch-process.js';

let dir: string;
let secretFile: string;
const SECRET = `fw-secret-${randomBytes(12).toString('hex')}`;
/** Counts every request; answers each with the secret, so a resolved URL entity would show it in the output too. */
let canary: TestServer;
let site: TestServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-xxe-'));
  secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, `${SECRET}\n`);
  canary = await startServer({}, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`<!ENTITY leak "${SECRET}">${SECRET}`);
  });
});
after(async () => {
  await canary?.close();
  await site?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The DOCTYPE of an XXE attempt: file and URL entities, a parameter entity pulling a DTD, an external DTD. */
function hostileDoctype(root: string): string {
  const fileUrl = pathToFileURL(secretFile).href;
  return (
    `<!DOCTYPE ${root} SYSTEM "${canary.url}/external.dtd" [\n` +
    `  <!ENTITY file SYSTEM "${fileUrl}">\n` +
    `  <!ENTITY plainpath SYSTEM "${secretFile}">\n` +
    `  <!ENTITY net SYSTEM "${canary.url}/entity">\n` +
    `  <!ENTITY pub PUBLIC "-//feedwatch//test//EN" "${canary.url}/public">\n` +
    `  <!ENTITY % pe SYSTEM "${canary.url}/parameter.dtd">\n` +
    `  %pe;\n` +
    `]>\n`
  );
}

/** The same DOCTYPE (external DTD, parameter entity pulling another) with no entity referenced in the document. */
const doctypeOnlyFeed = () =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${hostileDoctype('rss')}<rss version="2.0"><channel><title>Harbour</title>` +
  `<item><title>Ferry timetable for the islands</title><link>http://example.org/b</link><guid>b-1</guid><description>Boats leave at nine.</description></item>` +
  `</channel></rss>`;

const xxeFeed = () =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${hostileDoctype('rss')}<rss version="2.0"><channel><title>Harbour &net;</title>` +
  `<item><title>Ferry &file; timetable</title><link>http://example.org/a?x=&plainpath;</link><guid>a-&pub;</guid>` +
  `<description>Boats &net; &leak; leave at nine.</description><author>&file;</author><category>&net;</category></item>` +
  `</channel></rss>`;

/** Billion laughs: ten levels of ten references, 10^9 copies of "lol" if expanded. */
function billionLaughs(root: string, use: (ref: string) => string): string {
  let decl = '  <!ENTITY lol0 "lol">\n';
  for (let i = 1; i <= 9; i++) decl += `  <!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">\n`;
  return `<?xml version="1.0"?>\n<!DOCTYPE ${root} [\n${decl}]>\n${use('&lol9;')}`;
}

/** Quadratic blow-up: one 20,000-character entity referenced 20,000 times (400 M characters if expanded). */
function quadratic(root: string, use: (ref: string) => string): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE ${root} [<!ENTITY a "${'a'.repeat(20_000)}">]>\n${use('&a;'.repeat(20_000))}`;
}

const rssWith = (text: string) => `<rss version="2.0"><channel><title>t</title><item><title>${text}</title><guid>g</guid><description>${text}</description></item></channel></rss>`;

function textOf(value: unknown): string {
  return JSON.stringify(value);
}

/** A parse either returns or throws a typed FeedwatchError; never anything else. */
async function settle<T>(work: () => Promise<T> | T): Promise<T | FeedwatchError> {
  try {
    return await work();
  } catch (err) {
    assert.ok(err instanceof FeedwatchError, `a typed error, not ${String(err)}`);
    return err;
  }
}

test('a feed declaring file, URL, public, parameter entities and an external DTD: none is resolved', async () => {
  const before = canary.requests.length;
  const result = await settle(() => parseFeed(xxeFeed(), 'xxe'));
  assert.doesNotMatch(textOf(result), new RegExp(SECRET), 'no file or URL content in the items');
  assert.equal(canary.requests.length, before, 'no request reached the canary');
  if (!(result instanceof FeedwatchError)) {
    assert.equal(result.length, 1);
    assert.match(result[0]!.title ?? '', /^Ferry .*timetable$/, 'the item itself is read');
  }
});

test('a DOCTYPE with an external DTD and a parameter entity but no reference: the feed is read, nothing fetched', async () => {
  const before = canary.requests.length;
  const items = await parseFeed(doctypeOnlyFeed(), 'doctype');
  assert.deepEqual(items.map((i) => [i.title, i.guid]), [['Ferry timetable for the islands', 'b-1']]);
  assert.equal(canary.requests.length, before, 'neither the external DTD nor the parameter entity was fetched');
});

test('billion laughs and a quadratic blow-up in a feed: parsed or refused, output bounded', async () => {
  for (const [name, xml] of [
    ['billion laughs', billionLaughs('rss', rssWith)],
    ['quadratic blow-up', quadratic('rss', rssWith)],
  ] as const) {
    const cpu = process.cpuUsage();
    const result = await settle(() => parseFeed(xml, name));
    const used = process.cpuUsage(cpu);
    const out = textOf(result);
    // Expanded, either input is hundreds of megabytes; unexpanded, every field stays within the input's size.
    assert.ok(out.length <= 2 * xml.length + 10_000, `${name}: ${out.length} characters out of ${xml.length} in`);
    assert.doesNotMatch(out, /(lol){1000}|a{100000}/, `${name}: the entity was not expanded`);
    // Counted work, not wall time: a few CPU seconds at most even on a loaded machine (expansion would take minutes and gigabytes).
    assert.ok(used.user + used.system < 20_000_000, `${name}: ${(used.user + used.system) / 1e6} s of CPU`);
  }
});

test('an OPML file with the same entities: nothing read, nothing fetched, bounded', async () => {
  const before = canary.requests.length;
  const opml = (body: string) => `<opml version="2.0"><head><title>t</title></head><body>${body}</body></opml>`;
  const outline = (text: string) => `<outline text="${text}" type="rss" xmlUrl="https://example.org/feed.xml" htmlUrl="https://example.org/"/>`;
  const xxe = `<?xml version="1.0" encoding="UTF-8"?>\n${hostileDoctype('opml')}${opml(`${outline('&file; &net; &plainpath; &pub;')}<outline text="&net;">${outline('x')}</outline>`)}`;
  const results = [
    await settle(() => parseOpml(Buffer.from(xxe), 'xxe.opml')),
    await settle(() => parseOpml(Buffer.from(billionLaughs('opml', (r) => opml(outline(r)))), 'laughs.opml')),
    await settle(() => parseOpml(Buffer.from(quadratic('opml', (r) => opml(outline(r)))), 'quadratic.opml')),
  ];
  for (const r of results) {
    const out = textOf(r);
    assert.doesNotMatch(out, new RegExp(SECRET));
    assert.ok(out.length < 1_000_000, `${out.length} characters`);
    assert.doesNotMatch(out, /(lol){1000}|a{100000}/);
  }
  assert.equal(canary.requests.length, before, 'no request reached the canary');
});

test('feedwatch once on a loopback feed with XXE entities (loopback allowed): the canary gets nothing, no item holds the file', { timeout: 300_000 }, async () => {
  site = await startServer({}, (req, res) => {
    if (req.url === '/doctype.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(doctypeOnlyFeed());
    else if (req.url === '/feed.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(xxeFeed());
    else if (req.url === '/laughs.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(billionLaughs('rss', rssWith));
    else res.writeHead(404).end();
  });
  const db = join(dir, 'once.db');
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(
    config,
    `storage: { driver: sqlite, path: ${JSON.stringify(db)} }
http: { allowPrivateNetworks: true }
pipeline: { fetchArticles: false }
feeds:
  - { name: xxe, url: "${site.url}/feed.xml" }
  - { name: laughs, url: "${site.url}/laughs.xml" }
  - { name: doctype, url: "${site.url}/doctype.xml" }
`,
  );
  const before = canary.requests.length;
  const r = await runFeedwatch(['once', '--config', config], { env: { FEEDWATCH_CONFIG: undefined }, timeoutMs: 240_000 });
  assert.ok(r.code === 0 || r.code === 1, `once ended normally (${r.code}): ${r.stderr.slice(-2000)}`);
  assert.equal(site.requests.length, 3, 'the three feeds were fetched from loopback');
  assert.equal(canary.requests.length, before, 'no entity was fetched from the canary');
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
  const sqlite = new Database(db, { readonly: true });
  try {
    const items = sqlite.prepare('SELECT feed_name, guid, link, title, description, author, categories FROM items').all() as Array<Record<string, string>>;
    assert.deepEqual(
      items.filter((i) => i.feed_name === 'doctype').map((i) => i.title),
      ['Ferry timetable for the islands'],
      'the feed with a hostile DOCTYPE but no reference was read and stored',
    );
    // A feed referencing a declared entity is stored without it, or refused as a parse error recorded against it.
    const feeds = sqlite.prepare('SELECT name, last_error FROM feeds').all() as Array<{ name: string; last_error: string | null }>;
    for (const name of ['xxe', 'laughs']) {
      const stored = items.some((i) => i.feed_name === name);
      const error = feeds.find((f) => f.name === name)?.last_error ?? null;
      assert.ok(stored !== (error !== null), `${name}: stored (${stored}) or refused with an error (${error})`);
      if (error !== null) assert.match(error, /parse/);
    }
    assert.doesNotMatch(JSON.stringify(feeds), new RegExp(SECRET));
    const stored = JSON.stringify(items);
    assert.doesNotMatch(stored, new RegExp(SECRET), 'no stored item holds the secret file or the canary\'s answer');
    assert.ok(stored.length < 100_000, `stored items are bounded: ${stored.length} characters`);
    assert.doesNotMatch(stored, /(lol){1000}/);
  } finally {
    sqlite.close();
  }
});

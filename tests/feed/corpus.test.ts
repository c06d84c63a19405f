/**
 * Every file of tests/fixtures/feeds (feedparser's ill-formed, encoding and entity tests, rss-parser's inputs) goes
 * through fetch → decodeBody → parseFeed, served over loopback with the Content-Type its header comment names.
 * None may crash; each gives items, an empty but valid feed, or a recorded FeedwatchError. A hang would be caught
 * by the test runner's timeout: nothing here measures time (a loaded machine is slow, not broken).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { fetchUrl, createFetchAgent } from '../../src/fetch/http.js';
import { decodeBody } from '../../src/fetch/charset.js';
import { createHostLimiter } from '../../src/fetch/politeness.js';
import { parseFeed } from '../../src/feed/parse.js';
import { FeedwatchError } from '../../src/errors.js';
import type { DecodedText, FeedItem } from '../../src/model.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

const ROOT = fileURLToPath(new URL('../fixtures/feeds/', import.meta.url));
/** The fetch's own limit: generous, so that only a real hang hits it (and then fails as a 'timeout' error). */
const FETCH_TIMEOUT_MS = 120_000;

interface Outcome {
  file: string;
  contentType: string | null;
  decoded: DecodedText | null;
  items: FeedItem[] | null;
  error: FeedwatchError | null;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return listFiles(full);
    return name === 'README.md' ? [] : [relative(ROOT, full)];
  });
}

/** The Content-Type a feedparser test file says it is served with (`Header: Content-type: ...`), if any. */
function namedContentType(bytes: Buffer): string | null {
  const head = bytes.subarray(0, 2048).toString('latin1').replace(/\0/g, '');
  const m = /^Header:\s*Content-type:\s*(.*?)\s*$/im.exec(head);
  return m?.[1] ?? null;
}

describe('feed corpus through fetch → decode → parse', () => {
  const files = listFiles(ROOT).sort();
  const outcomes = new Map<string, Outcome>();
  let srv: TestServer;

  before(async () => {
    srv = await startServer({}, (req, res, url) => {
      const file = decodeURIComponent(url.pathname.slice(1));
      if (!files.includes(file)) {
        res.writeHead(404).end();
        return;
      }
      const bytes = readFileSync(join(ROOT, file));
      const headers: Record<string, string> = {};
      const type = namedContentType(bytes);
      if (type !== null) headers['content-type'] = type;
      // The larger real-world captures go out gzipped, as their sites would send them.
      const gzip = bytes.length > 8192 && String(req.headers['accept-encoding']).includes('gzip');
      const body = gzip ? zlib.gzipSync(bytes) : bytes;
      if (gzip) headers['content-encoding'] = 'gzip';
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      res.end(body);
    });

    const agent = createFetchAgent({ allowPrivateNetworks: true });
    const limiter = createHostLimiter({ perHost: 8, total: 8 });
    try {
      await Promise.all(
        files.map((file) =>
          limiter.run(srv.url, async () => {
            const outcome: Outcome = { file, contentType: null, decoded: null, items: null, error: null };
            try {
              const url = `${srv.url}/${file.split('/').map(encodeURIComponent).join('/')}`;
              const res = await fetchUrl(url, { userAgent: 'feedwatch-corpus', allowPrivateNetworks: true, totalTimeoutMs: FETCH_TIMEOUT_MS }, { dispatcher: agent });
              outcome.contentType = res.headers['content-type'] ?? null;
              outcome.decoded = decodeBody(res.body, outcome.contentType, 'xml');
              outcome.items = await parseFeed(outcome.decoded.text, file, { baseUrl: res.finalUrl });
            } catch (err) {
              // Anything but a FeedwatchError is a crash: keep it and fail below.
              if (!(err instanceof FeedwatchError)) throw new Error(`${file} crashed: ${String(err)}`, { cause: err });
              outcome.error = err;
            }
            outcomes.set(file, outcome);
          }),
        ),
      );
    } finally {
      await agent.close();
    }
  });

  after(async () => {
    await srv?.close();
  });

  test('every file gives items, an empty feed, or a recorded parse error; none crashes', () => {
    assert.ok(files.length >= 380, `found ${files.length} files`);
    assert.equal(outcomes.size, files.length);
    const all = [...outcomes.values()];
    const withItems = all.filter((o) => o.items && o.items.length > 0);
    const empty = all.filter((o) => o.items && o.items.length === 0);
    const errors = all.filter((o) => o.error);
    const byKind = new Map<string, number>();
    for (const o of errors) byKind.set(o.error!.kind, (byKind.get(o.error!.kind) ?? 0) + 1);
    const items = withItems.reduce((n, o) => n + o.items!.length, 0);
    console.log(
      `corpus: ${files.length} files: ${withItems.length} gave items (${items} items), ${empty.length} parsed with no items, ` +
        `${errors.length} gave errors (${[...byKind].map(([k, n]) => `${k}: ${n}`).join(', ')})`,
    );
    for (const o of errors) console.log(`  error ${o.file}: ${o.error!.kind}: ${o.error!.message}`);

    assert.equal(withItems.length + empty.length + errors.length, files.length);
    // Every file was served, so the only errors may come from parsing (or a web page where the feed should be:
    // rss-parser's "unrecognized" input is a "Document Moved" HTML page); each names its feed.
    for (const o of errors) {
      assert.equal(o.error!.kind, o.file.endsWith('/unrecognized.rss') ? 'not-a-feed' : 'parse', o.file);
      assert.equal(o.error!.context['feed'], o.file);
    }
    // Floors measured when this test was written (55 with items, 4 errors): a regression moves them.
    assert.ok(withItems.length >= 55, `${withItems.length} files gave items`);
    assert.ok(errors.length <= 4, `${errors.length} files gave errors`);
  });

  test('every rss-parser input that rss-parser itself reads as a feed with content gives items', () => {
    // unrecognized.rss is rss-parser's own "must reject" case; incomplete-fields.atom's one entry holds only an
    // empty <author>, so there is nothing to store.
    const expectedWithout: Record<string, 'error' | 'empty'> = {
      'rss-parser-inputs/test/input/unrecognized.rss': 'error',
      'rss-parser-inputs/test/input/incomplete-fields.atom': 'empty',
    };
    const inputs = [...outcomes.values()].filter((o) => o.file.startsWith('rss-parser-inputs/'));
    assert.ok(inputs.length >= 30);
    for (const o of inputs) {
      const expected = expectedWithout[o.file];
      if (expected === 'error') assert.ok(o.error, o.file);
      else if (expected === 'empty') assert.deepEqual(o.items, [], o.file);
      else assert.ok(o.items && o.items.length > 0, `${o.file}: ${o.error?.message ?? 'no items'}`);
    }
    const heise = outcomes.get('rss-parser-inputs/test/input/heise.atom')!;
    assert.equal(heise.items!.length, 15);
    assert.ok(heise.items!.every((i) => i.link?.startsWith('http://www.heise.de/') && i.publishedAt !== null));
  });

  test('encoding cases decode to the text or charset their Expect line names', () => {
    const enc = (name: string) => outcomes.get(`feedparser-tests/tests/encoding/${name}`)!;
    const chardet = (name: string) => outcomes.get(`feedparser-tests/tests/illformed/chardet/${name}`)!;

    // Expect: entries[0]['description'] == 'This is a \xa3\u201ctest.\u201d'  (Header: charset=windows-1252)
    for (const name of ['http_text_xml_charset_2.xml', 'http_text_xml_charset_overrides_encoding_2.xml']) {
      assert.equal(enc(name).contentType, 'text/xml; charset=windows-1252');
      assert.equal(enc(name).items![0]!.description, 'This is a \u00a3\u201ctest.\u201d');
    }
    // Expect: entries[0]['description'] == '\ub144'  (declaration euc-kr)
    assert.equal(enc('euc-kr-item.xml').items![0]!.description, '\ub144');
    assert.equal(enc('euc-kr-attribute.xml').items![0]!.description, '<img alt="\ub144" />');
    // Expect: bozo and encoding == 'KOI8-R'  (no declaration, no header: found by sniffing)
    assert.equal(chardet('koi8r.xml').decoded!.charset, 'koi8-r');
    assert.equal(chardet('koi8r.xml').items![0]!.title, 'Как пережить новогоднюю ночь');
    // Expect: encoding == 'utf-16be' / 'utf-16le' / 'utf-32be' / 'utf-32le', with and without BOM.
    for (const [name, charset] of [
      ['utf-16be-bom.xml', 'utf-16be'],
      ['utf-16le-bom.xml', 'utf-16le'],
      ['utf-16be.xml', 'utf-16be'],
      ['utf-16le-autodetect.xml', 'utf-16le'],
      ['utf-32be-bom.xml', 'utf-32be'],
      ['utf-32le-bom.xml', 'utf-32le'],
      ['utf-32be-autodetect.xml', 'utf-32be'],
      ['utf-32le.xml', 'utf-32le'],
      ['utf-8-bom.xml', 'utf-8'],
    ] as const) {
      assert.equal(enc(name).decoded!.charset, charset, name);
      assert.ok(enc(name).items, `${name} parses`);
    }
    // Expect: encoding == 'gb18030' for a gb2312 header, and the header beats the declaration.
    assert.equal(enc('http_application_atom_xml_gb2312_charset_overrides_encoding.xml').decoded!.charset, 'gb18030');
    assert.equal(enc('http_text_xml_charset_overrides_encoding.xml').decoded!.charsetSource, 'header');
    // Expect: encoding == 'big5' from the declaration.
    assert.equal(enc('big5.xml').decoded!.charset, 'big5');
    // Not bozo: application/xml without charset defers to the utf-8 declaration.
    assert.match(enc('http_i18n.xml').decoded!.text, /Iñtërnâtiônàlizætiøn/);
  });
});

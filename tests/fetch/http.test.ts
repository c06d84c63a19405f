import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type { ServerResponse } from 'node:http';
import { fetchUrl, createFetchAgent, parseRetryAfter, type FetchOptions } from '../../src/fetch/http.js';
import { decodeBody } from '../../src/fetch/charset.js';
import { FeedwatchError } from '../../src/errors.js';
import { ManualClock } from '../../src/clock.js';
import { startServer, send, redirect, stall, type TestServer } from '../helpers/http-server.js';
import { encodeSingleByte } from './single-byte.js';

const opts: FetchOptions = { userAgent: 'feedwatch-test/1', allowPrivateNetworks: true, totalTimeoutMs: 5000, idleTimeoutMs: 2000 };
const rss = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>';

/** Await a rejection and return it as a FeedwatchError (fails the test if it is anything else). */
async function failure(p: Promise<unknown>): Promise<FeedwatchError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof FeedwatchError, `expected FeedwatchError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the fetch to fail');
}

/** Write `chunk` until the client goes away; resolves when the response is closed. */
function endless(res: ServerResponse, chunk: Buffer, onClose: () => void): void {
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.on('close', onClose);
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk)) {
      /* until backpressure */
    }
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

describe('fetchUrl', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  test('returns the body, headers and validators of a 200, sending User-Agent and Accept-Encoding', async () => {
    srv.route('/ok', send(rss, { headers: { 'content-type': 'application/rss+xml', etag: '"v1"', 'x-thing': 'y' } }));
    const r = await fetchUrl(`${srv.url}/ok`, opts);
    assert.equal(r.status, 200);
    assert.equal(Buffer.from(r.body).toString('utf8'), rss);
    assert.equal(r.etag, '"v1"');
    assert.equal(r.headers['x-thing'], 'y');
    assert.equal(r.notModified, false);
    assert.deepEqual(r.redirects, []);
    assert.equal(r.finalUrl, `${srv.url}/ok`);
    const seen = srv.requests.at(-1)!;
    assert.equal(seen.headers['user-agent'], 'feedwatch-test/1');
    assert.equal(seen.headers['accept-encoding'], 'gzip, deflate, br');
    assert.equal(seen.headers['if-none-match'], undefined);
  });

  test('conditional GET: the second fetch with the ETag gets notModified and an empty body', async () => {
    srv.route('/cond', (req, res) => {
      if (req.headers['if-none-match'] === '"abc"') {
        res.writeHead(304, { etag: '"abc"' });
        res.end();
        return;
      }
      res.writeHead(200, { etag: '"abc"', 'last-modified': 'Sat, 05 Mar 2022 12:00:00 GMT' });
      res.end(rss);
    });
    const first = await fetchUrl(`${srv.url}/cond`, opts);
    assert.equal(first.status, 200);
    assert.equal(first.etag, '"abc"');
    assert.equal(first.lastModified, 'Sat, 05 Mar 2022 12:00:00 GMT');
    const second = await fetchUrl(`${srv.url}/cond`, { ...opts, etag: first.etag, lastModified: first.lastModified });
    assert.equal(second.status, 304);
    assert.equal(second.notModified, true);
    assert.equal(second.body.length, 0);
    const seen = srv.requests.at(-1)!;
    assert.equal(seen.headers['if-none-match'], '"abc"');
    assert.equal(seen.headers['if-modified-since'], 'Sat, 05 Mar 2022 12:00:00 GMT');
  });

  test('a feed header overrides a default header', async () => {
    srv.route('/hdr', send(rss));
    await fetchUrl(`${srv.url}/hdr`, { ...opts, headers: { 'User-Agent': 'custom', Cookie: 'a=b' } });
    assert.equal(srv.requests.at(-1)!.headers['user-agent'], 'custom');
    assert.equal(srv.requests.at(-1)!.headers['cookie'], 'a=b');
  });

  test('windows-1251 and koi8-r bodies with a matching header decode to Cyrillic', async () => {
    const text = '<?xml version="1.0"?><rss version="2.0"><channel><title>Новости Кыргызстана: ёлка</title></channel></rss>';
    for (const charset of ['windows-1251', 'koi8-r']) {
      const bytes = encodeSingleByte(text, charset);
      assert.notDeepEqual(Buffer.from(bytes), Buffer.from(text, 'utf8'));
      srv.route(`/cyr-${charset}`, send(bytes, { headers: { 'content-type': `application/rss+xml; charset=${charset}` } }));
      const r = await fetchUrl(`${srv.url}/cyr-${charset}`, opts);
      const decoded = decodeBody(r.body, r.headers['content-type'] ?? null, 'xml');
      assert.equal(decoded.text, text);
      assert.equal(decoded.charset, charset);
      assert.equal(decoded.charsetSource, 'header');
    }
  });

  test('gzip, deflate and brotli bodies are decoded', async () => {
    const big = rss.repeat(50);
    const encoded: Record<string, Buffer> = {
      gzip: zlib.gzipSync(big),
      deflate: zlib.deflateSync(big),
      br: zlib.brotliCompressSync(big),
    };
    for (const [coding, bytes] of Object.entries(encoded)) {
      srv.route(`/enc-${coding}`, send(bytes, { headers: { 'content-encoding': coding } }));
      const r = await fetchUrl(`${srv.url}/enc-${coding}`, opts);
      assert.equal(Buffer.from(r.body).toString('utf8'), big, coding);
    }
  });

  test('a deflate body decodes whether it is zlib-wrapped, raw (no header) or gzip, in one chunk or byte by byte', async () => {
    const text = `${rss.repeat(20)}<!-- Новости: ${'ж'.repeat(3000)} -->`;
    const flavours: Record<string, Buffer> = {
      zlib: zlib.deflateSync(text),
      raw: zlib.deflateRawSync(text),
      'raw-level1': zlib.deflateRawSync(text, { level: 1 }),
      gzip: zlib.gzipSync(text),
    };
    for (const [name, bytes] of Object.entries(flavours)) {
      srv.route(`/deflate-${name}`, send(bytes, { headers: { 'content-encoding': 'deflate' } }));
      const r = await fetchUrl(`${srv.url}/deflate-${name}`, opts);
      assert.equal(Buffer.from(r.body).toString('utf8'), text, name);
    }
    // The flavour is decided on the first two bytes even when they arrive in separate chunks.
    const raw = zlib.deflateRawSync(text);
    srv.route('/deflate-trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'deflate' });
      res.write(raw.subarray(0, 1));
      setImmediate(() => {
        res.write(raw.subarray(1, 2));
        setImmediate(() => res.end(raw.subarray(2)));
      });
    });
    assert.equal(Buffer.from((await fetchUrl(`${srv.url}/deflate-trickle`, opts)).body).toString('utf8'), text);
  });

  test('a raw-deflate bomb hits the cap on decoded bytes', async () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(32 * 1024 * 1024));
    srv.route('/rawbomb', send(bomb, { headers: { 'content-encoding': 'deflate' } }));
    const err = await failure(fetchUrl(`${srv.url}/rawbomb`, { ...opts, maxBytes: 1024 * 1024 }));
    assert.equal(err.kind, 'too-large');
  });

  test('a corrupt gzip body is a decode error', async () => {
    srv.route('/badgzip', send(Buffer.from('this is not gzip at all'), { headers: { 'content-encoding': 'gzip' } }));
    const err = await failure(fetchUrl(`${srv.url}/badgzip`, opts));
    assert.equal(err.kind, 'decode');
  });

  test('the size cap stops an endless body while it streams, and the connection is closed', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    srv.route('/endless', (_req, res) => endless(res, Buffer.alloc(16 * 1024, 'a'), closed));
    const err = await failure(fetchUrl(`${srv.url}/endless`, { ...opts, maxBytes: 100_000 }));
    assert.equal(err.kind, 'too-large');
    assert.equal(err.context['limitBytes'], 100_000);
    await serverSawClose;
  });

  test('a declared Content-Length over the cap is refused before reading', async () => {
    srv.route('/declared', (_req, res) => {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
      res.write('x');
    });
    const err = await failure(fetchUrl(`${srv.url}/declared`, { ...opts, maxBytes: 1024 }));
    assert.equal(err.kind, 'too-large');
    assert.equal(err.context['bytesSeen'], 50 * 1024 * 1024);
  });

  test('a gzip bomb (small on the wire, huge decoded) hits the cap on decoded bytes', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    assert.ok(bomb.length < 200_000);
    srv.route('/bomb', send(bomb, { headers: { 'content-encoding': 'gzip' } }));
    const err = await failure(fetchUrl(`${srv.url}/bomb`, { ...opts, maxBytes: 1024 * 1024 }));
    assert.equal(err.kind, 'too-large');
    assert.ok((err.context['bytesSeen'] as number) < 2 * 1024 * 1024, 'stopped soon after the cap');
  });

  test('a brotli bomb hits the cap too', async () => {
    const bomb = zlib.brotliCompressSync(Buffer.alloc(32 * 1024 * 1024));
    srv.route('/brbomb', send(bomb, { headers: { 'content-encoding': 'br' } }));
    const err = await failure(fetchUrl(`${srv.url}/brbomb`, { ...opts, maxBytes: 512 * 1024 }));
    assert.equal(err.kind, 'too-large');
  });

  test('the total timeout ends a body that trickles forever', async () => {
    srv.route('/trickle', (_req, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(t));
    });
    const err = await failure(fetchUrl(`${srv.url}/trickle`, { ...opts, totalTimeoutMs: 250, idleTimeoutMs: 2000 }));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.context['phase'], 'total');
  });

  test('the idle timeout ends a server that never sends headers', async () => {
    srv.route('/stall', stall());
    const err = await failure(fetchUrl(`${srv.url}/stall`, { ...opts, totalTimeoutMs: 5000, idleTimeoutMs: 200 }));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.context['phase'], 'headers');
  });

  test('the idle timeout ends a body that stops mid-way', async () => {
    srv.route('/halfway', (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('<rss>');
    });
    const err = await failure(fetchUrl(`${srv.url}/halfway`, { ...opts, totalTimeoutMs: 5000, idleTimeoutMs: 200 }));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.context['phase'], 'body');
  });

  test('404 and 410 are http-status errors that retrying cannot fix', async () => {
    for (const status of [404, 410]) {
      srv.route(`/s${status}`, send('gone', { status }));
      const err = await failure(fetchUrl(`${srv.url}/s${status}`, opts));
      assert.equal(err.kind, 'http-status');
      assert.equal(err.context['status'], status);
      assert.equal(err.retryable, false);
    }
  });

  test('429 and 503 carry Retry-After seconds and stay retryable', async () => {
    srv.route('/s503', send('busy', { status: 503, headers: { 'retry-after': '120' } }));
    const err = await failure(fetchUrl(`${srv.url}/s503`, opts));
    assert.equal(err.kind, 'http-status');
    assert.equal(err.context['status'], 503);
    assert.equal(err.context['retryAfterSeconds'], 120);
    assert.equal(err.retryable, true);

    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    srv.route('/s429', send('slow down', { status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:01:30 GMT' } }));
    const err429 = await failure(fetchUrl(`${srv.url}/s429`, opts, { clock }));
    assert.equal(err429.context['retryAfterSeconds'], 90);
  });

  test('parseRetryAfter reads seconds and dates, and ignores junk', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('30', now), 30);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
  });

  test('a redirect loop is refused with the hops recorded', async () => {
    srv.route('/loop-a', redirect('/loop-b'));
    srv.route('/loop-b', redirect('/loop-a'));
    const err = await failure(fetchUrl(`${srv.url}/loop-a`, opts));
    assert.equal(err.kind, 'redirect-loop');
    const hops = err.context['redirects'] as { from: string; to: string }[];
    assert.deepEqual(hops.map((h) => new URL(h.to).pathname), ['/loop-b', '/loop-a']);
  });

  test('6 redirects are too many; 5 are followed and recorded', async () => {
    for (let i = 0; i < 6; i++) srv.route(`/hop${i}`, redirect(`/hop${i + 1}`, 307));
    srv.route('/hop6', send(rss));
    const err = await failure(fetchUrl(`${srv.url}/hop0`, opts));
    assert.equal(err.kind, 'too-many-redirects');

    const ok = await fetchUrl(`${srv.url}/hop1`, opts);
    assert.equal(ok.status, 200);
    assert.equal(ok.redirects.length, 5);
    assert.equal(ok.finalUrl, `${srv.url}/hop6`);
    assert.equal(ok.permanentRedirectTo, null);
  });

  test('a 301 is recorded as a permanent redirect; a 302 is not', async () => {
    srv.route('/old', redirect('/new', 301));
    srv.route('/new', send(rss));
    const moved = await fetchUrl(`${srv.url}/old`, opts);
    assert.equal(moved.finalUrl, `${srv.url}/new`);
    assert.equal(moved.permanentRedirectTo, `${srv.url}/new`);
    assert.deepEqual(moved.redirects, [{ from: `${srv.url}/old`, to: `${srv.url}/new`, status: 301 }]);

    srv.route('/temp', redirect('/new', 302));
    assert.equal((await fetchUrl(`${srv.url}/temp`, opts)).permanentRedirectTo, null);

    // 308 to /mid, which redirects temporarily: the feed moved to /mid, not to where /mid points today.
    srv.route('/perm-then-temp', redirect('/mid', 308));
    srv.route('/mid', redirect('/new', 302));
    assert.equal((await fetchUrl(`${srv.url}/perm-then-temp`, opts)).permanentRedirectTo, `${srv.url}/mid`);
  });

  test('loopback is refused unless private networks are allowed, by IP and by name', async () => {
    srv.route('/private', send(rss));
    const before = srv.requests.length;
    const byIp = await failure(fetchUrl(`${srv.url}/private`, { ...opts, allowPrivateNetworks: false }));
    assert.equal(byIp.kind, 'private-network');
    assert.equal(byIp.retryable, false);
    const byName = await failure(fetchUrl(`http://localhost:${srv.port}/private`, { ...opts, allowPrivateNetworks: false }));
    assert.equal(byName.kind, 'private-network');
    assert.equal(srv.requests.length, before, 'no request reached the server');

    // The same through a shared agent made by createFetchAgent.
    const agent = createFetchAgent({ allowPrivateNetworks: false });
    try {
      const viaAgent = await failure(fetchUrl(`http://localhost:${srv.port}/private`, { ...opts, allowPrivateNetworks: false }, { dispatcher: agent }));
      assert.equal(viaAgent.kind, 'private-network');
    } finally {
      await agent.close();
    }
  });

  test('a shared agent can be passed as the dispatcher', async () => {
    srv.route('/shared', send(rss));
    const agent = createFetchAgent({ allowPrivateNetworks: true });
    try {
      const a = await fetchUrl(`${srv.url}/shared`, opts, { dispatcher: agent });
      const b = await fetchUrl(`${srv.url}/shared`, opts, { dispatcher: agent });
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
    } finally {
      await agent.close();
    }
  });

  test('bad URLs and refused connections are typed errors', async () => {
    assert.equal((await failure(fetchUrl('ftp://example.com/feed', opts))).kind, 'bad-url');
    assert.equal((await failure(fetchUrl('not a url', opts))).kind, 'bad-url');
    srv.route('/to-ftp', redirect('ftp://example.com/x'));
    assert.equal((await failure(fetchUrl(`${srv.url}/to-ftp`, opts))).kind, 'bad-url');

    const closed = await startServer();
    const deadUrl = `${closed.url}/feed`;
    await closed.close();
    const err = await failure(fetchUrl(deadUrl, opts));
    assert.equal(err.kind, 'network');
    assert.equal(err.context['code'], 'ECONNREFUSED');
  });

  test('elapsedMs comes from the injected clock', async () => {
    srv.route('/timed', send(rss));
    let t = 1000;
    const clock = { now: () => (t += 7) };
    const r = await fetchUrl(`${srv.url}/timed`, opts, { clock });
    assert.ok(r.elapsedMs > 0 && r.elapsedMs % 7 === 0);
  });
});

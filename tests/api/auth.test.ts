/**
 * Who may read the status page and the API: loopback addresses, the token rules, the Authorization header forms,
 * a real server with a token, and the daemon refusing to start on a non-loopback address without one.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiToken, authorized, isLoopbackHost } from '../../src/api/auth.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics.js';
import { startHealthServer } from '../../src/server.js';
import { runFeedwatch } from '../helpers/feedwatch-process.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'x'.repeat(20) + 'sécret';

test('loopback addresses', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.org', '128.0.0.1', '::ffff:10.0.0.1', '']) assert.ok(!isLoopbackHost(h), h);
});

test('a token is required off loopback, optional on it, and must be long enough', () => {
  const cfg = (host: string) => parseConfig(`server:\n  host: "${host}"\n  tokenEnv: MY_TOKEN\n`, join(dir, 'c.yaml'));
  assert.equal(apiToken(cfg('127.0.0.1'), {}), null);
  assert.equal(apiToken(cfg('127.0.0.1'), { MY_TOKEN: TOKEN }), TOKEN, 'set, it is required on loopback too');
  assert.throws(() => apiToken(cfg('0.0.0.0'), {}), (err: unknown) => err instanceof ConfigError && /MY_TOKEN/.test(err.message) && /server\.tokenEnv/.test(err.message));
  assert.throws(() => apiToken(cfg('0.0.0.0'), { MY_TOKEN: '   ' }), ConfigError, 'blank is unset');
  assert.throws(() => apiToken(cfg('10.1.2.3'), { MY_TOKEN: 'short' }), /at least 16/);
  assert.equal(apiToken(cfg('0.0.0.0'), { MY_TOKEN: TOKEN }), TOKEN);
  assert.throws(() => parseConfig('server:\n  tokenEnv: "not a name"\n', join(dir, 'd.yaml')), /tokenEnv/);
});

test('Authorization: Bearer, or Basic with the token as the password', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s, 'utf8').toString('base64')}`;
  assert.ok(authorized(`Bearer ${TOKEN}`, TOKEN));
  assert.ok(authorized(`bearer   ${TOKEN}`, TOKEN));
  assert.ok(authorized(basic(`anyone:${TOKEN}`), TOKEN));
  assert.ok(authorized(basic(`:${TOKEN}`), TOKEN));
  for (const h of [undefined, '', TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, basic(TOKEN), basic(`${TOKEN}:x`), `Token ${TOKEN}`, `Bearer ${TOKEN} extra`]) {
    assert.ok(!authorized(h, TOKEN), String(h));
  }
});

test('a server with a token: the page and the API need it, the probes do not', async () => {
  const server: Server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createMetrics(),
    health: async () => ({ ok: true, detail: {} }),
    api: { context: () => null, token: TOKEN },
  });
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const status = async (path: string, authorization?: string) => (await fetch(base + path, authorization ? { headers: { authorization } } : {})).status;
    for (const path of ['/', '/api/feeds', '/api/stories?q=x', '/api/stories/1', '/api/alerts', '/api/boilerplate', '/api/activity', '/nowhere']) {
      assert.equal(await status(path), 401, path);
      assert.equal(await status(path, 'Bearer wrong-token-wrong-token'), 401, path);
    }
    const res = await fetch(base + '/');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="feedwatch"/, 'a browser asks for it');
    // With the token, past the check: 503 as nothing has started here.
    assert.equal(await status('/api/feeds', `Bearer ${TOKEN}`), 503);
    assert.equal(await status('/', `Basic ${Buffer.from(`me:${TOKEN}`).toString('base64')}`), 503);
    for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal(await status(path), 200, path);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('the daemon refuses to start on a non-loopback address without a token: one line, exit status 2', async () => {
  const path = join(dir, 'open.yaml');
  writeFileSync(path, `server:\n  host: 0.0.0.0\n  port: 0\nstorage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'x.db'))}\nfeeds: []\n`);
  // port 0 from the file serves nothing, so --port asks for one; the check comes before the port is bound.
  const r = await runFeedwatch(['run', '--config', path, '--port', '1'], { env: { FEEDWATCH_API_TOKEN: undefined, FEEDWATCH_PORT: undefined }, timeoutMs: 60_000 });
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^feedwatch: cannot start \(role all\): invalid config: server\.host is 0\.0\.0\.0, not a loopback address, .*FEEDWATCH_API_TOKEN/);
});

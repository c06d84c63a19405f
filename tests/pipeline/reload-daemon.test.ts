/**
 * Hot reload in the real daemon (`feedwatch run`, embedded): an edit of the watched config file adds a feed and
 * removes another without a restart; SIGHUP reloads and never ends the process; a broken edit is logged with
 * its error and the running config stays (its feeds still polled); SIGTERM still stops it cleanly.
 * Everything is counted from the loopback server's requests and the daemon's log lines, never timed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { waitFor } from './bullmq-fixture.js';

const rss = (title: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><item><title>${title} news</title><guid>${title}-1</guid></item></channel></rss>`;

let dir: string;
let site: TestServer;
let daemon: FeedwatchProcess;
let port: number;
const config = () => join(dir, 'feedwatch.yaml');

/** A port free now (the daemon binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as { port: number };
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
}

interface ConfigStatus {
  feeds: number;
  version: { sha256: string; feeds: number } | null;
  lastReload: { ok: boolean; reason: string; error?: string } | null;
}
const configStatus = async (): Promise<ConfigStatus> => (await (await fetch(`http://127.0.0.1:${port}/api/config`)).json()) as ConfigStatus;

function writeConfig(feeds: string[], extra = ''): void {
  writeFileSync(
    config(),
    `storage: { driver: sqlite, path: ${JSON.stringify(join(dir, 'feedwatch.db'))} }
log: { format: json }
http: { allowPrivateNetworks: true }
pipeline: { fetchArticles: false }
defaults: { interval: 1s, minInterval: 1s, jitter: 0 }
feeds:
${feeds.map((n) => `  - { name: ${n}, url: "${site.url}/${n}.xml" }\n`).join('')}${extra}`,
  );
}

const polls = (name: string) => site.requests.filter((r) => r.path === `/${name}.xml`).length;
const reloads = () => daemon.logs.filter((l) => l.msg === 'config reloaded' || String(l.msg).startsWith('config reload failed'));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-reload-daemon-'));
  site = await startServer({}, (_req, res, url) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(url.pathname.slice(1, -4)));
  });
  writeConfig(['alpha', 'beta']);
  port = await freePort();
  daemon = spawnFeedwatch(['run', '--config', config(), '--port', String(port)], {}, 'reload-daemon');
  await waitFor(() => polls('alpha') > 0 && polls('beta') > 0, 120_000, 'both first feeds polled');
});

after(async () => {
  await daemon?.kill();
  await site?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an edit of the config file adds and removes feeds without a restart', { timeout: 180_000 }, async () => {
  const pid = daemon.process.pid;
  const before = await configStatus();
  assert.equal(before.lastReload, null);
  const seen = reloads().length;
  writeConfig(['alpha', 'gamma']);
  await waitFor(() => reloads().length > seen, 120_000, 'the edit reloaded');
  const line = reloads().at(-1)!;
  assert.equal(line.msg, 'config reloaded');
  assert.equal(line.feeds_added, 1);
  assert.equal(line.feeds_removed, 1);
  // /api/config shows the version now running.
  const now = await configStatus();
  assert.notEqual(now.version?.sha256, before.version?.sha256);
  assert.equal(now.version?.sha256, line.version);
  assert.equal(now.lastReload?.ok, true);
  await waitFor(() => polls('gamma') > 0, 120_000, 'the added feed polled');
  // beta is gone: once alpha has been polled twice more after the reload, beta has not been polled since.
  const betaAfter = polls('beta');
  const alphaNow = polls('alpha');
  await waitFor(() => polls('alpha') >= alphaNow + 2, 120_000, 'alpha polled twice more');
  assert.ok(polls('beta') <= betaAfter, 'the removed feed is not polled again');
  assert.equal(daemon.process.pid, pid);
  assert.ok(daemon.running());
});

test('SIGHUP reloads and the daemon keeps running; a broken edit keeps the running config', { timeout: 180_000 }, async () => {
  let seen = reloads().length;
  daemon.process.kill('SIGHUP');
  await waitFor(() => reloads().length > seen, 120_000, 'SIGHUP reloaded');
  assert.equal(reloads().at(-1)!.reason, 'SIGHUP');
  assert.ok(daemon.running(), 'SIGHUP did not end the daemon');

  seen = reloads().length;
  writeFileSync(config(), 'feeds:\n  - { name: delta, url: "not a url" }\n');
  await waitFor(() => reloads().length > seen, 120_000, 'the broken edit was read');
  const failed = reloads().at(-1)!;
  assert.match(String(failed.msg), /^config reload failed, the running config stays: .*url/);
  const status = await configStatus();
  assert.equal(status.lastReload?.ok, false);
  assert.match(status.lastReload?.error ?? '', /url/);
  assert.equal(status.feeds, 2, 'the running config (alpha, gamma) is what the API shows');
  // Still polling the feeds it had: alpha and gamma keep coming.
  const alpha = polls('alpha');
  const gamma = polls('gamma');
  await waitFor(() => polls('alpha') > alpha && polls('gamma') > gamma, 120_000, 'the running feeds still polled');
  assert.equal(polls('delta'), 0);

  const exit = await daemon.stop();
  assert.equal(exit.code, 0);
});

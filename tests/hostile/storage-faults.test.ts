/**
 * Storage faults under the real daemon: `feedwatch run` (embedded, SQLite on its storage thread) polls a loopback
 * feed every second and stores its stories; then the database file is deleted, its directory is deleted, or the
 * file is made read-only (`chattr +i`: the tests run as root, which chmod does not stop; the kernel refuses root a
 * write to an immutable file).
 *
 * What it shows: /healthz answers 503 with a reason naming the database; one error line names the path and the fix;
 * work stops: over the following ticks of the daemon's loop (read from /healthz `lastTickAt`) the loopback site
 * sees no request. A file made writable again resumes work by itself (/healthz 200, new stories stored); a deleted
 * one does not. Work is counted (requests, ticks), never timed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { storyPage, story } from '../helpers/story-pages.js';
import { doneCount, waitFor } from '../pipeline/bullmq-fixture.js';

const html = { 'content-type': 'text/html; charset=utf-8' };

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface Health {
  status: number;
  reasons: string[];
  lastTickAt: string | undefined;
}

async function health(port: number): Promise<Health> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  const body = (await res.json()) as { reasons?: string[]; lastTickAt?: string };
  return { status: res.status, reasons: body.reasons ?? [], lastTickAt: body.lastTickAt };
}

/** Wait until the daemon's loop has completed `n` more ticks (as /healthz reports them). */
async function ticks(port: number, n: number): Promise<void> {
  const seen = new Set<string>();
  const first = (await health(port)).lastTickAt;
  await waitFor(
    async () => {
      const at = (await health(port)).lastTickAt;
      if (at && at !== first) seen.add(at);
      return seen.size >= n;
    },
    120_000,
    `${n} ticks`,
  );
}

type Fault = 'file deleted' | 'directory deleted' | 'file read-only';

describe('storage faults under feedwatch run', () => {
  let site: TestServer;
  const dirs: string[] = [];
  const procs: FeedwatchProcess[] = [];
  const immutable: string[] = [];
  let seeds = [21, 22, 23];

  const feed = () => {
    const items = seeds.map((seed) => `<item><title>${story(seed).title}</title><link>${site.url}/news/${seed}.html</link><guid>story-${seed}</guid></item>`).join('');
    return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Регион</title><link>${site.url}/</link>${items}</channel></rss>`;
  };

  before(async () => {
    site = await startServer({}, (req, res, url) => {
      if (url.pathname === '/feed.xml') return send(feed(), { headers: { 'content-type': 'application/rss+xml; charset=utf-8' } })(req, res, url);
      const seed = /^\/news\/(\d+)\.html$/.exec(url.pathname)?.[1];
      if (seed) return send(storyPage(Number(seed)), { headers: html })(req, res, url);
      res.writeHead(404).end();
    });
  });
  after(async () => {
    for (const p of immutable) execFileSync('chattr', ['-i', p]);
    for (const p of procs) await p.kill();
    await site?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const fault of ['file deleted', 'directory deleted', 'file read-only'] as Fault[]) {
    test(`${fault}: /healthz 503, one log line with the path and the fix, no more requests`, { timeout: 300_000 }, async () => {
      seeds = [21, 22, 23];
      const root = mkdtempSync(join(tmpdir(), 'feedwatch-storage-fault-'));
      dirs.push(root);
      const dbDir = join(root, 'data');
      const db = join(dbDir, 'feedwatch.db');
      const port = await freePort();
      writeFileSync(
        join(root, 'feedwatch.yaml'),
        `storage: { driver: sqlite, path: ${JSON.stringify(db)} }
server: { port: ${port} }
http: { allowPrivateNetworks: true }
defaults: { interval: 1s, minInterval: 1s, jitter: 0 }
feeds:
  - { name: region, url: "${site.url}/feed.xml" }
`,
      );
      const p = spawnFeedwatch(['run', '--config', join(root, 'feedwatch.yaml')], {}, `daemon (${fault})`);
      procs.push(p);
      await waitFor(() => doneCount(db) === 3 || !p.running(), 120_000, 'the first three stories stored');
      assert.ok(p.running(), p.stderr());
      assert.equal((await health(port)).status, 200);

      if (fault === 'file deleted') rmSync(db);
      else if (fault === 'directory deleted') rmSync(dbDir, { recursive: true });
      else {
        execFileSync('chattr', ['+i', db]);
        immutable.push(db);
      }
      // A new story: the next poll must not store it (nor, once stopped, fetch its page).
      seeds = [21, 22, 23, 24];

      await waitFor(async () => (await health(port)).status === 503, 120_000, '/healthz 503');
      const h = await health(port);
      assert.ok(
        h.reasons.some((r) => r.startsWith('storage: ') && r.includes(db)),
        `a reason names the database: ${JSON.stringify(h.reasons)}`,
      );
      await waitFor(() => p.logs.some((l) => String(l.msg).startsWith('storage fault, work stopped')), 60_000, 'the fault logged');

      // Work stopped: a few ticks for what was in flight at the fault, then a few more with no request at all.
      await ticks(port, 2);
      const before = site.requests.length;
      await ticks(port, 4);
      assert.equal(site.requests.length, before, `no request while stopped: ${JSON.stringify(site.requests.slice(before).map((r) => r.path))}`);
      assert.ok(!site.requests.some((r) => r.path === '/news/24.html'), 'the new story was not fetched');

      const faultLines = p.logs.filter((l) => String(l.msg).startsWith('storage fault, work stopped'));
      assert.equal(faultLines.length, 1, 'one line');
      const line = faultLines[0]!;
      assert.equal(line.level, 50, 'logged as an error');
      assert.equal(line.path, db);
      assert.ok(String(line.msg).includes(db));
      assert.match(String(line.msg), fault === 'file read-only' ? /make it writable .* resumes by itself/ : /restart feedwatch/);
      if (fault === 'directory deleted') assert.ok(String(line.msg).includes(`directory ${dbDir}`));

      if (fault === 'file read-only') {
        execFileSync('chattr', ['-i', db]);
        immutable.splice(immutable.indexOf(db), 1);
        await waitFor(async () => (await health(port)).status === 200, 120_000, '/healthz 200 again');
        await waitFor(() => doneCount(db) === 4 || !p.running(), 120_000, 'the new story stored once writable');
        assert.ok(p.logged('storage can be written again: work resumes'));
      } else {
        // Never resumes by itself: still stopped after more ticks.
        await ticks(port, 2);
        assert.equal((await health(port)).status, 503);
      }
      const exit = await p.stop();
      assert.equal(exit.code, 0, p.stderr());
      assert.equal(p.logs.filter((l) => String(l.msg).startsWith('storage fault')).length, 1, 'still one line at exit');
    });
  }
});

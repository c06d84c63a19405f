/**
 * The worst hostile inputs of issue 19 against a real `feedwatch run` daemon (the CLI as a child process, embedded
 * driver, SQLite) and a loopback site: a feed nested 100,000 deep (~700 KB), an HTML page 400,000 divs deep, a page
 * of about a million tiny elements, and a 4.9 MB page of text, next to a healthy feed whose three article pages
 * are fetched alongside them.
 *
 * Shown by events, not by timing: while a hostile task runs in the CPU pool, /healthz answers 200 and names that
 * task among the ones running (the answer was made while the task ran, so the main thread was free); every healthy
 * page is stored; the deep feed is recorded as `too-complex`; each hostile page ends either extracted or recorded
 * with a budget kind (`too-slow`, `too-complex`), never as an internal error, and none of them stops the daemon.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { freePort, send, startServer, type TestServer } from '../helpers/http-server.js';
import { storyPage } from '../helpers/story-pages.js';
import { deepFeed, hostilePages } from '../helpers/hostile-inputs.js';
import { waitFor } from '../pipeline/bullmq-fixture.js';

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const RSS = { 'content-type': 'application/rss+xml; charset=utf-8' };

function rss(items: Array<{ guid: string; link: string; title: string }>, inner = ''): string {
  const body = items.map((i) => `<item><guid>${i.guid}</guid><link>${i.link}</link><title>${i.title}</title></item>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>${body}${inner}</channel></rss>`;
}

interface HealthAnswer {
  status: number;
  ok: boolean;
  reasons: string[];
  running: Array<{ task: string; for: string }>;
}

let site: TestServer;
let dir: string;
let daemon: FeedwatchProcess | null = null;
const pages = hostilePages();

before(async () => {
  site = await startServer();
  for (const [path, html] of Object.entries(pages)) site.route(path, send(html, { headers: HTML }));
  const healthy = [1, 2, 3].map((n) => ({ guid: `healthy-${n}`, link: `${site.url}/story/${n}.html`, title: `story ${n}` }));
  for (const n of [1, 2, 3]) site.route(`/story/${n}.html`, send(storyPage(1900 + n), { headers: HTML }));
  site.route('/healthy.xml', send(rss(healthy), { headers: RSS }));
  const hostileItems = Object.keys(pages).map((path) => ({ guid: path, link: `${site.url}${path}`, title: path }));
  site.route('/hostile-pages.xml', send(rss(hostileItems), { headers: RSS }));
  const deep = deepFeed(`${site.url}/none`);
  assert.ok(deep.length > 690_000);
  site.route('/deep.xml', send(deep, { headers: RSS }));
  dir = mkdtempSync(join(tmpdir(), 'feedwatch-budgets-'));
});

after(async () => {
  if (daemon?.running()) await daemon.kill();
  await site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('hostile feeds and pages run off the main thread: /healthz answers while they run, healthy pages are stored', async (t) => {
  const port = await freePort();
  const db = join(dir, 'feedwatch.db');
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(
    config,
    [
      `storage:\n  driver: sqlite\n  path: ${db}`,
      `server:\n  port: ${port}`,
      'log:\n  level: info\n  format: json',
      'http:\n  allowPrivateNetworks: true\n  timeout: 60s\n  idleTimeout: 30s',
      // A deadline that the hostile pages may reach on a loaded machine, short enough to keep the test short.
      'budgets:\n  threads: 2\n  taskTimeout: 10s',
      'defaults:\n  minInterval: 1h\n  interval: 1h',
      'pipeline:\n  articleConcurrency: 6',
      'feeds:',
      ...['healthy', 'hostile-pages', 'deep'].map((name) => `  - name: ${name}\n    url: ${site.url}/${name === 'deep' ? 'deep' : name}.xml`),
    ].join('\n') + '\n',
  );
  daemon = spawnFeedwatch(['run', '--config', config], { FEEDWATCH_PORT: '' }, 'daemon');
  const d = daemon;
  await waitFor(() => d.logged('feedwatch started') || !d.running(), 120_000, 'the daemon started');
  assert.ok(d.running(), d.stderr());

  // /healthz, one request after another, for as long as the work lasts.
  const answers: HealthAnswer[] = [];
  const hostileFeeds = new Set(['hostile-pages', 'deep']);
  let done = false;
  const prober = (async () => {
    while (!done && d.running()) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      const body = (await res.json()) as { ok: boolean; reasons: string[]; cpu?: { running: HealthAnswer['running'] } };
      answers.push({ status: res.status, ok: body.ok, reasons: body.reasons, running: body.cpu?.running ?? [] });
      await new Promise(setImmediate);
    }
  })();

  const items = () => {
    try {
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return conn.prepare<[], { feed_name: string; guid: string; article_state: string; article_attempts: number; article_error: string | null }>(
          'SELECT feed_name, guid, article_state, article_attempts, article_error FROM items',
        ).all();
      } finally {
        conn.close();
      }
    } catch {
      return [];
    }
  };
  const feedError = (name: string): string | null => {
    try {
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return conn.prepare<[string], { last_error: string | null }>('SELECT last_error FROM feeds WHERE name = ?').get(name)?.last_error ?? null;
      } finally {
        conn.close();
      }
    } catch {
      return null;
    }
  };
  // Every page has had its attempt (stored, or failed and waiting for its retry minutes away), and the deep feed its poll.
  await waitFor(
    () => {
      const rows = items();
      return !d.running() || (rows.length === 6 && rows.every((r) => r.article_state === 'done' || r.article_attempts > 0) && feedError('deep') !== null);
    },
    600_000,
    'every page tried and the deep feed polled',
  );
  done = true;
  await prober;
  assert.ok(d.running(), `the daemon is still running: ${d.stderr()}`);

  const rows = items();
  for (const r of rows.filter((r) => r.feed_name === 'healthy')) assert.equal(r.article_state, 'done', `${r.guid}: ${r.article_error}`);
  // Extracted, or recorded against the page with a kind that says why; never an internal error.
  for (const r of rows.filter((r) => r.feed_name === 'hostile-pages')) {
    if (r.article_state !== 'done') assert.match(r.article_error ?? '', /^(too-slow|too-complex|nothing-extracted):/, `${r.guid}: ${r.article_error}`);
  }
  assert.match(feedError('deep') ?? '', /^too-complex:/);
  assert.ok(!d.logs.some((l) => l.error_kind === 'internal'), 'no hostile input ends as an internal error');

  // /healthz answered all along, and while a hostile task was running in the pool (the answer lists it). The main
  // loop never went quiet (no "scheduler" reason); on a machine loaded enough, the storage thread's ping may miss its
  // 1 s deadline, which is the storage check's own verdict, counted below.
  assert.ok(answers.length > 0);
  assert.deepEqual(
    answers.flatMap((a) => a.reasons).filter((r) => !r.startsWith('storage: no answer to a ping')),
    [],
    'no /healthz answer says the loop stalled',
  );
  const during = answers.filter((a) => a.status === 200 && a.running.some((r) => hostileFeeds.has(r.for)));
  assert.ok(during.length > 0, `a healthy /healthz answer named a hostile task running (${answers.length} answers)`);
  t.diagnostic(
    `${answers.length} /healthz answers, ${during.length} healthy while a hostile task ran, ${answers.filter((a) => a.status !== 200).length} 503 ` +
      `(storage ping late); hostile pages: ` +
      rows.filter((r) => r.feed_name === 'hostile-pages').map((r) => `${r.guid} ${r.article_state === 'done' ? 'extracted' : r.article_error}`).join('; '),
  );

  const exit = await d.stop();
  assert.deepEqual([exit.code, exit.signal], [0, null], d.stderr());
});

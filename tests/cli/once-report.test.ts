/**
 * `feedwatch once` as a user runs it against a loopback site: stdout is the report (table, a grammatical summary,
 * the log-channel alerts as text) and never a JSON log line; logs go to stderr off a terminal and nowhere on one
 * (a real pseudo-terminal, through util-linux `script`); every feed failing is exit status 1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, send, type TestServer } from '../helpers/http-server.js';
import { runFeedwatch } from '../helpers/feedwatch-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src/cli/main.ts');

let srv: TestServer;
let dir: string;

const rss = (base: string, items: Array<{ title: string; path: string }>) =>
  `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Port news</title><link>${base}/</link>` +
  items.map((i) => `<item><title>${i.title}</title><link>${base}${i.path}</link><guid>${i.path}</guid><pubDate>Thu, 05 Mar 2026 18:20:00 +0600</pubDate></item>`).join('') +
  '</channel></rss>';

const page = (title: string, sentence: (i: number) => string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1>` +
  Array.from({ length: 6 }, (_, i) => `<p>${sentence(i + 1)}</p>`).join('') +
  '</article></body></html>';
const FERRY = (i: number) => `Boat ${i} of the new ferry terminal left the harbour on Thursday morning, on time for the islands and full of passengers.`;
const BRIDGE = (i: number) => `Crew ${i} closed a lane of the old river bridge at dawn to replace worn steel joints; traffic moved slowly until noon.`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-once-'));
  srv = await startServer({
    '/one.xml': (req, res) => send(rss(srv.url, [{ title: 'Ferry terminal opens in the harbour', path: '/news/ferry' }]), { headers: { 'content-type': 'application/rss+xml' } })(req, res, new URL(srv.url)),
    '/two.xml': (req, res) => send(rss(srv.url, [{ title: 'Bridge repairs start', path: '/news/bridge' }]), { headers: { 'content-type': 'application/rss+xml' } })(req, res, new URL(srv.url)),
    '/news/ferry': send(page('Ferry terminal opens in the harbour', FERRY), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
    '/news/bridge': send(page('Bridge repairs start', BRIDGE), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
    '/tracked.xml': (req, res) =>
      send(
        rss(srv.url, [
          { title: 'Ferry terminal opens in the harbour', path: '/tracked/ferry?utm_source=rss&amp;id=7&amp;utm_medium=feed' },
          { title: 'Bridge repairs start', path: '/tracked/bridge?utm_campaign=spring&amp;id=8#top' },
          { title: 'Ferry timetable for the winter', path: '/tracked/gone?fbclid=abc' },
        ]),
        { headers: { 'content-type': 'application/rss+xml' } },
      )(req, res, new URL(srv.url)),
    // The page names its canonical address (relative, with its own parameter); the link of the feed carried trackers.
    '/tracked/ferry': send(page('Ferry terminal opens in the harbour', FERRY).replace('<head>', '<head><link rel="canonical" href="/news/ferry-terminal?id=7">'), {
      headers: { 'content-type': 'text/html; charset=utf-8' },
    }),
    '/tracked/bridge': send(page('Bridge repairs start', BRIDGE), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
    '/tracked/gone': send('gone', { status: 410 }),
  });
});
after(async () => {
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, feeds: Array<[string, string]>): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `storage: { driver: sqlite, path: ${JSON.stringify(join(dir, `${name}.db`))} }`,
      'http: { allowPrivateNetworks: true }',
      'alerts:',
      '  rules:',
      "    - { name: harbour, query: 'ferry OR bridge', channels: [log] }",
      'feeds:',
      ...feeds.map(([n, path]) => `  - { name: ${n}, url: "${srv.url}${path}" }`),
      '',
    ].join('\n'),
  );
  return file;
}

const jsonLines = (text: string) => text.split('\n').filter((l) => l.trimStart().startsWith('{'));

test('off a terminal: stdout is the report with the log-channel alert as text; JSON logs only on stderr; one of everything is singular', async () => {
  const r = await runFeedwatch(['once', '--config', config('one', [['port', '/one.xml']])], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [], 'no log line on stdout');
  assert.match(r.stdout, /^port\s+200\s+1\s+1\s+\d+/m);
  assert.match(r.stdout, /^1 feed polled, 0 failed, 1 new item; 1 article extracted, 0 failed; 1 alert delivered$/m);
  assert.match(r.stdout, /^alerts \(log channel\):$/m);
  assert.match(r.stdout, /^rule harbour\n {2}Ferry terminal opens in the harbour\n {4}http:\/\/127\.0\.0\.1:\d+\/news\/ferry\n {4}feed port, published 2026-03-05 12:20 UTC; matched: Ferry$/m);
  const logs = jsonLines(r.stderr).map((l) => JSON.parse(l) as { msg: string });
  assert.ok(logs.some((l) => l.msg === 'polled'), r.stderr);
  assert.ok(logs.some((l) => l.msg.startsWith('alert: harbour')), 'the log channel still logs its line');
});

test('plurals: two feeds, two new items, two articles, two alerts', async () => {
  const r = await runFeedwatch(['once', '--config', config('two', [['a', '/one.xml'], ['b', '/two.xml']])], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^2 feeds polled, 0 failed, 2 new items; 2 articles extracted, 0 failed; 2 alerts delivered$/m);
});

test('every feed failing exits 1; one failing of two exits 0', async () => {
  const all = await runFeedwatch(['once', '--config', config('fail', [['x', '/missing-1.xml'], ['y', '/missing-2.xml']])], { timeoutMs: 300_000 });
  assert.equal(all.code, 1, all.stderr);
  assert.match(all.stdout, /^2 feeds polled, 2 failed, 0 new items; 0 articles extracted, 0 failed; 0 alerts delivered$/m);
  const some = await runFeedwatch(['once', '--config', config('some', [['x', '/missing-1.xml'], ['port', '/one.xml']])], { timeoutMs: 300_000 });
  assert.equal(some.code, 0, some.stderr);
  assert.match(some.stdout, /^2 feeds polled, 1 failed, 1 new item;/m);
});

test('alert links: the canonical URL the page declares, else the URL without tracking parameters (also for a page that failed)', async () => {
  const r = await runFeedwatch(['once', '--config', config('tracked', [['port', '/tracked.xml']])], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /; 3 alerts delivered$/m);
  const links = [...r.stdout.matchAll(/^ {4}(http\S+)$/gm)].map((m) => m[1]!.replace(srv.url, '')).sort();
  assert.deepEqual(links, ['/news/ferry-terminal?id=7', '/tracked/bridge?id=8', '/tracked/gone']);
  const logged = jsonLines(r.stderr)
    .map((l) => JSON.parse(l) as { msg: string; items?: Array<{ url: string }> })
    .filter((l) => l.msg.startsWith('alert: '))
    .flatMap((l) => l.items!.map((i) => i.url.replace(srv.url, '')))
    .sort();
  assert.deepEqual(logged, links, 'the log line carries the same links');
});

test('on a terminal (a pseudo-terminal): the alert is printed readably and no JSON log line appears', async () => {
  const file = config('tty', [['port', '/one.xml']]);
  const cmd = `"${process.execPath}" --import tsx "${main}" once --config "${file}"`;
  // util-linux script runs the command on a new pseudo-terminal; -e returns its exit status.
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: root, env: { ...process.env, TERM: 'dumb' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const text = out.replace(/\r/g, '');
  assert.equal(code, 0, text);
  assert.doesNotMatch(text, /"level":/, 'no JSON log line on the terminal');
  assert.match(text, /1 feed polled, 0 failed, 1 new item; 1 article extracted, 0 failed; 1 alert delivered/);
  assert.match(text, /rule harbour\n {2}Ferry terminal opens in the harbour\n {4}http:\/\/127\.0\.0\.1:\d+\/news\/ferry/);
});

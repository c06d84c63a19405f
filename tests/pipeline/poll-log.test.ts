/**
 * What a poll logs and counts: a poll with new items logs an info line, one that brings nothing new (304, or the
 * same items) only a debug line, a failed one a warning; each is counted for the periodic `poll summary`. A 304
 * answer's connection is kept for the next poll (the body read to its end, not destroyed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/log.js';
import { pollFeed } from '../../src/pipeline/stages.js';
import { PollTally } from '../../src/pipeline/poll-tally.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

let srv: TestServer;
let app: TestApp;
const lines: Array<{ level: number; msg: string; new_items?: number; not_modified?: boolean }> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as (typeof lines)[number]);
    done();
  },
});
/** Remote ports of the connections the site saw requests on. */
const ports: number[] = [];
let mode: 'new' | 'same' | '304' | '500' = 'new';
let round = 0;

function rss(guids: string[]): string {
  const items = guids.map((g) => `<item><title>t ${g}</title><link>http://example.test/${g}</link><guid>${g}</guid></item>`).join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><link>http://example.test/</link><description>d</description>${items}</channel></rss>`;
}

before(async () => {
  srv = await startServer({
    '/f.xml': (req, res) => {
      ports.push(req.socket.remotePort ?? -1);
      if (mode === '500') return void res.writeHead(500, { 'content-length': '0' }).end();
      if (mode === '304' && req.headers['if-none-match'] === '"v"') return void res.writeHead(304, { etag: '"v"' }).end();
      const body = Buffer.from(rss(mode === 'new' ? [`a${++round}`, `b${round}`] : [`a${round}`, `b${round}`]));
      res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': String(body.length), etag: '"v"' }).end(body);
    },
  });
  const logger = createLogger({ level: 'debug', format: 'json', destination: sink });
  app = await startTestApp(`pipeline:\n  fetchArticles: false\nfeeds:\n  - name: f\n    url: ${srv.url}/f.xml\n`, { logger, clock: new ManualClock(Date.parse('2026-03-05T12:00:00.000Z')) });
});

after(async () => {
  await app?.dispose();
  await srv?.close();
});

test('polls log by what they brought and are counted for the summary', async () => {
  const tally = new PollTally();
  const deps = { ...app.deps, pollTally: tally };
  const [feed] = app.config.feeds;
  const polled = () => lines.filter((l) => l.msg === 'polled' || l.msg === 'poll failed');
  mode = 'new';
  await pollFeed(feed!, deps);
  mode = 'same';
  await pollFeed(feed!, deps);
  mode = '304';
  await pollFeed(feed!, deps);
  await pollFeed(feed!, deps);
  mode = '500';
  await pollFeed(feed!, deps);
  const seen = polled().map((l) => [l.msg, l.level, l.new_items]);
  assert.deepEqual(seen, [
    ['polled', 30, 2], // info: new items
    ['polled', 20, 0], // debug: the same items again
    ['polled', 20, 0], // debug: 304
    ['polled', 20, 0],
    ['poll failed', 40, 0], // warn
  ]);
  assert.deepEqual(tally.take(), { polls: 5, notModified: 2, unchanged: 1, withNewItems: 1, failed: 1, newItems: 2 });
  assert.equal(tally.take(), null, 'take() starts a new count');
});

test('at the default level a poll that brings nothing new writes no line', async () => {
  const quiet: string[] = [];
  const logger = createLogger({ level: 'info', format: 'json', destination: new Writable({ write: (c: Buffer, _e, done) => (quiet.push(c.toString()), done()) }) });
  mode = '304';
  await pollFeed(app.config.feeds[0]!, { ...app.deps, logger });
  assert.deepEqual(quiet, []);
});

test('304 answers keep their connection for the next poll', async () => {
  mode = '304';
  const from = ports.length;
  for (let i = 0; i < 5; i++) await pollFeed(app.config.feeds[0]!, app.deps);
  const used = new Set(ports.slice(from));
  assert.equal(ports.length - from, 5);
  assert.equal(used.size, 1, `5 polls answered 304 on ${used.size} connections`);
});

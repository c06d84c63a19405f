/**
 * GET /metrics of a real `feedwatch run` (a child process) after it worked through a loopback site, in embedded and
 * in bullmq mode: alert deliveries by channel and outcome (a log channel, a webhook that answers 503, one that answers
 * 400), page failures by kind (a 410 page, a page that is not HTML), a latency histogram per pipeline step, queue
 * depths, and the process metrics under one `feedwatch_` prefix.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAGES_TIMED } from '../../src/metrics.js';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { freePort, send, startServer, type TestServer } from '../helpers/http-server.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';

const FERRY = Array.from({ length: 6 }, (_, i) => `<p>Boat ${i + 1} of the new ferry terminal left the harbour on Thursday morning, on time for the islands and full of passengers.</p>`).join('');

let srv: TestServer;
let dir: string;
let rp: RedisTestPrefix;
const children: FeedwatchProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-metrics-'));
  rp = await redisTestPrefix();
  srv = await startServer({
    '/feed.xml': (req, res, url) =>
      send(
        `<?xml version="1.0"?><rss version="2.0"><channel><title>Port</title><link>${srv.url}/</link>` +
          ['ferry', 'gone', 'pdf'].map((p) => `<item><title>Ferry news: ${p}</title><link>${srv.url}/${p}</link><guid>${p}</guid></item>`).join('') +
          '</channel></rss>',
        { headers: { 'content-type': 'application/rss+xml' } },
      )(req, res, url),
    '/ferry': send(`<html><head><title>Ferry terminal opens</title></head><body><article><h1>Ferry terminal opens</h1>${FERRY}</article></body></html>`, {
      headers: { 'content-type': 'text/html' },
    }),
    '/gone': send('gone', { status: 410 }),
    '/pdf': send('%PDF-1.4', { headers: { 'content-type': 'application/pdf' } }),
    '/hook-down': send('busy', { status: 503 }),
    '/hook-refuses': send('no', { status: 400 }),
  });
});

after(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await srv?.close();
  await rp?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function configFor(name: string, queue: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'log: { level: info, format: json }',
      `storage: { driver: sqlite, path: ${JSON.stringify(join(dir, `${name}.db`))} }`,
      'defaults: { interval: 2s, minInterval: 1s }',
      'http: { allowPrivateNetworks: true }',
      queue,
      'alerts:',
      '  channels:',
      `    down: { type: webhook, url: "${srv.url}/hook-down" }`,
      `    refuses: { type: webhook, url: "${srv.url}/hook-refuses" }`,
      '  rules:',
      "    - { name: harbour, query: 'title:ferry', channels: [log, down, refuses] }",
      'feeds:',
      `  - { name: port, url: "${srv.url}/feed.xml" }`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Metric lines `name{labels} value` as a map from `name{labels}` to the value. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function scrape(port: number): Promise<{ text: string; m: Map<string, number> }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  return { text, m: parse(text) };
}

/** Scrape until `ready` holds; fails when the process exits or after `ms` with the last scrape. */
async function scrapeUntil(child: FeedwatchProcess, port: number, ready: (m: Map<string, number>) => boolean, ms = 240_000): Promise<{ text: string; m: Map<string, number> }> {
  const until = Date.now() + ms;
  let last = { text: '', m: new Map<string, number>() };
  for (;;) {
    assert.ok(child.running(), `feedwatch exited: ${child.stderr()}`);
    last = await scrape(port).catch(() => last);
    if (ready(last.m)) return last;
    if (Date.now() > until) assert.fail(`metrics never got there; last scrape:\n${last.text}\nstderr: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The stored article is waited for too: the failed pages' feed entries can be alerted (and the deliveries counted)
// while the good page is still in its extraction task (a CPU worker loading the extractor on its first page).
const done = (m: Map<string, number>) =>
  (m.get('feedwatch_articles_total{outcome="ok"}') ?? 0) >= 1 &&
  (m.get('feedwatch_alert_deliveries_total{channel="log",outcome="delivered"}') ?? 0) >= 1 &&
  (m.get('feedwatch_alert_deliveries_total{channel="down",outcome="retrying"}') ?? 0) >= 1 &&
  (m.get('feedwatch_alert_deliveries_total{channel="refuses",outcome="failed"}') ?? 0) >= 1 &&
  (m.get('feedwatch_page_failures_total{kind="http-status"}') ?? 0) >= 1 &&
  (m.get('feedwatch_page_failures_total{kind="not-html"}') ?? 0) >= 1;

function assertCommon(text: string, m: Map<string, number>): void {
  for (const stage of STAGES_TIMED) {
    assert.ok((m.get(`feedwatch_stage_duration_seconds_count{stage="${stage}"}`) ?? 0) >= 1, `stage ${stage} timed:\n${text}`);
    assert.ok(m.has(`feedwatch_stage_duration_seconds_bucket{le="+Inf",stage="${stage}"}`), `stage ${stage} has buckets`);
  }
  // One stored article, three items: the 410 page failed for good; the PDF waits for its retry.
  assert.equal(m.get('feedwatch_articles_total{outcome="ok"}'), 1);
  assert.match(text, /^feedwatch_process_cpu_seconds_total \d/m);
  assert.match(text, /^feedwatch_nodejs_heap_size_used_bytes \d/m);
  assert.doesNotMatch(text, /feedwatch_feedwatch_|feedwatch_process_process_|feedwatch_nodejs_nodejs_/);
  assert.doesNotMatch(text, /^(process|nodejs)_/m, 'no process metric without the prefix');
}

describe('metrics after a loopback run', () => {
  test('embedded: deliveries, page failures, stage latencies, due-queue lengths', async () => {
    const port = await freePort();
    const child = spawnFeedwatch(['run', '--port', String(port), '--config', configFor('embedded', 'queue: { driver: embedded }')], {}, 'embedded');
    children.push(child);
    const { text, m } = await scrapeUntil(child, port, done);
    assertCommon(text, m);
    // One enabled feed: it is in exactly one of the poll states.
    const poll = ['waiting', 'delayed', 'active'].map((s) => m.get(`feedwatch_queue_jobs{queue="poll",state="${s}"}`));
    assert.ok(poll.every((v) => v !== undefined), text);
    assert.equal(poll.reduce((a, b) => a! + b!, 0), 1, text);
    for (const s of ['waiting', 'delayed', 'active']) assert.ok(m.has(`feedwatch_queue_jobs{queue="article",state="${s}"}`), `article ${s}`);
    assert.equal((await child.stop()).code, 0);
  });

  test('bullmq: the same, and waiting/active/delayed jobs per queue (the PDF page waits delayed for its retry)', async () => {
    const port = await freePort();
    const queue = `queue: { driver: bullmq, prefix: "${rp.prefix}:metrics", sweepInterval: 500ms, deliverInterval: 500ms }`;
    const child = spawnFeedwatch(['run', '--port', String(port), '--config', configFor('bullmq', queue)], { REDIS_URL: rp.url }, 'bullmq');
    children.push(child);
    const { text, m } = await scrapeUntil(child, port, (x) => done(x) && (x.get('feedwatch_queue_jobs{queue="article",state="delayed"}') ?? 0) >= 1);
    assertCommon(text, m);
    for (const q of ['poll', 'article', 'deliver', 'retention']) {
      for (const s of ['waiting', 'active', 'delayed']) assert.ok(m.has(`feedwatch_queue_jobs{queue="${q}",state="${s}"}`), `${q} ${s}:\n${text}`);
    }
    assert.equal((await child.stop()).code, 0);
  });
});

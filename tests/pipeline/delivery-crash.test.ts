/**
 * At-least-once delivery across a crash, with the real daemon: `feedwatch run` (embedded, SQLite) polls a loopback
 * feed of three stories whose alerts go to a loopback webhook receiver. The receiver holds the first request open;
 * the moment it has it, the daemon is killed with SIGKILL (the request in flight, its outcome never recorded).
 * A new daemon is started on the same config and database; the receiver now answers.
 *
 * What it shows: every alert arrives, each with its id (header = body), one id per story; the request that was in
 * flight comes again with the same id, so a receiver drops it by id. The delivery lease is an hour: the restarted
 * daemon takes the dead one's claims back at once (same host, its pid gone), not when the lease ends.
 * Driven by events (the receiver seeing a request, the processes' exits), never by waiting for time to pass; the
 * only timer is a bound on how long an event may take to come.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { startHttpServer, type RecordedRequest, type TestHttpServer } from '../alerts/servers.js';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { storyPage, story } from '../helpers/story-pages.js';

const SEEDS = [11, 12, 13];
const html = { 'content-type': 'text/html; charset=utf-8' };

/** Resolves when `event` fires, or rejects when the process exits first (with its stderr), or after `boundMs`. */
function beforeExit<T>(event: Promise<T>, p: FeedwatchProcess, what: string, boundMs = 180_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    event,
    p.exited.then((e) => Promise.reject(new Error(`${p.name} exited (${e.code ?? e.signal}) before ${what}: ${p.stderr()}`))),
    new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${boundMs} ms`)), boundMs))),
  ]).finally(() => clearTimeout(timer));
}

interface Received {
  req: RecordedRequest;
  header: string | undefined;
  id: string;
  title: string;
}

describe('a daemon killed while a webhook request is in flight', () => {
  let dir: string;
  let site: TestServer;
  let receiver: TestHttpServer;
  /** The receiver answers only once this is set (the first daemon is dead by then). */
  let answering = false;
  const held: Received[] = [];
  const answered: Received[] = [];
  let firstHeld!: () => void;
  const aRequestIsHeld = new Promise<void>((r) => (firstHeld = r));
  let allAnswered!: () => void;
  const everyStoryAnswered = new Promise<void>((r) => (allAnswered = r));
  const procs: FeedwatchProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-delivery-crash-'));
    const items = SEEDS.map((seed) => `<item><title>${story(seed).title}</title><link>SITE/news/${seed}.html</link><guid>story-${seed}</guid></item>`).join('');
    site = await startServer({
      ...Object.fromEntries(SEEDS.map((seed) => [`/news/${seed}.html`, send(storyPage(seed), { headers: html })])),
    });
    site.route(
      '/feed.xml',
      send(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Регион</title><link>${site.url}/</link>${items.replaceAll('SITE', site.url)}</channel></rss>`, {
        headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
      }),
    );
    receiver = await startHttpServer((req, res) => {
      const body = JSON.parse(req.body) as { id: string; items: { title: string }[] };
      const got = { req, header: req.headers['x-feedwatch-delivery'] as string | undefined, id: body.id, title: body.items[0]!.title };
      if (!answering) {
        held.push(got); // never answered: the request stays in flight until its sender dies
        firstHeld();
        return;
      }
      answered.push(got);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      if (new Set(answered.map((r) => r.title)).size === SEEDS.length) allAnswered();
    });
    writeFileSync(
      join(dir, 'feedwatch.yaml'),
      `storage:
  driver: sqlite
  path: ${JSON.stringify(join(dir, 'feedwatch.db'))}
server:
  port: 0
http:
  allowPrivateNetworks: true
defaults:
  interval: 2s
  minInterval: 1s
  jitter: 0
feeds:
  - name: region
    url: ${site.url}/feed.xml
    tags: [наводнения]
alerts:
  channels:
    hook: { type: webhook, url: "${receiver.url}/hook", timeout: 10m }
  rules:
    - { name: floods, query: 'tag:наводнения', channels: [hook] }
  delivery: { lease: 1h, backoff: 1s }
`,
    );
  });

  after(async () => {
    for (const p of procs) await p.kill();
    await receiver?.close();
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (name: string): FeedwatchProcess => {
    const p = spawnFeedwatch(['run', '--config', join(dir, 'feedwatch.yaml')], {}, name);
    procs.push(p);
    return p;
  };

  test('after a restart every alert arrives, each with its id, and the repeat of the one in flight carries the same id', { timeout: 300_000 }, async () => {
    const first = start('daemon-1');
    await beforeExit(aRequestIsHeld, first, 'the first webhook request');
    const exit = await first.kill();
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(held.length, 1, 'one request was in flight (the channel sends one at a time)');
    const inFlight = held[0]!;

    answering = true;
    const second = start('daemon-2');
    await beforeExit(everyStoryAnswered, second, 'every story answered');
    const stopped = await second.stop();
    assert.equal(stopped.code, 0);

    // Every alert arrived, once per story, each with its id in the header and the body.
    const titles = SEEDS.map((seed) => story(seed).title).sort();
    assert.deepEqual([...new Set(answered.map((r) => r.title))].sort(), titles);
    for (const r of [...held, ...answered]) {
      assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a UUID');
      assert.equal(r.header, r.id, 'X-Feedwatch-Delivery is the body id');
    }
    const idOf = new Map(answered.map((r) => [r.title, r.id]));
    assert.equal(new Set(idOf.values()).size, SEEDS.length, 'one id per story');
    // The request in flight at the kill came again, with the same id: the receiver can drop it.
    assert.equal(idOf.get(inFlight.title), inFlight.id);
    assert.equal(answered.length, SEEDS.length, 'nothing but the in-flight one was sent twice');

    // The database agrees: every delivery delivered, under the id its message carried.
    const store = await openSqliteStore(join(dir, 'feedwatch.db'));
    try {
      const rows = await store.deliveries();
      assert.deepEqual(
        rows.map((r) => [r.item.title, r.status, r.messageId]).sort(),
        titles.map((t) => [t, 'delivered', idOf.get(t)]).sort(),
      );
    } finally {
      await store.close();
    }
  });
});

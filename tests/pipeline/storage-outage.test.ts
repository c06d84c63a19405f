/**
 * During a storage outage, pages back off: the embedded daemon's loop, driven by hand on an injected clock (a tick
 * every 10 s of clock time for two hours), over a real SQLite store whose article writes fail (`storeArticle`: an
 * outage in which reads still work, so the item is still found due). The page of the one item is requested from
 * the loopback server at the pace of a failed page (5 min, then × 4), not every few seconds; once storage is back
 * the item is stored once, its page attempts untouched by the outage. Counted, never timed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { faultyStore } from '../helpers/faulty-store.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { storyPage, story } from '../helpers/story-pages.js';
import { itemRows } from './bullmq-fixture.js';

const SEED = 41;
let site: TestServer;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedwatch-outage-'));
  site = await startServer({
    '/news/41.html': send(storyPage(SEED), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
  });
  site.route(
    '/feed.xml',
    send(
      `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Лента</title><link>${site.url}/</link><item><title>${story(SEED).title}</title><link>${site.url}/news/41.html</link><guid>s41</guid></item></channel></rss>`,
      { headers: { 'content-type': 'application/rss+xml; charset=utf-8' } },
    ),
  );
});
after(async () => {
  await site?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a storage outage of two hours: the page is fetched 4 times (5, 20, 80 min apart), then stored once', async () => {
  const clock = new ManualClock(Date.parse('2026-06-01T00:00:00.000Z'));
  const dbPath = join(dir, 'feedwatch.db');
  const { store, faults } = faultyStore((await openSqliteStore(dbPath)) as Store, 'storeArticle', Number.MAX_SAFE_INTEGER);
  // random() = 0.5: the middle of the ±10 %, so the waits are exactly 5, 20 and 80 minutes.
  const app: TestApp = await startTestApp(`defaults:\n  interval: 15m\nfeeds:\n  - name: news\n    url: ${site.url}/feed.xml\n`, { clock, store, random: () => 0.5 });
  const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 1, articleConcurrency: 1, tickMs: 3_600_000 });
  const pageRequests = () => site.requests.filter((r) => r.path === '/news/41.html').length;
  const fetchedAt: number[] = [];
  const start = clock.now();
  try {
    await pipeline.start();
    for (let t = 0; t <= 7200; t += 10) {
      const before = pageRequests();
      await pipeline.tick();
      await pipeline.settled();
      if (pageRequests() > before) fetchedAt.push((clock.now() - start) / 1000);
      clock.advance(10_000);
    }
    const polls = site.requests.filter((r) => r.path === '/feed.xml').length;
    assert.ok(polls >= 8, `the feed was polled all along (${polls} polls)`);
    assert.ok(faults.failed >= 1 && faults.failed === pageRequests(), 'every fetched page failed to be stored');
    // The first fetch comes with the first poll (within a minute of start); then 5, 20 and 80 minutes later.
    assert.equal(fetchedAt.length, 4, `page requests at ${fetchedAt.join(', ')} s`);
    const gaps = fetchedAt.slice(1).map((t, i) => t - fetchedAt[i]!);
    assert.deepEqual(gaps, [300, 1200, 4800]);
    assert.deepEqual(
      itemRows(dbPath).map((r) => [r.guid, r.article_state, r.article_attempts]),
      [['s41', 'pending', 0]],
      'still pending, no page attempt counted',
    );

    // Storage is back: the next retry (capped at articleRetryMaxDelay, 12 h) stores the article once.
    faults.failNext(0);
    clock.advance(12 * 3_600_000);
    await pipeline.tick();
    await pipeline.settled();
    assert.equal(pageRequests(), 5);
    assert.deepEqual(
      itemRows(dbPath).map((r) => [r.guid, r.article_state, r.article_attempts, r.has_article]),
      [['s41', 'done', 1, 1]],
    );
  } finally {
    await pipeline.stop(5000);
    await app.dispose();
  }
});

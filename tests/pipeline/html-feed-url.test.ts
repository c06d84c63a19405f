/**
 * A feed URL that serves an HTML page, from a loopback site: the poll fails as not-a-feed and offers the feed links
 * the page declares, resolved to absolute URLs, in the log, the stored state, /api/feeds, `feedwatch once` and
 * `feedwatch feeds`; once the URL serves a feed again, nothing is offered any more.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderStatusPage } from '../../src/api/status-page.js';
import { feedsView } from '../../src/api/views.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { memoryLogger } from '../alerts/servers.js';
import { startTestApp } from '../helpers/app.js';
import { runFeedwatch } from '../helpers/feedwatch-process.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';

/** A site's front page declaring an RSS and an Atom feed (relative and protocol-relative), and other links. */
const page = (host: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Harbour Times</title>
<link rel="icon" href="/favicon.ico">
<link rel="alternate" type="application/rss+xml" title="Harbour Times: all" href="feeds/all.rss">
<link rel="alternate" type="text/html" hreflang="de" href="/de/">
<link rel="alternate" type="application/atom+xml" title="Harbour Times: ports" href="//${host}/feeds/ports.atom">
</head><body><h1>Harbour Times</h1><p>Ships came in.</p></body></html>`;

let site: TestServer;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-html-feed-'));
  site = await startServer();
  site.route('/harbour/', send(page(new URL(site.url).host), { headers: { 'content-type': 'text/html; charset=utf-8' } }));
});
after(async () => site?.close());

test('the poll of an HTML page fails as not-a-feed and offers the feeds it declares: log, state, /api/feeds; a feed again clears them', async () => {
  const { logger, lines } = memoryLogger();
  const app = await startTestApp(`feeds:\n  - { name: harbour, url: "${site.url}/harbour/" }\npipeline:\n  fetchArticles: false\n`, { logger });
  try {
    const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 1, articleConcurrency: 1 });
    const offered = [`${site.url}/harbour/feeds/all.rss`, `${site.url}/feeds/ports.atom`];
    const [poll] = (await pipeline.runOnce()).polls;
    assert.deepEqual(poll!.declaredFeeds, offered);
    assert.match(poll!.error ?? '', /^not-a-feed: the address serves an HTML page, not a feed; the page declares 2 feeds: /);
    const logged = lines().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; declared_feeds?: string[]; error_kind?: string });
    const failed = logged.find((l) => l.msg === 'poll failed');
    assert.deepEqual([failed?.error_kind, failed?.declared_feeds], ['not-a-feed', offered]);
    assert.deepEqual((await app.store.feedState('harbour'))?.declaredFeeds, offered);
    const [view] = await feedsView(app.deps);
    assert.deepEqual([view!.health, view!.declaredFeeds], ['failing', offered]);
    assert.match(view!.lastError ?? '', new RegExp(offered.map((u) => u.replace(/[.?/]/g, '\\$&')).join(', ')));
    // The status page links each of them (escaped, http(s) only).
    const html = renderStatusPage({ now: new Date().toISOString(), feeds: [view!], hours: [], recent: [], alerts: { rules: [], matches: [], next: null }, search: null });
    for (const u of offered) assert.ok(html.includes(`<a href="${u}" rel="noopener noreferrer nofollow">${u}</a>`), u);

    // The user points the feed at one of them; the old URL now serves it: nothing is offered any more.
    site.route('/harbour/', send('<?xml version="1.0"?><rss version="2.0"><channel><title>H</title><item><guid>h1</guid><title>Ships</title></item></channel></rss>', { headers: { 'content-type': 'application/rss+xml' } }));
    const [again] = (await pipeline.runOnce()).polls;
    assert.deepEqual([again!.error, again!.declaredFeeds], [null, []]);
    assert.deepEqual((await app.store.feedState('harbour'))?.declaredFeeds, []);
  } finally {
    await app.dispose();
    site.route('/harbour/', send(page(new URL(site.url).host), { headers: { 'content-type': 'text/html; charset=utf-8' } }));
  }
});

test('feedwatch once and feedwatch feeds print the feed links an HTML page offers, in full', async () => {
  const file = join(dir, 'html.yaml');
  writeFileSync(file, `storage: { driver: sqlite, path: ${JSON.stringify(join(dir, 'h.db'))} }\nhttp: { allowPrivateNetworks: true }\nfeeds:\n  - { name: harbour, url: "${site.url}/harbour/" }\n`);
  const once = await runFeedwatch(['once', '--no-articles', '--config', file], { timeoutMs: 300_000 });
  const offered = [`${site.url}/harbour/feeds/all.rss`, `${site.url}/feeds/ports.atom`];
  assert.match(once.stdout, /^harbour\s+200\s+0\s+0\s+\d+\s+not-a-feed: the address serves an HTML page/m, once.stderr);
  assert.ok(once.stdout.includes(`harbour: the address serves an HTML page, not a feed; it declares:\n  ${offered[0]}\n  ${offered[1]}\n`), once.stdout);
  const feeds = await runFeedwatch(['feeds', '--config', file], { timeoutMs: 300_000 });
  assert.equal(feeds.code, 0, feeds.stderr);
  assert.ok(feeds.stdout.includes(`harbour: ${site.url}/harbour/ is an HTML page, not a feed; it declares:\n  ${offered[0]}\n  ${offered[1]}\n`), feeds.stdout);
  const json = await runFeedwatch(['feeds', '--json', '--config', file], { timeoutMs: 300_000 });
  assert.deepEqual((JSON.parse(json.stdout.trim()) as { declaredFeeds: string[] }).declaredFeeds, offered);
});

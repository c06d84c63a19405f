/**
 * The HTTP API and the status page against a real server, on both stores (SQLite on its thread, as the embedded
 * daemon runs it, and PostgreSQL in a throwaway schema): a loopback site with a failing feed and a page that is
 * gone, one embedded pipeline pass under a manual clock, then every route asked over HTTP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.js';
import type { AlertsView, ApiContext, FeedView, StoriesPage, StoryHit, StoryView } from '../../src/api/views.js';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { startHealthServer } from '../../src/server.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { openThreadedSqliteStore } from '../../src/store/sqlite/threaded.js';
import type { Store } from '../../src/store/store.js';
import type { TestServer } from '../helpers/http-server.js';
import { pgTestSchemas } from '../helpers/postgres.js';
import { HOSTILE_TITLE, siteConfig, startNewsSite } from './site.js';

const pg = pgTestSchemas();
after(() => pg.dropAll());

const drivers: Array<{ name: string; open: (dir: string) => Promise<Store> }> = [
  { name: 'sqlite', open: (dir) => openThreadedSqliteStore(join(dir, 'feedwatch.db')) },
  { name: 'postgres', open: async () => openPostgresStore(pg.urlFor(await pg.create())) },
];

for (const driver of drivers) {
  describe(`HTTP API on ${driver.name}`, () => {
    let dir: string;
    let site: TestServer;
    let app: App;
    let server: Server;
    let base: string;
    const clock = new ManualClock(Date.parse('2026-03-05T12:00:00.000Z'));
    let context: ApiContext | null = null;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'feedwatch-api-'));
      site = await startNewsSite();
      const config = parseConfig(`storage:\n  driver: sqlite\n  path: unused.db\nserver:\n  port: 0\n${siteConfig(site)}`, join(dir, 'feedwatch.yaml'));
      app = await createApp(config, { logger: silentLogger, clock, store: await driver.open(dir) });
      server = await startHealthServer({
        host: '127.0.0.1',
        port: 0,
        metrics: createMetrics(),
        health: async () => ({ ok: true, detail: {} }),
        api: { context: () => context, token: null },
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
      await site.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const get = async (path: string) => {
      const res = await fetch(base + path);
      const text = await res.text();
      return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: <T = Record<string, unknown>>() => JSON.parse(text) as T };
    };

    test('before the pipeline is up the API answers 503 and /healthz still answers', async () => {
      assert.equal((await get('/api/feeds')).status, 503);
      assert.equal((await get('/')).status, 503);
      assert.equal((await get('/healthz')).status, 200);
      assert.match((await get('/metrics')).text, /feedwatch_polls_total/);
    });

    test('feeds, stories, a story, alerts, activity and boilerplate after one pass', async () => {
      const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 2, articleConcurrency: 2 });
      await pipeline.runOnce();
      context = { config: app.config, store: app.store, clock, lemmatizer: app.deps.alerts!.lemmatizer };

      const feeds = (await get('/api/feeds')).json<{ feeds: FeedView[] }>().feeds;
      assert.deepEqual(feeds.map((f) => [f.name, f.health]), [['kg', 'ok'], ['broken', 'failing']]);
      const broken = feeds[1]!;
      assert.match(broken.reason ?? '', /the last poll failed: .*500/);
      assert.equal(broken.lastStatus, 500);
      assert.equal(broken.consecutiveErrors, 1);
      assert.ok((broken.nextPollAt ?? '') > '2026-03-05T12:00:00.000Z');
      const kg = (await get('/api/feeds/kg')).json<FeedView>();
      assert.equal(kg.items, 3);
      assert.equal(kg.lastPollAt, '2026-03-05T12:00:00.000Z');
      assert.deepEqual(kg.pageFailures.failed, 1, 'the 410 page was given up on (articleAttempts 1)');
      assert.match(kg.pageFailures.lastError ?? '', /410/);
      assert.equal((await get('/api/feeds/nope')).status, 404);

      const all = (await get('/api/stories')).json<StoriesPage>();
      assert.equal(all.stories.length, 3);
      assert.equal(all.next, null);
      const gone = all.stories.find((s) => s.title === HOSTILE_TITLE);
      assert.ok(gone, 'the item whose page failed is listed, with its feed title');
      assert.match(gone.storyId, /^item:\d+$/);

      const lavrov = (await get(`/api/stories?q=${encodeURIComponent('Лавров')}`)).json<StoriesPage>();
      assert.equal(lavrov.stories.length, 2, 'the stored article and the feed entry whose page is gone');
      assert.ok(lavrov.stories.every((s) => s.matched.length > 0));
      const weather = (await get(`/api/stories?q=${encodeURIComponent('title:погода')}&feed=kg&since=2026-03-05`)).json<StoriesPage>();
      assert.equal(weather.stories.length, 1);
      assert.equal((await get(`/api/stories?q=${encodeURIComponent('погода')}&feed=broken`)).json<StoriesPage>().stories.length, 0);
      assert.equal((await get(`/api/stories?since=2026-03-06`)).json<StoriesPage>().stories.length, 0, 'since excludes what was stored before');

      // Keyset pagination: pages of one, in order, each exactly once.
      const seen: number[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 5; i++) {
        const page: StoriesPage = (await get(`/api/stories?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json<StoriesPage>();
        seen.push(...page.stories.map((s) => s.articleId));
        cursor = page.next;
        if (cursor === null) break;
      }
      assert.deepEqual(seen, all.stories.map((s) => s.articleId));

      const bad = await get(`/api/stories?q=${encodeURIComponent('(Лавров')}`);
      assert.equal(bad.status, 400);
      assert.equal(bad.json<{ param: string }>().param, 'q');
      assert.equal((await get(`/api/stories?q=${'a'.repeat(501)}`)).status, 400, 'query length is bounded');
      assert.equal((await get('/api/stories?limit=101')).status, 400, 'limit is capped');
      assert.equal((await get('/api/stories?since=yesterday')).status, 400);
      assert.equal((await get('/api/stories?limit=1&limit=2')).status, 400);

      const hit = lavrov.stories.find((s) => !s.storyId.startsWith('item:')) as StoryHit;
      const story = (await get(`/api/stories/${hit.storyId}`)).json<StoryView>();
      assert.equal(story.id, hit.storyId);
      assert.equal(story.articles.length, 1);
      const article = story.articles[0]!;
      assert.equal(article.revisions.length, 1);
      assert.equal(story.sightings[0]!.feedName, 'kg');
      assert.ok((article.text?.paragraphs.length ?? 0) > 2);
      assert.match(article.text!.paragraphs.join('\n'), /Лавров/);
      const item = (await get(`/api/stories/${encodeURIComponent(gone!.storyId)}`)).json<StoryView>().item!;
      assert.equal(item.pageState, 'failed');
      assert.equal(item.title, HOSTILE_TITLE);
      assert.equal(item.text?.lead, 'Министр прилетел утром.');
      assert.equal((await get('/api/stories/999999')).status, 404);
      assert.equal((await get('/api/stories/abc')).status, 404);

      const alerts = (await get('/api/alerts')).json<AlertsView>();
      assert.deepEqual(alerts.rules.map((r) => r.name), ['lavrov']);
      assert.equal(alerts.matches.length, 2, 'one match per story');
      for (const m of alerts.matches) {
        assert.equal(m.rule, 'lavrov');
        assert.deepEqual(m.deliveries.map((d) => [d.channel, d.status, d.attempts]), [['log', 'delivered', 1]]);
      }
      assert.equal((await get('/api/alerts?state=failed')).json<AlertsView>().matches.length, 0);
      assert.equal((await get('/api/alerts?state=bogus')).status, 400);
      const first = (await get('/api/alerts?limit=1')).json<AlertsView>();
      const second = (await get(`/api/alerts?limit=1&cursor=${first.next}`)).json<AlertsView>();
      assert.notEqual(first.matches[0]!.storyId, second.matches[0]!.storyId, 'the cursor moves on to older deliveries');

      const hours = (await get('/api/activity')).json<{ hours: Array<{ hour: string; items: number }> }>().hours;
      assert.equal(hours.length, 48);
      assert.deepEqual(hours.at(-1), { hour: '2026-03-05T12:00:00.000Z', items: 3 });
      assert.equal(hours.reduce((n, h) => n + h.items, 0), 3);

      assert.deepEqual((await get('/api/boilerplate')).json(), { entries: [] });
      assert.equal((await get('/api/boilerplate?host=a%20b')).status, 400);
      assert.equal((await fetch(base + '/api/feeds', { method: 'POST' })).status, 405);
    });

    test('the status page shows health, stories, alerts and a search, escaped', async () => {
      const page = await get(`/?q=${encodeURIComponent('Лавров')}`);
      assert.equal(page.status, 200);
      assert.match(page.type, /text\/html/);
      assert.match(page.text, /data-feed="broken" data-health="failing"/);
      assert.match(page.text, /<svg id="hourly-chart"/);
      assert.ok(!page.text.includes('<script'), 'no script element: the hostile title is escaped');
      assert.ok(!page.text.includes('<img src=x'), 'no injected element');
      assert.ok(page.text.includes('Визит Лаврова &lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt; &quot;quoted&quot; &amp; &#39;single&#39;'));
      assert.match(page.text, /<section id="search">/);
      const bad = await get(`/?q=${encodeURIComponent('"<b>')}`);
      assert.equal(bad.status, 200, 'a rule that does not parse is explained on the page');
      assert.match(bad.text, /class="err"/);
      assert.ok(!bad.text.includes('<b>'));
    });
  });
}

/**
 * RSS 2.0 of an alert rule's matches at GET /feeds/RULE.xml on a real server over each store (SQLite, PostgreSQL in a
 * throwaway schema): read back
 * with the project's own feed parser (items, links, guids, dates) and as XML (the channel's required elements,
 * RFC 822 dates, guid isPermaLink="false"); hostile stored text stays text; an unknown rule is a 404; the feed
 * holds the newest RULE_FEED_ITEMS matches only; the token rules of /api/* apply.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { buildAlertDoc } from '../../src/alerts/match.js';
import { loadMorphology, type Lemmatizer } from '../../src/alerts/morphology.js';
import { RULE_FEED_ITEMS } from '../../src/api/rule-feed.js';
import type { ApiContext } from '../../src/api/views.js';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { rssGuid, xmlText } from '../../src/export/rss.js';
import { parseFeed } from '../../src/feed/parse.js';
import { createMetrics } from '../../src/metrics.js';
import { startHealthServer } from '../../src/server.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { pgTestSchemas } from '../helpers/postgres.js';

const TOKEN = 'rule-feed-token-0123456789';
const HOSTILE = 'Лавров <script>alert(1)</script> & "friends" \u0001\u001F ]]>';
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

const pg = pgTestSchemas();
after(() => pg.dropAll());

const drivers: Array<{ name: string; open: (dir: string) => Promise<Store> }> = [
  { name: 'sqlite', open: (dir) => openSqliteStore(join(dir, 'feedwatch.db')) },
  { name: 'postgres', open: async () => openPostgresStore(pg.urlFor(await pg.create())) },
];

for (const driver of drivers) {
  describe(`GET /feeds/RULE.xml on ${driver.name}`, () => {
    let dir: string;
    let store: Store;
    let lem: Lemmatizer;
    const servers: Server[] = [];

    /** A server over the store with rules `lavrov` and `weather`; `token`: the one requests must carry. */
    async function serve(token: string | null): Promise<string> {
      const config = parseConfig(
        `alerts:\n  rules:\n    - { name: lavrov, query: 'Лавров', channels: [log] }\n    - { name: "weather report", query: 'погода', channels: [log] }\n`,
        join(dir, 'feedwatch.yaml'),
      );
      const ctx: ApiContext = { config, store, clock: new ManualClock(Date.parse('2026-03-05T12:00:00.000Z')), lemmatizer: lem };
      const server = await startHealthServer({ host: '127.0.0.1', port: 0, metrics: createMetrics(), health: async () => ({ ok: true, detail: {} }), api: { context: () => ctx, token } });
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    async function save(articleId: number, fields: { title: string; lead: string; body?: string; tags?: string[] }, publishedAt: string | null): Promise<void> {
      const d = { title: fields.title, lead: fields.lead, body: fields.body ?? '', feed: 'ria', tags: fields.tags ?? [] };
      await store.saveAlertDoc({
        articleId,
        clusterId: String(1000 + articleId),
        url: `https://example.org/news/${articleId}?a=1&b=2`,
        publishedAt,
        storedAt: new Date(Date.UTC(2026, 2, 1) + articleId * 60_000).toISOString(),
        ...d,
        analyzed: buildAlertDoc(d, lem).analyzed,
      });
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-rule-feed-'));
      store = await driver.open(dir);
      lem = await loadMorphology();
      // Articles 1..60 mention Лавров (more than a feed holds); 61 does not; 62 has hostile text and no date.
      for (let i = 1; i <= RULE_FEED_ITEMS + 10; i++) await save(i, { title: `Лавров встретился ${i}`, lead: `Визит номер ${i}`, tags: ['политика', 'a&b'] }, '2026-03-04T10:00:00+06:00');
      await save(RULE_FEED_ITEMS + 11, { title: 'Курс валют', lead: 'Ничего о министрах' }, null);
      await save(RULE_FEED_ITEMS + 12, { title: HOSTILE, lead: '<b>bold</b> lead & more' }, null);
    });
    after(async () => {
      for (const s of servers) await new Promise((r) => s.close(r));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('GET /feeds/RULE.xml is RSS 2.0 the feed parser reads back: newest matches first, links, guids, dates', async () => {
      const base = await serve(null);
      const res = await fetch(`${base}/feeds/lavrov.xml`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/rss\+xml; charset=utf-8/);
      const xml = await res.text();
      const items = await parseFeed(xml, 'lavrov');
      assert.equal(items.length, RULE_FEED_ITEMS, 'bounded to the newest N matches');
      const hostileId = RULE_FEED_ITEMS + 12;
      assert.equal(items[0]!.guid, rssGuid({ clusterId: String(1000 + hostileId), articleId: hostileId }));
      assert.equal(items[0]!.title, 'Лавров <script>alert(1)</script> & "friends"  ]]>', 'text, with what XML cannot hold dropped');
      assert.equal(items[0]!.description, '<b>bold</b> lead & more');
      assert.equal(items[1]!.title, `Лавров встретился ${RULE_FEED_ITEMS + 10}`);
      assert.equal(items[1]!.link, `https://example.org/news/${RULE_FEED_ITEMS + 10}?a=1&b=2`);
      assert.equal(items[1]!.publishedAt, '2026-03-04T04:00:00Z');
      assert.deepEqual(items[1]!.categories, ['политика', 'a&b']);
      assert.equal(items.at(-1)!.title, `Лавров встретился 12`);
      assert.ok(!items.some((i) => i.title === 'Курс валют'), 'only the rule\'s matches');

      const $ = load(xml, { xml: true });
      assert.equal($('rss').attr('version'), '2.0');
      assert.equal($('rss > channel').length, 1);
      assert.equal($('channel > title').text(), 'feedwatch: lavrov');
      assert.equal($('channel > link').text(), `${base}/?q=${encodeURIComponent('Лавров')}`);
      assert.match($('channel > description').text(), /Лавров/);
      assert.match($('channel > lastBuildDate').text(), RFC822);
      assert.equal($('channel > lastBuildDate').text(), 'Thu, 05 Mar 2026 12:00:00 GMT', 'from the injected clock');
      $('item > pubDate').each((_i, el) => assert.match($(el).text(), RFC822));
      assert.equal($('item > pubDate').length, RULE_FEED_ITEMS, 'an item without a published time is dated when it was stored');
      $('item > guid').each((_i, el) => assert.equal($(el).attr('isPermaLink'), 'false'));
      $('item').each((_i, el) => assert.ok($(el).children('title').text() !== '' || $(el).children('description').text() !== ''));
      assert.ok(!/<script/.test(xml), 'markup in stored text is escaped');
    });

    test('a rule name with a space is found by its URL-encoded form; an unknown rule or a path without .xml is a 404', async () => {
      const base = await serve(null);
      const weather = await fetch(`${base}/feeds/weather%20report.xml`);
      assert.equal(weather.status, 200);
      const xml = await weather.text();
      assert.deepEqual(await parseFeed(xml, 'w'), [], 'a rule with no match is an empty, valid feed');
      assert.equal(load(xml, { xml: true })('channel > title').text(), 'feedwatch: weather report');
      for (const path of ['/feeds/nope.xml', '/feeds/lavrov', '/feeds/lavrov.json']) {
        const res = await fetch(base + path);
        assert.equal(res.status, 404, path);
        assert.match(((await res.json()) as { error: string }).error, /no alert rule named/);
      }
    });

    test('with a token, /feeds/ needs it like /api/*: Bearer or Basic (what feed readers send)', async () => {
      const base = await serve(TOKEN);
      assert.equal((await fetch(`${base}/feeds/lavrov.xml`)).status, 401);
      assert.equal((await fetch(`${base}/feeds/lavrov.xml`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 401);
      assert.equal((await fetch(`${base}/feeds/lavrov.xml`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
      const basic = Buffer.from(`reader:${TOKEN}`).toString('base64');
      assert.equal((await fetch(`${base}/feeds/lavrov.xml`, { headers: { authorization: `Basic ${basic}` } })).status, 200);
    });
  });
}

test('xmlText escapes markup and drops what XML 1.0 cannot hold (controls, lone surrogates), keeping pairs', () => {
  assert.equal(xmlText(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  assert.equal(xmlText('x\u0000\u0008\u000B\u001Fy\t\n\r'), 'xy\t\n\r');
  assert.equal(xmlText('lone \uD800 high, lone \uDC00 low, \uFFFE'), 'lone  high, lone  low, ');
  assert.equal(xmlText('pair 😀'), 'pair 😀');
});

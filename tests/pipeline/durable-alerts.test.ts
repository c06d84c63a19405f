/**
 * Alert matching is durable, on both drivers: a storage error after a page was fetched (storing the article,
 * indexing it for search, recording the alert match, marking the item done) leaves the item pending with its page
 * attempts unchanged, and the retry stores, indexes and alerts exactly once. The faults come from a wrapper around
 * the real SQLite store that makes the first N calls of one method fail (tests/helpers/faulty-store.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRule } from '../../src/alerts/match.js';
import { ManualClock } from '../../src/clock.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { searchArticles } from '../../src/store/alerts.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { json, startHttpServer, type TestHttpServer } from '../alerts/servers.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { faultyStore, type Faults } from '../helpers/faulty-store.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';
import { bullmqYaml, itemRows, nodeStarter, waitFor, type NodeStarter } from './bullmq-fixture.js';

const html = { 'content-type': 'text/html; charset=utf-8' };

/** A plain news page the generic extractor reads: a heading and three paragraphs. */
function page(title: string, paragraphs: string[]): string {
  return `<!DOCTYPE html><html lang="ru"><head><title>${title}</title></head><body><article><h1>${title}</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('')}</article></body></html>`;
}

const VISIT = page('Глава МИД прилетел в Ташкент', [
  'Министр иностранных дел Сергей Лавров начал двухдневный визит в Узбекистан с переговоров в аэропорту.',
  'Стороны обсудят транспортные коридоры, поставки зерна и совместные проекты в энергетике до конца года.',
  'По итогам встречи министры подпишут план консультаций на ближайшие три года, сообщили в посольстве.',
]);
const MARKET = page('Цены на хлопок выросли', [
  'Биржевые цены на хлопок за неделю поднялись на четыре процента на фоне засухи в южных регионах.',
  'Экспортёры ожидают, что рост продолжится до начала сбора урожая, если погода не изменится в августе.',
  'Аналитики советуют переработчикам закупать сырьё заранее, пока складские запасы остаются высокими.',
]);

/** The feed: a page about Lavrov, a page about something else, and a Lavrov entry whose page is gone (410). */
function feedXml(base: string): string {
  const items = [
    ['v1', '/news/visit.html', 'Визит в Ташкент', ''],
    ['m1', '/news/market.html', 'Цены на хлопок', ''],
    ['g1', '/news/gone.html', 'Лаврову вручили орден', 'Церемония прошла в Москве.'],
  ];
  const body = items.map(([guid, path, title, d]) => `<item><title>${title}</title><link>${base}${path}</link><guid>${guid}</guid><description>${d}</description></item>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>uz</title><link>${base}/</link>${body}</channel></rss>`;
}

/** Where a storage fault can strike after a page was fetched, and the store method it strikes in. */
const FAULTS: Array<{ where: string; method: string }> = [
  { where: 'storing the article', method: 'storeArticle' },
  { where: 'indexing it for search', method: 'saveAlertDoc' },
  { where: 'recording the alert match', method: 'recordMatch' },
  { where: 'marking the item done', method: 'saveArticle' },
];
const FAILURES = 2;

let site: TestServer;
let hook: TestHttpServer;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedwatch-durable-'));
  site = await startServer({
    '/news/visit.html': send(VISIT, { headers: html }),
    '/news/market.html': send(MARKET, { headers: html }),
    '/news/gone.html': send('gone', { status: 410 }),
  });
  site.route('/feed.xml', send(feedXml(site.url), { headers: { 'content-type': 'application/rss+xml; charset=utf-8' } }));
  hook = await startHttpServer((_r, res) => json(res, 200, {}));
});
after(async () => {
  await site?.close();
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

const alertsYaml = () => `alerts:
  channels:
    hook: { type: webhook, url: "${hook.url}/hook" }
  rules:
    - { name: lavrov, query: 'Лавров', channels: [hook] }
`;

/** Webhook requests so far, by alerted title. */
function alertedTitles(since: number): string[] {
  return hook.requests.slice(since).map((r) => (JSON.parse(r.body) as { items: Array<{ title: string }> }).items[0]!.title).sort();
}

/** Every item done with one page attempt (the 410 one failed after its single attempt), and each alert sent once. */
async function assertOnceEach(store: Store, dbPath: string, hooksBefore: number, faults: Faults): Promise<void> {
  assert.ok(faults.failed >= 1, `the fault was hit (${faults.failed} of ${faults.calls} calls failed)`);
  const rows = itemRows(dbPath).sort((a, b) => a.guid.localeCompare(b.guid));
  assert.deepEqual(
    rows.map((r) => [r.guid, r.article_state, r.article_attempts]),
    [
      ['g1', 'failed', 1],
      ['m1', 'done', 1],
      ['v1', 'done', 1],
    ],
    'page attempts unchanged by the storage errors',
  );
  assert.deepEqual(alertedTitles(hooksBefore), ['Глава МИД прилетел в Ташкент', 'Лаврову вручили орден'], 'each alert arrived exactly once');
  const deliveries = await store.deliveries({ rule: 'lavrov' });
  assert.equal(deliveries.length, 2);
  assert.ok(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1));
}

describe('durable alert matching, embedded driver', () => {
  for (const { where, method } of FAULTS) {
    test(`${FAILURES} storage errors while ${where} (${method}): the item is retried, alerted once, no page attempt counted`, async () => {
      const clock = new ManualClock(Date.parse('2026-05-01T08:00:00.000Z'));
      const sub = join(dir, `embedded-${method}`);
      const dbPath = join(sub, 'feedwatch.db');
      const real = (mkdirSync(sub, { recursive: true }), await openSqliteStore(dbPath));
      const wrapped = faultyStore(real as Store, method as keyof Store, FAILURES);
      const faults = wrapped.faults;
      const app: TestApp = await startTestApp(`feeds:\n  - name: uz\n    url: ${site.url}/feed.xml\n${alertsYaml()}`, { clock, store: wrapped.store });
      try {
        const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 1, articleConcurrency: 1 });
        const hooksBefore = hook.requests.length;
        const runs: number[] = [];
        for (let run = 0; run < FAILURES + 3; run++) {
          const r = await pipeline.runOnce();
          runs.push(r.articles.length);
          if (itemRows(dbPath).every((row) => row.article_state !== 'pending')) break;
          clock.advance(60_000);
        }
        assert.ok(runs.length > 1, `the faulty run left work to retry (articles per run: ${runs.join(', ')})`);
        await pipeline.runOnce(); // the delivery pass after the last item
        await assertOnceEach(app.store, dbPath, hooksBefore, faults);
        // Indexed for search too: the rule finds exactly the stored article it alerted on, once.
        const lem = app.deps.alerts!.lemmatizer;
        const found = await searchArticles(app.store, compileRule('Лавров', lem), lem, { limit: 10 });
        assert.deepEqual(found.map((h) => h.doc.title).sort(), ['Глава МИД прилетел в Ташкент', 'Лаврову вручили орден']);
      } finally {
        await app.dispose();
      }
    });
  }

  test('the daemon waits before retrying a storage error, on the injected clock', async () => {
    const clock = new ManualClock(Date.parse('2026-05-01T08:00:00.000Z'));
    const sub = join(dir, 'embedded-tick');
    const dbPath = join(sub, 'feedwatch.db');
    const real = (mkdirSync(sub, { recursive: true }), await openSqliteStore(dbPath));
    const { store, faults } = faultyStore(real as Store, 'storeArticle', 1);
    const app = await startTestApp(`feeds:\n  - name: uz\n    url: ${site.url}/feed.xml\n${alertsYaml()}`, { clock, store, random: () => 0 });
    const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 1, articleConcurrency: 1, tickMs: 3_600_000 });
    try {
      await pipeline.start();
      const visits = () => site.requests.filter((r) => r.path === '/news/visit.html').length;
      const before = visits();
      // Tick until the storage error struck.
      for (let i = 0; i < 20 && faults.failed === 0; i++) {
        await pipeline.tick();
        await pipeline.settled();
      }
      assert.equal(faults.failed, 1);
      const afterFault = visits();
      assert.ok(afterFault > before);
      // Not due again until the retry delay has passed on the clock, however often the loop ticks.
      for (let i = 0; i < 5; i++) {
        await pipeline.tick();
        await pipeline.settled();
      }
      assert.equal(visits(), afterFault, 'no retry before the delay');
      assert.equal(itemRows(dbPath).find((r) => r.guid === 'v1')?.article_state, 'pending');
      // The backoff of a failed page: 5 min, at the low end of its ±10 % with random() = 0.
      clock.advance(270_000 - 1);
      await pipeline.tick();
      await pipeline.settled();
      assert.equal(visits(), afterFault, 'not a millisecond before the backoff of a failed page');
      clock.advance(1);
      await pipeline.tick();
      await pipeline.settled();
      assert.equal(visits(), afterFault + 1, 'retried once the delay passed');
      assert.deepEqual([itemRows(dbPath).find((r) => r.guid === 'v1')?.article_state, itemRows(dbPath).find((r) => r.guid === 'v1')?.article_attempts], ['done', 1]);
    } finally {
      await pipeline.stop(5000);
      await app.dispose();
    }
  });
});

describe('durable alert matching, bullmq driver', () => {
  let rp: RedisTestPrefix;
  let nodes: NodeStarter;
  before(async () => {
    rp = await redisTestPrefix();
    nodes = nodeStarter(dir, rp.url);
  });
  after(async () => {
    await nodes?.closeAll();
    await rp?.cleanup();
  });

  for (const { where, method } of FAULTS) {
    test(`${FAILURES} storage errors while ${where} (${method}): the job is retried, alerted once, no page attempt counted`, async () => {
      const dbPath = join(dir, `bullmq-${method}.db`);
      const configPath = join(dir, `bullmq-${method}.yaml`);
      const yaml =
        bullmqYaml({ dbPath, prefix: `${rp.prefix}:${method}`, feedUrls: [`${site.url}/feed.xml`], queue: '  deliverInterval: 200ms\n', extra: 'pipeline:\n  articleRetryDelay: 300ms\n' }).replace('name: feed-0', 'name: uz') +
        alertsYaml();
      writeFileSync(configPath, yaml);
      let faults!: Faults;
      const hooksBefore = hook.requests.length;
      const node = await nodes.start(yaml, 'all', `all-${method}`, (store) => {
        const w = faultyStore(store, method as keyof Store, FAILURES);
        faults = w.faults;
        return w.store;
      });
      try {
        await waitFor(() => itemRows(dbPath).length === 3 && itemRows(dbPath).every((r) => r.article_state !== 'pending'), 120_000, 'every item done or failed');
        await waitFor(() => hook.requests.length - hooksBefore >= 2, 120_000, 'two alerts delivered');
        // One more delivery pass after both were sent: nothing left to send twice.
        await node.pipeline.queue('deliver').add('deliver', {}, { jobId: `deliver-extra-${method}` });
        await waitFor(async () => (await node.pipeline.queue('deliver').getJobState(`deliver-extra-${method}`)) === 'completed', 120_000, 'an extra delivery pass');
        await assertOnceEach(node.app.store, dbPath, hooksBefore, faults);
        const failed = await node.pipeline.queue('article').getJobCounts('failed');
        assert.equal(failed.failed, 1, 'only the 410 page failed for good');
      } finally {
        await node.close();
      }
    });
  }
});

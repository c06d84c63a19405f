/**
 * The alert stage over a real SQLite store: matchAlerts analyses an article and indexes it (the analysis itself is not kept), finds
 * a surname in its other cases, queues one alert per (rule, story cluster), and stands a feed entry in for a page
 * that failed for good; deliverAlerts sends through the configured channels.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertsSchema } from '../../src/alerts/config-schema.js';
import { loadMorphology, type Lemmatizer, type Morphology } from '../../src/alerts/morphology.js';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import type { Article, FeedItem } from '../../src/model.js';
import {
  alertDocTexts,
  createAlertEngine,
  deliverAlerts,
  descriptionText,
  feedOnlyKey,
  matchAlerts,
  type AlertEngine,
  type AlertStageDeps,
} from '../../src/pipeline/alert-stage.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.js';
import { json, startHttpServer, type TestHttpServer } from '../alerts/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-alert-stage-'));
let n = 0;
const stores: SqliteStore[] = [];
const servers: TestHttpServer[] = [];
let morph: Morphology;
before(async () => {
  morph = await loadMorphology();
});
after(async () => {
  for (const s of stores) await s.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Counts the tokens it keys, to show when an article is (not) analysed again. */
function counting(lem: Lemmatizer): Lemmatizer & { tokens: number } {
  const c = {
    id: lem.id,
    tokens: 0,
    tokenKeys(t: string) {
      c.tokens++;
      return lem.tokenKeys(t);
    },
    queryKeys: (w: string) => lem.queryKeys(w),
  };
  return c;
}

function article(over: Partial<Article> = {}): Article {
  return {
    title: 'Министр прибыл в Бишкек',
    lead: 'Визит начался утром.',
    paragraphs: ['Визит начался утром.', 'Переговоры с Сергеем Лавровым продлятся два дня.'],
    dateline: null,
    place: null,
    author: null,
    publishedAt: '2026-03-05T10:00:00+06:00',
    tags: ['Политика'],
    language: 'ru',
    canonicalUrl: 'https://example.org/news/1',
    images: [],
    extractor: 'generic',
    ...over,
  };
}

function item(over: Partial<FeedItem> = {}): FeedItem {
  return {
    feedName: 'kg',
    guid: 'g1',
    link: 'https://example.org/news/1',
    title: 'Министр прибыл',
    description: null,
    author: null,
    publishedAt: '2026-03-05T10:00:00+06:00',
    categories: ['Новости'],
    enclosures: [],
    extra: {},
    ...over,
  };
}

async function setup(rules: unknown[], channels: Record<string, unknown> = {}, lem: Lemmatizer = morph) {
  const store = await openSqliteStore(join(dir, `s${++n}.db`));
  stores.push(store);
  const clock = new ManualClock(Date.parse('2026-03-05T12:00:00.000Z'));
  const alerts: AlertEngine = await createAlertEngine(alertsSchema.parse({ channels, rules }), { env: {}, logger: silentLogger, userAgent: 'ua', lemmatizer: lem });
  const deps: AlertStageDeps = { store, clock, logger: silentLogger, alerts };
  return { store, clock, deps };
}

describe('matchAlerts', () => {
  test('the Лавров rule fires on an article that says "Лаврова"; look-alikes do not', async () => {
    const { store, deps } = await setup([
      { name: 'lavrov', query: 'Лавров', channels: ['log'] },
      { name: 'laurel', query: 'лавровый', channels: ['log'] },
    ]);
    const a = article({ title: 'Визит Лаврова в Бишкек', lead: null, paragraphs: ['Министр прилетел утром.'] });
    const summary = await matchAlerts({ articleId: 1, clusterId: 1, article: a, item: item() }, deps);
    assert.deepEqual(summary.matched, ['lavrov']);
    assert.deepEqual(summary.queued, ['lavrov']);
    const [d] = await store.deliveries();
    assert.equal(d!.rule, 'lavrov');
    assert.equal(d!.clusterId, '1');
    assert.equal(d!.articleId, 1);
    assert.equal(d!.channel, 'log');
    assert.deepEqual(d!.item.terms, ['Лаврова']);
    assert.deepEqual(d!.item.highlights, [{ field: 'title', start: 6, end: 13 }]);
    assert.equal(d!.item.url, 'https://example.org/news/1');
  });

  test('a republished story (same cluster) does not alert again; another rule still may', async () => {
    const { store, deps } = await setup([
      { name: 'lavrov', query: 'Лавров', channels: ['log', 'hook'] },
      { name: 'talks', query: 'переговоры', channels: ['log'] },
    ], { hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } });
    const first = await matchAlerts({ articleId: 1, clusterId: 7, article: article({ paragraphs: ['Сергей Лавров прибыл.'] }), item: item() }, deps);
    assert.deepEqual([first.matched, first.queued], [['lavrov'], ['lavrov']]);
    // The same story republished by another site: a new article in the same cluster, now also about talks.
    const again = await matchAlerts({ articleId: 2, clusterId: 7, article: article({ canonicalUrl: 'https://other.example/x' }), item: item({ feedName: 'ria', guid: 'r1' }) }, deps);
    assert.deepEqual([again.matched, again.queued], [['lavrov', 'talks'], ['talks']]);
    const rows = await store.deliveries();
    assert.deepEqual(rows.map((r) => `${r.rule}/${r.clusterId}/${r.articleId}/${r.channel}`), ['lavrov/7/1/log', 'lavrov/7/1/hook', 'talks/7/2/log']);
  });

  test('a repeat is matched without storing anything again (with no rules: no lemmatization at all); a revision replaces the document', async () => {
    const lem = counting(morph);
    const { store, clock, deps } = await setup([{ name: 'lavrov', query: 'Лавров', channels: ['log'] }], {}, lem);
    const stored = { articleId: 3, clusterId: 3, article: article(), item: item(), feedTags: ['kg'] };
    const first = await matchAlerts(stored, deps);
    assert.equal(first.analyzedFields, 5);
    const tokens = lem.tokens;
    assert.ok(tokens > 10);
    const doc = await store.getAlertDoc(3);
    assert.deepEqual(doc?.tags, ['Политика', 'Новости', 'kg']);
    assert.equal(doc?.body, 'Визит начался утром.\n\nПереговоры с Сергеем Лавровым продлятся два дня.');

    // The store keeps no analyses: the rules need the fields analysed again; the document is not written again.
    clock.advance(60_000);
    const repeat = await matchAlerts(stored, deps);
    assert.equal(repeat.analyzedFields, 5);
    assert.deepEqual(repeat.matched, ['lavrov']);
    assert.equal((await store.getAlertDoc(3))?.storedAt, doc?.storedAt);
    // With no rules, a repeat needs nothing: no token is keyed.
    const keyed = lem.tokens;
    const quiet = await matchAlerts(stored, { ...deps, alerts: { ...deps.alerts, rules: [] } });
    assert.deepEqual([quiet.analyzedFields, lem.tokens], [0, keyed]);

    const revised = article({ paragraphs: ['Визит начался утром.', 'Переговоры отменены.'] });
    const third = await matchAlerts({ ...stored, article: revised }, deps);
    assert.equal(third.analyzedFields, 5);
    assert.deepEqual(third.matched, []);
    assert.equal((await store.getAlertDoc(3))?.body, 'Визит начался утром.\n\nПереговоры отменены.');
    assert.equal((await store.deliveries()).length, 1);
  });

  test('a feed entry whose page failed for good is matched on its title and description', async () => {
    const { store, deps } = await setup([{ name: 'bishkek', query: 'lead:Бишкек', channels: ['log'] }]);
    const entry = item({ title: 'Новости дня', description: '<p>Министр прилетел в <b>Бишкек</b>.</p><p>Подробности позже.</p>' });
    const key = feedOnlyKey(42);
    assert.deepEqual(key, { articleId: -42, clusterId: 'item:42' });
    const texts = alertDocTexts({ ...key, article: null, item: entry });
    assert.equal(texts.lead, 'Министр прилетел в Бишкек.\nПодробности позже.');
    assert.equal(texts.title, 'Новости дня');
    const summary = await matchAlerts({ ...key, article: null, item: entry }, deps);
    assert.deepEqual(summary.queued, ['bishkek']);
    const [d] = await store.deliveries();
    assert.deepEqual([d!.articleId, d!.clusterId, d!.item.terms], [-42, 'item:42', ['Бишкек']]);
    assert.equal(descriptionText('a &amp; b'), 'a & b');
    assert.equal(descriptionText(null), '');
  });

  test('deliverAlerts sends what is due through the configured channels and records it', async () => {
    const hook = await startHttpServer((_r, res) => json(res, 200, {}));
    servers.push(hook);
    const { store, deps } = await setup([{ name: 'lavrov', query: 'Лавров', channels: ['hook'] }], { hook: { type: 'webhook', url: `${hook.url}/in` } });
    await matchAlerts({ articleId: 1, clusterId: 1, article: article(), item: item() }, deps);
    assert.deepEqual(await deliverAlerts(deps), { delivered: 1, retrying: 0, failed: 0, deferred: 0 });
    assert.equal(hook.requests.length, 1);
    const body = JSON.parse(hook.requests[0]!.body) as { rule: string; items: { terms: string[] }[] };
    assert.deepEqual([body.rule, body.items[0]!.terms], ['lavrov', ['Лавровым']]);
    assert.deepEqual((await store.deliveries()).map((r) => r.status), ['delivered']);
    assert.equal(await deliverAlerts({ ...deps, alerts: undefined }), null);
  });
});

/**
 * Alert history over the AlertStore of each driver: `replayRule` (a changed rule re-applied to stored articles, once
 * per rule and story, the store's unique match deciding), its dry run, and `retryDelivery` of a failed delivery.
 * A driver's test file calls `runAlertHistoryContract(name, open)` (same `open` as the AlertStore contract).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { webhookChannelSchema, type DeliveryPolicy } from '../../src/alerts/config-schema.js';
import { createWebhookChannel } from '../../src/alerts/channels/webhook.js';
import { deliverPending } from '../../src/alerts/deliver.js';
import { compileRule } from '../../src/alerts/match.js';
import { alertItem, type AlertMessage } from '../../src/alerts/message.js';
import { loadMorphology, type Morphology } from '../../src/alerts/morphology.js';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { replayRule } from '../../src/pipeline/alert-replay.js';
import { matchAlerts, type AlertRule } from '../../src/pipeline/alert-stage.js';
import type { Store } from '../../src/store/store.js';
import { json, startHttpServer, type TestHttpServer } from '../alerts/servers.js';
import { testItem } from '../helpers/store-fixtures.js';
import { withStores as withOpened, type OpenedStore } from './alerts-contract.js';

const T0 = Date.parse('2026-03-05T12:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
const policy: DeliveryPolicy = { maxAttempts: 3, backoff: 30_000, maxBackoff: 600_000, lease: 60_000 };

/** Feed entries the live pipeline stored (minutes after T0, story cluster, title). */
const STORED: Array<[number, string, string]> = [
  [0, 'c1', 'Лавров в Москве'],
  [60, 'c2', 'Лавров и Казакбаев обсудили сотрудничество'],
  [90, 'c3', 'Погода в Бишкеке'],
  [100, 'c4', 'Визит Лаврова в Бишкек'],
  [120, 'c2', 'Встреча с Лавровым продолжилась'],
];

export function runAlertHistoryContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`alert history: ${name}`, () => {
    let lem: Morphology;
    let hookServer: TestHttpServer;
    before(async () => {
      lem = await loadMorphology();
      hookServer = await startHttpServer((_r, res) => json(res, 200, {}));
    });
    after(() => hookServer.close());

    const rule = (ruleName: string, query: string, channels = ['hook', 'tg']): AlertRule => ({ name: ruleName, channels, compiled: compileRule(query, lem, query) });

    const withStores = (fn: (store: Store, reopen: () => Promise<Store>) => Promise<void>) => withOpened(open, fn);

    /** The live pipeline: each entry stored and matched by `live` at its time (feed-only entries: no page). */
    async function storeLive(store: Store, live: AlertRule[]): Promise<void> {
      const clock = new ManualClock(T0);
      const engine = { lemmatizer: lem, rules: live, channels: new Map(), policy, maxTokens: 10_000 };
      for (const [i, [minutes, cluster, title]] of STORED.entries()) {
        clock.set(T0 + minutes * 60_000);
        await matchAlerts({ articleId: i + 1, clusterId: cluster, article: null, item: testItem('kg', `g${i + 1}`, { title }) }, { store, clock, logger: silentLogger, alerts: engine });
      }
    }

    const summary = (rows: Awaited<ReturnType<Store['deliveries']>>) => rows.map((d) => [d.rule, d.clusterId, d.articleId, d.channel, d.status]);

    test('a changed rule replayed since a time alerts on the stories not yet alerted, once; a second replay alerts on none', () =>
      withStores(async (store) => {
        // Live, the rule was narrower: it alerted on c4 only.
        await storeLive(store, [rule('lavrov', 'Лавров AND Бишкек')]);
        assert.deepEqual(summary(await store.deliveries()), [['lavrov', 'c4', 4, 'hook', 'pending'], ['lavrov', 'c4', 4, 'tg', 'pending']]);

        const changed = rule('lavrov', 'Лавров');
        const deps = { store, clock: new ManualClock(Date.parse(at(200))), lemmatizer: lem };
        const first = await replayRule(deps, changed, { since: at(30), dryRun: false, pageSize: 2 });
        // c1 was stored before `since`; c3 does not match; c4 was alerted live; c2 once, for its newest article.
        assert.deepEqual(first.alerted.map((h) => [h.storyId, h.articleId, h.storedAt]), [['c2', 5, at(120)]]);
        assert.equal(first.matched, 2);
        assert.equal(first.alreadyAlerted, 1);
        const rows = await store.deliveries();
        assert.deepEqual(summary(rows).slice(2), [['lavrov', 'c2', 5, 'hook', 'pending'], ['lavrov', 'c2', 5, 'tg', 'pending']]);
        assert.equal(rows[2]!.dueAt, at(200), 'due when replayed');
        assert.equal(rows[2]!.item.title, 'Встреча с Лавровым продолжилась');

        const second = await replayRule(deps, changed, { since: at(30), dryRun: false });
        assert.deepEqual(second, { matched: 2, alreadyAlerted: 2, alerted: [] }, 'replayed twice, alerted once');
        assert.deepEqual(await store.deliveries(), rows);

        // An earlier `since` reaches c1, which nobody alerted on: it alone is new.
        const earlier = await replayRule(deps, changed, { since: at(0), dryRun: false });
        assert.deepEqual(earlier.alerted.map((h) => h.storyId), ['c1']);
        assert.equal(earlier.alreadyAlerted, 2);
        assert.equal((await store.deliveries()).length, 6);
      }));

    test('a dry run lists what a replay would alert on and writes nothing; the replay then alerts on exactly those', () =>
      withStores(async (store) => {
        await storeLive(store, [rule('lavrov', 'Лавров AND Бишкек')]);
        const before = await store.deliveries();
        const deps = { store, clock: new ManualClock(Date.parse(at(200))), lemmatizer: lem };
        const changed = rule('lavrov', 'Лавров OR Бишкек', ['log']);
        const dry = await replayRule(deps, changed, { since: at(0), dryRun: true, pageSize: 1 });
        assert.deepEqual(dry.alerted.map((h) => [h.storyId, h.articleId, h.title]), [
          ['c2', 5, 'Встреча с Лавровым продолжилась'],
          ['c3', 3, 'Погода в Бишкеке'],
          ['c1', 1, 'Лавров в Москве'],
        ]);
        assert.equal(dry.alreadyAlerted, 1);
        assert.deepEqual(await store.deliveries(), before, 'no delivery written');
        assert.deepEqual(await store.alertedClusters('lavrov', ['c1', 'c2', 'c3', 'c4']), ['c4'], 'no match written');
        const again = await replayRule(deps, changed, { since: at(0), dryRun: true });
        assert.deepEqual(again, dry, 'a dry run changes nothing a second one sees');

        const real = await replayRule(deps, changed, { since: at(0), dryRun: false });
        assert.deepEqual(real, dry);
        assert.deepEqual(summary((await store.deliveries()).slice(before.length)), [
          ['lavrov', 'c2', 5, 'log', 'pending'],
          ['lavrov', 'c3', 3, 'log', 'pending'],
          ['lavrov', 'c1', 1, 'log', 'pending'],
        ]);
        assert.deepEqual((await store.alertedClusters('lavrov', ['c4', 'c1', 'c9', 'c1'])).sort(), ['c1', 'c4']);
        assert.deepEqual(await store.alertedClusters('other', ['c1']), []);
        assert.deepEqual(await store.alertedClusters('lavrov', []), []);
      }));

    test('two processes replaying one new rule at once alert on each story once', () =>
      withStores(async (store, reopen) => {
        await storeLive(store, []);
        const other = await reopen();
        const fresh = rule('lavrov-all', 'Лавров', ['hook']);
        const run = (s: Store) => replayRule({ store: s, clock: new ManualClock(Date.parse(at(200))), lemmatizer: lem }, fresh, { since: at(0), dryRun: false, pageSize: 1 });
        const [a, b] = await Promise.all([run(store), run(other)]);
        const alerted = [...a.alerted, ...b.alerted].map((h) => h.storyId).sort();
        assert.deepEqual(alerted, ['c1', 'c2', 'c4']);
        assert.equal(a.alreadyAlerted + b.alreadyAlerted, 3, 'what one alerted, the other counted as done');
        assert.deepEqual((await store.deliveries({ rule: 'lavrov-all' })).map((d) => d.clusterId).sort(), ['c1', 'c2', 'c4']);
      }));

    test('retryDelivery: a failed delivery is pending again, due now, and goes out to the webhook on the next pass; others are refused', () =>
      withStores(async (store) => {
        const s = hookServer;
        const item = alertItem({ title: 'Визит Лаврова', lead: null, url: 'https://example.org/1', feed: 'kg', publishedAt: null }, []);
        const m = { rule: 'lavrov', articleId: 1, channels: ['hook'], item, digest: false, dueAt: at(0), matchedAt: at(0) };
        await store.recordMatch({ ...m, clusterId: 'c1' });
        await store.recordMatch({ ...m, clusterId: 'c2' });
        const [failed, pending] = await store.deliveries();
        // Given up after the last attempt the policy allows.
        await store.markFailed(failed!.id, { attempts: policy.maxAttempts, error: 'delivery: HTTP 503', retryAt: null, at: at(1) });

        assert.deepEqual(await store.retryDelivery(pending!.id, at(5)), { retried: false, status: 'pending' });
        assert.deepEqual(await store.retryDelivery(failed!.id + 1000, at(5)), { retried: false, status: null });
        assert.deepEqual(await store.retryDelivery(failed!.id, at(5)), { retried: true });
        const requeued = (await store.deliveries({ rule: 'lavrov' })).find((d) => d.id === failed!.id)!;
        assert.deepEqual([requeued.status, requeued.dueAt, requeued.attempts, requeued.lastError], ['pending', at(5), policy.maxAttempts, 'delivery: HTTP 503']);
        assert.deepEqual(await store.retryDelivery(failed!.id, at(5)), { retried: false, status: 'pending' }, 'once pending, not again');

        // The next delivery pass sends it: one more attempt, even past maxAttempts.
        const channels = new Map([['hook', createWebhookChannel('hook', webhookChannelSchema.parse({ type: 'webhook', url: s.url }), { env: {}, userAgent: 'ua' })]]);
        await store.markDelivered(pending!.id, { attempts: 1, at: at(1) });
        const report = await deliverPending({ store, clock: new ManualClock(Date.parse(at(5))), logger: silentLogger, policy, channels });
        assert.deepEqual(report, { delivered: 1, retrying: 0, failed: 0, deferred: 0 });
        assert.deepEqual(s.requests.map((r) => (JSON.parse(r.body) as AlertMessage).items[0]!.title), ['Визит Лаврова']);
        const done = (await store.deliveries({ status: 'delivered' })).find((d) => d.id === failed!.id)!;
        assert.deepEqual([done.attempts, done.deliveredAt], [policy.maxAttempts + 1, at(5)]);
        assert.deepEqual(await store.retryDelivery(failed!.id, at(6)), { retried: false, status: 'delivered' });
      }));
  });
}

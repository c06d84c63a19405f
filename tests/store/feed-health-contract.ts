/**
 * Feed health alerts over the store of each driver: what was alerted per feed (`feedHealthAlerts`), a transition
 * claimed once with its alert queued in the same transaction (`recordHealthTransition`), and the health stage run
 * by two processes at once alerting each change once. A driver's test file calls `runFeedHealthContract(name, open)`
 * (the `open` of the AlertStore contract: a store, and another on the same database).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewMatch } from '../../src/alerts/deliver.js';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { checkFeedHealth } from '../../src/pipeline/health-stage.js';
import type { HealthTransition } from '../../src/store/alerts.js';
import type { Store } from '../../src/store/store.js';
import { okPoll, testItem } from '../helpers/store-fixtures.js';
import { withStores as withOpened, type OpenedStore } from './alerts-contract.js';

const T0 = Date.parse('2026-06-01T08:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

const alertOf = (t: HealthTransition, n: number): NewMatch => ({
  rule: 'feed-health',
  clusterId: `health:${t.feed}:${n}`,
  articleId: 0,
  channels: ['ops', 'log'],
  item: { title: `${t.feed} ${t.to}`, lead: null, url: null, feed: t.feed, publishedAt: t.at, terms: [], highlights: [] },
  digest: false,
  dueAt: t.at,
  matchedAt: t.at,
});

export function runFeedHealthContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`feed health: ${name}`, () => {
    const withStores = (fn: (store: Store, reopen: () => Promise<Store>) => Promise<void>) => withOpened(open, fn);

    test('a transition is claimed from what was read, once, with its alert queued; what was alerted outlives the store', () =>
      withStores(async (store, reopen) => {
        assert.deepEqual(await store.feedHealthAlerts(), []);
        const down: HealthTransition = { feed: 'river', from: 'ok', to: 'failing', at: at(0) };
        assert.deepEqual(await store.recordHealthTransition(down, alertOf(down, 1)), { claimed: true });
        assert.deepEqual(await store.recordHealthTransition(down, alertOf(down, 1)), { claimed: false }, 'already failing: not from ok any more');
        const wrongFrom: HealthTransition = { feed: 'river', from: 'stale', to: 'ok', at: at(5) };
        assert.deepEqual(await store.recordHealthTransition(wrongFrom, alertOf(wrongFrom, 2)), { claimed: false });
        assert.deepEqual(await store.recordHealthTransition({ ...down, to: 'ok', from: 'ok' }, alertOf(down, 9)), { claimed: false }, 'no change, no claim');

        const other = await reopen();
        assert.deepEqual(await other.feedHealthAlerts(), [{ feed: 'river', alerted: 'failing', changedAt: at(0), transitions: 1 }]);
        const back: HealthTransition = { feed: 'river', from: 'failing', to: 'ok', at: at(30) };
        assert.deepEqual(await other.recordHealthTransition(back, alertOf(back, 2)), { claimed: true });
        const quiet: HealthTransition = { feed: 'lake', from: 'ok', to: 'stale', at: at(31) };
        assert.deepEqual(await other.recordHealthTransition(quiet, alertOf(quiet, 1)), { claimed: true });
        assert.deepEqual(await store.feedHealthAlerts(), [
          { feed: 'lake', alerted: 'stale', changedAt: at(31), transitions: 1 },
          { feed: 'river', alerted: 'ok', changedAt: at(30), transitions: 2 },
        ]);
        // One pending delivery per channel per claimed transition, nothing for the refused ones.
        const rows = await store.deliveries();
        assert.deepEqual(
          rows.map((d) => [d.rule, d.clusterId, d.channel, d.status, d.dueAt]),
          [
            ['feed-health', 'health:river:1', 'ops', 'pending', at(0)],
            ['feed-health', 'health:river:1', 'log', 'pending', at(0)],
            ['feed-health', 'health:river:2', 'ops', 'pending', at(30)],
            ['feed-health', 'health:river:2', 'log', 'pending', at(30)],
            ['feed-health', 'health:lake:1', 'ops', 'pending', at(31)],
            ['feed-health', 'health:lake:1', 'log', 'pending', at(31)],
          ],
        );
        assert.equal(rows[2]!.item.title, 'river ok');
      }));

    test('two stores claiming the same transitions at once: each is claimed by exactly one', () =>
      withStores(async (store, reopen) => {
        const other = await reopen();
        const path: Array<['ok' | 'stale' | 'failing', 'ok' | 'stale' | 'failing']> = [
          ['ok', 'failing'],
          ['failing', 'ok'],
          ['ok', 'stale'],
          ['stale', 'failing'],
          ['failing', 'ok'],
        ];
        for (const [i, [from, to]] of path.entries()) {
          const t: HealthTransition = { feed: 'delta', from, to, at: at(i) };
          const results = await Promise.all([store, other, store, other].map((s) => s.recordHealthTransition(t, alertOf(t, i + 1))));
          assert.equal(results.filter((r) => r.claimed).length, 1, `${from} → ${to}: ${JSON.stringify(results)}`);
        }
        assert.deepEqual(await store.feedHealthAlerts(), [{ feed: 'delta', alerted: 'ok', changedAt: at(4), transitions: 5 }]);
        assert.equal((await store.deliveries({ rule: 'feed-health' })).length, path.length * 2);
      }));

    test('the health stage in two processes at once: one alert when a feed fails, none while it stays failing, one on recovery', () =>
      withStores(async (store, reopen) => {
        const other = await reopen();
        const config = parseConfig(
          'defaults: { failingAfter: 20m }\nalerts:\n  feedHealth: { channel: log }\nfeeds:\n' +
            '  - { name: brook, url: "https://brook.example.org/feed", interval: 10m }\n' +
            '  - { name: pond, url: "https://pond.example.org/feed", interval: 10m, failingAfter: 2h }\n',
          'feedwatch.yaml',
        );
        await store.syncFeeds(config.feeds);
        const clock = new ManualClock(T0);
        const check = (s: Store) => checkFeedHealth({ config, store: s, clock, logger: silentLogger });
        const both = async () => {
          const [a, b] = await Promise.all([check(store), check(other)]);
          return [...a!.alerted, ...b!.alerted].map((c) => `${c.feed}:${c.from}>${c.to}`);
        };
        const poll = async (minutes: number, ok: boolean, guid?: string) => {
          for (const feed of ['brook', 'pond']) {
            const outcome = ok ? okPoll(feed, at(minutes)) : { ...okPoll(feed, at(minutes)), ok: false, status: 503, errorKind: 'http-status', errorMessage: 'HTTP 503' };
            await store.recordPoll(outcome, guid ? [testItem(feed, `${guid}-${feed}`)] : [], at(minutes + 10));
          }
        };
        await poll(0, true, 'g1');
        clock.set(T0 + 5 * 60_000);
        assert.deepEqual(await both(), [], 'healthy: nothing to say');
        await poll(10, false);
        clock.set(T0 + 25 * 60_000);
        assert.deepEqual(await both(), [], 'failing for 15 minutes: under failingAfter');
        await poll(20, false);
        clock.set(T0 + 31 * 60_000);
        assert.deepEqual(await both(), ['brook:ok>failing'], 'brook past its 20 minutes, pond not past its 2 hours');
        await poll(30, false);
        clock.set(T0 + 35 * 60_000);
        assert.deepEqual(await both(), [], 'still failing: no second alert');
        await poll(40, true, 'g2');
        clock.set(T0 + 45 * 60_000);
        assert.deepEqual(await both(), ['brook:failing>ok'], 'recovered: one alert');
        assert.deepEqual(await both(), []);
        assert.deepEqual((await store.deliveries({ rule: 'feed-health' })).map((d) => [d.clusterId, d.channel, d.item.title]), [
          ['health:brook:1', 'log', 'Feed "brook" is failing'],
          ['health:brook:2', 'log', 'Feed "brook" has recovered'],
        ]);
      }));
  });
}

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import type { Channel } from '../../src/alerts/channels/channel.js';
import { createTelegramChannel } from '../../src/alerts/channels/telegram.js';
import { createWebhookChannel } from '../../src/alerts/channels/webhook.js';
import { telegramChannelSchema, webhookChannelSchema, type DeliveryPolicy } from '../../src/alerts/config-schema.js';
import { deliverPending, digestDueAt, enqueueMatch, retryDelay, type DeliverDeps } from '../../src/alerts/deliver.js';
import { alertItem, type AlertItem, type AlertMessage } from '../../src/alerts/message.js';
import { MemoryDeliveryStore } from '../helpers/memory-delivery-store.js';
import { FeedwatchError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics.js';
import { closedPort, json, memoryLogger, startHttpServer, type TestHttpServer } from './servers.js';

const policy: DeliveryPolicy = { maxAttempts: 5, backoff: 30_000, maxBackoff: 600_000, lease: 60_000 };
const item = (title: string): AlertItem => alertItem({ title, lead: null, url: `https://example.org/${encodeURIComponent(title)}`, feed: 'f', publishedAt: null }, []);

const servers: TestHttpServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function http(handler: Parameters<typeof startHttpServer>[0]): Promise<TestHttpServer> {
  const s = await startHttpServer(handler);
  servers.push(s);
  return s;
}
const webhook = (name: string, url: string): Channel => createWebhookChannel(name, webhookChannelSchema.parse({ type: 'webhook', url }), { env: {}, userAgent: 'ua' });

function setup(channels: Channel[], over: Partial<DeliverDeps> = {}) {
  const store = new MemoryDeliveryStore();
  const clock = new ManualClock(Date.parse('2026-03-05T12:00:00Z'));
  const { logger, lines } = memoryLogger();
  const deps: DeliverDeps = { store, clock, logger, policy, channels: new Map(channels.map((c) => [c.name, c])), ...over };
  return { store, clock, deps, lines };
}

describe('enqueueMatch', () => {
  test('one alert per (rule, story cluster): a republished or updated story does not alert again', async () => {
    const { store, clock } = setup([]);
    const rule = { name: 'lavrov', channels: ['hook', 'tg', 'hook'] };
    assert.equal(await enqueueMatch({ store, clock }, rule, { clusterId: 'c1', articleId: 1, item: item('a') }), true);
    assert.equal(await enqueueMatch({ store, clock }, rule, { clusterId: 'c1', articleId: 2, item: item('a, updated') }), false);
    assert.equal(await enqueueMatch({ store, clock }, { ...rule, name: 'other' }, { clusterId: 'c1', articleId: 2, item: item('a') }), true);
    assert.equal(await enqueueMatch({ store, clock }, rule, { clusterId: 'c2', articleId: 3, item: item('b') }), true);
    const rows = store.all();
    assert.deepEqual(
      rows.map((r) => `${r.rule}/${r.clusterId}/${r.articleId}/${r.channel}/${r.status}`),
      ['lavrov/c1/1/hook/pending', 'lavrov/c1/1/tg/pending', 'other/c1/2/hook/pending', 'other/c1/2/tg/pending', 'lavrov/c2/3/hook/pending', 'lavrov/c2/3/tg/pending'],
    );
  });

  test('digest windows are aligned, so matches of one window share a due time', () => {
    const hour = 3_600_000;
    const t = Date.parse('2026-03-05T12:10:00Z');
    assert.equal(new Date(digestDueAt(t, hour)).toISOString(), '2026-03-05T13:00:00.000Z');
    assert.equal(digestDueAt(t + 49 * 60_000, hour), digestDueAt(t, hour));
    assert.equal(digestDueAt(Date.parse('2026-03-05T13:00:00Z'), hour), Date.parse('2026-03-05T14:00:00Z'));
  });
});

describe('retryDelay', () => {
  test('doubles from the base, honours Retry-After, stops at the cap', () => {
    const p = { backoff: 1000, maxBackoff: 10_000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((a) => retryDelay(a, p)), [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    assert.equal(retryDelay(1, p, 7000), 7000);
    assert.equal(retryDelay(1, p, 60_000), 10_000);
  });
});

describe('deliverPending', () => {
  test('a server that fails twice then succeeds gets exactly one delivery', async () => {
    const s = await http((_r, res, i) => json(res, i < 2 ? 503 : 200, {}));
    const { store, clock, deps, lines } = setup([webhook('hook', s.url)]);
    await enqueueMatch({ store, clock }, { name: 'lavrov', channels: ['hook'] }, { clusterId: 'c1', articleId: 7, item: item('Лавров') });

    assert.deepEqual(await deliverPending(deps), { delivered: 0, retrying: 1, failed: 0, deferred: 0 });
    assert.equal(store.all()[0]!.dueAt, new Date(clock.now() + 30_000).toISOString());
    // Not due yet: nothing is sent.
    clock.advance(29_999);
    assert.deepEqual(await deliverPending(deps), { delivered: 0, retrying: 0, failed: 0, deferred: 0 });
    assert.equal(s.requests.length, 1);
    clock.advance(1);
    assert.equal((await deliverPending(deps)).retrying, 1);
    assert.equal(store.all()[0]!.dueAt, new Date(clock.now() + 60_000).toISOString());
    clock.advance(60_000);
    assert.equal((await deliverPending(deps)).delivered, 1);
    clock.advance(3_600_000);
    assert.equal((await deliverPending(deps)).delivered, 0);

    assert.equal(s.requests.length, 3);
    const [rec] = store.all();
    assert.equal(rec!.status, 'delivered');
    assert.equal(rec!.attempts, 3);
    assert.match(rec!.lastError!, /^http-status: webhook hook: HTTP 503/);
    assert.equal(rec!.deliveredAt, new Date(clock.now() - 3_600_000).toISOString());
    const log = lines();
    assert.equal((log.match(/will retry/g) ?? []).length, 2);
    assert.equal((log.match(/alert delivered/g) ?? []).length, 1);
  });

  test('a channel that stays down blocks neither the other channels nor its own later passes', async () => {
    const up = await http((_r, res) => json(res, 200, {}));
    const port = await closedPort();
    const down = createTelegramChannel('tg', telegramChannelSchema.parse({ type: 'telegram', chatId: '1', apiBase: `http://127.0.0.1:${port}` }), { env: { TELEGRAM_BOT_TOKEN: '42:secret' } });
    const { store, clock, deps, lines } = setup([webhook('hook', up.url), down]);
    const rule = { name: 'r', channels: ['tg', 'hook'] };
    for (let i = 1; i <= 3; i++) await enqueueMatch({ store, clock }, rule, { clusterId: `c${i}`, articleId: i, item: item(`story ${i}`) });

    assert.deepEqual(await deliverPending(deps), { delivered: 3, retrying: 1, failed: 0, deferred: 2 });
    assert.equal(up.requests.length, 3);
    const tg = store.all().filter((r) => r.channel === 'tg');
    assert.deepEqual(tg.map((r) => r.attempts), [1, 0, 0]);
    assert.ok(tg.every((r) => r.status === 'pending'));
    // The deferred ones are tried at the next pass; the failed one waits for its backoff.
    const second = await deliverPending(deps);
    assert.deepEqual(second, { delivered: 0, retrying: 1, failed: 0, deferred: 1 });
    // Give up after maxAttempts, one attempt per due pass.
    for (let pass = 0; pass < 40; pass++) {
      clock.advance(policy.maxBackoff);
      await deliverPending(deps);
    }
    const final = store.all().filter((r) => r.channel === 'tg');
    assert.deepEqual(final.map((r) => [r.status, r.attempts]), [['failed', 5], ['failed', 5], ['failed', 5]]);
    assert.equal(up.requests.length, 3, 'delivered messages are not sent again');
    assert.ok(!lines().includes('42:secret'));
  });

  test('a permanent failure is recorded at once and not retried', async () => {
    const s = await http((_r, res) => json(res, 404, { error: 'no such hook' }));
    const { store, clock, deps } = setup([webhook('hook', s.url)]);
    await enqueueMatch({ store, clock }, { name: 'r', channels: ['hook', 'gone'] }, { clusterId: 'c', articleId: 1, item: item('x') });
    assert.deepEqual(await deliverPending(deps), { delivered: 0, retrying: 0, failed: 2, deferred: 0 });
    clock.advance(86_400_000);
    await deliverPending(deps);
    assert.equal(s.requests.length, 1);
    const rows = store.all();
    assert.deepEqual(rows.map((r) => [r.channel, r.status, r.attempts]), [['hook', 'failed', 1], ['gone', 'failed', 1]]);
    assert.match(rows[0]!.lastError!, /HTTP 404/);
    assert.match(rows[1]!.lastError!, /no channel named "gone"/);
  });

  test('Retry-After of a 429 sets the next attempt', async () => {
    const s = await http((_r, res, i) => json(res, i === 0 ? 429 : 200, {}, { 'retry-after': '120' }));
    const { store, clock, deps } = setup([webhook('hook', s.url)]);
    await enqueueMatch({ store, clock }, { name: 'r', channels: ['hook'] }, { clusterId: 'c', articleId: 1, item: item('x') });
    await deliverPending(deps);
    assert.equal(store.all()[0]!.dueAt, new Date(clock.now() + 120_000).toISOString());
  });

  test('digest: the matches of one window go out as one message per channel at the window end', async () => {
    const s = await http((_r, res) => json(res, 200, {}));
    const { store, clock, deps } = setup([webhook('hook', s.url)]);
    clock.set(Date.parse('2026-03-05T12:05:00Z'));
    const rule = { name: 'daily', channels: ['hook'], digest: 3_600_000 };
    const now = { store, clock };
    await enqueueMatch(now, rule, { clusterId: 'a', articleId: 1, item: item('first') });
    clock.advance(20 * 60_000);
    await enqueueMatch(now, rule, { clusterId: 'b', articleId: 2, item: item('second') });
    await enqueueMatch(now, { name: 'now', channels: ['hook'] }, { clusterId: 'b', articleId: 2, item: item('immediate') });
    clock.advance(20 * 60_000);
    await enqueueMatch(now, rule, { clusterId: 'c', articleId: 3, item: item('third') });
    assert.equal((await deliverPending(deps)).delivered, 1, 'only the immediate rule is due before the window ends');
    clock.set(Date.parse('2026-03-05T13:00:00Z'));
    await enqueueMatch(now, rule, { clusterId: 'd', articleId: 4, item: item('next window') });
    assert.deepEqual(await deliverPending(deps), { delivered: 3, retrying: 0, failed: 0, deferred: 0 });
    assert.equal(s.requests.length, 2);
    const digest = JSON.parse(s.requests[1]!.body) as AlertMessage;
    assert.equal(digest.digest, true);
    assert.deepEqual(digest.items.map((i) => i.title), ['first', 'second', 'third']);
    clock.set(Date.parse('2026-03-05T14:00:00Z'));
    await deliverPending(deps);
    assert.equal(s.requests.length, 3);
    assert.deepEqual((JSON.parse(s.requests[2]!.body) as AlertMessage).items.map((i) => i.title), ['next window']);
  });

  test('after a restart, pending deliveries are delivered and delivered ones are not sent again', async () => {
    const s = await http((_r, res, i) => json(res, i === 0 ? 200 : i === 1 ? 500 : 200, {}));
    const { store, clock, deps } = setup([webhook('hook', s.url)]);
    await enqueueMatch({ store, clock }, { name: 'r', channels: ['hook'] }, { clusterId: 'c1', articleId: 1, item: item('one') });
    await deliverPending(deps);
    await enqueueMatch({ store, clock }, { name: 'r', channels: ['hook'] }, { clusterId: 'c2', articleId: 2, item: item('two') });
    await deliverPending(deps);
    assert.deepEqual(store.all().map((r) => r.status), ['delivered', 'pending']);
    // "Restart": new channel objects and deps, same store.
    clock.advance(policy.backoff);
    const restarted: DeliverDeps = { ...deps, channels: new Map([['hook', webhook('hook', s.url)]]) };
    assert.equal((await deliverPending(restarted)).delivered, 1);
    assert.deepEqual(store.all().map((r) => r.status), ['delivered', 'delivered']);
    assert.deepEqual(s.requests.map((r) => (JSON.parse(r.body) as AlertMessage).items[0]!.title), ['one', 'two', 'two']);
  });

  test('an unexpected exception from a channel is treated as retryable', async () => {
    const flaky: Channel = {
      name: 'flaky',
      type: 'log',
      send: async () => {
        throw new TypeError('boom');
      },
    };
    const { store, clock, deps } = setup([flaky]);
    await enqueueMatch({ store, clock }, { name: 'r', channels: ['flaky'] }, { clusterId: 'c', articleId: 1, item: item('x') });
    assert.equal((await deliverPending(deps)).retrying, 1);
    assert.match(store.all()[0]!.lastError!, /^delivery: boom/);
    assert.ok(new FeedwatchError('delivery', 'x').retryable);
  });

  /** A channel that records what it is given and takes `ms` of the (manual) clock per message; `fail` makes it throw. */
  function recorder(clock: ManualClock, name: string, ms = 0, fail: (i: number) => boolean = () => false) {
    const sent: AlertMessage[] = [];
    const channel: Channel = {
      name,
      type: 'log',
      send: async (m) => {
        sent.push(structuredClone(m));
        clock.advance(ms);
        if (fail(sent.length - 1)) throw new FeedwatchError('delivery', 'refused', { channel: name });
      },
    };
    return { channel, sent };
  }

  test('every attempt at one message carries the id given before its first send; another message, another id', async () => {
    const clock = new ManualClock(Date.parse('2026-03-05T12:00:00Z'));
    const { channel, sent } = recorder(clock, 'rec', 0, (i) => i === 0);
    let n = 0;
    const { store, deps } = setup([channel], { clock, newId: () => `id-${++n}` });
    for (const c of ['c1', 'c2']) await enqueueMatch({ store, clock }, { name: 'r', channels: ['rec'] }, { clusterId: c, articleId: 1, item: item(c) });
    assert.deepEqual(await deliverPending(deps), { delivered: 0, retrying: 1, failed: 0, deferred: 1 });
    assert.deepEqual(store.all().map((r) => r.messageId), ['id-1', null], 'the deferred one has none yet: it never went out');
    clock.advance(policy.backoff);
    assert.equal((await deliverPending(deps)).delivered, 2);
    // c2, due since the first pass, goes before c1's retry.
    assert.deepEqual(sent.map((m) => [m.items[0]!.title, m.id]), [['c1', 'id-1'], ['c2', 'id-2'], ['c1', 'id-1']]);
    assert.deepEqual(store.leases, [policy.lease, policy.lease], 'each pass claims for the configured lease');
  });

  test('digest deliveries that went out together under an id go out together again under it; newer ones make a message of their own', async () => {
    const clock = new ManualClock(Date.parse('2026-03-05T12:05:00Z'));
    const { channel, sent } = recorder(clock, 'rec', 0, (i) => i === 0);
    let n = 0;
    const { store, deps } = setup([channel], { clock, newId: () => `d-${++n}` });
    const rule = { name: 'hourly', channels: ['rec'], digest: 3_600_000 };
    await enqueueMatch({ store, clock }, rule, { clusterId: 'a', articleId: 1, item: item('a') });
    await enqueueMatch({ store, clock }, rule, { clusterId: 'b', articleId: 2, item: item('b') });
    clock.set(Date.parse('2026-03-05T13:00:00Z'));
    assert.equal((await deliverPending(deps)).retrying, 2, 'the digest of a and b failed once');
    // The next window's match is due by the time the retry is.
    clock.set(Date.parse('2026-03-05T13:10:00Z'));
    await enqueueMatch({ store, clock }, rule, { clusterId: 'c', articleId: 3, item: item('c') });
    clock.set(Date.parse('2026-03-05T14:00:00Z'));
    assert.equal((await deliverPending(deps)).delivered, 3);
    assert.deepEqual(
      sent.map((m) => [m.id, m.items.map((i) => i.title).join('+')]),
      [['d-1', 'a+b'], ['d-1', 'a+b'], ['d-2', 'c']],
    );
  });

  test('a delivery whose claim another worker took meanwhile is not sent', async () => {
    const clock = new ManualClock(Date.parse('2026-03-05T12:00:00Z'));
    const { channel, sent } = recorder(clock, 'rec');
    const { store, deps, lines } = setup([channel], { clock });
    for (const c of ['c1', 'c2']) await enqueueMatch({ store, clock }, { name: 'r', channels: ['rec'] }, { clusterId: c, articleId: 1, item: item(c) });
    store.lostClaims.add(store.all()[0]!.id);
    assert.deepEqual(await deliverPending(deps), { delivered: 1, retrying: 0, failed: 0, deferred: 1 });
    assert.deepEqual(sent.map((m) => m.items[0]!.title), ['c2']);
    assert.match(lines(), /claimed by another worker meanwhile/);
  });

  test('a long pass renews its claims before the lease runs out, and only then', async () => {
    const clock = new ManualClock(Date.parse('2026-03-05T12:00:00Z'));
    // Each send takes 15 s of a 60 s lease: renewed before a send once 20 s have passed since the last claim.
    const { channel } = recorder(clock, 'rec', 15_000);
    const { store, deps } = setup([channel], { clock });
    for (let i = 1; i <= 6; i++) await enqueueMatch({ store, clock }, { name: 'r', channels: ['rec'] }, { clusterId: `c${i}`, articleId: i, item: item(`s${i}`) });
    const t0 = clock.now();
    assert.equal((await deliverPending(deps)).delivered, 6);
    assert.deepEqual(
      store.renewals.map(([now, lease]) => [(Date.parse(now) - t0) / 1000, lease]),
      [
        [30, 60_000],
        [60, 60_000],
      ],
    );
  });
});

describe('deliverPending metrics', () => {
  test('deliveries are counted per channel and outcome, and each send is timed by the injected clock', async () => {
    const metrics = createMetrics();
    let clockRef: ManualClock | null = null;
    const slow: Channel = {
      name: 'slow',
      type: 'log',
      async send() {
        clockRef!.advance(250);
      },
    };
    const refuses: Channel = {
      name: 'refuses',
      type: 'webhook',
      async send() {
        throw new FeedwatchError('http-status', 'HTTP 400', { status: 400 }, { retryable: false });
      },
    };
    const busy: Channel = {
      name: 'busy',
      type: 'webhook',
      async send() {
        throw new FeedwatchError('http-status', 'HTTP 503', { status: 503 }, { retryable: true });
      },
    };
    const { store, clock, deps } = setup([slow, refuses, busy], { metrics });
    clockRef = clock;
    await enqueueMatch({ store, clock }, { name: 'r', channels: ['slow', 'refuses', 'busy'] }, { clusterId: 'c1', articleId: 1, item: item('a') });
    await enqueueMatch({ store, clock }, { name: 'r', channels: ['slow'] }, { clusterId: 'c2', articleId: 2, item: item('b') });
    assert.deepEqual(await deliverPending(deps), { delivered: 2, retrying: 1, failed: 1, deferred: 0 });
    const values = (await metrics.alertDeliveries.get()).values.map((v) => `${String(v.labels.channel)}/${String(v.labels.outcome)}=${v.value}`).sort();
    assert.deepEqual(values, ['busy/retrying=1', 'refuses/failed=1', 'slow/delivered=2']);
    const hist = (await metrics.stageSeconds.get()).values;
    assert.equal(hist.find((v) => v.metricName === 'feedwatch_stage_duration_seconds_count' && v.labels.stage === 'deliver')?.value, 4);
    assert.equal(hist.find((v) => v.metricName === 'feedwatch_stage_duration_seconds_sum' && v.labels.stage === 'deliver')?.value, 0.5);
  });
});

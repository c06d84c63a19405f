/**
 * /healthz and /readyz decide on an injected clock and an injected ping deadline (src/health.ts), so nothing
 * waits: a scheduler loop that stopped ticking, a storage or Redis that does not answer its ping, a process still
 * starting or shutting down. Then the same over HTTP, from the health server.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../src/clock.js';
import { checkHealth, checkReady, type Dependency, type HealthOptions, type HealthState } from '../src/health.js';
import { createMetrics } from '../src/metrics.js';
import { startHealthServer } from '../src/server.js';

/** A ping deadline the test fires by hand: `late()` makes every ping still waiting count as unanswered. */
function handDeadline() {
  const waiting: Array<() => void> = [];
  return {
    deadline: () => new Promise<void>((resolve) => waiting.push(resolve)),
    late: () => waiting.splice(0).forEach((r) => r()),
  };
}

const up = (name: string): Dependency => ({ name, ping: async () => 'PONG' });
const never = (name: string): Dependency => ({ name, ping: () => new Promise(() => undefined) });
const failing = (name: string, message: string): Dependency => ({ name, ping: async () => Promise.reject(new Error(message)) });

function options(clock: ManualClock, dependencies: Dependency[], over: Partial<HealthOptions> = {}): HealthOptions & { late: () => void } {
  const d = handDeadline();
  return { clock, tickIntervalMs: 1000, dependencies, deadline: d.deadline, late: d.late, ...over };
}

/** Run a check whose pings may wait: fire the deadline once every answered ping has had its turn. */
async function run<T>(check: Promise<T>, late: () => void): Promise<T> {
  await new Promise((r) => setImmediate(r));
  late();
  return check;
}

describe('checkHealth', () => {
  const t0 = Date.parse('2026-05-01T00:00:00Z');

  test('healthy: the loop ticked lately and every dependency answered', async () => {
    const clock = new ManualClock(t0);
    const o = options(clock, [up('storage'), up('redis')]);
    const state: HealthState = { started: true, stopping: false, lastTickAt: t0 - 2000, loopStartedAt: t0 - 60_000 };
    const r = await run(checkHealth(state, o), o.late);
    assert.deepEqual([r.ok, r.reasons], [true, []]);
    assert.deepEqual(r.detail['checks'], { storage: 'up', redis: 'up' });
  });

  test('a loop that has not ticked for several intervals (at least 30 s) is unhealthy, with the reason', async () => {
    const clock = new ManualClock(t0);
    const o = options(clock, [up('storage')], { tickIntervalMs: 1000 });
    const state: HealthState = { started: true, stopping: false, lastTickAt: t0, loopStartedAt: t0 - 1000 };
    clock.advance(30_000);
    assert.equal((await run(checkHealth(state, o), o.late)).ok, true, '30 s: the floor of "several intervals"');
    clock.advance(1);
    const r = await run(checkHealth(state, o), o.late);
    assert.equal(r.ok, false);
    assert.match(r.reasons.join(), /^scheduler: last tick 30 s ago/);
    // A slower loop (the bullmq scheduler's sweep, every 60 s) gets five of its intervals.
    const slow = options(clock, [], { tickIntervalMs: 60_000 });
    assert.equal((await run(checkHealth({ ...state, lastTickAt: clock.now() - 299_000 }, slow), slow.late)).ok, true);
    assert.equal((await run(checkHealth({ ...state, lastTickAt: clock.now() - 301_000 }, slow), slow.late)).ok, false);
  });

  test('a loop that never ticked since start counts from the start; a worker (no loop) is not judged on it', async () => {
    const clock = new ManualClock(t0);
    const o = options(clock, []);
    const r = await run(checkHealth({ started: true, stopping: false, lastTickAt: null, loopStartedAt: t0 - 45_000 }, o), o.late);
    assert.match(r.reasons.join(), /no tick in 45 s since start/);
    const worker = options(clock, [], { tickIntervalMs: null });
    assert.equal((await run(checkHealth({ started: true, stopping: false, lastTickAt: null, loopStartedAt: t0 - 45_000 }, worker), worker.late)).ok, true);
  });

  test('storage or Redis that does not answer within the ping deadline, or fails, is unhealthy, each with its reason', async () => {
    const clock = new ManualClock(t0);
    const o = options(clock, [never('storage'), failing('redis', 'connection refused'), up('other')]);
    const r = await run(checkHealth({ started: true, stopping: false, lastTickAt: t0 }, o), o.late);
    assert.equal(r.ok, false);
    assert.deepEqual(r.reasons, ['redis: connection refused', 'storage: no answer to a ping within 1000 ms']);
    assert.deepEqual(r.detail['checks'], { storage: 'down', redis: 'down', other: 'up' });
  });

  test('shutting down is unhealthy; starting up is healthy (a long migration must not get the process restarted)', async () => {
    const clock = new ManualClock(t0);
    const o = options(clock, [never('storage')]);
    assert.deepEqual((await run(checkHealth({ started: false, stopping: false }, o), o.late)).ok, true);
    const stopping = await run(checkHealth({ started: true, stopping: true, lastTickAt: t0 }, o), o.late);
    assert.ok(stopping.reasons.includes('shutting down'));
  });
});

describe('checkReady', () => {
  const t0 = Date.parse('2026-05-01T00:00:00Z');
  test('ready once started, while the dependencies answer, and not while shutting down', async () => {
    const clock = new ManualClock(t0);
    const o = options(clock, [up('storage')]);
    const starting = await run(checkReady({ started: false, stopping: false }, o), o.late);
    assert.deepEqual([starting.ok, starting.reasons[0]?.startsWith('starting')], [false, true]);
    assert.equal((await run(checkReady({ started: true, stopping: false }, o), o.late)).ok, true);
    assert.deepEqual((await run(checkReady({ started: true, stopping: true }, o), o.late)).reasons, ['shutting down']);
    const down = options(clock, [never('storage')]);
    assert.deepEqual((await run(checkReady({ started: true, stopping: false }, down), down.late)).reasons, ['storage: no answer to a ping within 1000 ms']);
  });
});

describe('health server', () => {
  const servers: Server[] = [];
  after(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  test('/healthz and /readyz answer 200 or 503 with the reasons in the body; /metrics has the last-tick gauge', async () => {
    const clock = new ManualClock(Date.parse('2026-05-01T00:00:00Z'));
    const metrics = createMetrics();
    metrics.lastTick.set(clock.now() / 1000);
    const state: HealthState = { started: false, stopping: false, lastTickAt: clock.now(), loopStartedAt: clock.now() };
    const deps: Dependency[] = [up('storage')];
    // The real timer as the deadline: only pings that answer at once are used here.
    const o = { clock, tickIntervalMs: 1000, dependencies: deps };
    const server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      metrics,
      health: async () => {
        const r = await checkHealth(state, o);
        return { ok: r.ok, detail: { reasons: r.reasons, ...r.detail } };
      },
      ready: async () => {
        const r = await checkReady(state, o);
        return { ok: r.ok, detail: { reasons: r.reasons, ...r.detail } };
      },
    });
    servers.push(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string) => {
      const res = await fetch(base + path);
      return { status: res.status, body: (await res.json()) as { ok: boolean; reasons: string[] } };
    };
    assert.equal((await get('/healthz')).status, 200, 'starting: alive');
    const notReady = await get('/readyz');
    assert.equal(notReady.status, 503);
    assert.match(notReady.body.reasons[0]!, /^starting/);
    state.started = true;
    assert.equal((await get('/readyz')).status, 200);
    clock.advance(31_000);
    const stale = await get('/healthz');
    assert.equal(stale.status, 503);
    assert.match(stale.body.reasons.join(), /scheduler: last tick 31 s ago/);
    deps[0] = failing('storage', 'SQLITE_IOERR: disk I/O error');
    state.lastTickAt = clock.now();
    const sick = await get('/healthz');
    assert.deepEqual([sick.status, sick.body.reasons], [503, ['storage: SQLITE_IOERR: disk I/O error']]);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, new RegExp(`^feedwatch_last_tick_timestamp_seconds ${clock.now() / 1000 - 31}$`, 'm'));
  });
});

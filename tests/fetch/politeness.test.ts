import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHostLimiter, hostKey } from '../../src/fetch/politeness.js';
import { FeedwatchError } from '../../src/errors.js';

/** A task whose completion the test controls, recording when it started. */
function controlled(log: string[], name: string) {
  let finish!: (v: string) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<string>((res, rej) => {
    finish = res;
    fail = rej;
  });
  return {
    fn: () => {
      log.push(name);
      return done;
    },
    finish: () => finish(name),
    fail: (e: Error) => fail(e),
  };
}

/** Let queued promise callbacks run (no timers involved). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('createHostLimiter', () => {
  test('at most perHost tasks run for one host; the next starts when one finishes', async () => {
    const limiter = createHostLimiter({ perHost: 2, total: 10 });
    const log: string[] = [];
    const tasks = ['a1', 'a2', 'a3', 'a4'].map((n) => controlled(log, n));
    const results = tasks.map((t) => limiter.run('https://a.example/feed', t.fn));
    await settle();
    assert.deepEqual(log, ['a1', 'a2']);
    assert.equal(limiter.active('a.example'), 2);
    assert.equal(limiter.pending(), 2);
    tasks[1]!.finish();
    await settle();
    assert.deepEqual(log, ['a1', 'a2', 'a3']);
    tasks[0]!.finish();
    tasks[2]!.finish();
    await settle();
    assert.deepEqual(log, ['a1', 'a2', 'a3', 'a4']);
    tasks[3]!.finish();
    assert.deepEqual(await Promise.all(results), ['a1', 'a2', 'a3', 'a4']);
    assert.equal(limiter.active(), 0);
    assert.equal(limiter.pending(), 0);
  });

  test('a busy host does not hold up other hosts queued behind it', async () => {
    const limiter = createHostLimiter({ perHost: 1, total: 5 });
    const log: string[] = [];
    const a1 = controlled(log, 'a1');
    const a2 = controlled(log, 'a2');
    const b1 = controlled(log, 'b1');
    void limiter.run('http://a.example/1', a1.fn);
    void limiter.run('http://a.example/2', a2.fn);
    void limiter.run('http://b.example/1', b1.fn);
    await settle();
    assert.deepEqual(log, ['a1', 'b1']);
    assert.equal(limiter.pending(), 1);
    a1.finish();
    await settle();
    assert.deepEqual(log, ['a1', 'b1', 'a2']);
  });

  test('the total limit holds across hosts, and waiting tasks start in arrival order', async () => {
    const limiter = createHostLimiter({ perHost: 5, total: 2 });
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((h) => ({ h, t: controlled(log, h) }));
    for (const { h, t } of tasks) void limiter.run(`http://${h}.example/`, t.fn);
    await settle();
    assert.deepEqual(log, ['a', 'b']);
    assert.equal(limiter.active(), 2);
    tasks[1]!.t.finish();
    await settle();
    assert.deepEqual(log, ['a', 'b', 'c']);
    tasks[0]!.t.finish();
    await settle();
    assert.deepEqual(log, ['a', 'b', 'c', 'd']);
  });

  test('a failing or throwing task frees its slot and passes its error on', async () => {
    const limiter = createHostLimiter({ perHost: 1, total: 1 });
    const log: string[] = [];
    const bad = controlled(log, 'bad');
    const first = limiter.run('http://a.example/', bad.fn);
    const second = limiter.run('http://a.example/', () => {
      throw new Error('sync throw');
    });
    const third = limiter.run('http://a.example/', async () => 'third');
    bad.fail(new Error('boom'));
    await assert.rejects(first, /boom/);
    await assert.rejects(second, /sync throw/);
    assert.equal(await third, 'third');
    assert.equal(limiter.active(), 0);
  });

  test('hosts differ by port and ignore case; a bad URL is rejected as bad-url', async () => {
    assert.equal(hostKey('http://EXAMPLE.com:8080/x'), 'example.com:8080');
    assert.equal(hostKey('https://example.com/x'), 'example.com');
    const limiter = createHostLimiter({ perHost: 1, total: 3 });
    const err = await limiter.run('not a url', async () => 1).catch((e: unknown) => e);
    assert.ok(err instanceof FeedwatchError);
    assert.equal(err.kind, 'bad-url');
  });

  test('limits below 1 are refused', () => {
    assert.throws(() => createHostLimiter({ perHost: 0, total: 1 }), RangeError);
    assert.throws(() => createHostLimiter({ perHost: 1, total: 0 }), RangeError);
  });
});

/**
 * The fault gate over a real SQLite store: the first storage fault is logged once (path, kind, fix) and stops every
 * later call before it reaches the store, except ping; a ping that succeeds again resumes; an ordinary storage error
 * (a busy database, a dropped connection) passes through and stops nothing.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FeedwatchError } from '../../src/errors.js';
import { gateStore } from '../../src/store/fault-gate.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { faultyStore } from '../helpers/faulty-store.js';
import { okPoll, testFeed, testItem } from '../helpers/store-fixtures.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

/** A real store, counting the calls that reach it. */
async function counted(): Promise<{ store: Store; path: string; calls: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-gate-'));
  dirs.push(dir);
  const path = join(dir, 'feedwatch.db');
  const real = await openSqliteStore(path);
  await real.syncFeeds([testFeed('f')]);
  const calls: string[] = [];
  const store = new Proxy(real as Store, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, path, calls };
}

const poll = (store: Store, guid: string) => store.recordPoll(okPoll('f', '2026-03-01T12:00:00Z'), [testItem('f', guid)], '2026-03-01T12:15:00Z');

test('a fault is logged once and stops every call but ping; a ping that succeeds resumes', async () => {
  const { store: inner, path, calls } = await counted();
  const { logger, lines } = capture();
  const { store, gate } = gateStore(inner, logger);
  try {
    assert.equal(gate.halted(), null);
    execFileSync('chattr', ['+i', path]);
    await assert.rejects(poll(store, 'a'), (e: FeedwatchError) => e.context['fault'] === 'read-only');
    assert.equal(gate.halted()?.context['path'], path);
    const reached = calls.length;
    await assert.rejects(store.feedStates(), (e) => e === gate.halted());
    await assert.rejects(poll(store, 'b'), (e) => e === gate.halted());
    assert.equal(calls.length, reached, 'refused without reaching the store');
    assert.equal(await gate.probe(), gate.halted(), 'still read-only: the ping fails');
    assert.deepEqual(calls.slice(reached), ['ping']);
    const errors = lines.filter((l) => l.level === 50);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.path, path);
    assert.equal(errors[0]!.storage_fault, 'read-only');
    assert.match(String(errors[0]!.msg), /^storage fault, work stopped: the SQLite database .* cannot be written/);
    assert.match(String(errors[0]!.fix), /chattr -i/);

    execFileSync('chattr', ['-i', path]);
    assert.equal(await gate.probe(), null, 'writable again: resumed');
    assert.ok(lines.some((l) => l.msg === 'storage can be written again: work resumes'));
    assert.equal((await poll(store, 'c')).length, 1);
    assert.equal(lines.filter((l) => l.level === 50).length, 1, 'still the one error line');
  } finally {
    try {
      execFileSync('chattr', ['-i', path]);
    } finally {
      await store.close();
    }
  }
});

test('an ordinary storage error passes through and stops nothing', async () => {
  const { store: inner } = await counted();
  const { store: faulty } = faultyStore(inner, 'recordPoll', 1);
  const { logger, lines } = capture();
  const { store, gate } = gateStore(faulty, logger);
  try {
    await assert.rejects(poll(store, 'a'), (e: FeedwatchError) => e.kind === 'storage' && e.context['fault'] === undefined);
    assert.equal(gate.halted(), null);
    assert.equal((await poll(store, 'a')).length, 1);
    assert.deepEqual(lines, []);
  } finally {
    await store.close();
  }
});

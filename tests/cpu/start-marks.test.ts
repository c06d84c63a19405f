/**
 * Start marks (src/cpu/start-marks.ts): the pool learns when a worker began a task from shared memory. A slot taken
 * for a task reads as not begun until the worker marks it with the task's ticket; the time read is the marking
 * thread's moment on this thread's performance.now clock; a mark with a ticket the slot no longer holds changes
 * nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { StartMarks, startMarker } from '../../src/cpu/start-marks.js';

/** The two clocks' origins are matched by reading them one after the other: off by microseconds, not more. */
const SLACK_MS = 1;

test('a taken slot reads as not begun until marked with its ticket, then as the time it was marked', () => {
  const marks = new StartMarks(2);
  const mark = startMarker(marks.share);
  const a = marks.take();
  const b = marks.take();
  assert.notEqual(a, b);
  assert.equal(marks.take(), -1, 'no third slot for two threads');
  assert.equal(marks.startedAt(a), null);
  const before = performance.now();
  mark({ slot: a, ticket: marks.ticket(a) });
  const after = performance.now();
  const at = marks.startedAt(a);
  assert.ok(at !== null && at >= before - SLACK_MS && at <= after + SLACK_MS, `${before} <= ${at} <= ${after}`);
  assert.equal(marks.startedAt(b), null, 'the other slot is untouched');
});

test('a mark with a ticket the slot no longer holds (its task settled, the slot taken again) changes nothing', () => {
  const marks = new StartMarks(1);
  const mark = startMarker(marks.share);
  const slot = marks.take();
  const old = { slot, ticket: marks.ticket(slot) };
  marks.release(slot);
  assert.equal(marks.take(), slot);
  assert.notEqual(marks.ticket(slot), old.ticket);
  mark(old);
  assert.equal(marks.startedAt(slot), null);
  mark({ slot, ticket: marks.ticket(slot) });
  assert.notEqual(marks.startedAt(slot), null);
  // Marking twice keeps the first time.
  const first = marks.startedAt(slot);
  mark({ slot, ticket: marks.ticket(slot) });
  assert.equal(marks.startedAt(slot), first);
});

test('a mark written by another thread is read here, on this thread\'s clock', async () => {
  const marks = new StartMarks(1);
  const slot = marks.take();
  const before = performance.now();
  const url = new URL('../../src/cpu/start-marks.ts', import.meta.url).href;
  // The worker imports the module through tsx's API (Node 20 gives a worker no --import hooks) and marks the slot.
  const worker = new Worker(
    `const { tsImport } = await import('tsx/esm/api'); const { workerData } = await import('node:worker_threads');
     const m = await tsImport(workerData.url, import.meta.url); m.startMarker(workerData.share)(workerData.mark);`,
    { eval: true, type: 'module', workerData: { url, share: marks.share, mark: { slot, ticket: marks.ticket(slot) } } } as never,
  );
  await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
  const after = performance.now();
  const at = marks.startedAt(slot);
  assert.ok(at !== null && at >= before - SLACK_MS && at <= after + SLACK_MS, `${before} <= ${at} <= ${after}`);
});

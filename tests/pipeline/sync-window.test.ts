import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inWindow } from '../../src/pipeline/bullmq.js';

/** Calls that settle when the test says, to count how many are in flight at once. */
function gated() {
  const open: Array<{ item: number; settle: (ok: boolean) => void }> = [];
  let maxInFlight = 0;
  let inFlight = 0;
  const run = (item: number) =>
    new Promise<void>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      open.push({
        item,
        settle: (ok) => {
          inFlight--;
          if (ok) resolve();
          else reject(new Error(`item ${item} failed`));
        },
      });
    });
  return { open, run, max: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

test('inWindow keeps at most `window` calls in flight and starts the next as soon as one settles', async () => {
  const g = gated();
  const recorded: number[][] = [];
  const items = Array.from({ length: 1200 }, (_, i) => i);
  const all = inWindow(items, 7, g.run, async (done) => void recorded.push(done));
  let settled = 0;
  while (settled < items.length) {
    await tick();
    assert.ok(g.open.length <= 7, `${g.open.length} in flight`);
    // Settle one: the window refills to 7 (while items remain) before any batch would have drained.
    const first = g.open.shift();
    if (first) {
      first.settle(true);
      settled++;
    }
  }
  await all;
  assert.equal(g.max(), 7);
  assert.deepEqual(recorded.map((r) => r.length), [500, 500, 200]);
  assert.deepEqual(recorded.flat().sort((a, b) => a - b), items);
});

test('inWindow: after a failure no new call starts, the successes are recorded and the failure is thrown', async () => {
  const g = gated();
  const recorded: number[] = [];
  const items = Array.from({ length: 20 }, (_, i) => i);
  const all = inWindow(items, 4, g.run, async (done) => void recorded.push(...done));
  await tick();
  g.open.shift()!.settle(true); // item 0
  await tick();
  g.open.shift()!.settle(false); // item 1 fails
  await tick();
  const inFlight = g.open.map((o) => o.item);
  for (const o of g.open.splice(0)) o.settle(true);
  await assert.rejects(all, /item 1 failed/);
  assert.deepEqual(recorded.sort((a, b) => a - b), [0, ...inFlight].sort((a, b) => a - b));
  assert.ok(!recorded.includes(1));
  assert.ok(inFlight.length <= 4 && Math.max(...inFlight) < 6, `started after the failure: ${inFlight.join(',')}`);
});

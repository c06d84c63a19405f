import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextPollDelay } from '../../src/pipeline/schedule.js';

const settings = { minIntervalMs: 60_000, maxBackoffMs: 6 * 3_600_000, jitter: 0 };
const mid = () => 0.5;

test('success waits the interval', () => {
  assert.equal(nextPollDelay(900_000, { ok: true, errorCount: 0, retryAfterSeconds: null }, settings, mid), 900_000);
});

test('failures back off exponentially and stop at the cap', () => {
  const delays = [1, 2, 3, 4, 10, 40].map((n) => nextPollDelay(900_000, { ok: false, errorCount: n, retryAfterSeconds: null }, settings, mid));
  assert.deepEqual(delays, [900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 21_600_000]);
});

test('Retry-After is honoured when longer, and clamped to the cap', () => {
  assert.equal(nextPollDelay(900_000, { ok: false, errorCount: 1, retryAfterSeconds: 3600 }, settings, mid), 3_600_000);
  assert.equal(nextPollDelay(900_000, { ok: false, errorCount: 1, retryAfterSeconds: 10 }, settings, mid), 900_000);
  assert.equal(nextPollDelay(900_000, { ok: false, errorCount: 1, retryAfterSeconds: 10 ** 9 }, settings, mid), 21_600_000);
});

test('intervals below the floor are raised to it', () => {
  assert.equal(nextPollDelay(1_000, { ok: true, errorCount: 0, retryAfterSeconds: null }, settings, mid), 60_000);
});

test('jitter spreads the delay within ± the fraction', () => {
  const s = { ...settings, jitter: 0.1 };
  const lo = nextPollDelay(900_000, { ok: true, errorCount: 0, retryAfterSeconds: null }, s, () => 0);
  const hi = nextPollDelay(900_000, { ok: true, errorCount: 0, retryAfterSeconds: null }, s, () => 0.999999);
  assert.equal(lo, 810_000);
  assert.ok(hi > 989_000 && hi <= 990_000, String(hi));
});

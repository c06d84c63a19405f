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

test('Retry-After is a floor after jitter: no draw of the random source schedules a poll before it', () => {
  const s = { ...settings, jitter: 0.1 };
  // Retry-After equal to, just above and well above the backoff; low, middle and high jitter draws.
  const table: { interval: number; errors: number; retryAfter: number }[] = [
    { interval: 900_000, errors: 1, retryAfter: 900 },
    { interval: 900_000, errors: 1, retryAfter: 901 },
    { interval: 600_000, errors: 3, retryAfter: 2_400 },
    { interval: 120_000, errors: 0, retryAfter: 7_200 },
    { interval: 3_600_000, errors: 2, retryAfter: 7_300 },
  ];
  for (const row of table) {
    for (const draw of [0, 0.05, 0.25, 0.5, 0.75, 0.999999]) {
      const delay = nextPollDelay(row.interval, { ok: row.errors === 0, errorCount: row.errors, retryAfterSeconds: row.retryAfter }, s, () => draw);
      assert.ok(delay >= row.retryAfter * 1000, `${JSON.stringify(row)} draw ${draw}: ${delay} < ${row.retryAfter * 1000}`);
    }
  }
});

test('jitter still spreads polls above a Retry-After floor, and a Retry-After past the cap stops at the cap', () => {
  const s = { ...settings, jitter: 0.1 };
  const r = { ok: false, errorCount: 1, retryAfterSeconds: 3600 };
  assert.equal(nextPollDelay(900_000, r, s, () => 0), 3_600_000);
  assert.equal(nextPollDelay(900_000, r, s, () => 0.999999), Math.ceil(3_600_000 * (0.9 + 0.2 * 0.999999)));
  for (const draw of [0, 0.5, 0.999999]) {
    const d = nextPollDelay(900_000, { ok: false, errorCount: 1, retryAfterSeconds: 10 ** 9 }, s, () => draw);
    assert.ok(d >= 21_600_000 && d <= 21_600_000 * 1.1, String(d));
  }
});

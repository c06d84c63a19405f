import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBandIndex } from '../helpers/band-index.js';
import { bandKeys, bandValues, candidateProbability, DEFAULT_BANDS } from '../../src/dedup/bands.js';
import { xorshift32 } from '../helpers/prng.js';


function randomSignature(next: () => number): Uint32Array {
  const s = new Uint32Array(128);
  for (let i = 0; i < s.length; i++) s[i] = next();
  return s;
}

/** A copy agreeing with `sig` on a share `keep` of its positions (a near duplicate of Jaccard ≈ keep). */
function perturb(sig: Uint32Array, keep: number, next: () => number): Uint32Array {
  const s = Uint32Array.from(sig);
  for (let i = 0; i < s.length; i++) if (next() / 2 ** 32 >= keep) s[i] = next();
  return s;
}

describe('bandValues', () => {
  test('32 bands of 4 positions: deterministic 32-bit values', () => {
    const sig = randomSignature(xorshift32(1));
    const v = bandValues(sig);
    assert.equal(v.length, 32);
    assert.deepEqual(bandValues(Uint32Array.from(sig)), v);
    assert.ok(v.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32));
  });
  test('changing one position changes exactly its band', () => {
    const sig = randomSignature(xorshift32(2));
    const other = Uint32Array.from(sig);
    other[13] = (other[13] ?? 0) ^ 1;
    const a = bandValues(sig);
    const b = bandValues(other);
    assert.deepEqual(a.map((x, i) => (x === b[i] ? -1 : i)).filter((i) => i >= 0), [Math.floor(13 / DEFAULT_BANDS.rows)]);
  });
  test('equal rows in different bands give different values', () => {
    const v = bandValues(new Uint32Array(128));
    assert.equal(new Set(v).size, 32);
  });
  test('refuses a signature too short for the bands', () => {
    assert.throws(() => bandValues(new Uint32Array(64)), RangeError);
  });
  test('string keys name band and value', () => {
    assert.deepEqual(bandKeys([0x1a2b3c4d, 5]), ['00:1a2b3c4d', '01:00000005']);
  });
  test('the S-curve', () => {
    assert.ok(candidateProbability(0.7) > 0.999);
    assert.ok(candidateProbability(0.5) > 0.85);
    assert.ok(candidateProbability(0.05) < 0.001);
  });
});

describe('MemoryBandIndex with 100,000 stored signatures', () => {
  test('finds every planted near duplicate and few others', () => {
    const next = xorshift32(42);
    const index = new MemoryBandIndex();
    const stored: Uint32Array[] = [];
    for (let id = 0; id < 100_000; id++) {
      const sig = randomSignature(next);
      if (id < 200) stored.push(sig);
      index.add(id, bandValues(sig));
    }
    assert.equal(index.size, 100_000);
    let found = 0;
    let others = 0;
    for (let id = 0; id < 200; id++) {
      const original = stored[id];
      assert.ok(original);
      // Jaccard ≈ 0.8: the probability of sharing no band is below 1e-10.
      const candidates = index.candidates(bandValues(perturb(original, 0.8, next)));
      if (candidates.includes(id)) found++;
      others += candidates.filter((c) => c !== id).length;
    }
    assert.equal(found, 200);
    assert.ok(others <= 2, `${others} unrelated candidates over 200 lookups`);
    // Unrelated queries find (almost) nothing.
    let stray = 0;
    for (let q = 0; q < 200; q++) stray += index.candidates(bandValues(randomSignature(next))).length;
    assert.ok(stray <= 2, `${stray} candidates for unrelated signatures`);
  });
  test('one id per bucket entry; re-adding does not duplicate', () => {
    const index = new MemoryBandIndex();
    const v = bandValues(randomSignature(xorshift32(7)));
    index.add(1, v);
    index.add(1, v);
    index.add(2, v);
    assert.deepEqual(index.candidates(v).sort(), [1, 2]);
  });
});

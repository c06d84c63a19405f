/**
 * Stored signatures outlive code: a MinHash computed today must equal the one stored last year, or near duplicates
 * stop being found. The signature and band values of a fixed text are pinned here (computed before the hash loop
 * was inlined), and the Jaccard estimate is checked against a plain reference on many signature pairs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintBody } from '../../src/dedup/fingerprint.js';
import { jaccardEstimate } from '../../src/dedup/minhash.js';

const TEXT =
  'Министр иностранных дел России Сергей Лавров заявил в субботу, что переговоры в Бишкеке продолжатся на следующей неделе.\n' +
  'The quick brown fox jumps over the lazy dog again and again.';

const PINNED_MINHASH =
  'd61e0f495ac6558fef13627f488d39b456282fd1d51f34f36672385b59d4a6d21e34905e23f070b8e4da3eb09337f120f65fb5c7d7c606b8d349715518d9d598' +
  '7eafe76fe098a601848242fa79f85b1b7715f18f40e551d62817c12efc63ccd2d44a0612e70689f9b65f94b8146cb8a2a358751c8ee0f44b3b1619a636eb03a3' +
  '559de9e865042368ed911448d7f3a0f7c565e99bbadf436e179117e7ecbe639a80f50ed35c77249af361421b8c80a9c2c51331ae2a50175637f5a17bb7e266ce' +
  'cd6bf5b278b32e4bf2713f33bb41e0c7605eef59f99f961ad0b463a46c58c5343f128372b9a6833d2bf13c382e1c7516f36528cd9725a77fd65527562e23149e';

/** The estimate as first written: position by position on the hex digits. */
function referenceJaccard(a: string, b: string): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let equal = 0;
  for (let i = 0; i < a.length; i += 4) if (a.slice(i, i + 4) === b.slice(i, i + 4)) equal++;
  const chance = 1 / 65536;
  return Math.max(0, (equal / (a.length / 4) - chance) / (1 - chance));
}

describe('MinHash stays the same across versions', () => {
  test('the signature and bands of a fixed text are the pinned ones', () => {
    const f = fingerprintBody(TEXT);
    assert.equal(f.tokenCount, 29);
    assert.equal(f.minhash, PINNED_MINHASH);
    assert.deepEqual(f.bands.slice(0, 4), [1247188660, 3103695259, 3521721255, 1680527761]);
  });
  test('jaccardEstimate equals the reference on signatures sharing some positions', () => {
    let seed = 11;
    const hex4 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16).toString(16).padStart(4, '0');
    for (let trial = 0; trial < 50; trial++) {
      const a = Array.from({ length: 128 }, hex4);
      const b = a.map((x, i) => ((i * 7 + trial) % 50 < trial ? hex4() : x));
      const [sa, sb] = [a.join(''), b.join('')];
      assert.equal(jaccardEstimate(sa, sb), referenceJaccard(sa, sb));
    }
    assert.equal(jaccardEstimate(PINNED_MINHASH, PINNED_MINHASH), 1);
  });
});

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decideDuplicate, DEFAULT_DEDUP } from '../../src/dedup/decide.js';
import { fingerprintBody } from '../../src/dedup/fingerprint.js';
import { jaccardEstimate } from '../../src/dedup/minhash.js';
import type { DedupInput, DedupMatch } from '../../src/model.js';

const BASE = Array.from({ length: 60 }, (_, i) => `слово${i} word${i % 7}`).join(' ');
const EDITED = BASE.replace('слово10 ', 'другое ').replace('слово40 ', '');
const OTHER = Array.from({ length: 60 }, (_, i) => `иное${i} thing${i % 5}`).join(' ');

function input(text: string, over: Partial<DedupInput> = {}): DedupInput {
  const f = fingerprintBody(text);
  return { feedName: 'kg', guid: 'g1', url: 'https://ru.sputnik.kg/a.html', canonicalUrl: 'https://ru.sputnik.kg/a.html', textHash: f.textHash, minhash: f.minhash, bands: f.bands, tokenCount: f.tokenCount, ...over };
}
function stored(text: string, articleId: number, clusterId: number): DedupMatch {
  const f = fingerprintBody(text);
  return { articleId, clusterId, url: `https://ria.ru/${articleId}.html`, textHash: f.textHash, minhash: f.minhash };
}

describe('decideDuplicate', () => {
  test('same guid, same text: duplicate-guid', () => {
    assert.deepEqual(decideDuplicate(input(BASE), { byGuid: stored(BASE, 1, 10), near: [] }), { kind: 'duplicate-guid', articleId: 1, clusterId: 10 });
  });
  test('same guid, changed text: revision', () => {
    const prev = stored(BASE, 1, 10);
    assert.deepEqual(decideDuplicate(input(EDITED), { byGuid: prev, near: [] }), { kind: 'revision', articleId: 1, clusterId: 10, previousTextHash: prev.textHash });
  });
  test('same canonical URL, same text: duplicate-url', () => {
    assert.deepEqual(decideDuplicate(input(BASE), { byUrl: stored(BASE, 2, 20), near: [] }), { kind: 'duplicate-url', articleId: 2, clusterId: 20 });
  });
  test('same canonical URL, changed text (even a different one): revision, not a new story', () => {
    const prev = stored(BASE, 2, 20);
    assert.equal(decideDuplicate(input(OTHER), { byUrl: prev, near: [] }).kind, 'revision');
  });
  test('guid wins over URL', () => {
    assert.equal(decideDuplicate(input(BASE), { byGuid: stored(BASE, 1, 10), byUrl: stored(BASE, 2, 20), near: [] }).kind, 'duplicate-guid');
  });
  test('same text elsewhere: duplicate-text', () => {
    assert.deepEqual(decideDuplicate(input(BASE), { byHash: stored(BASE, 3, 30), near: [] }), { kind: 'duplicate-text', articleId: 3, clusterId: 30 });
  });
  test('a hash hit whose hash differs is not trusted', () => {
    assert.equal(decideDuplicate(input(BASE), { byHash: stored(OTHER, 3, 30), near: [] }).kind, 'new');
  });
  test('an exact-text near candidate counts as duplicate-text', () => {
    assert.equal(decideDuplicate(input(BASE), { near: [stored(BASE, 4, 40)] }).kind, 'duplicate-text');
  });
  test('a similar text joins the cluster of the most similar candidate', () => {
    const a = stored(EDITED, 5, 50);
    const b = stored(BASE.replace('слово20 ', 'x ').replace('слово21 ', 'y ').replace('слово22 ', 'z '), 6, 60);
    const c = input(BASE);
    const d = decideDuplicate(c, { near: [b, stored(OTHER, 7, 70), a] });
    assert.equal(d.kind, 'near-duplicate');
    const simA = jaccardEstimate(c.minhash ?? '', a.minhash ?? '');
    const simB = jaccardEstimate(c.minhash ?? '', b.minhash ?? '');
    const want = simA >= simB ? a : b;
    assert.equal(d.kind === 'near-duplicate' && d.articleId, want.articleId);
    assert.equal(d.kind === 'near-duplicate' && d.clusterId, want.clusterId);
    assert.ok(d.kind === 'near-duplicate' && d.similarity >= DEFAULT_DEDUP.minSimilarity && d.similarity < 1);
  });
  test('candidate order does not change the decision; ties go to the oldest article', () => {
    const x = stored(EDITED, 9, 90);
    const y = { ...x, articleId: 8, clusterId: 80 };
    assert.deepEqual(decideDuplicate(input(BASE), { near: [x, y] }), decideDuplicate(input(BASE), { near: [y, x] }));
    const d = decideDuplicate(input(BASE), { near: [x, y] });
    assert.equal(d.kind === 'near-duplicate' && d.articleId, 8);
  });
  test('a band candidate below the threshold is a new story', () => {
    assert.deepEqual(decideDuplicate(input(BASE), { near: [stored(OTHER, 7, 70)] }), { kind: 'new' });
  });
  test('the threshold is an option', () => {
    const near = [stored(EDITED, 5, 50)];
    assert.equal(decideDuplicate(input(BASE), { near }, { minSimilarity: 0.3 }).kind, 'near-duplicate');
    assert.equal(decideDuplicate(input(BASE), { near }, { minSimilarity: 1.01 }).kind, 'new');
  });
  test('a text too short to fingerprint is only matched exactly', () => {
    const short = input('Фото дня');
    assert.equal(short.minhash, null);
    assert.equal(decideDuplicate(short, { near: [stored(BASE, 1, 1)] }).kind, 'new');
  });
  test('nothing found: new', () => assert.deepEqual(decideDuplicate(input(BASE), { near: [] }), { kind: 'new' }));
  test('the decision is plain data', () => {
    const d = decideDuplicate(input(BASE), { near: [stored(EDITED, 5, 50)] });
    assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
  });
});

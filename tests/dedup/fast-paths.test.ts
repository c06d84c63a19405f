/**
 * The fast paths of fingerprinting against plain references: fingerprints are stored, so the words, their hashes,
 * the MinHash signature and the normalized text must be exactly what the plain definitions give (the pinned values
 * of minhash-pinned.test.ts check one text; these check many, including the awkward corners of UTF-16).
 *  - tokenHashes(t)          = tokenize(t).map(wordHash)
 *  - minhashOfWordHashes     = minhashSignature, which = the textbook loop over the distinct shingles
 *  - normalizeText           = the former chain of replacements (dashes with the whitespace around them, then
 *                              every whitespace run)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fmix32, foldHash, wordHash } from '../../src/dedup/hash.js';
import { minhashOfWordHashes, minhashSignature, shingleSet } from '../../src/dedup/minhash.js';
import { normalizeText, stripDateline, tokenHashes, tokenize } from '../../src/dedup/normalize.js';
import { mulberry32, uniform } from '../helpers/prng.js';

const PIECES = [
  'a', 'Z', 'é', 'e\u0301', 'ё', 'Ё', 'Й', '\u00AD', '\u200B', '\uFEFF', ' ', '  ', '\n', '\r\n', '\t', '\u00A0', '\u3000',
  '\u2028', '\u202F', '—', '–', '‒', '―', '−', '-', ' - ', '«', '»', '"', "'", '’', '1', '٣', '²', '½', 'ﬁ', 'Ⅻ', '𝐀', '𝟙',
  '😀', '北京', 'ß', 'İ', '\u0300', '\u20DD', 'ـ', '_', '.', ',', '\uD800', '\uDC00', '\uFE58', '\uFF02', 'ͅ', 'ς',
  'МОСКВА, 14 фев - РИА Новости. ', 'WASHINGTON (AP) — ', 'слово ', 'word ',
];

function texts(seed: number, count: number): string[] {
  const next = uniform(mulberry32(seed));
  const out: string[] = ['', ' ', 'a', 'a b', '\uD800\uDC00', '\uDBFF', 'x\uDC00y'];
  for (let i = 0; i < count; i++) {
    let s = '';
    const len = Math.floor(next() * 40);
    for (let j = 0; j < len; j++) {
      const r = next();
      // Mostly the pieces above; sometimes any UTF-16 code unit, or any code point beyond the BMP.
      s += r < 0.8 ? PIECES[Math.floor(next() * PIECES.length)] : r < 0.9 ? String.fromCharCode(Math.floor(next() * 0x10000)) : String.fromCodePoint(0x10000 + Math.floor(next() * 0x100000));
    }
    out.push(s);
  }
  return out;
}

/** The MinHash signature as defined: for each hash function, the smallest value over the distinct shingles. */
function referenceSignature(tokens: string[], shingle: number, size: number): number[] | null {
  const set = shingleSet(tokens, shingle);
  if (set.size === 0) return null;
  const sig: number[] = [];
  for (let i = 0; i < size; i++) {
    const a = (fmix32(0x51ed270b + i * 2 + 1) | 1) >>> 0;
    const b = fmix32(0x2545f491 ^ (i * 0x9e3779b9));
    let min = Infinity;
    for (const x of set) min = Math.min(min, fmix32((Math.imul(x, a) + b) | 0));
    sig.push(min);
  }
  return sig;
}

/** normalizeText as first written. */
function referenceNormalize(text: string): string {
  return stripDateline(text.replace(/\r\n?/g, '\n'))
    .normalize('NFKC')
    .replace(/[\u00AD\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/[ёЁ]/g, (c) => (c === 'ё' ? 'е' : 'Е'))
    .replace(/["'`´«»‹›“”„‟‘’‚‛〝〞＂]/g, '')
    .replace(/\s*[—–‒―−]\s*|\s+-\s+/g, ' - ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

describe('fingerprint fast paths equal their references', () => {
  test('tokenHashes is wordHash of every word tokenize finds', () => {
    for (const t of texts(1, 3000)) {
      assert.deepEqual([...tokenHashes(t)], tokenize(t).map((w) => wordHash(w) | 0), JSON.stringify(t));
    }
  });

  test('the MinHash signature is the textbook one, from the words or from their hashes', () => {
    const next = uniform(mulberry32(2));
    for (let trial = 0; trial < 300; trial++) {
      const tokens = Array.from({ length: Math.floor(next() * 30) }, () => `w${Math.floor(next() * 12)}`);
      for (const [shingle, size] of [[1, 5], [2, 128], [3, 7], [2, 3]] as const) {
        const want = referenceSignature(tokens, shingle, size);
        const got = minhashSignature(tokens, { shingle, size });
        assert.deepEqual(got && [...got], want);
        const fromHashes = minhashOfWordHashes(tokens.map(wordHash), { shingle, size });
        assert.deepEqual(fromHashes && [...fromHashes], want);
      }
    }
  });

  test('normalizeText is the former chain of replacements', () => {
    for (const t of texts(3, 20000)) assert.equal(normalizeText(t), referenceNormalize(t), JSON.stringify(t));
  });

  test('shingle hashes fold the word hashes from a fixed seed', () => {
    const words = ['один', 'два', 'три'];
    const h = (a: string, b: string) => foldHash(foldHash(0x3c6ef372, wordHash(a)), wordHash(b));
    assert.deepEqual([...shingleSet(words, 2)], [h('один', 'два'), h('два', 'три')]);
  });
});

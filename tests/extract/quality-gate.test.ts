/**
 * Quality gate of the generic extractor: F1 on the dev corpus (tests/fixtures/extract-dev, 108 pages of the
 * article-extraction benchmark, scored with the benchmark's metric) must not fall below the floor pinned in
 * tests/fixtures/extract-dev/baseline.json, and a few pages must keep (or keep out) telling passages.
 * No timing here: `npx tsx bench/extract.ts` measures speed.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCorpus, DEFAULT_CORPUS_DIR, type CorpusPage } from '../../bench/corpus.js';
import { aggregate, pageCounts, shingles, tokenize } from '../../bench/score.js';
import { loadHtml } from '../../src/extract/index.js';
import { extractMeta } from '../../src/extract/meta.js';
import { extractGeneric } from '../../src/extract/generic.js';

describe('the benchmark metric (bench/score.ts)', () => {
  test('tokens are runs of Unicode word characters', () => {
    assert.deepEqual(tokenize('Hello, world! Привет мир_1 — 2024'), ['Hello', 'world', 'Привет', 'мир_1', '2024']);
  });

  test('shingles are 4-token runs; a shorter text is one shingle; an empty text none', () => {
    assert.deepEqual([...shingles('a b c d e').values()], [1, 1]);
    assert.equal(shingles('a b').size, 1);
    assert.equal(shingles(' , ').size, 0);
  });

  test('counts are multiset counts normalised by their sum', () => {
    assert.deepEqual(pageCounts('a b c d a b c d', 'a b c d'), { tp: 0.2, fp: 0, fn: 0.8 });
    assert.deepEqual(pageCounts('one two three four', 'one two three four'), { tp: 1, fp: 0, fn: 0 });
  });

  test('precision leaves out pages with nothing predicted; recall pages with nothing true', () => {
    const s = aggregate([pageCounts('a b c d', 'a b c d'), pageCounts('e f g h', ''), pageCounts('', '')]);
    assert.equal(s.precision, 1);
    assert.equal(s.recall, 0.5);
    assert.ok(Math.abs(s.f1 - 2 / 3) < 1e-12);
  });
});

interface Baseline {
  f1Floor: number;
  measured: { f1: number; precision: number; recall: number };
}

const baseline = JSON.parse(readFileSync(join(DEFAULT_CORPUS_DIR, 'baseline.json'), 'utf8')) as Baseline;
const pages = loadCorpus();

function genericText(p: CorpusPage): string {
  const $ = loadHtml(p.html);
  return extractGeneric($, p.url, extractMeta($, p.url)).paragraphs.join('\n\n');
}

const texts = new Map(pages.map((p) => [p.key, genericText(p)]));

function textOf(keyPrefix: string): string {
  const entry = [...texts].find(([k]) => k.startsWith(keyPrefix));
  assert.ok(entry, `no corpus page ${keyPrefix}`);
  return entry[1];
}

describe('generic extractor quality gate', () => {
  test('the corpus is whole', () => {
    assert.equal(pages.length, 108);
  });

  test(`F1 on the dev corpus stays at or above the pinned floor (${baseline.f1Floor})`, () => {
    const scores = aggregate(pages.map((p) => pageCounts(p.truth, texts.get(p.key)!)));
    assert.ok(scores.f1 >= baseline.f1Floor, `F1 ${scores.f1.toFixed(4)} < floor ${baseline.f1Floor} (P ${scores.precision.toFixed(4)}, R ${scores.recall.toFixed(4)})`);
  });

  test('no page comes out empty or nearly so (every page of the corpus holds an article)', () => {
    const short = pages.filter((p) => texts.get(p.key)!.replace(/\s+/g, ' ').trim().length < 100).map((p) => p.key.slice(0, 8));
    assert.deepEqual(short, []);
  });

  // Passages that each exercise one behaviour, on real pages.
  const cases: { key: string; what: string; contains: string[]; excludes: string[] }[] = [
    {
      key: '098bb3e9', // latimes.com: the whole page sits in div.Page-ad-margins
      what: 'a page-wide wrapper with a chrome-like class',
      contains: ['Walt Disney Co. executive Kevin Mayer said overwhelming demand'],
      excludes: [],
    },
    {
      key: 'f8ff621a', // barrons.com: the body's second half is in div.paywall
      what: 'text inside a paywall container',
      contains: ['In a research report early Tuesday, Jefferies analyst Jonathan Matuszewski'],
      excludes: ['An error has occurred'],
    },
    {
      key: 'f344ca5f', // hawaiinewsnow.com: one card per paragraph
      what: 'an article split into sibling cards',
      contains: ['HONOLULU, Hawaii (HawaiiNewsNow)', 'slightly smaller than Earth’s Moon'],
      excludes: [],
    },
    {
      key: '3f65af7b', // nj.com: embedded tweets in div.social-media-embed
      what: 'embedded posts kept',
      contains: ['Yes this is real and yes the state spent nearly half a million dollars on it'],
      excludes: [],
    },
    {
      key: '8b194530', // thesun.co.uk: figure captions with credits
      what: 'captions left out',
      contains: ['A HUNTER who killed and ate a wild rabbit in China'],
      excludes: ['Credit: EPA', 'Credit: Getty'],
    },
  ];
  for (const c of cases) {
    test(`${c.key}: ${c.what}`, () => {
      const text = textOf(c.key);
      for (const s of c.contains) assert.ok(text.includes(s), `missing: ${s}`);
      for (const s of c.excludes) assert.ok(!text.includes(s), `present: ${s}`);
    });
  }
});

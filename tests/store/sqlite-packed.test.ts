/**
 * The packed form of an article's text (src/store/sqlite/packed.ts): what goes in comes back, and it is deflated.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Article } from '../../src/model.js';
import { bodyText, packArticle, unpackArticle, unpackJson } from '../../src/store/sqlite/packed.js';
import { mulberry32 } from '../helpers/prng.js';

/** An article of `n` paragraphs of words drawn from a small vocabulary (as prose repeats its words). */
function article(n: number): Article {
  const next = mulberry32(7);
  const words = ['город', 'власти', 'заявили', 'в', 'понедельник', 'что', 'новый', 'мост', 'откроют', 'летом', 'the', 'council', 'said'];
  const paragraph = () => Array.from({ length: 40 }, () => words[Math.floor(next() * words.length)]).join(' ') + '.';
  return {
    title: 'Мост откроют летом',
    lead: paragraph(),
    paragraphs: Array.from({ length: n }, paragraph),
    dateline: null,
    place: null,
    author: null,
    publishedAt: '2026-03-01T10:00:00+06:00',
    tags: ['город'],
    language: 'ru',
    canonicalUrl: 'https://example.org/a/1',
    images: [],
    extractor: 'generic',
  };
}

describe('packed articles', () => {
  test('an article comes back as it was packed, from the object or its JSON text', () => {
    const a = article(12);
    assert.deepEqual(unpackArticle(packArticle(a)), a);
    assert.equal(unpackJson(packArticle(JSON.stringify(a))), JSON.stringify(a));
    assert.equal(bodyText(unpackArticle(packArticle(a))), a.paragraphs.join('\n\n'));
  });

  test('the packed form is deflated: prose shrinks to under half of its JSON', () => {
    const json = Buffer.byteLength(JSON.stringify(article(30)));
    assert.ok(packArticle(article(30)).length < json / 2, `${packArticle(article(30)).length} of ${json} bytes`);
  });
});

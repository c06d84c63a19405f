/** The cut of an article's text to `budgets.articleChars` (src/extract/article-cap.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capArticle } from '../../src/extract/article-cap.js';
import { extractArticle } from '../../src/extract/index.js';
import type { Article } from '../../src/model.js';

const article = (lead: string | null, paragraphs: string[]): Article => ({
  title: 't', lead, paragraphs, dateline: null, place: null, author: null, publishedAt: null, tags: [], language: null, canonicalUrl: null, images: [], extractor: 'generic',
});

test('an article that fits is returned as it is, with no cut', () => {
  const a = article('Lead.', ['One two.', 'Three four.']);
  assert.equal(capArticle(a, 24), a);
  assert.equal(capArticle(a, 24).cut, undefined);
});

test('whole paragraphs first, then the part of the next one that fits, ended at a space; what it had is recorded', () => {
  const a = article('Lead.', ['One two three.', 'Four five six seven.', 'Eight.']);
  const cut = capArticle(a, 5 + 14 + 12);
  assert.deepEqual(cut.paragraphs, ['One two three.', 'Four five']);
  assert.equal(cut.lead, 'Lead.');
  assert.deepEqual(cut.cut, { chars: 5 + 14 + 20 + 6, paragraphs: 3 });
  // A lead over the budget is cut itself, and no paragraph follows.
  const long = capArticle(article('a b c d e f', ['x']), 4);
  assert.equal(long.lead, 'a b');
  assert.deepEqual(long.paragraphs, []);
});

test('a word longer than the search for a space is cut inside; a surrogate pair is never split', () => {
  assert.deepEqual(capArticle(article(null, ['x'.repeat(1_000)]), 500).paragraphs, ['x'.repeat(500)]);
  const emoji = capArticle(article(null, [`ab${'😀'.repeat(10)}`]), 5).paragraphs[0]!;
  assert.equal(emoji, 'ab😀');
  assert.ok(!/[\ud800-\udbff]$/.test(emoji));
});

test('extractArticle cuts a page of 300,000 words to maxChars, in order', () => {
  const words = Array.from({ length: 300_000 }, (_, i) => `w${i}`);
  const paras = Array.from({ length: 3_000 }, (_, p) => `<p>${words.slice(p * 100, p * 100 + 100).join(' ')}.</p>`).join('');
  const a = extractArticle(`<html><body><article>${paras}</article></body></html>`, 'https://e.x/a', { rules: [], maxChars: 20_000 });
  const text = [a.lead ?? '', ...a.paragraphs].join('');
  assert.ok(text.length <= 20_000 && text.length > 19_000, `${text.length}`);
  assert.ok(a.cut && a.cut.chars > 1_000_000, JSON.stringify(a.cut));
  assert.ok(a.paragraphs[0]!.startsWith('w0 w1 w2') || (a.lead ?? '').startsWith('w0 w1 w2'));
});

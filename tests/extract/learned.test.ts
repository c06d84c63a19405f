/** Boilerplate learned per site, the text side (src/extract/learned.ts): normalisation, keys, what a learned set drops. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLearned, keepPatterns, keepSources, MAX_KEYED_PARAGRAPHS, normalizeParagraph, paragraphKey } from '../../src/extract/learned.js';
import { siteRuleSchema } from '../../src/extract/rule-schema.js';
import { testArticle } from '../helpers/store-fixtures.js';

test('normalisation folds case, ё, whitespace, punctuation and digits', () => {
  assert.equal(normalizeParagraph('  Ёлки-палки:\u00a0ВСЁ   о погоде — в 2025 году!  '), 'елки палки все о погоде в 0 году');
  const variants = [
    'Читайте нас в Дзене — 12 000 подписчиков!',
    'читайте нас в дзене: 15 300 подписчиков',
    'ЧИТАЙТЕ НАС В ДЗЕНЕ   —   7 подписчиков…',
  ];
  const keys = new Set(variants.map(paragraphKey));
  assert.equal(keys.size, 1, 'one key for the three variants');
  assert.match([...keys][0]!, /^[0-9a-f]{16}$/);
  // NFKC: full-width letters and ligatures read as the plain ones.
  assert.equal(paragraphKey('Ｓｕｐｐｏｒｔ our ﬁne newsroom today'), paragraphKey('support our fine newsroom today'));
});

test('different wording is a different key, and too short a text has none', () => {
  assert.notEqual(paragraphKey('Subscribe to our morning letter'), paragraphKey('Subscribe to our evening letter'));
  assert.equal(paragraphKey('Фото'), null);
  assert.equal(paragraphKey('— 2024 —'), null, 'a number and dashes are not a paragraph to learn');
  assert.notEqual(paragraphKey('Реклама 18+'), null);
});

test('a learned paragraph is dropped wherever it stands; the keys include it', () => {
  const promo = 'Дорогие читатели, поддержите редакцию донатом — ссылка в шапке сайта';
  const article = testArticle('Заголовок', ['Первый абзац новости о ремонте дороги.', promo, 'Второй абзац с подробностями ремонта.', promo]);
  const learned = { hashes: new Set([paragraphKey(promo)!]), keep: [] };
  const r = applyLearned(article, learned);
  assert.deepEqual(r.article.paragraphs, ['Первый абзац новости о ремонте дороги.', 'Второй абзац с подробностями ремонта.']);
  assert.equal(r.dropped, 2);
  assert.deepEqual(r.keys.map((k) => k.hash), [paragraphKey(article.paragraphs[0]!), paragraphKey(promo), paragraphKey(article.paragraphs[2]!)], 'each key once, in order');
  assert.equal(r.keys[1]!.sample, promo);
  assert.notEqual(r.article, article, 'a new object');
  assert.deepEqual(article.paragraphs.length, 4, 'the input is left as it was');

  const none = applyLearned(article, { hashes: new Set(), keep: [] });
  assert.equal(none.article, article, 'nothing learned: the same article');
  assert.equal(none.keys.length, 3);
});

test('a keepParagraphs pattern protects a learned line, and an article is never emptied', () => {
  const credit = 'Фото: архив редакции, использовано с разрешения автора';
  const promo = 'Get the app: breaking news on your phone, free for a month';
  const article = testArticle('T', ['Story text of some length here.', credit, promo]);
  const hashes = new Set([paragraphKey(credit)!, paragraphKey(promo)!]);
  const kept = applyLearned(article, { hashes, keep: [/^фото:/iu] });
  assert.deepEqual(kept.article.paragraphs, ['Story text of some length here.', credit]);

  const onlyBoilerplate = testArticle('T', [credit, promo]);
  const r = applyLearned(onlyBoilerplate, { hashes, keep: [] });
  assert.equal(r.article, onlyBoilerplate, 'all of it learned: kept whole rather than emptied');
  assert.equal(r.dropped, 0);
});

test('paragraphs past MAX_KEYED_PARAGRAPHS are neither counted nor dropped', () => {
  const promo = 'Support independent journalism: become a member today';
  const paragraphs = Array.from({ length: MAX_KEYED_PARAGRAPHS }, (_, i) => `Paragraph number ${'x'.repeat(i % 7)} ${String.fromCharCode(1040 + (i % 32))}${i}`);
  const article = testArticle('T', [...paragraphs, promo]);
  const r = applyLearned(article, { hashes: new Set([paragraphKey(promo)!]), keep: [] });
  assert.equal(r.article.paragraphs.at(-1), promo);
  assert.ok(r.keys.length <= MAX_KEYED_PARAGRAPHS);
});

test('keep patterns come from the site rules whose hosts match the page', () => {
  const rules = [
    siteRuleSchema.parse({ name: 'a', hosts: ['*.paper.test'], keepParagraphs: ['^Фото:', 'Источник'] }),
    siteRuleSchema.parse({ name: 'b', hosts: ['other.test'], keepParagraphs: ['^Never'] }),
    siteRuleSchema.parse({ name: 'c', hosts: ['paper.test'], dropParagraphs: ['^x'] }),
  ];
  assert.deepEqual(keepSources(rules, 'https://news.paper.test/a/1.html'), ['^Фото:', 'Источник']);
  assert.deepEqual(keepSources(rules, 'https://unrelated.test/'), []);
  const [re] = keepPatterns(rules, 'https://paper.test/x');
  assert.ok(re!.test('ФОТО: пресс-служба'), 'case-insensitive, as dropParagraphs');
  assert.throws(() => siteRuleSchema.parse({ name: 'd', hosts: ['x.test'], keepParagraphs: ['(unclosed'] }), /keepParagraphs/);
});

// Page metadata: Open Graph and article:* tags, JSON-LD, microdata, <time>, and the date forms news pages write.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadHtml } from '../../src/extract/index.js';
import { extractMeta, normalizeLanguage, parseDateTime, stripSiteSuffix } from '../../src/extract/meta.js';

describe('parseDateTime', () => {
  const cases: [string, string | null][] = [
    ['20220305T1820+0600', '2022-03-05T18:20:00+06:00'],
    ['2022-03-05T18:20+0600', '2022-03-05T18:20:00+06:00'],
    ['2020-12-16T16:47:00+01:00', '2020-12-16T16:47:00+01:00'],
    ['2020-12-16T16:47:05.123Z', '2020-12-16T16:47:05+00:00'],
    ['2021-07-01T08:00:00-04:00', '2021-07-01T08:00:00-04:00'],
    ['2021-07-01 08:00', '2021-07-01T08:00:00+00:00'],
    ['2021-07-01', '2021-07-01T00:00:00+00:00'],
    ['Sat, 05 Mar 2022 18:20:00 +0600', '2022-03-05T18:20:00+06:00'],
    ['5 Mar 2022 12:20 GMT', '2022-03-05T12:20:00+00:00'],
    ['2022-02-31T10:00:00Z', null],
    ['20221305T1820+0600', null],
    ['yesterday', null],
    ['', null],
  ];
  for (const [input, want] of cases) {
    test(JSON.stringify(input), () => assert.equal(parseDateTime(input), want));
  }
});

describe('extractMeta', () => {
  test('Open Graph and article:* tags win; relative canonical is resolved', () => {
    const $ = loadHtml(`<html lang="de-AT"><head>
      <title>Fallback title | Site</title>
      <meta property="og:title" content="  OG   title ">
      <meta property="og:description" content="Desc">
      <meta property="og:site_name" content="Site">
      <meta property="article:published_time" content="20220305T1820+0600">
      <meta property="article:author" content="A. Author">
      <meta property="article:tag" content="One"><meta property="article:tag" content="Two"><meta property="article:tag" content="one">
      <meta name="keywords" content="ignored, because, article tags">
      <meta property="og:image" content="/img/a.jpg"><meta property="og:image:alt" content="Alt text">
      <link rel="canonical" href="/news/1.html">
    </head><body><h1>H1 title</h1></body></html>`);
    const m = extractMeta($, 'https://example.com/x/y?utm=1');
    assert.equal(m.title, 'OG title');
    assert.equal(m.description, 'Desc');
    assert.equal(m.publishedAt, '2022-03-05T18:20:00+06:00');
    assert.equal(m.author, 'A. Author');
    assert.deepEqual(m.tags, ['One', 'Two']);
    assert.equal(m.language, 'de');
    assert.equal(m.canonicalUrl, 'https://example.com/news/1.html');
    assert.deepEqual(m.images, [{ url: 'https://example.com/img/a.jpg', caption: 'Alt text', credit: null }]);
  });

  test('JSON-LD (in @graph), then microdata and <time>, when meta tags are missing', () => {
    const ld = {
      '@context': 'https://schema.org',
      '@graph': [
        { '@type': 'WebSite', name: 'Site' },
        { '@type': ['NewsArticle'], headline: 'LD headline', datePublished: '2021-05-04T10:00:00+02:00', author: [{ '@type': 'Person', name: 'Jane Roe' }, { name: 'John Doe' }], keywords: 'alpha, beta', inLanguage: 'fr-FR' },
      ],
    };
    const $ = loadHtml(`<html><head><title>T</title><script type="application/ld+json">${JSON.stringify(ld)}</script>
      <script type="application/ld+json">{ not json</script></head>
      <body><h1>H</h1><a rel="author" href="/u">Rel Author</a><time datetime="2020-01-01T00:00:00Z">x</time></body></html>`);
    const m = extractMeta($, 'https://example.com/');
    assert.equal(m.title, 'LD headline');
    assert.equal(m.publishedAt, '2021-05-04T10:00:00+02:00');
    assert.equal(m.author, 'Jane Roe, John Doe');
    assert.deepEqual(m.tags, ['alpha', 'beta']);
    assert.equal(m.language, 'fr');
  });

  test('microdata, <time datetime>, rel=author, content-language, keywords and <title> minus the site suffix', () => {
    const $ = loadHtml(`<html><head><title>Council approves the new budget - City News</title>
      <meta http-equiv="Content-Language" content="en-GB"><meta name="keywords" content="budget; council">
      <meta property="og:site_name" content="City News"></head>
      <body><article><span itemprop="author" itemscope><span itemprop="name">Sam Smith</span></span>
      <time datetime="2023-11-02T09:30:00-05:00">Nov 2</time></article></body></html>`);
    const m = extractMeta($, 'https://example.com/');
    assert.equal(m.title, 'Council approves the new budget');
    assert.equal(m.author, 'Sam Smith');
    assert.equal(m.publishedAt, '2023-11-02T09:30:00-05:00');
    assert.equal(m.language, 'en');
    assert.deepEqual(m.tags, ['budget', 'council']);
    assert.equal(m.canonicalUrl, null);
  });

  test('a page with nothing gives nulls and empty lists', () => {
    const m = extractMeta(loadHtml('<p>bare</p>'), 'https://example.com/');
    assert.deepEqual(m, { title: null, description: null, publishedAt: null, modifiedAt: null, author: null, tags: [], language: null, canonicalUrl: null, siteName: null, images: [] });
  });
});

test('stripSiteSuffix and normalizeLanguage', () => {
  assert.equal(stripSiteSuffix('Лавров рассказал о важных моментах - 05.03.2022, Sputnik Кыргызстан', null), 'Лавров рассказал о важных моментах');
  assert.equal(stripSiteSuffix('Short - Site', 'Site'), 'Short');
  assert.equal(stripSiteSuffix('Hyphen-ated title', null), 'Hyphen-ated title');
  assert.equal(normalizeLanguage('de_DE'), 'de');
  assert.equal(normalizeLanguage('RU'), 'ru');
  assert.equal(normalizeLanguage('not a language'), null);
});

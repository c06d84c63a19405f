// Page metadata: Open Graph and article:* tags, JSON-LD (broken too), microdata, <time>, visible headlines, bylines and
// dates, and the date forms news pages write. Every page here is made up for the test.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadHtml } from '../../src/extract/index.js';
import { extractMeta, normalizeLanguage, parseDateTime, stripSiteSuffix } from '../../src/extract/meta.js';
import { creativeWork, parseJsonLd } from '../../src/extract/generic-jsonld.js';
import { personNames } from '../../src/extract/meta-author.js';
import { findVisibleDate } from '../../src/extract/meta-dates.js';

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
      <meta property="article:author" content="Ana Ortiz">
      <meta property="article:tag" content="One"><meta property="article:tag" content="Two"><meta property="article:tag" content="one">
      <meta name="keywords" content="ignored, because, article tags">
      <meta property="og:image" content="/img/a.jpg"><meta property="og:image:alt" content="Alt text">
      <link rel="canonical" href="/news/1.html">
    </head><body><h1>H1 title</h1></body></html>`);
    const m = extractMeta($, 'https://example.com/x/y?utm=1');
    assert.equal(m.title, 'OG title');
    assert.equal(m.description, 'Desc');
    assert.equal(m.publishedAt, '2022-03-05T18:20:00+06:00');
    assert.equal(m.author, 'Ana Ortiz');
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

const meta = (html: string, url = 'https://news.example.org/2021/03/story.html') => extractMeta(loadHtml(html), url);
const ldScript = (text: string) => `<script type="application/ld+json">${text}</script>`;

describe('parseJsonLd: broken JSON-LD as pages write it', () => {
  test('trailing commas, raw line breaks in strings, HTML comments and CDATA', () => {
    assert.deepEqual(parseJsonLd('<!-- {"@type": "BlogPosting", "headline": "A\nB", "keywords": ["x", "y",],} -->'), [{ '@type': 'BlogPosting', headline: 'A\nB', keywords: ['x', 'y'] }]);
    assert.deepEqual(parseJsonLd('//<![CDATA[\n{"a": 1}\n//]]>'), [{ a: 1 }]);
  });
  test('several objects written one after another, with junk between', () => {
    assert.deepEqual(parseJsonLd('{"a": 1}\n{"b": [2, 3]} ; {"c": "}{"}'), [{ a: 1 }, { b: [2, 3] }, { c: '}{' }]);
  });
  test('nothing readable gives nothing', () => {
    assert.deepEqual(parseJsonLd('{ not json at all'), []);
    assert.deepEqual(parseJsonLd(''), []);
  });
});

describe('creativeWork: the article among what a page declares', () => {
  for (const type of ['ReportageNewsArticle', 'ClaimReview', 'BlogPosting', 'schema:AnalysisNewsArticle', 'https://schema.org/TechArticle']) {
    test(`${type} is found inside @graph, after a web site and an image`, () => {
      const work = creativeWork([{ '@graph': [{ '@type': 'WebSite', name: 'S' }, { '@type': 'ImageObject', datePublished: '2001-01-01' }, { '@type': type, datePublished: '2022-02-02' }] }]);
      assert.equal(work?.datePublished, '2022-02-02');
    });
  }
  test('a web page (MedicalWebPage) counts when there is no article; an article nested in mainEntity wins', () => {
    assert.equal(creativeWork([{ '@type': 'MedicalWebPage', datePublished: '2020-05-05' }])?.datePublished, '2020-05-05');
    assert.equal(creativeWork([{ '@type': 'WebPage', datePublished: '2020-01-01', mainEntity: { '@type': 'NewsArticle', datePublished: '2020-01-02' } }])?.datePublished, '2020-01-02');
  });
  test('people, organisations and media objects are not the work', () => {
    assert.equal(creativeWork([{ '@type': 'Person', name: 'X' }, { '@type': 'VideoObject', datePublished: '2020-01-01' }]), null);
  });
});

describe('publishedAt', () => {
  test('from JSON-LD that is broken (trailing comma, two objects in one script)', () => {
    const m = meta(`<head>${ldScript('{"@type":"WebSite","name":"Daily Planet"}\n{"@type":"ReportageNewsArticle","datePublished":"2021-03-04T08:00:00+01:00",}')}</head><body><h1>Flood waters recede in the valley</h1></body>`);
    assert.equal(m.publishedAt, '2021-03-04T08:00:00+01:00');
  });
  test('from og:article:published_time', () => {
    assert.equal(meta('<meta property="og:article:published_time" content="2020-07-08T09:10:11-04:00"><h1>Harbour reopens to ferries</h1>').publishedAt, '2020-07-08T09:10:11-04:00');
  });
  test('from a <time datetime> next to the headline rather than one in a sidebar', () => {
    const m = meta('<h1>Bridge repairs finish early</h1><p class="meta"><time datetime="2019-06-02T10:00:00+02:00">2 June</time></p><p>Text.</p>');
    assert.equal(m.publishedAt, '2019-06-02T10:00:00+02:00');
  });
  const visible: [string, string, string][] = [
    ['English month name with a time and a zone', '<p class="byline">By Ana Ortiz · March 3, 2021 at 9:15 pm EST</p>', '2021-03-03T21:15:00-05:00'],
    ['Russian genitive month name', '<div class="info">Автор: Ольга Смирнова, 17 февраля 2022</div>', '2022-02-17'],
    ['day-first numeric date on a German page', '<span class="date">Veröffentlicht am 05.04.2021</span>', '2021-04-05'],
    ['a weekday decides an ambiguous numeric date', '<div>Thursday, 04/03/2021</div>', '2021-03-04'],
    ['"Posted on" a date with an ordinal', '<div>Posted on Jan 2nd 2020</div>', '2020-01-02'],
  ];
  for (const [name, line, want] of visible) {
    test(`a visible date near the headline: ${name}`, () => {
      const lang = name.includes('German') ? 'de' : name.includes('Russian') ? 'ru' : 'en';
      const m = meta(`<html lang="${lang}"><body><nav>Home</nav><h1>Council approves the new library plan</h1>${line}<p>${'Body text. '.repeat(20)}</p><footer>© 2023 Example</footer></body></html>`);
      assert.equal(m.publishedAt?.slice(0, want.length), want);
    });
  }
  test('a UTC time in the metadata is shown in the zone the visible time of day implies', () => {
    const m = meta('<meta property="article:published_time" content="2019-11-20T04:30:00Z"><h1>Storm cuts power to thousands</h1><p class="byline">November 19, 2019 8:30 PM</p>');
    assert.equal(m.publishedAt, '2019-11-19T20:30:00-08:00');
  });
  test('a UTC time on the next day than the visible date keeps its instant on the visible day', () => {
    const m = meta('<meta property="article:published_time" content="2019-11-20T03:00:00Z"><h1>Storm cuts power to thousands</h1><div class="date">Nov. 19, 2019</div>');
    assert.equal(m.publishedAt?.slice(0, 10), '2019-11-19');
    assert.equal(Date.parse(m.publishedAt!), Date.parse('2019-11-20T03:00:00Z'));
  });
  test('metadata a week away from the shown date describes something else: the shown date wins', () => {
    const m = meta('<meta name="date" content="2012-07-11"><h1>Museum opens a new wing</h1><div class="author">Lee Park | Aug 09, 2:31 PM</div>', 'https://example.net/news/2012/08/museum.html');
    assert.equal(m.publishedAt?.slice(0, 10), '2012-08-09');
  });
  test('a date without a year takes the year from the address; none in the address, no date', () => {
    const page = '<h1>Farmers market moves indoors</h1><p class="byline">By Kim Lee at 1:12 pm Thursday, Aug 9</p>';
    assert.equal(meta(page, 'https://blog.example.com/2012/08/09/market.html').publishedAt?.slice(0, 10), '2012-08-09');
    assert.equal(meta(page, 'https://blog.example.com/market.html').publishedAt, null);
  });
  test('dates in comments, far below and in body sentences are not the publication date', () => {
    const m = meta(`<h1>Library extends opening hours</h1><p>${'The plan was first floated on March 3, 2020 by the council and then debated at length by everyone involved. '.repeat(2)}</p><div class="comments"><p>Posted by Sam on April 4, 2021</p></div>`);
    assert.equal(m.publishedAt, null);
  });
});

describe('title', () => {
  const cases: [string, string, string][] = [
    ['" | Site" on og:title, the site from og:site_name', '<meta property="og:site_name" content="River Gazette"><meta property="og:title" content="Mill closes after 90 years | River Gazette">', 'Mill closes after 90 years'],
    ['" - Site" on og:title, the site from the host', '<meta property="og:title" content="Mill closes after 90 years - Example.org">', 'Mill closes after 90 years'],
    ['" — Site" on <title>, the site from the host', '<title>Mill closes after 90 years — Example</title>', 'Mill closes after 90 years'],
    ['"Site: Headline" on <title>', '<title>Example: Mill closes after 90 years</title>', 'Mill closes after 90 years'],
  ];
  for (const [name, head, want] of cases) {
    test(`loses the site's name: ${name}`, () => assert.equal(meta(`<head>${head}</head><body><p>Text</p></body>`, 'https://www.example.org/a').title, want));
  }
  test('the visible <h1> wins when the declared title holds it with the site around it', () => {
    const m = meta('<title>Rates rise again | Markets | The Ledger</title><h1>Rates rise again</h1>');
    assert.equal(m.title, 'Rates rise again');
  });
  test('an <h1> rewritten from the search-engine title still wins; a logo <h1> does not', () => {
    const m = meta('<meta property="og:title" content="City council approves budget with new tax on parking"><h1><a href="/"><img alt="Logo"></a></h1><h1>Parking tax passes as council approves the budget</h1>');
    assert.equal(m.title, 'Parking tax passes as council approves the budget');
  });
  test("a blog's name in <h1> and the post's title in <h2>", () => {
    const m = meta('<title>Walking the coast path » Salt and Stone</title><h1><a href="https://saltandstone.example.com/">Salt and Stone</a></h1><h2>Walking the coast path</h2>', 'https://saltandstone.example.com/2012/05/walk');
    assert.equal(m.title, 'Walking the coast path');
  });
  test('an unrelated og:title (the site default) loses to the heading the <title> holds', () => {
    const m = meta('<meta property="og:title" content="The official blog of the league"><title>Quarterback shines in week nine - League.com</title><h2>Quarterback shines in week nine</h2>');
    assert.equal(m.title, 'Quarterback shines in week nine');
  });
});

describe('author', () => {
  test('a profile URL in article:author gives way to the visible byline', () => {
    const m = meta('<meta property="article:author" content="https://www.example.org/people/jo-bloggs"><h1>Trains delayed by snow</h1><div class="byline">By Jo Bloggs, Staff Writer</div>');
    assert.equal(m.author, 'Jo Bloggs');
  });
  test('an organisation or the site itself is not an author', () => {
    assert.equal(meta('<meta name="author" content="Harbour Media Group"><h1>Trains delayed by snow</h1>').author, null);
    assert.equal(meta('<meta property="og:site_name" content="Valley Voice"><meta name="author" content="Valley Voice"><h1>Trains delayed by snow</h1>').author, null);
    assert.equal(meta(`<h1>Trains delayed by snow</h1>${ldScript('{"@type":"NewsArticle","author":{"@type":"Organization","name":"Rail Desk"}}')}`).author, null);
  });
  test("JSON-LD's person authors beat a site-wide meta author", () => {
    const m = meta(`<meta name="author" content="Grand Publishing House"><h1>Trains delayed by snow</h1>${ldScript('{"@type":"NewsArticle","author":[{"@type":"Person","name":"Rita Gomez"},{"@type":"Person","name":"Tom Li"}]}')}`);
    assert.equal(m.author, 'Rita Gomez, Tom Li');
  });
  test('an agency byline means no person, whatever the metadata names', () => {
    const m = meta(`<h1>Trains delayed by snow</h1><p>By Reuters</p>${ldScript('{"@type":"NewsArticle","author":{"@type":"Person","name":"Rita Gomez"}}')}`);
    assert.equal(m.author, null);
  });
  test('bylines in other shapes: two names, capitals, Russian, German, a name after the date', () => {
    const byline = (line: string, lang = 'en') => meta(`<html lang="${lang}"><body><h1>Trains delayed by snow</h1>${line}<p>${'Text. '.repeat(30)}</p></body></html>`).author;
    assert.equal(byline('<p>By Kay Moss and Lu Chen</p>'), 'Kay Moss, Lu Chen');
    assert.equal(byline('<p>BY MARTA KOWALSKA</p>'), 'Marta Kowalska');
    assert.equal(byline('<div>Текст: Ольга Смирнова</div>', 'ru'), 'Ольга Смирнова');
    assert.equal(byline('<div>Von Jan Becker, 3. Mai 2021</div>', 'de'), 'Jan Becker');
    assert.equal(byline('<div class="meta">Tuesday, May 4, 2021, by Nia Brooks</div>'), 'Nia Brooks');
  });
  test('a fuller visible spelling of the metadata name is kept', () => {
    assert.equal(meta('<meta name="author" content="Ann Wu"><h1>Trains delayed by snow</h1><p>By Ann B. Wu</p>').author, 'Ann B. Wu');
  });
  test('a first name alone only in a blog byline with a date; handles and accounts never', () => {
    assert.equal(meta('<h2>Baking sourdough at home</h2><p>Posted by Marta on June 3, 2012</p>').author, 'Marta');
    assert.equal(meta('<h2>Baking sourdough at home</h2><p>Posted by webadmin on June 3, 2012</p>').author, null);
    assert.equal(meta('<h2>Baking sourdough at home</h2><p>Posted by kitchen42 on June 3, 2012</p>').author, null);
  });
  test('comment authors and photo credits are not the byline', () => {
    const m = meta('<h1>Trains delayed by snow</h1><p>Photo by Lena Ross</p><p>Text of the story.</p><div id="comments"><p>By Max Power</p></div>');
    assert.equal(m.author, null);
  });
});

describe('personNames and findVisibleDate', () => {
  const names: [string, string[]][] = [
    ['By SAM O’NEIL, AP Business Writer', ['Sam O’Neil']],
    ['Associated Press', []],
    ['The Morning Desk', []],
    ['Kim Park and Ravi Shah Lakeside Tribune', ['Kim Park', 'Ravi Shah']],
    ['https://example.com/author/kim', []],
    ['Dana Fox@dfox', ['Dana Fox']],
    ['By Lou Reed Nov. 5', ['Lou Reed']],
  ];
  for (const [raw, want] of names) test(`personNames(${JSON.stringify(raw)})`, () => assert.deepEqual(personNames(raw), want));
  test('dates: RU, PT, ISO, numeric day-first and month-first, two-digit year, no year', () => {
    const d = (s: string, o = {}) => {
      const v = findVisibleDate(s, o);
      return v ? `${v.y}-${v.m}-${v.d}` : null;
    };
    assert.equal(d('3 марта 2020'), '2020-3-3');
    assert.equal(d('terça-feira, 5 de maio de 2015'), '2015-5-5');
    assert.equal(d('2018-12-31T23:00'), '2018-12-31');
    assert.equal(d('07/08/2019'), '2019-8-7');
    assert.equal(d('07/08/2019', { monthFirst: true }), '2019-7-8');
    assert.equal(d('11/30/19 5:00 PM'), '2019-11-30');
    assert.equal(d('Mar 5, 10:00 AM'), null);
    assert.equal(d('Mar 5, 10:00 AM', { refYear: 2014 }), '2014-3-5');
    assert.equal(d('Room 12 on floor 3'), null);
  });
});

describe('more shapes', () => {
  test('a heading that is the whole first segment of the declared title is the headline', () => {
    assert.equal(meta('<title>Pricing notes – Acme Studio Games Blog</title><h1>Pricing notes</h1>', 'https://acme-games.example/notes').title, 'Pricing notes');
  });
  test('"by Name" inside a sentence is not a byline; "· By Name" after a date is', () => {
    assert.equal(meta('<h1>Land reform review announced</h1><p>The group, led by Dr Ann Hill, will report next year.</p>').author, null);
    assert.equal(meta('<h1>Release 4.2 is out</h1><p>November 6th, 2012, 17:36 GMT · By Ivo Marek</p>').author, 'Ivo Marek');
  });
  test('a date line led by a weekday counts even with other words after it', () => {
    assert.equal(meta('<h2>Garden lights for winter</h2><p>Friday, March 8th, 2013 Note: long post ahead, with many photos of the garden</p>').publishedAt?.slice(0, 10), '2013-03-08');
  });
  test('"About <name>" boxes and "View all posts" links are not bylines', () => {
    assert.equal(meta('<h2>Garden lights for winter</h2><div class="author-box">About Nora</div>').author, null);
  });
});

describe('bylines confirmed by author pages, and the site furniture left out', () => {
  const filler = '<p>' + 'The council met again on Tuesday and talked about the budget for the coming year. '.repeat(3) + '</p>';
  test('a first name alone after "By" / "Posted by" counts when an author page spells it', () => {
    assert.equal(meta(`<h1>Stone house by the lake</h1>${filler}<p>By <a href="/author/solveig/">Solveig</a></p>`).author, 'Solveig');
    assert.equal(meta(`<h2>Winter wreaths</h2><p>Posted by Marek | <a href="https://blog.example.net/writers/marek/">View all posts by Marek</a></p>`).author, 'Marek');
    // Without an author page that spells it, or spelling another name, a lone first name is not enough.
    assert.equal(meta(`<h1>Stone house by the lake</h1>${filler}<p>By Solveig</p>`).author, null);
    assert.equal(meta(`<h1>Stone house by the lake</h1>${filler}<p>By <a href="/author/ingrid/">Solveig</a></p>`).author, null);
  });
  test('a bare one-word byline stays an agency even when it has an author page', () => {
    assert.equal(meta('<h1>Markets slip</h1><div class="byline"><a href="/author/agencia/">Agencia</a></div><p>Shares fell.</p>').author, null);
  });
  test('a bare name next to the headline counts when an author page spells it (with digits, dashes, accents)', () => {
    const page = (name: string, href: string) => `<h1>Tabloids declare a pregnancy</h1><div class="nodeline"><strong>${name}</strong><ul class="dropdown"><li><a rel="author" href="${href}">View Profile</a></li></ul></div><p>Text.</p>`;
    assert.equal(meta(page('Tova Lindqvist', '/people/tovalindqvist01/')).author, 'Tova Lindqvist');
    assert.equal(meta(page('Renée Castaño', 'https://mag.example.com/contributors/renee-castano')).author, 'Renée Castaño');
    assert.equal(meta(page('Tova Lindqvist', '/people/someone-else/')).author, null);
  });
  test("a rel=author link in a sidebar names the site's usual writer, not the post's; in the post's own aside it counts", () => {
    const sidebar = '<aside id="sidebar"><h4>about the author</h4><a rel="author" href="/about/">Omar Haddad</a> writes here.</aside>';
    assert.equal(meta(`<div id="main"><h1>Remap a key</h1><p>Do this.</p></div>${sidebar}`).author, null);
    assert.equal(meta(`<div id="main"><h1>Remap a key</h1><p>Do this.</p></div><div class="widget sidebar"><a rel="author" href="/me">Omar Haddad</a></div>`).author, null);
    assert.equal(meta('<article><header><h1>Remap a key</h1></header><aside class="post-meta"><a rel="author" href="/u/7">Omar Haddad</a></aside><p>Do this.</p></article>').author, 'Omar Haddad');
  });
});

describe('dates written in pieces, behind share buttons, in lists of other stories, in the site header, below the article', () => {
  const day = (html: string, url?: string) => meta(html, url ?? 'https://news.example.org/story').publishedAt?.slice(0, 10) ?? null;
  test('a date written over several short elements is read as one', () => {
    assert.equal(day('<header><time><div>23</div><div>Jul</div><div>2012</div><div>6:06pm</div></time><h1>Lungs did not come from victims</h1></header><p>Text.</p>'), '2012-07-23');
    assert.equal(day('<h1>Neue Brücke eröffnet</h1><div class="date"><span>5.</span><span>März</span><span>2021</span></div><p>Text.</p>'), '2021-03-05');
    // A generic date meta tag (the page's render time) does not beat it.
    assert.equal(day('<meta name="date" content="July 31, 2012, 2:30 pm"><header><time><div>23</div><div>Jul</div><div>2012</div></time><h1>Lungs did not come from victims</h1></header><p>Text.</p>'), '2012-07-23');
  });
  test('a row of one-word share buttons between the date and the headline does not hide the date', () => {
    const buttons = ['Print', 'Email', 'Twitter', 'Facebook', 'Reddit', 'Digg', 'Delicious', 'Tumblr', 'LinkedIn'].map((b) => `<li><a href="#">${b}</a></li>`).join('');
    assert.equal(day(`<p class="story-date">24 July 2012 Last updated at 12:59</p><div class="share"><h3>Share this page</h3><ul>${buttons}</ul></div><h1>Land reform review</h1><p>Text.</p>`), '2012-07-24');
  });
  test("a list of other stories gives neither the date nor the byline", () => {
    const related = '<ul class="related-links-list"><li><a href="/a">Cabinet meets</a> <span class="timestamp">23 JULY 2012</span></li><li><a href="/b">Fund opens</a> <span class="date">By Ana Ruiz, 29 June 2012</span></li></ul>';
    const page = meta(`<h1>Land reform review</h1>${related}<p>A review was announced.</p>`);
    assert.equal(page.publishedAt, null);
    assert.equal(page.author, null);
    assert.equal(day(`<h1>Land reform review</h1><div class="recommended"><p class="date">3 May 2011</p></div><p>Text.</p>`), null);
  });
  test("the site header's date of today is not the post's", () => {
    assert.equal(day('<div id="header"><span class="date-header">Wednesday, November 7 2012</span><a href="/">BLOGS</a></div><div id="main"><h2>Fantasy post mortem</h2><p>Text.</p></div>'), null);
    assert.equal(day('<div class="site-header"><p>Tuesday, 4 March 2014</p></div><div id="main"><h1>Budget talks</h1><p class="date">3 March 2014</p><p>Text.</p></div>'), '2014-03-03');
  });
  test('with no date near the headline and none declared, a "Posted:" line below a long article counts', () => {
    const article = Array.from({ length: 90 }, (_, i) => `<p>Paragraph ${i} of a long post about the tools I use every day, one after another.</p>`).join('');
    assert.equal(day(`<h2>My essential setup</h2>${article}<div class="navigation"><h5>Posted: 10.12.2012</h5></div>`, 'https://blog.example.com/setup/'), '2012-10-12');
    assert.equal(day(`<h2>My essential setup</h2>${article}<p>Published on 3 March 2015</p>`), '2015-03-03');
    // Any other date down there (a comment, a copyright line, a story link) is not the post's.
    assert.equal(day(`<h2>My essential setup</h2>${article}<p>See also the list of 3 March 2015</p>`), null);
  });
});

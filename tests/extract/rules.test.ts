// Site rules from config: a made-up site extracted by a rule alone, rule validation errors, host patterns, and
// user rules adding to the built-in Sputnik rule.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, FeedwatchError } from '../../src/errors.js';
import { chooseExtractor, extractArticle, loadHtml } from '../../src/extract/index.js';
import { BUILTIN_RULES, SPUTNIK_RULE_INPUT } from '../../src/extract/builtin-rules.js';
import { hostMatches, mergeRules, parseRules } from '../../src/extract/rules.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

const NORTHWIND_YAML = `
sites:
  - name: northwind
    hosts: ["*.northwind.test"]
    root: main.story
    title: .story__headline
    lead: .story__dek
    body: ".story__body > p, .story__body > h3, .story__body > blockquote"
    date: .story__time
    author: .story__byline .name
    tags: .story__topics a
    remove: [".story__body .inline-promo", ".story__body .related"]
    dropParagraphs:
      - "^Sign up for our (?:daily )?newsletter"
      - "^Read more:"
    dateline: "^(?<place>[A-Z][A-Z ]+) \\\\(NWG\\\\) —"
`;

const NORTHWIND_PAGE = `<!doctype html><html lang="en-US"><head>
<title>Council votes to rebuild the old bridge | Northwind Gazette</title>
<meta property="og:title" content="Council votes to rebuild the old bridge - Northwind Gazette">
<meta property="article:published_time" content="2024-06-01T13:15:00Z">
<meta name="author" content="Northwind Gazette Staff">
<link rel="canonical" href="/2024/06/01/bridge">
</head><body>
<header class="masthead"><a href="/">Northwind Gazette</a><nav><a href="/local">Local</a><a href="/sports">Sports</a></nav></header>
<aside class="sidebar"><h3>Most read</h3><p>Something else entirely happened yesterday.</p></aside>
<main class="story">
  <h1 class="story__headline">Council votes to rebuild the old bridge</h1>
  <p class="story__dek">The 1932 crossing will close for two years from next spring.</p>
  <div class="story__byline">By <span class="name">Maria Lopez</span> and <span class="name">Tom Reed</span></div>
  <time class="story__time" datetime="2024-06-01T08:15:00-05:00">June 1, 2024</time>
  <figure><img src="/img/bridge.jpg" alt="The old bridge"><figcaption>The bridge at dawn. <span class="credit">Photo: J. Park / NWG</span></figcaption></figure>
  <div class="story__body">
    <p>SPRINGFIELD (NWG) — The city council voted 7–2 on Friday to rebuild the <a href="/tags/bridge">Elm Street bridge</a>.</p>
    <p>Engineers found the deck unsafe for trucks last year.</p>
    <div class="inline-promo"><p>Get the morning briefing in your inbox.</p></div>
    <p>Sign up for our daily newsletter</p>
    <h3>What happens next</h3>
    <p>Read more: Bridge closures across the state</p>
    <blockquote>“We cannot wait any longer,” said councillor Ann Bell.</blockquote>
    <div class="related"><a href="/x">Related: Budget vote delayed</a></div>
    <p>Residents who want to sign up for our newsletter on traffic can do so at city hall, officials said.</p>
  </div>
  <div class="story__topics"><a href="/t/local">Local</a><a href="/t/transport">Transport</a></div>
</main>
<footer><p>© 2024 Northwind Gazette</p></footer>
</body></html>`;

describe('a made-up site extracted by a config rule', () => {
  const config = parseConfig(NORTHWIND_YAML, 'feedwatch.yaml');
  const url = 'https://news.northwind.test/2024/06/01/bridge?utm_source=rss';

  test('the rule is chosen by host and extracts every field', () => {
    const a = extractArticle(NORTHWIND_PAGE, url, { rules: config.sites });
    assert.deepEqual(a, {
      title: 'Council votes to rebuild the old bridge',
      lead: 'The 1932 crossing will close for two years from next spring.',
      paragraphs: [
        'The city council voted 7–2 on Friday to rebuild the Elm Street bridge.',
        'Engineers found the deck unsafe for trucks last year.',
        'What happens next',
        '“We cannot wait any longer,” said councillor Ann Bell.',
        'Residents who want to sign up for our newsletter on traffic can do so at city hall, officials said.',
      ],
      dateline: 'SPRINGFIELD (NWG) —',
      place: 'SPRINGFIELD',
      author: 'Maria Lopez, Tom Reed',
      publishedAt: '2024-06-01T08:15:00-05:00',
      tags: ['Local', 'Transport'],
      language: 'en',
      canonicalUrl: 'https://news.northwind.test/2024/06/01/bridge',
      images: [{ url: 'https://news.northwind.test/img/bridge.jpg', caption: 'The bridge at dawn.', credit: 'J. Park / NWG' }],
      extractor: 'rule:northwind',
    });
  });

  test('without the rule the same page is not read by it', () => {
    const a = extractArticle(NORTHWIND_PAGE, url, { rules: [] });
    assert.notEqual(a.extractor, 'rule:northwind');
  });

  test('a rule applies by its detect selector on any host', () => {
    const [rule] = parseRules([{ name: 'by-markup', detect: 'main.story .story__body', body: '.story__body > p' }]);
    const $ = loadHtml(NORTHWIND_PAGE);
    const choice = chooseExtractor($, 'https://mirror.example.org/x', [rule!]);
    assert.equal(choice.kind, 'rule');
    assert.equal(choice.rule?.name, 'by-markup');
    assert.equal(chooseExtractor(loadHtml('<p>other</p>'), 'https://mirror.example.org/x', [rule!]).kind, 'generic');
  });
});

describe('bad rules are config errors naming the rule', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['bad regex in dropParagraphs', { name: 'broken-regex', hosts: ['a.test'], dropParagraphs: ['ok', '(unclosed'] }, /site rule "broken-regex": bad regular expression in dropParagraphs/],
    ['bad selector in body', { name: 'broken-body', hosts: ['a.test'], body: 'div:nonsense' }, /site rule "broken-body": bad CSS selector "div:nonsense" in body/],
    ['bad selector in remove', { name: 'broken-remove', hosts: ['a.test'], remove: ['.ok', 'div['] }, /site rule "broken-remove": bad CSS selector "div\[" in remove/],
    ['bad dateline regex', { name: 'broken-dateline', hosts: ['a.test'], dateline: '(?<place>' }, /site rule "broken-dateline": bad regular expression in dateline/],
    ['bad host pattern', { name: 'broken-host', hosts: ['https://a.test/'] }, /site rule "broken-host": bad host pattern/],
    ['neither hosts nor detect', { name: 'nowhere', body: 'p' }, /site rule "nowhere": give hosts or detect/],
  ];

  for (const [what, rule, message] of cases) {
    test(`${what}: in the config file, with the key path and line`, () => {
      const yaml = stringify({ sites: [{ name: 'fine', hosts: ['b.test'] }, rule] });
      assert.throws(
        () => parseConfig(yaml, 'feedwatch.yaml'),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, message);
          assert.match(err.message, /^feedwatch\.yaml:\d+:\d+: sites\[1\]\./);
          return true;
        },
      );
    });

    test(`${what}: through parseRules`, () => {
      assert.throws(
        () => parseRules([rule as never]),
        (err: unknown) => err instanceof FeedwatchError && err.kind === 'config' && message.test(err.message),
      );
    });
  }
});

describe('host patterns', () => {
  const cases: [string, string, boolean][] = [
    ['example.com', 'example.com', true],
    ['example.com', 'www.example.com', true],
    ['example.com', 'news.example.com', false],
    ['example.com', 'badexample.com', false],
    ['*.sputnik.kg', 'ru.sputnik.kg', true],
    ['*.sputnik.kg', 'sputnik.kg', true],
    ['*.sputnik.kg', 'sputnik.kg.evil.test', false],
    ['*.sputnik.kg', 'notsputnik.kg', false],
    ['Example.COM', 'EXAMPLE.com.', true],
  ];
  for (const [pattern, host, want] of cases) test(`${pattern} ~ ${host} → ${want}`, () => assert.equal(hostMatches(pattern, host), want));
});

describe('the built-in Sputnik rule is a config rule', () => {
  test('it passes the config schema unchanged', () => {
    const config = parseConfig(stringify({ sites: [SPUTNIK_RULE_INPUT] }), 'feedwatch.yaml');
    assert.deepEqual(config.sites[0], BUILTIN_RULES[0]);
  });

  test('a user rule for a Sputnik host adds to the built-in drop list, not replaces it', () => {
    const url = 'https://ru.sputnik.kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html';
    const html = fixture('sputnik/sputnik-kg-20220305-lavrov.html').replace(
      '<div class="article__block" data-type="banner">',
      '<div class="article__block" data-type="text"><div class="article__text">Подписывайтесь на Sputnik в Telegram</div></div><div class="article__block" data-type="banner">',
    );
    const plain = extractArticle(html, url, { rules: [] });
    assert.equal(plain.paragraphs.length, 13, 'the built-in list drops the promo on its own');

    const config = parseConfig(stringify({ sites: [{ name: 'kg-extra', hosts: ['*.sputnik.kg'], dropParagraphs: ['^Лавров сказал, что'], remove: ['.article__footer'] }] }), 'f.yaml');
    const $ = loadHtml(html);
    const choice = chooseExtractor($, url, config.sites);
    assert.equal(choice.kind, 'sputnik');
    assert.deepEqual(choice.rule.dropParagraphs, [...BUILTIN_RULES[0]!.dropParagraphs, '^Лавров сказал, что']);
    assert.ok(choice.rule.remove.includes('.article__google-news') && choice.rule.remove.includes('.article__footer'));

    const refined = extractArticle(html, url, { rules: config.sites });
    assert.equal(refined.extractor, 'sputnik');
    assert.deepEqual(
      refined.paragraphs,
      plain.paragraphs.filter((p) => !p.startsWith('Лавров сказал, что')),
    );
    assert.equal(refined.paragraphs.length, 12);
    assert.ok(!JSON.stringify(refined).includes('Подписывайтесь'));
    // Tags lived in the removed footer: the page's article:tag metadata stands in.
    assert.deepEqual(refined.tags, ['Политика', 'Сергей Лавров', 'Руслан Казакбаев', 'Россия', 'ЕАЭС']);
  });

  test('a user rule with its own body on an engine host without engine markup keeps the engine drop list', () => {
    const config = parseConfig(stringify({ sites: [{ name: 'kg-live', hosts: ['ru.sputnik.kg'], body: '.live-post' }] }), 'f.yaml');
    const page = '<html lang="ru"><body><div class="live-post">Первое сообщение трансляции.</div><div class="live-post">Подписывайтесь на Sputnik в Дзен</div><div class="live-post">Второе сообщение.</div></body></html>';
    const a = extractArticle(page, 'https://ru.sputnik.kg/live/1.html', { rules: config.sites });
    assert.equal(a.extractor, 'rule:kg-live');
    assert.deepEqual(a.paragraphs, ['Первое сообщение трансляции.', 'Второе сообщение.']);
  });

  test('a user rule for another host leaves engine pages alone', () => {
    const config = parseConfig(stringify({ sites: [{ name: 'other', hosts: ['other.test'], dropParagraphs: ['.'] }] }), 'f.yaml');
    const a = extractArticle(fixture('sputnik/snanews-de-20201216.html'), 'https://snanews.de/a.html', { rules: config.sites });
    assert.equal(a.paragraphs.length, 8);
  });
});

test('mergeRules: lists concatenated without repeats, selectors overridden, name and engine kept', () => {
  const [base, extra] = parseRules([
    { name: 'base', engine: 'sputnik', hosts: ['a.test'], title: '.t', body: '.b', remove: ['.x'], dropParagraphs: ['^a'] },
    { name: 'extra', hosts: ['a.test'], title: '.t2', remove: ['.x', '.y'], dropParagraphs: ['^b'] },
  ]);
  const m = mergeRules(base!, extra!);
  assert.equal(m.name, 'base');
  assert.equal(m.engine, 'sputnik');
  assert.equal(m.title, '.t2');
  assert.equal(m.body, '.b');
  assert.deepEqual(m.remove, ['.x', '.y']);
  assert.deepEqual(m.dropParagraphs, ['^a', '^b']);
});

/**
 * User-written regexes (alert rules' /regex/, site rules' dropParagraphs and dateline) run on RE2 (re2js): the
 * catastrophic cases of issue 19 complete, results match JavaScript's RegExp on ordinary patterns, and what
 * RE2 cannot run in linear time is refused at load with the rule's name and the position.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LinearRegExp, RegexSyntaxError } from '../../src/regex/linear.js';
import { parseRule, RuleSyntaxError } from '../../src/alerts/rule-parser.js';
import { buildAlertDoc, compileRule, matchRule } from '../../src/alerts/match.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { extractArticle } from '../../src/extract/index.js';
import { loadMorphology } from '../../src/alerts/morphology.js';

describe('LinearRegExp behaves as RegExp on ordinary patterns', () => {
  const cases: [string, string, string][] = [
    ['лавров\\w*', 'gi', 'Министр ЛАВРОВ и Лаврову сказали 😀 лавровый'],
    ['(?<city>Бишкек|Москв[аеуы])\\s+(\\d{4})', 'gu', 'в Бишкек 2024 и Москве\u00a02025'],
    ['^\\s*Читайте также', 'imu', 'текст\n  Читайте также: другое'],
    ['\\bthe\\b', 'g', 'the other theme, the end'],
    ['a.c', 's', 'a\nc'],
    ['\\u0416|\\u{1F600}', 'gu', 'Ж и 😀'],
    ['[\\s,]+', 'g', 'a,\u2003b ,\u00a0c'],
    ['x*', 'g', 'axxb'],
  ];
  for (const [source, flags, text] of cases) {
    test(`/${source}/${flags}`, () => {
      const js = [...text.matchAll(new RegExp(source, flags.includes('g') ? flags : `${flags}g`))].map((m) => [m.index, [...m], m.groups]);
      const re2 = [...text.matchAll(new LinearRegExp(source, flags.includes('g') ? flags : `${flags}g`))].map((m) => [m.index, [...m], m.groups]);
      assert.deepEqual(re2, js);
      assert.equal(new LinearRegExp(source, flags).test(text), new RegExp(source, flags).test(text));
      assert.deepEqual(text.split(new LinearRegExp(source, flags)), text.split(new RegExp(source, flags)));
      assert.equal(text.replace(new LinearRegExp(source, flags), '<$&>'), text.replace(new RegExp(source, flags), '<$&>'));
    });
  }
});

describe('the catastrophic patterns of issue 19 run in linear time', () => {
  // With a backtracking engine /(a+)+$/ takes about a minute at 33 characters and doubles per character;
  // these texts are 5,000 characters long, so only a linear engine finishes.
  const attack = `${'a'.repeat(5000)}!`;

  test('an alert rule /(a+)+$/ over a 5,000-character title and body', async () => {
    const lem = await loadMorphology();
    const rule = compileRule('/(a+)+$/', lem);
    assert.equal(matchRule(rule, buildAlertDoc({ title: attack, body: `${attack}\n\n${attack}`, feed: 'f' }, lem)).match, false);
    const hit = matchRule(rule, buildAlertDoc({ title: 'a'.repeat(5000), feed: 'f' }, lem));
    assert.equal(hit.match, true);
    assert.deepEqual(hit.spans.map((sp) => [sp.field, sp.start, sp.end]), [['title', 0, 5000]]);
  });

  test('a site rule dropParagraphs ^(a+)+$ and dateline ^(\\w+\\s?)+: over 5,000-character paragraphs', () => {
    const config = parseConfig(
      `sites:\n  - name: evil-news\n    hosts: ["evil.example"]\n    body: "article p"\n    dropParagraphs: ["^(a+)+$"]\n    dateline: "^(\\\\w+\\\\s?)+:"\n`,
      'f.yaml',
    );
    const html = `<html><body><article><p>${attack}</p><p>${'word '.repeat(1000)}!</p><p>Обычный абзац текста новости, который остаётся.</p></article></body></html>`;
    const article = extractArticle(html, 'https://evil.example/a', { rules: config.sites });
    assert.ok(article.paragraphs.some((p) => p.startsWith('Обычный абзац')));
    assert.ok(article.paragraphs.some((p) => p.startsWith('aaaa')), 'not dropped: the pattern does not match (the text ends with !)');
  });
});

describe('what needs backtracking is refused at load, with the rule and the position', () => {
  test('alert rules: lookahead, lookbehind, backreference', () => {
    for (const [rule, column] of [['Лавров AND /(?=Бишкек)x/', 13], ['title:/a(?<!b)c/', 9], ['/(ab)\\1/ OR слово', 6]] as const) {
      try {
        parseRule(rule);
        assert.fail(`accepted ${rule}`);
      } catch (err) {
        assert.ok(err instanceof RuleSyntaxError, String(err));
        assert.match(err.reason, /not supported \(it needs backtracking\)/);
        assert.equal(err.column, column, rule);
      }
    }
    assert.throws(
      () => parseConfig(`alerts:\n  rules:\n    - { name: lookahead-rule, query: '/foo(?!bar)/', channels: [log] }\n`, 'f.yaml'),
      (e: unknown) => e instanceof ConfigError && /rule "lookahead-rule": query column 5: invalid regex: lookahead "\(\?!" is not supported/.test(e.message),
    );
  });

  test('site rules: the rule, the key, the line and the character', () => {
    const yaml = `sites:\n  - name: backref-site\n    hosts: ["b.example"]\n    dropParagraphs: ["^ok$", "^(\\\\w+) \\\\1$"]\n`;
    assert.throws(
      () => parseConfig(yaml, 's.yaml'),
      (e: unknown) =>
        e instanceof ConfigError &&
        /^s\.yaml:4:\d+: sites\[0\]\.dropParagraphs\[1\]: site rule "backref-site": bad regular expression in dropParagraphs \(backreference "\\1" is not supported \(it needs backtracking\) at character 8\)/.test(e.message),
    );
    assert.throws(() => new LinearRegExp('(?<=x)y'), (e: unknown) => e instanceof RegexSyntaxError && e.offset === 0);
  });
});

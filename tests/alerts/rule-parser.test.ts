import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRule, parseRule, RuleSyntaxError } from '../../src/alerts/rule-parser.js';

describe('parseRule: valid rules', () => {
  const cases: [string, string][] = [
    ['Лавров', 'Лавров'],
    ['Лавров Бишкек', 'Лавров AND Бишкек'],
    ['Лавров AND Бишкек', 'Лавров AND Бишкек'],
    ['a OR b c', 'a OR (b AND c)'],
    ['a b OR c', '(a AND b) OR c'],
    ['(a OR b) c', '(a OR b) AND c'],
    ['a -b', 'a AND NOT b'],
    ['a NOT b', 'a AND NOT b'],
    ['a -(b OR c)', 'a AND NOT (b OR c)'],
    ['NOT NOT a', 'NOT NOT a'],
    ['"Сергей Лавров"', '"Сергей Лавров"'],
    ['Нью-Йорк', '"Нью Йорк"'],
    ['COVID-19 вакцина', '"COVID 19" AND вакцина'],
    ['title:Лавров', 'title:Лавров'],
    ['TITLE:Лавров', 'title:Лавров'],
    ['title: Лавров', 'title:Лавров'],
    ['NOT (NOT a AND NOT b)', 'NOT (NOT a AND NOT b)'],
    ['NOT (a OR NOT b)', 'NOT (a OR NOT b)'],
    ['title:"Сергей Лавров" body:Бишкек', 'title:"Сергей Лавров" AND body:Бишкек'],
    ['tag:(Политика OR Экономика)', 'tag:(Политика OR Экономика)'],
    ['-feed:sputnik Лавров', 'NOT feed:sputnik AND Лавров'],
    ['/лавр[оа]в/', '/лавр[оа]в/'],
    ['/a\\/b/ x', '/a\\/b/ AND x'],
    ['/[/]x/m', '/[/]x/m'],
    ['title:/^Лавров/', 'title:/^Лавров/'],
    ['and or not', 'and AND or AND not'],
    ['12:00 встреча', '"12 00" AND встреча'],
    ['a AND (b OR (c AND -d))', 'a AND (b OR (c AND NOT d))'],
    ['  Лавров  ', 'Лавров'],
    ['24/7', '"24 7"'],
  ];
  for (const [rule, canonical] of cases) {
    test(rule, () => assert.equal(formatRule(parseRule(rule)), canonical));
  }

  test('the AST is plain data with columns', () => {
    const ast = parseRule('title:"Сергей Лавров" -лавра');
    assert.deepEqual(JSON.parse(JSON.stringify(ast)), ast);
    assert.deepEqual(ast, {
      type: 'and',
      children: [
        { type: 'field', field: 'title', child: { type: 'phrase', words: ['Сергей', 'Лавров'], text: 'Сергей Лавров', quoted: true, column: 7 } },
        { type: 'not', child: { type: 'word', text: 'лавра', column: 24 } },
      ],
    });
  });
});

describe('parseRule: errors name the column', () => {
  const cases: [string, number, RegExp][] = [
    ['', 1, /empty rule/],
    ['   ', 1, /empty rule/],
    ['Лавров AND', 11, /expected a term at the end/],
    ['OR Лавров', 1, /expected a term but found OR/],
    ['Лавров OR OR Бишкек', 11, /expected a term but found OR/],
    ['(Лавров OR Бишкек', 1, /missing "\)" to close the "\(" at column 1/],
    ['Лавров)', 7, /unmatched "\)"/],
    ['()', 1, /empty parentheses/],
    ['"Сергей Лавров', 1, /unterminated phrase/],
    ['Лавров ""', 8, /empty phrase/],
    ['x /лавр', 3, /unterminated regex/],
    ['x /лавр(/', 3, /invalid regex/],
    ['/лавр/g', 7, /regex flag "g" is not allowed/],
    ['titel:Лавров', 1, /unknown field "titel"/],
    ['a title:', 9, /expected a word, "phrase", \/regex\/ or \( after title:/],
    ['NOT (a AND NOT b)', 1, /at least one term that is not negated/],
    ['a - b', 3, /"-" must be followed directly by a term/],
    ['-Лавров', 1, /at least one term that is not negated/],
    ['NOT a NOT b', 1, /at least one term that is not negated/],
    ['a OR -b', 1, /at least one term that is not negated/],
    ['Лавров — Бишкек', 8, /"—" has no letters or digits/],
    ['a (b', 3, /missing "\)"/],
    ['a (b c d', 3, /missing "\)"/],
  ];
  for (const [rule, column, reason] of cases) {
    test(JSON.stringify(rule), () => {
      assert.throws(
        () => parseRule(rule),
        (err: unknown) => {
          assert.ok(err instanceof RuleSyntaxError, String(err));
          assert.equal(err.column, column, `column of ${JSON.stringify(rule)}: ${err.message}`);
          assert.match(err.reason, reason);
          assert.equal(err.kind, 'parse');
          assert.equal(err.retryable, false);
          assert.match(err.message, new RegExp(`^column ${column}: `));
          return true;
        },
      );
    });
  }
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTelegram, TELEGRAM_LIMIT, cutText, escapeHtml } from '../../src/alerts/channels/telegram.js';
import { renderEmailHtml } from '../../src/alerts/channels/email.js';
import { alertItem, formatAlert, formatDigest, plainText, subjectOf, type AlertArticle } from '../../src/alerts/message.js';
import type { MatchSpan } from '../../src/alerts/match.js';

const article: AlertArticle = {
  title: 'Лавров рассказал о <важном> & "главном"',
  lead: 'Глава МИД Лавров и Казакбаев обсудили сотрудничество.',
  url: 'https://ru.sputnik.kg/20220305/lavrov.html?a=1&b=2',
  feed: 'sputnik-kg',
  publishedAt: '2022-03-05T18:20:00+06:00',
};
const spans: MatchSpan[] = [
  { field: 'title', start: 0, end: 6, term: 'Лавров', text: 'Лавров' },
  { field: 'lead', start: 10, end: 16, term: 'Лавров', text: 'Лавров' },
  { field: 'lead', start: 10, end: 16, term: 'лавров', text: 'Лавров' },
  { field: 'lead', start: 19, end: 28, term: 'Казакбаев', text: 'Казакбаев' },
  { field: 'body', start: 3, end: 10, term: 'Лавров', text: 'Лаврова' },
];

/** HTML whose entities are all whole and whose tags are balanced, as Telegram requires. */
function assertTelegramSafe(html: string): void {
  assert.ok(html.length <= TELEGRAM_LIMIT, `length ${html.length}`);
  for (const m of html.matchAll(/&/g)) assert.match(html.slice(m.index, m.index + 6), /^&(amp|lt|gt|quot);/);
  const stack: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-z]+)[^>]*>/g)) {
    if (m[1]) assert.equal(stack.pop(), m[2]);
    else stack.push(m[2]!);
  }
  assert.deepEqual(stack, []);
  assert.doesNotMatch(html, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
}

describe('alert messages', () => {
  test('formatAlert: distinct terms as written, merged highlights in title and lead only', () => {
    const m = formatAlert(article, { rule: 'lavrov', spans });
    assert.equal(m.rule, 'lavrov');
    assert.equal(m.digest, false);
    const it = m.items[0]!;
    assert.deepEqual(it.terms, ['Лавров', 'Казакбаев', 'Лаврова']);
    assert.deepEqual(it.highlights, [
      { field: 'title', start: 0, end: 6 },
      { field: 'lead', start: 10, end: 16 },
      { field: 'lead', start: 19, end: 28 },
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
  });

  test('an untitled article is named by its URL', () => {
    assert.equal(alertItem({ ...article, title: '  ' }, []).title, article.url);
  });

  test('plain text and subject', () => {
    const m = formatAlert(article, { rule: 'lavrov', spans });
    assert.match(plainText(m), /Лавров рассказал[\s\S]*https:\/\/ru\.sputnik\.kg[\s\S]*Matched: Лавров, Казакбаев, Лаврова/);
    assert.equal(subjectOf(m), `lavrov: ${article.title}`);
    assert.equal(subjectOf(formatDigest('d', [m.items[0]!, m.items[0]!])), 'd: 2 new articles');
  });

  test('email HTML escapes and marks matches', () => {
    const html = renderEmailHtml(formatAlert(article, { rule: 'lavrov', spans }));
    assert.match(html, /<mark>Лавров<\/mark> рассказал о &lt;важном&gt; &amp; &quot;главном&quot;/);
    assert.match(html, /href="https:\/\/ru\.sputnik\.kg\/20220305\/lavrov\.html\?a=1&amp;b=2"/);
  });
});

describe('telegram rendering', () => {
  test('title bold with matches underlined, lead with matches bold, escaped link, terms', () => {
    const html = renderTelegram(formatAlert(article, { rule: 'lavrov', spans }));
    assert.ok(html.startsWith('<b><u>Лавров</u> рассказал о &lt;важном&gt; &amp; &quot;главном&quot;</b>\n'), html);
    assert.match(html, /Глава МИД <b>Лавров<\/b> и <b>Казакбаев<\/b> обсудили/);
    assert.match(html, /<a href="https:\/\/ru\.sputnik\.kg\/20220305\/lavrov\.html\?a=1&amp;b=2">/);
    assert.match(html, /<i>Matched: Лавров, Казакбаев, Лаврова<\/i>/);
    assert.match(html, /<i>rule: lavrov<\/i>$/);
    assertTelegramSafe(html);
  });

  test('a huge lead is cut to fit, never inside an entity', () => {
    const lead = 'Лавров & <Казакбаев> '.repeat(1000);
    const html = renderTelegram(formatAlert({ ...article, lead }, { rule: 'r', spans: [{ field: 'lead', start: 0, end: 6, term: 'Лавров', text: 'Лавров' }] }));
    assertTelegramSafe(html);
    assert.match(html, /…/);
    assert.ok(html.length > 3000, 'uses the room it has');
  });

  test('a lead of emoji is cut on a code point boundary', () => {
    const html = renderTelegram(formatAlert({ ...article, lead: '😀'.repeat(5000) }, { rule: 'r', spans: [] }));
    assertTelegramSafe(html);
  });

  test('a digest too long for one message drops items and says how many', () => {
    const items = Array.from({ length: 200 }, (_, i) => alertItem({ ...article, title: `Новость ${i} ${'<>'.repeat(30)}` }, []));
    const html = renderTelegram(formatDigest('digest', items));
    assertTelegramSafe(html);
    const more = /… and (\d+) more/.exec(html);
    assert.ok(more, 'says how many were left out');
    const shown = (html.match(/<b>Новость/g) ?? []).length;
    assert.equal(shown + Number(more[1]), 200);
  });

  test('a huge title alone still fits', () => {
    const html = renderTelegram(formatAlert({ ...article, title: '&'.repeat(20_000), lead: null }, { rule: 'r', spans: [] }));
    assertTelegramSafe(html);
  });

  test('cutText and escapeHtml', () => {
    assert.equal(cutText('abcdef', 4), 'abc…');
    assert.equal(cutText('ab😀cd', 4), 'ab…');
    assert.equal(cutText('abc', 3), 'abc');
    assert.equal(escapeHtml('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});

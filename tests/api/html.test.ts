/** The page templates escape every value, and only absolute http(s) URLs become links. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, safeHref } from '../../src/api/html.js';
import { hourlyChart } from '../../src/api/chart.js';

test('values are escaped in text and attributes; html-made parts and arrays are not escaped twice', () => {
  const title = `<script>alert("x")</script> & 'q' \`b\``;
  assert.equal(escapeHtml(title), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; &#96;b&#96;');
  const out = html`<a title="${title}">${title}</a>${[html`<b>${'<i>'}</b>`, 'x<y']}${null}${undefined}${false}${0}`.value;
  assert.equal(out, `<a title="${escapeHtml(title)}">${escapeHtml(title)}</a><b>&lt;i&gt;</b>x&lt;y0`);
  assert.equal(escapeHtml('a\u001b[31mred\u202Ez'), 'aredz', 'escape sequences (whole) and bidi overrides are stripped');
});

test('only absolute http(s) URLs are links', () => {
  assert.equal(safeHref('https://example.org/a?b=1&c=<2>'), 'https://example.org/a?b=1&c=%3C2%3E');
  assert.equal(safeHref('http://127.0.0.1:8080/x'), 'http://127.0.0.1:8080/x');
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>x</script>', 'vbscript:x', '/relative', '//host/x', 'ftp://h/x', '', null, undefined]) {
    assert.equal(safeHref(bad), null, String(bad));
  }
});

test('the chart: one bar per hour, scaled to the busiest, labelled', () => {
  const hours = Array.from({ length: 48 }, (_, i) => ({ hour: new Date(Date.UTC(2026, 2, 5, i)).toISOString(), items: i === 47 ? 10 : i === 46 ? 5 : 0 }));
  const svg = hourlyChart(hours).value;
  const heights = [...svg.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(heights.length, 48);
  assert.equal(heights[47], 2 * heights[46]!, 'heights proportional to counts');
  assert.equal(heights.slice(0, 46).every((h) => h === 0), true);
  assert.match(svg, /aria-label="Items per hour over the last 48 hours: 15 in all, at most 10 in one hour"/);
  assert.match(svg, /<title>2026-03-06 23:00 UTC: 10 items<\/title>/);
  assert.match(hourlyChart(hours.map((h) => ({ ...h, items: 0 }))).value, /0 in all, at most 0 in one hour/);
});

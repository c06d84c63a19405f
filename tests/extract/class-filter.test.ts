// The selector prefilter of class-filter.ts: it may only rule out selectors that cannot match, so pageHas must
// answer exactly as the selector engine does, on pages and selectors of every kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { loadHtml } from '../../src/extract/index.js';
import { mayMatch, pageHas } from '../../src/extract/class-filter.js';
import type { Document } from 'domhandler';

const PAGES = [
  '<html><body><div class="story__body"><div class="story__item">Text</div></div></body></html>',
  // The class only as part of a longer class, in an id, in text, in another attribute: no match.
  '<div class="story__itemlist story__bodyx">a</div><p id="story__item">b</p><p data-x="story__item">story__item</p>',
  // Whitespace of every kind between classes (tabs, newlines, no-break space) and upper case.
  '<div class="x\tstory__body\n y"><span class="STORY__ITEM story__item\u00a0z">c</span></div>',
  // The classes on unrelated elements (the descendant combinator is the engine\'s to judge), and entities.
  '<div class="story__item"></div><section class="story__body"></section><b class="story&#95;&#95;note">d</b>',
  '<DIV CLASS="story__body"><DIV Class="story__item">upper-case markup</DIV></DIV>',
  '<table><tr><td class="cell main">e</td></tr></table><div class="">f</div><div class>g</div>',
];

const SELECTORS = [
  '.story__body .story__item',
  '.story__body .story__item, div.story__note',
  'div.story__note',
  'b.story__note',
  '.STORY__ITEM',
  'span.story__item',
  '.story__body > .story__item',
  '.cell.main',
  'td.main, .absent',
  '.absent',
  '#story__item',
  'div',
  '[data-x="story__item"]',
  '.story__item:not(.x)',
  'p:contains(story__item)',
];

test('pageHas answers as the selector engine does, for every page and selector', () => {
  for (const html of PAGES) {
    const $ = loadHtml(html);
    for (const sel of SELECTORS) assert.equal(pageHas($, sel), $(sel).length > 0, `${sel} on ${html}`);
  }
});

test('mayMatch rules out a selector whose classes are on no element, and only then', () => {
  const doc = loadHtml(PAGES[1]!).root()[0] as unknown as Document;
  assert.equal(mayMatch(doc, '.story__item'), false, 'a longer class is not the class');
  assert.equal(mayMatch(doc, '.story__itemlist'), true);
  assert.equal(mayMatch(doc, '.story__itemlist, .absent'), true, 'one alternative suffices');
  assert.equal(mayMatch(doc, '.story__itemlist .absent'), false, 'an alternative needs all its classes');
  assert.equal(mayMatch(doc, 'p'), true, 'no class named: cannot be ruled out');
  assert.equal(mayMatch(doc, '[class~="absent"]'), true, 'not a selector read here');
});

test('a document not parsed by loadHtml is never ruled out', () => {
  const $ = load('<div class="a">x</div>');
  assert.equal(mayMatch($.root()[0] as unknown as Document, '.b'), true);
  assert.equal(pageHas($, '.b'), false);
  assert.equal(pageHas($, '.a'), true);
});

test('removed elements may keep a class in the record, so the engine still decides', () => {
  const $ = loadHtml('<div class="keep"><p class="gone">x</p></div>');
  $('.gone').remove();
  assert.equal(pageHas($, '.gone'), false);
  assert.equal(pageHas($, '.keep'), true);
});

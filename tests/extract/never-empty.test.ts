/**
 * Never empty when there is an article: synthetic pages (written here, not taken from any corpus) for the
 * structures on which a drop or skip rule used to take the whole article: the page inside one <form>, table
 * layouts, text and photos in one block, a post in an <aside>, a story told in list items, upper-case tags,
 * unclosed elements, a chrome-like class on the page's wrapper. Each must give the article's sentences, and the
 * strict cases must still leave the chrome out.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadHtml } from '../../src/extract/index.js';
import { extractMeta } from '../../src/extract/meta.js';
import { extractGeneric, DEFAULT_TUNING, type GenericTuning } from '../../src/extract/generic.js';

const URL_ = 'https://blog.example.org/2013/03/harbour-ferry.html';

function extractText(html: string, tuning: GenericTuning = DEFAULT_TUNING): string {
  const $ = loadHtml(html);
  return extractGeneric($, URL_, extractMeta($, URL_), undefined, tuning).paragraphs.join('\n');
}

/** Sentences of one small story, each distinct, long enough to read as prose. */
const STORY = [
  'The harbour ferry will run every twenty minutes from April, the port authority said on Monday, after a winter of complaints about crowded boats.',
  'Commuters from the northern shore, who have waited up to an hour at peak times, welcomed the change but asked why it had taken so long.',
  'The authority blamed a shortage of licensed skippers, two of whom retired in January, and a hull repair that kept the older vessel in dock.',
  'A second boat, leased from a company on the coast, will cover the early runs until the new crew members finish their training in June.',
  'Fares stay the same for now, although a review of the concession scheme is due before the summer timetable is published.',
];

const NAV = '<ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li></ul>';
const NAV_WORDS = ['About us', 'Contact'];

function assertStory(text: string, sentences: readonly string[] = STORY): void {
  for (const s of sentences) assert.ok(text.includes(s), `missing: ${s.slice(0, 50)}…\n--- got:\n${text}`);
}

function assertNoNav(text: string): void {
  for (const w of NAV_WORDS) assert.ok(!text.includes(w), `chrome kept: ${w}`);
}

describe('never empty when the page holds an article', () => {
  test('the whole page inside one <form> (ASP.NET style); a search form elsewhere stays out', () => {
    const html = `<html><head><title>Harbour ferry to run more often</title></head><body>
<form name="MainForm" method="post" action="/Default.aspx?tabid=12"><input type="hidden" name="__VIEWSTATE" value="abc">
<div id="topbar">${NAV}</div>
<div id="col-main"><div class="pane"><h2>Harbour ferry to run more often</h2>${STORY.map((s) => `<p>${s}</p>`).join('')}</div></div>
<div id="col-side"><form action="/search"><label>Search the site for older posts</label><input name="q"></form></div>
</form></body></html>`;
    const text = extractText(html);
    assertStory(text);
    assertNoNav(text);
    assert.ok(!text.includes('Search the site'), 'the search form is chrome');
  });

  test('a layout table: the article in one cell, links in another', () => {
    const html = `<HTML><BODY><TABLE width="100%"><TR><TD width="150" valign="top">${NAV}</TD>
<TD valign="top"><FONT face="Arial"><B>Harbour ferry to run more often</B><BR><BR>${STORY.join('<BR><BR>')}</FONT></TD></TR>
<TR><TD colspan="2"><A href="/privacy">Privacy</A> | <A href="/terms">Terms</A></TD></TR></TABLE></BODY></HTML>`;
    const text = extractText(html);
    assertStory(text);
    assertNoNav(text);
  });

  test('text and photos in one block: every paragraph sits next to a picture, in caption-like wrappers', () => {
    const blocks = STORY.map(
      (s, i) =>
        `<div class="photo-block"><div class="photo-meta"><img src="/p/${i}.jpg"><img src="/p/${i}-thumb.jpg"></div><div class="caption-text"><p>${s}</p></div></div>`,
    ).join('');
    const html = `<html><body><div class="page"><div class="post-body">${blocks}</div><div class="links">${NAV}</div></div></body></html>`;
    const text = extractText(html);
    assertStory(text);
    assertNoNav(text);
  });

  test('a photo gallery whose only text is in one caption block holding most of the post', () => {
    const imgs = [1, 2, 3, 4, 5, 6].map((i) => `<a href="/g/${i}"><img src="/g/${i}.jpg"></a>`).join('');
    const html = `<html><body>${NAV}<div class="gallery-post"><div class="strip">${imgs}<div class="caption">${STORY.slice(0, 3).join(' ')}</div></div></div></body></html>`;
    assertStory(extractText(html), STORY.slice(0, 3));
  });

  test('a blog post inside an <aside>, the sidebar a list of links', () => {
    const html = `<html><body><nav>${NAV}</nav><section id="wrap"><aside class="blog-entry"><h1>Harbour ferry to run more often</h1>
<div class="entry">${STORY.map((s) => `<p>${s}</p>`).join('')}</div></aside>
<section id="right"><ul><li><a href="/a">An older post about the tides</a></li><li><a href="/b">Another post about the pier</a></li></ul></section></section></body></html>`;
    const text = extractText(html);
    assertStory(text);
    assert.ok(!text.includes('older post about the tides'), 'sidebar links kept');
  });

  test('a story told in list items: an ordered list of long items with a link each', () => {
    const items = STORY.map((s, i) => `<li><a href="/src/${i}">Source ${i}</a> — ${s}</li>`).join('');
    const html = `<html><body><div id="header">${NAV}</div><div class="hentry"><h2 class="entry-title">Five notes on the ferry</h2><div class="entry-content"><ol>${items}</ol></div></div></body></html>`;
    assertStory(extractText(html));
  });

  test('a story as a bulleted list under one short intro line', () => {
    const html = `<html><body><div class="post"><div class="body"><p>Notes from the meeting:</p><ul>${STORY.map((s) => `<li>${s}</li>`).join('')}</ul></div></div></body></html>`;
    assertStory(extractText(html));
  });

  test('upper-case tags and attributes', () => {
    const html = `<HTML><HEAD><TITLE>Ferry</TITLE></HEAD><BODY><DIV ID="MENU">${NAV.toUpperCase()}</DIV><DIV CLASS="STORY"><H1>Harbour ferry</H1>${STORY.map((s) => `<P>${s}</P>`).join('')}</DIV></BODY></HTML>`;
    assertStory(extractText(html));
  });

  test('unclosed paragraphs, list items and containers', () => {
    const html = `<html><body><div id="nav">${NAV}</div><div class="article"><p>${STORY[0]}<p>${STORY[1]}<ul><li>${STORY[2]}<li>${STORY[3]}</ul><p>${STORY[4]}<div class="end">`;
    assertStory(extractText(html));
  });

  test('a chrome-like class on the wrapper of the whole page', () => {
    const html = `<html><body><div class="sidebar-layout ad-margins"><div class="related-wrap">${NAV}<div class="column">${STORY.map((s) => `<p>${s}</p>`).join('')}</div></div></div></body></html>`;
    assertStory(extractText(html));
  });

  test('the article in a <footer>-tagged block of a page with nothing else', () => {
    const html = `<html><body><header>${NAV}</header><footer class="page-main"><div>${STORY.map((s) => `<p>${s}</p>`).join('')}</div></footer></body></html>`;
    assertStory(extractText(html));
  });

  test('a short post (under a paragraph) is not traded for the sidebar: the fallback is for nothing found', () => {
    const short = 'The ferry runs late today because of fog; check the board at the pier before you travel.';
    const sidebar = STORY.map((s) => `<p>${s}</p>`).join('');
    const html = `<html><body><div class="content"><div class="entry-content"><p>${short}</p></div></div><aside><div class="widget">${sidebar}</div></aside></body></html>`;
    const text = extractText(html);
    assert.ok(text.includes(short), text);
    assert.ok(!text.includes(STORY[0]!), 'the sidebar replaced the short post');
  });

  test('a short post above a long comment thread keeps the post when the page is measured again without class words', () => {
    const post = [STORY[1], STORY[4]].map((s) => `<p>${s}</p>`).join('');
    const comments = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
      .map(
        (i) =>
          `<div class="c-${i}"><div class="who">Reader ${i}</div><p>I take this boat every morning, and the queue at the pier has been long, slow, wet and cold all winter, so twenty minutes would help. My neighbour, who works nights, says the same, and so does her son, who studies in town.</p></div>`,
      )
      .join('');
    // The page's wrapper carries an "ad" class word, so the page is measured again without class words.
    const html = `<html><body><div class="page-ad-wrapper"><div><h1>Ferry</h1><div>${post}</div></div><div id="comments"><h3>12 responses</h3>${comments}</div></div></body></html>`;
    const text = extractText(html);
    assertStory(text, [STORY[1]!, STORY[4]!]);
    assert.ok(!text.includes('Reader 3'), 'the comment thread replaced the post');
  });

  test('comment blocks whose class word only starts with "comment" (and holds a content word) stay out of a table-layout post', () => {
    const comments = [1, 2, 3, 4, 5, 6]
      .map(
        (i) =>
          `<div class="commenttext by-reader-${i}"><div><p>Reader ${i} thinks the extra boat is welcome, though the timetable, the fares and the parking at the pier all need work too.</p></div><p class="meta">Posted by reader ${i}</p></div>`,
      )
      .join('');
    const html = `<html><body><table><tr><td class="nav">${NAV}</td><td class="main"><h1>Ferry</h1>${STORY.map((s) => `<p>${s}</p>`).join('')}${comments}</td></tr></table></body></html>`;
    const text = extractText(html);
    assertStory(text);
    assert.ok(!text.includes('Reader 2 thinks'), text);
  });

  test('the fallback lengths are the tuning passed in: with no "tiny" length, an <aside> post is not looked for', () => {
    const html = `<html><body><nav>${NAV}</nav><aside class="blog-entry">${STORY.map((s) => `<p>${s}</p>`).join('')}</aside></body></html>`;
    assertStory(extractText(html));
    const strict = extractText(html, { ...DEFAULT_TUNING, tinyArticleChars: 0 });
    assert.ok(!strict.includes(STORY[0]!), strict);
  });
});

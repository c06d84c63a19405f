import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadHtml } from '../../src/extract/index.js';
import { extractMeta } from '../../src/extract/meta.js';
import { extractGeneric, DEFAULT_TUNING, type GenericTuning } from '../../src/extract/generic.js';
import { siteRuleSchema, type SiteRuleInput } from '../../src/extract/rule-schema.js';
import type { Article } from '../../src/model.js';

const URL_ = 'https://news.example.com/2024/05/01/story.html';

function extract(html: string, rule?: SiteRuleInput): Article {
  const $ = loadHtml(html);
  return extractGeneric($, URL_, extractMeta($, URL_), rule ? siteRuleSchema.parse(rule) : undefined);
}

/** A sentence of article prose, long enough and with commas, as real paragraphs have. */
function prose(n: number): string {
  return `Paragraph ${n} reports what the council decided, why it matters to residents, and what happens next, according to officials who spoke on Tuesday.`;
}

function page(article: string, opts: { head?: string; wrapperClass?: string } = {}): string {
  return `<!doctype html><html lang="en"><head><title>Council votes on budget - Example News</title>${opts.head ?? ''}</head>
<body><div class="${opts.wrapperClass ?? 'site'}">
<header class="masthead"><a href="/">Example News</a><nav><ul><li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main>${article}
<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Another story about something else entirely</a></li><li><a href="/b">Yet another unrelated story with a long title</a></li></ul></aside>
<div id="comments" class="comments"><p>Commenter one says this is a long comment with opinions, thoughts, and more thoughts about everything.</p></div>
</main>
<footer><p>© 2024 Example News. All rights reserved, in every territory, forever and ever.</p></footer>
</div></body></html>`;
}

describe('extractGeneric: choosing the article', () => {
  test('takes the article paragraphs in order and none of the navigation, sidebar, comments or footer', () => {
    const a = extract(page(`<article><h1>Council votes on budget</h1><div class="entry-content"><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p></div></article>`));
    assert.deepEqual(a.paragraphs, [prose(1), prose(2), prose(3)]);
    assert.equal(a.extractor, 'generic');
    const text = a.paragraphs.join('\n');
    for (const junk of ['Most read', 'Commenter one', 'All rights reserved', 'Politics']) assert.ok(!text.includes(junk), junk);
  });

  test('keeps headings and lists inside the article, leaves out the repeated headline', () => {
    const a = extract(
      page(`<article><h1>Council votes on budget</h1><div class="story-body"><p>${prose(1)}</p><h2>What changes</h2><ul><li>Bus fares fall by a tenth from June for all riders.</li><li>Libraries open on Sundays again from next month.</li></ul><p>${prose(2)}</p></div></article>`),
    );
    assert.deepEqual(a.paragraphs, [prose(1), 'What changes', 'Bus fares fall by a tenth from June for all riders.', 'Libraries open on Sundays again from next month.', prose(2)]);
  });

  test('inline markup joins without added spaces; <br> breaks a line; entities are decoded', () => {
    const a = extract(page(`<article><div class="content"><p>${prose(1)}</p><p>Die Zahl wurde am Dienstag <a href="/x">mitgeteilt</a>. Es war <b>teuer</b>&nbsp;&amp; spät,<br>sagte er, und ging nach Hause, wie immer.</p><p>${prose(2)}</p></div></article>`));
    assert.equal(a.paragraphs[1], 'Die Zahl wurde am Dienstag mitgeteilt. Es war teuer & spät,\nsagte er, und ging nach Hause, wie immer.');
  });

  test('merges sibling blocks of the same kind that split one article', () => {
    const cards = [1, 2, 3, 4, 5].map((n) => `<div class="card text-item"><div class="card-content"><p>${prose(n)}</p></div></div>`).join('');
    const a = extract(page(`<article><h1>Council votes on budget</h1><div id="article-body">${cards}</div></article>`));
    assert.deepEqual(a.paragraphs, [1, 2, 3, 4, 5].map(prose));
  });

  test('keeps an embedded post (a quotation) and drops figure captions', () => {
    const a = extract(
      page(`<article><div class="entry-content"><p>${prose(1)}</p><figure><img src="/p.jpg"><figcaption>The council chamber on Tuesday. Photo: Jane Roe</figcaption></figure><div class="social-embed"><blockquote class="twitter-tweet"><p>The budget passed tonight, finally, after a long debate.</p>— Mayor (@mayor) <a href="https://twitter.com/mayor/status/1">May 1, 2024</a></blockquote></div><p>${prose(2)}</p></div></article>`),
    );
    const text = a.paragraphs.join('\n');
    assert.ok(text.includes('The budget passed tonight, finally, after a long debate.'));
    assert.ok(!text.includes('council chamber'));
    assert.deepEqual(a.images, [{ url: 'https://news.example.com/p.jpg', caption: 'The council chamber on Tuesday. Photo: Jane Roe', credit: null }]);
  });

  test('does not climb from the article through ever weaker wrappers to the column holding a sidebar', () => {
    const teaser = (n: number) => `<p>Teaser ${n} of another post, with a line or two, some commas, and a promise of more inside, for later, when you have time.</p>`;
    const a = extract(
      `<html><body><div><div><div><div>${[1, 2, 3, 4, 5, 6].map((n) => `<p>${prose(n)}</p>`).join('')}</div><div>Filed under news</div></div><div>Previous post</div></div>` +
        `<div><div>${[1, 2, 3].map(teaser).join('')}</div><div>${[4, 5, 6].map(teaser).join('')}</div></div></div></body></html>`,
    );
    assert.deepEqual(a.paragraphs, [1, 2, 3, 4, 5, 6].map(prose));
  });

  test('an article cut in chunks, each in a grid cell of its own, is read whole; without the twin rule only its first chunk', () => {
    const chunk = (from: number, to: number) =>
      `<div class="grid"><div class="body">${Array.from({ length: to - from + 1 }, (_, i) => `<p>${prose(from + i)}</p>`).join('')}</div><div class="rail"><div class="slot"></div></div></div>`;
    const html = `<html><body><article><div class="chunks">${chunk(1, 4)}<div class="embed"><p>Pull quote.</p></div>${chunk(5, 7)}</div></article></body></html>`;
    const $ = loadHtml(html);
    const read = (tuning: GenericTuning) => extractGeneric($, URL_, extractMeta($, URL_), undefined, tuning).paragraphs;
    assert.deepEqual(read(DEFAULT_TUNING), [...[1, 2, 3, 4].map(prose), 'Pull quote.', ...[5, 6, 7].map(prose)]);
    assert.deepEqual(read({ ...DEFAULT_TUNING, twinScoreShare: 2 }), [1, 2, 3, 4].map(prose));
  });

  test('a short story under its headline beats a block far from the headline that scores higher (a teaser above, a blurb below)', () => {
    // One paragraph packed with commas scores more than two plain ones; only where the headline is tells them apart.
    const blurb = (what: string) =>
      `<p>${what}, in print, online, in the shops, at the kiosk, at the station, on the train, at home, in bed, in the bath, at work, at lunch, at the gym, in the park, on the beach, all year, every year, for ever, and for ever more.</p>`;
    const story = `<p>The harbour closed at noon as the storm arrived, and ferries stayed in port until the evening tide turned.</p><p>Fishing boats were tied up early in the morning, and the harbour master expects to reopen tomorrow.</p>`;
    const shapes = {
      teaser: `<div id="top"><div class="panel"><div class="blurb">${blurb('Our new issue is out now')}</div></div></div><div id="page"><div class="col"><h1>Storm closes the harbour</h1><div class="txt">${story}</div></div></div>`,
      blurb: `<div id="page"><div class="col"><h1>Storm closes the harbour</h1><div class="txt">${story}</div></div></div><div id="bottom"><div class="panel"><div class="blurb">${blurb('Read the Gazette')}</div></div></div>`,
      // The title written without the heading's apostrophe, the site's name after it.
      apostrophe: `<div id="page"><div class="col"><h3>Storm’s harbour closing</h3><div class="txt">${story}</div></div></div><div id="bottom"><div class="panel"><div class="blurb">${blurb('Read the Gazette')}</div></div></div>`,
    };
    const titles: Record<string, string> = { apostrophe: 'Storms harbour closing - The Gazette' };
    for (const [name, body] of Object.entries(shapes)) {
      const $ = loadHtml(`<html><head><title>${titles[name] ?? 'Storm closes the harbour | The Gazette'}</title></head><body>${body}</body></html>`);
      const read = (tuning: GenericTuning) => extractGeneric($, URL_, extractMeta($, URL_), undefined, tuning).paragraphs.join('\n');
      assert.ok(read(DEFAULT_TUNING).startsWith('The harbour closed at noon'), name);
      assert.ok(!read(DEFAULT_TUNING).includes('at the kiosk'), name);
      // Without the headline's pull, the blurb wins.
      assert.ok(read({ ...DEFAULT_TUNING, headlineShare: 2 }).includes('at the kiosk'), name);
    }
  });

  test('leaves out a box about the author next to the story; a post classed with its author\'s name stays', () => {
    const bio = `<div class="about-author"><p>Jane Roe is a reporter who covers the council, its budget, its meetings, and the town, and has done so for ten years.</p><p>She lives in the town, with two cats, a garden, and far too many books, and can be reached by e-mail.</p></div>`;
    const a = extract(page(`<article><div class="entry"><div class="entry-text"><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p></div>${bio}</div></article>`));
    assert.deepEqual(a.paragraphs, [prose(1), prose(2), prose(3)]);
    const b = extract(page(`<article><div class="post entry-author-jane_roe"><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p></div></article>`));
    assert.deepEqual(b.paragraphs, [prose(1), prose(2), prose(3)]);
  });

  test('an author box whose own class names its text ("author-text", "about-author-text") is the profile, not the article; a box classed "author-box article-text" is the article', () => {
    const bio = (cls: string) =>
      `<div class="${cls}"><p>Jane Roe is a reporter who covers the council, its budget, its meetings, and the town, and has done so for ten years.</p><p>She lives in the town, with two cats, a garden, and far too many books, and can be reached by e-mail.</p></div>`;
    for (const cls of ['author-text', 'about-author-text', 'post-author-text']) {
      const a = extract(page(`<article><div class="entry-content"><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p>${bio(cls)}</div></article>`));
      assert.deepEqual(a.paragraphs, [prose(1), prose(2), prose(3)], cls);
    }
    const b = extract(page(`<article><div class="entry-content"><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p>${bio('author-box article-text')}</div></article>`));
    assert.equal(b.paragraphs.length, 5);
  });

  test('a comment whose class pairs a comment word with a content word is a comment; an article flagged as having comments is the article', () => {
    const comments = (cls: string) =>
      [1, 2, 3, 4].map((n) => `<div class="${cls}"><p>Reader ${n} writes at length here, with opinions, asides, and further thoughts on the budget and the town.</p></div>`).join('');
    for (const cls of ['comments-body', 'comment-content', 'commentText']) {
      const a = extract(`<html><body><div class="blog"><h2>Council votes</h2><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p>${comments(cls)}</div></body></html>`);
      assert.deepEqual(a.paragraphs, [prose(1), prose(2), prose(3)], cls);
    }
    const b = extract(page(`<article><div class="entry-content has-comments"><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p></div></article>`));
    assert.deepEqual(b.paragraphs, [prose(1), prose(2), prose(3)]);
  });

  test('a comment thread written in the post\'s own block after a marker (heading or named anchor) is left out; a link to the comments is no marker', () => {
    const thread = [1, 2, 3, 4, 5]
      .map((n) => `<div id="c${n}"><p>Reader ${n} answers the post at length, with objections, examples, and a story of their own about the harbour and the storm.</p></div><p class="posted">Posted by: reader${n} at 5:0${n} PM</p>`)
      .join('');
    const post = `<p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p>`;
    const markers = {
      heading: '<h2 id="comments">Comments</h2>',
      'anchor in a heading': '<h2><a id="comments"></a>Comments</h2>',
      'named anchor': '<a name="comments"></a>',
    };
    for (const [name, marker] of Object.entries(markers)) {
      const a = extract(`<html><body><div id="container"><div class="content"><h3>Council votes</h3>${post}<p class="posted">Posted by Jane at 4:00 PM</p>${marker}${thread}<h2>Post a comment</h2></div></div></body></html>`);
      assert.deepEqual(a.paragraphs.filter((p) => p.startsWith('Paragraph')), [prose(1), prose(2), prose(3)], name);
      assert.ok(!a.paragraphs.join('\n').includes('Reader'), name);
    }
    // A link to the thread at the top of the post marks nothing.
    const linked = extract(`<html><body><div class="content"><h3>Council votes</h3><a id="comments-link" href="#comments">5 comments</a>${post}</div></body></html>`);
    assert.deepEqual(linked.paragraphs, [prose(1), prose(2), prose(3)]);
  });

  test('still finds the article when a page-wide wrapper carries a chrome-like class', () => {
    const a = extract(page(`<article><div class="body"><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p><p>${prose(4)}</p></div></article>`, { wrapperClass: 'page-ad-margins' }));
    assert.deepEqual(a.paragraphs, [1, 2, 3, 4].map(prose));
  });

  test('a page rendered by script falls back to the JSON-LD articleBody; a cut-short one never replaces the markup', () => {
    const ld = (body: string) =>
      `<script type="application/ld+json">${JSON.stringify({ '@context': 'https://schema.org', '@graph': [{ '@type': 'WebSite' }, { '@type': 'NewsArticle', articleBody: body }] })}</script>`;
    const shell = extract(`<html><head>${ld(`${prose(1)}\n\n${prose(2)}\nAdvertisement\n${prose(3)}`)}</head><body><div id="app">Loading…</div></body></html>`);
    assert.deepEqual(shell.paragraphs, [prose(1), prose(2), prose(3)]);
    const full = extract(page(`<article><div class="content"><p>${prose(1)}</p><p>${prose(2)}</p><p>${prose(3)}</p><p>${prose(4)}</p></div></article>`, { head: ld('Paragraph 1 reports…') }));
    assert.deepEqual(full.paragraphs, [1, 2, 3, 4].map(prose));
  });

  test('a page without any text gives no paragraphs and does not throw', () => {
    assert.deepEqual(extract('<html><body><div><img src="/a.png"></div></body></html>').paragraphs, []);
    assert.deepEqual(extract('').paragraphs, []);
  });
});

describe('extractGeneric: cleaning paragraphs', () => {
  test('drops short link lines and link lists, keeps a line citing its own address', () => {
    const a = extract(
      page(`<article><div class="article-text"><p>${prose(1)}</p><p>Related: <a href="/r">Council approved last year's budget after a long fight</a></p><p>${prose(2)}</p><p><a href="/1">First other story</a><br><a href="/2">Second other story</a><br><a href="/3">Third other story</a></p><p>Source: <a href="https://council.example.org/budget-2024">https://council.example.org/budget-2024</a></p></div></article>`),
    );
    assert.deepEqual(a.paragraphs, [prose(1), prose(2), 'Source: https://council.example.org/budget-2024']);
  });

  test('keeps one sentence of prose told through a link; drops a linked headline and two linked lines', () => {
    const linked = 'Yesterday the mayor <a href="/a">opened a small library in the old station, with a garden for readers</a>.';
    const a = extract(
      page(`<article><div class="article-text"><p>${prose(1)}</p><p>${linked}</p><p><a href="/h">Why the council finally agreed on a budget after a long year</a></p><p><a href="/x">Council members say the vote was long</a><br><a href="/y">and the budget is late again this time.</a></p><p>${prose(2)}</p></div></article>`),
    );
    assert.deepEqual(a.paragraphs, [
      prose(1),
      'Yesterday the mayor opened a small library in the old station, with a garden for readers.',
      prose(2),
    ]);
  });

  test('keeps a linked sentence leading into what follows (ending in a colon); drops a short linked label with a colon', () => {
    const leadIn = 'The mural was painted by <a href="/artist">a local artist from the harbour district, who made many more</a>:';
    const a = extract(page(`<article><div class="article-text"><p>${prose(1)}</p><p>${leadIn}</p><p>${prose(2)}</p><p><a href="/more">More from the harbour</a>:</p><p>${prose(3)}</p></div></article>`));
    assert.deepEqual(a.paragraphs, [prose(1), 'The mural was painted by a local artist from the harbour district, who made many more:', prose(2), prose(3)]);
  });

  test('keeps a table of data whose cells are links (header cells); drops a table of links laying out a link box', () => {
    const row = (n: number, home: string, away: string) => `<tr><td>${n}. <a href="/p/${home}">${home}</a> (R) LF</td><td>${n}. <a href="/p/${away}">${away}</a> (L) CF</td></tr>`;
    const lineup = `<table class="lineup"><tbody><tr><th>Harbour Town</th><th>Hill City</th></tr>${row(1, 'Ann Lee', 'Bo Moss')}${row(2, 'Cy Ng', 'Di Fox')}${row(3, 'Ed Roe', 'Flo Day')}</tbody></table>`;
    const links = `<table><tr><td><a href="/s/1">Season tickets on sale</a></td><td><a href="/s/2">Club shop</a></td></tr><tr><td><a href="/s/3">Fixtures and results</a></td><td><a href="/s/4">Contact us</a></td></tr></table>`;
    const a = extract(page(`<article><div class="article-text"><p>${prose(1)}</p>${lineup}<p>${prose(2)}</p>${links}<p>${prose(3)}</p></div></article>`));
    assert.deepEqual(a.paragraphs, [prose(1), 'Harbour Town Hill City', '1. Ann Lee (R) LF 1. Bo Moss (L) CF', '2. Cy Ng (R) LF 2. Di Fox (L) CF', '3. Ed Roe (R) LF 3. Flo Day (L) CF', prose(2), prose(3)]);
  });

  test('keeps the linked items of a list that also holds plain items; drops a list of links throughout', () => {
    const plain = 'Lisbon, the coast towns west of it and the long beaches, which the trip reaches on its second week, by train';
    const a = extract(
      page(`<article><div class="article-text"><p>${prose(1)}</p><ul><li><a href="/p">Porto and the wine lodges along the river bank</a></li><li>${plain}</li><li><a href="/f">Faro and the lagoon islands of the far south</a></li></ul><p>${prose(2)}</p><ul><li><a href="/o1">Other story</a></li><li><a href="/o2">Second other story</a></li></ul><p>${prose(3)}</p></div></article>`),
    );
    assert.deepEqual(a.paragraphs, [prose(1), 'Porto and the wine lodges along the river bank', plain, 'Faro and the lagoon islands of the far south', prose(2), prose(3)]);
  });

  test('keeps a list of short text items with one item linked; drops a list whose every item is a link', () => {
    const items = ['Two cups of flour', 'Half a cup of brown sugar', 'A spoon of <a href="/spice-mix">our own pumpkin pie spice mix</a>', 'One pinch of salt', 'Two eggs'];
    const a = extract(
      page(`<article><div class="entry-content"><p>${prose(1)}</p><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul><p>${prose(2)}</p><ul><li><a href="/o1">Other recipe</a></li><li><a href="/o2">Second other recipe</a></li><li><a href="/o3">Third recipe</a></li></ul><p>${prose(3)}</p></div></article>`),
    );
    assert.deepEqual(a.paragraphs, [prose(1), 'Two cups of flour', 'Half a cup of brown sugar', 'A spoon of our own pumpkin pie spice mix', 'One pinch of salt', 'Two eggs', prose(2), prose(3)]);
  });

  test('keeps a list of short sentences set as paragraphs in its items; drops a list of linked teasers set the same way', () => {
    const steps = ['Heat the oven while the dough rests.', 'Roll the dough out on a floured board.', 'Cut it into squares of equal size.', 'Bake the squares until they turn golden.'];
    const teasers = [1, 2, 3, 4].map((n) => `<li><p><a href="/t${n}">Teaser ${n} about another story of ours</a></p></li>`).join('');
    const a = extract(page(`<article><div class="entry-content"><p>${prose(1)}</p><ol>${steps.map((t) => `<li><p>${t}</p></li>`).join('')}</ol><p>${prose(2)}</p><ul>${teasers}</ul><p>${prose(3)}</p></div></article>`));
    assert.deepEqual(a.paragraphs, [prose(1), ...steps, prose(2), prose(3)]);
  });

  test('drops the template\'s classed tail after plain paragraphs; keeps a last paragraph classed like the others, or a plain one', () => {
    const body = [1, 2, 3, 4].map((n) => `<p>${prose(n)}</p>`).join('');
    const filed = 'This post went up on a Tuesday in the council section, and replies to it are welcome below, by anyone at all.';
    const print = 'A version of this report appears in the Wednesday paper, on page three of the local section.';
    const a = extract(page(`<article><div class="entry-content">${body}<p class="postinfo">${filed}</p><div class="print-note">${print}</div></div></article>`));
    assert.deepEqual(a.paragraphs, [1, 2, 3, 4].map(prose));
    // A tail block marked by an id alone is the template's too.
    const byId = extract(page(`<article><div class="entry-content">${body}<p id="postinfo">${filed}</p></div></article>`));
    assert.deepEqual(byId.paragraphs, [1, 2, 3, 4].map(prose));
    // Every paragraph classed alike (an editor that classes them all): the last one is text like the others.
    const classed = [1, 2, 3, 4, 5].map((n) => `<p class="p1">${prose(n)}</p>`).join('');
    assert.deepEqual(extract(page(`<article><div class="entry-content">${classed}</div></article>`)).paragraphs, [1, 2, 3, 4, 5].map(prose));
    // A classed paragraph followed by a plain one is inside the text, not its tail.
    const inside = extract(page(`<article><div class="entry-content">${body}<p class="note">${filed}</p><p>${prose(5)}</p></div></article>`));
    assert.deepEqual(inside.paragraphs, [...[1, 2, 3, 4].map(prose), filed, prose(5)]);
    // Switched off (plainShare above 1): the tail stays.
    const $ = loadHtml(page(`<article><div class="entry-content">${body}<p class="postinfo">${filed}</p></div></article>`));
    const off = extractGeneric($, URL_, extractMeta($, URL_), undefined, { ...DEFAULT_TUNING, plainShare: 2 });
    assert.deepEqual(off.paragraphs, [...[1, 2, 3, 4].map(prose), filed]);
  });

  test('drops whole boilerplate lines, keeps sentences that merely mention the words', () => {
    const a = extract(
      page(`<article><div class="post-content"><p>${prose(1)}</p><p>Advertisement</p><p>Share this article</p><p>The council will subscribe to a new newsletter service and share its advertisement budget with schools.</p><p>${prose(2)}</p></div></article>`),
    );
    assert.deepEqual(a.paragraphs, [prose(1), 'The council will subscribe to a new newsletter service and share its advertisement budget with schools.', prose(2)]);
  });
});

describe('extractGeneric: metadata and site rules', () => {
  const head = `<meta property="og:title" content="Council votes on budget"><meta name="author" content="Jane Roe"><meta property="article:published_time" content="2024-05-01T10:00:00+02:00"><meta property="article:tag" content="budget"><link rel="canonical" href="https://news.example.com/budget">`;
  const article = `<article><h1>Council votes on budget</h1><div class="byline-box">By <span class="who">John Doe</span></div><div class="entry-content"><p>BERLIN, May 1 — ${prose(1)}</p><div class="promo-box"><p>Get our morning briefing, with the day's news, sport, and weather, in your inbox every day.</p></div><p>${prose(2)}</p><p>Sponsored: read our partner's offers today, they are good.</p></div></article>`;

  test('without a rule, metadata comes from the page', () => {
    const a = extract(page(article, { head }));
    assert.equal(a.title, 'Council votes on budget');
    assert.equal(a.author, 'Jane Roe');
    assert.equal(a.publishedAt, '2024-05-01T10:00:00+02:00');
    assert.deepEqual(a.tags, ['budget']);
    assert.equal(a.canonicalUrl, 'https://news.example.com/budget');
    assert.equal(a.language, 'en');
    assert.equal(a.lead, null);
  });

  test('a rule removes elements, drops paragraphs by pattern, splits the dateline and overrides the author', () => {
    const a = extract(page(article, { head }), {
      name: 'example',
      hosts: ['news.example.com'],
      remove: ['.promo-box'],
      dropParagraphs: ['^Sponsored:'],
      dateline: String.raw`^(?<place>[A-Z]+), [A-Z][a-z]+ \d+ — `,
      author: '.byline-box .who',
    });
    assert.equal(a.extractor, 'rule:example');
    assert.deepEqual(a.paragraphs, [prose(1), prose(2)]);
    assert.equal(a.dateline, 'BERLIN, May 1 —');
    assert.equal(a.place, 'BERLIN');
    assert.equal(a.author, 'John Doe');
  });

  test('a rule with a body selector reads exactly that', () => {
    const a = extract(page(article, { head }), { name: 'bodyrule', hosts: ['news.example.com'], body: '.entry-content > p' });
    assert.equal(a.extractor, 'rule:bodyrule');
    assert.equal(a.paragraphs[0], `BERLIN, May 1 — ${prose(1)}`);
    assert.ok(a.paragraphs.includes("Sponsored: read our partner's offers today, they are good."));
  });
});

describe('TextCounter (the wrapper question of <form>s)', () => {
  test('counts on from where it stopped, and gives the exact count once the subtree is walked', async () => {
    const { TextCounter, visibleTextLength } = await import('../../src/extract/generic-score.js');
    const doc = loadHtml('<body><p>aaaa</p><script>var x = 1;</script><p hidden>hidden</p><p>bb  cc</p><p>dddd</p></body>').root()[0]!;
    const whole = visibleTextLength(doc);
    assert.equal(whole, 4 + 5 + 4);
    const c = new TextCounter(doc);
    const first = c.countTo(3);
    assert.ok(first >= 3 && first < whole, `stopped early at ${first}`);
    assert.ok(c.countTo(first) === first, 'asking for less walks no further');
    assert.equal(c.countTo(Infinity), whole);
    assert.equal(c.countTo(Infinity), whole, 'walked once');
  });

  test('a search form beside the article and the page-wide form around it are told apart', () => {
    const body = [1, 2, 3, 4, 5, 6].map((n) => `<p>${prose(n)}</p>`).join('');
    const a = extract(page(`<form action="/search"><label>Search older posts by keyword</label><input name="q"></form><article>${body}</article>`));
    assert.ok(a.paragraphs.join(' ').includes(prose(6)));
    assert.ok(!a.paragraphs.join(' ').includes('Search older posts'), 'the small form is chrome');
    const b = extract(page(`<form method="post" action="/Default.aspx"><article>${body}</article><label>Search older posts by keyword</label></form>`));
    assert.ok(b.paragraphs.join(' ').includes(prose(6)), 'the page-wide form is measured');
  });
});

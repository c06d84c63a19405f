/**
 * Site-rule selector calls over a hostile rule root are linear (src/extract/select.ts): the rule reader
 * (rules.ts: removals, title, lead, body, date, author, tags) and the engine extractor's images (sputnik.ts) over a
 * root of tens of thousands of flat elements, all of them matches, to remove, or nested in each other.
 *
 * Work is counted, not timed: every read of an element of a node's `children` (the tree walks of the selector
 * engine and of the extractors go through them: each child array is wrapped in a counting Proxy), and every element
 * that an array search (`includes`, `indexOf`, `lastIndexOf`) may compare over an array of 100 or more (what domutils'
 * removeSubsets and cheerio's `.remove()` spend their quadratic time in). The count per node must stay under a
 * constant, and doubling the page must no more than double it (a quadratic helper quadruples it). Before, cheerio's
 * `.find` over 80,000 children made some 10^10 such comparisons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, ParentNode } from 'domhandler';
import { loadHtml } from '../../src/extract/index.js';
import { extractMeta } from '../../src/extract/meta.js';
import { parseRules, readRuleFields, ruleRoot } from '../../src/extract/rules.js';
import { sputnikImages } from '../../src/extract/sputnik.js';

const URL_ = 'https://news.example/2026/12/06/story';

/** Wraps every child array of the document in a Proxy that counts reads of its elements; the node count. */
function countReads($: CheerioAPI, counter: { reads: number }): number {
  let nodes = 0;
  const stack: AnyNode[] = [$.root()[0]!];
  while (stack.length > 0) {
    const n = stack.pop()! as ParentNode;
    nodes++;
    if (!Array.isArray(n.children)) continue;
    stack.push(...n.children);
    n.children = new Proxy(n.children, {
      get(target, key, receiver) {
        if (typeof key === 'string' && key.length > 0 && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) counter.reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  }
  return nodes;
}

/** Runs `fn` with array searches over 100 or more elements counted (as the array's length: what one may compare). */
function countingSearches<T>(counter: { reads: number }, fn: () => T): T {
  const proto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = { includes: proto.includes!, indexOf: proto.indexOf!, lastIndexOf: proto.lastIndexOf! };
  for (const [name, original] of Object.entries(saved)) {
    proto[name] = function (this: unknown[], ...args: unknown[]) {
      if (this.length >= 100) counter.reads += this.length;
      return original.apply(this, args);
    };
  }
  try {
    return fn();
  } finally {
    Object.assign(proto, saved);
  }
}

/** Reads counted for `work` over the page `html` makes, per node of the page. */
function workPerNode(html: string, work: ($: CheerioAPI) => void): { perNode: number; nodes: number; reads: number } {
  const $ = loadHtml(html);
  const counter = { reads: 0 };
  const nodes = countReads($, counter);
  counter.reads = 0;
  countingSearches(counter, () => work($));
  return { perNode: counter.reads / nodes, nodes, reads: counter.reads };
}

const rule = parseRules([
  {
    name: 'hostile',
    hosts: ['news.example'],
    root: 'article',
    title: 'h1',
    lead: '.lead',
    body: 'p, .text',
    date: 'time',
    author: '.author',
    tags: '.tag',
    remove: ['.ad', 'aside', '.share'],
  },
])[0]!;

function readWithRule($: CheerioAPI): void {
  readRuleFields(ruleRoot($, rule), rule, extractMeta($, URL_), { url: URL_ });
}

const pages: Record<string, (n: number) => string> = {
  'flat paragraphs, every one a body match': (n) => `<article><h1>t</h1>${'<p>word word.</p>'.repeat(n)}</article>`,
  'flat elements to remove, under three selectors': (n) => `<article><h1>t</h1><p>Text of the story.</p>${'<div class="ad">x</div><aside>y</aside><i class="share">z</i>'.repeat(n / 3)}</article>`,
  'flat authors, tags and dates': (n) => `<article><h1>t</h1><p>Text.</p>${'<b class="author">A</b><b class="tag">t</b><time datetime="2026-12-06T10:00:00Z">x</time>'.repeat(n / 3)}</article>`,
  'body matches nested in each other, 500 deep, many times over': (n) => `<article>${`${'<div class="text">a'.repeat(500)}${'</div>'.repeat(500)}`.repeat(n / 500)}</article>`,
};

for (const [what, make] of Object.entries(pages)) {
  test(`rule selectors over ${what}: linear work`, () => {
    const small = workPerNode(make(30_000), readWithRule);
    const large = workPerNode(make(60_000), readWithRule);
    assert.ok(large.nodes > 1.8 * small.nodes, `${small.nodes} → ${large.nodes} nodes`);
    // A constant per node, the same at both sizes: a quadratic helper's per-node work doubles with the page.
    assert.ok(large.perNode < 40, `${large.perNode.toFixed(1)} reads per node (${large.reads} over ${large.nodes} nodes)`);
    assert.ok(large.perNode < 1.25 * small.perNode + 1, `per node: ${small.perNode.toFixed(2)} at ${small.nodes} nodes, ${large.perNode.toFixed(2)} at ${large.nodes}`);
  });
}

test('the engine extractor\'s images over 20,000 media blocks and headers: linear work, every image read', () => {
  const media = (n: number) =>
    `<article><div class="article__body">${`<div class="article__block" data-type="media"><div class="media"><img src="/i.jpg" alt="a"><div class="media__caption">c</div></div></div>`.repeat(n / 2)}${'<div class="b-article__header"><img src="/h.jpg" alt="h"></div>'.repeat(n / 2)}</div></article>`;
  let count = 0;
  const run = ($: CheerioAPI) => {
    count = sputnikImages($, ruleRoot($, { ...rule, root: 'article' }), URL_).length;
  };
  const small = workPerNode(media(10_000), run);
  const large = workPerNode(media(20_000), run);
  assert.equal(count, 2, 'the repeated images are one image each (same address)');
  assert.ok(large.perNode < 40, `${large.perNode.toFixed(1)} reads per node`);
  assert.ok(large.perNode < 1.25 * small.perNode + 1, `per node: ${small.perNode.toFixed(2)} then ${large.perNode.toFixed(2)}`);
});

test('what the rule reads is unchanged by the linear queries', () => {
  const html = `<html><head><title>Page</title></head><body><article><h1>Head <i>line</i></h1><div class="lead">The lead.</div>
    <div class="ad">Buy</div><p>One.</p><aside>aside</aside><p>Two <b class="share">share</b> words.</p><div class="text">Three.<div class="text">Inner.</div></div>
    <b class="author">Ann</b><b class="author">Bob</b><b class="author">Ann</b><b class="tag">x</b><time datetime="2026-12-06T10:00:00+03:00">6 Dec</time></article></body></html>`;
  const $ = loadHtml(html);
  const f = readRuleFields(ruleRoot($, rule), rule, extractMeta($, URL_), { url: URL_ });
  assert.equal(f.title, 'Head line');
  assert.equal(f.lead, 'The lead.');
  assert.deepEqual(f.paragraphs, ['One.', 'Two words.', 'Three.', 'Inner.']);
  assert.equal(f.author, 'Ann, Bob');
  assert.deepEqual(f.tags, ['x']);
  assert.equal(f.publishedAt, '2026-12-06T10:00:00+03:00');
  assert.equal($('.ad, aside, .share').length, 0, 'removed from the page');
  assert.equal($('p').first().attr('data-feedwatch-near-removed'), '1', 'a neighbour of a removed element is marked');
});

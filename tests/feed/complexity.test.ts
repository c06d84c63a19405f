/**
 * The feed's shape budget (src/feed/complexity.ts): a linear scan refuses a document nested too deep or with too
 * many elements as `too-complex` before rss-parser (whose cost grows with depth × elements) sees it; every real
 * feed of the fixtures and the shared corpus is far inside the defaults and still parses.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkXmlBudget, xmlShape } from '../../src/feed/complexity.js';
import { parseFeed, PARSE_DEFAULTS } from '../../src/feed/parse.js';
import { FeedwatchError } from '../../src/errors.js';
import { deepFeed } from '../helpers/hostile-inputs.js';

const UNBOUNDED = { maxDepth: Number.MAX_SAFE_INTEGER, maxElements: Number.MAX_SAFE_INTEGER };
const rss = (inner: string) => `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>a</title><link>http://example.com/a</link><description>${inner}</description></item></channel></rss>`;

async function refusal(xml: string, opts = {}): Promise<FeedwatchError> {
  try {
    await parseFeed(xml, 'hostile', opts);
  } catch (err) {
    assert.ok(err instanceof FeedwatchError, `expected a FeedwatchError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the feed to be refused');
}

describe('xmlShape', () => {
  test('depth and elements: nesting, self-closing tags, end tags', () => {
    assert.deepEqual(xmlShape('<a><b><c/></b><d>x</d></a>', UNBOUNDED), { depth: 2, elements: 4, over: null, at: -1 });
  });

  test('comments, CDATA, processing instructions and a DOCTYPE with an internal subset hold no elements', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "<x><y>">]><r><!-- <p><p><p> --><![CDATA[<q><q><q>]]><?pi <z>?></r>';
    assert.deepEqual(xmlShape(xml, UNBOUNDED), { depth: 1, elements: 1, over: null, at: -1 });
  });

  test('a quoted attribute value may hold ">" and "/>"', () => {
    assert.deepEqual(xmlShape(`<a t="x>y" u='/>'><b/></a>`, UNBOUNDED), { depth: 1, elements: 2, over: null, at: -1 });
  });

  test('stops at the first budget exceeded, saying which', () => {
    const deep = '<x>'.repeat(50) + '</x>'.repeat(50);
    assert.equal(xmlShape(deep, { maxDepth: 10, maxElements: 1000 }).over, 'depth');
    assert.equal(xmlShape('<r>' + '<i/>'.repeat(50) + '</r>', { maxDepth: 10, maxElements: 20 }).over, 'elements');
    assert.equal(xmlShape(deep, { maxDepth: 50, maxElements: 50 }).over, null);
  });

  test('a text with no tags, or a lone "<", is empty', () => {
    assert.deepEqual(xmlShape('just text < 5 and 6 > 2', UNBOUNDED), { depth: 0, elements: 0, over: null, at: -1 });
  });
});

describe('parseFeed refuses what is over the budget as too-complex', () => {
  test('a feed nested 100,000 deep (about 700 KB) is refused by the default depth budget', async () => {
    const xml = deepFeed('http://example.com/a');
    assert.ok(xml.length > 690_000);
    const err = await refusal(xml);
    assert.equal(err.kind, 'too-complex');
    assert.equal(err.context['budget'], 'depth');
    assert.equal(err.context['limit'], PARSE_DEFAULTS.maxDepth);
    assert.equal(err.context['feed'], 'hostile');
  });

  test('a million tiny elements are refused by the element budget, a deep one by a depth budget given', async () => {
    const many = await refusal(rss('<i/>'.repeat(1_000_000)));
    assert.equal(many.kind, 'too-complex');
    assert.equal(many.context['budget'], 'elements');
    const deeper = await refusal(rss('<x>'.repeat(40) + '</x>'.repeat(40)), { maxDepth: 20 });
    assert.equal(deeper.context['budget'], 'depth');
  });

  test('just inside both budgets, the feed parses', async () => {
    const items = await parseFeed(rss('<x>'.repeat(40) + 'y' + '</x>'.repeat(40)), 'ok', { maxDepth: 45, maxElements: 100 });
    assert.equal(items.length, 1);
  });
});

describe('real feeds are far inside the default budgets', () => {
  const roots = [new URL('../fixtures/feeds/', import.meta.url).pathname, new URL('../../../shared/corpora/feeds/', import.meta.url).pathname];
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  const files = roots.flatMap((r) => walk(r)).filter((f) => /\.(xml|rss|atom|rdf)$/i.test(f));

  test('every fixture and corpus feed: depth at most a tenth, elements at most a fifth of the defaults', () => {
    assert.ok(files.length > 300, `found only ${files.length} feeds`);
    for (const f of files) {
      const shape = checkXmlBudget(readFileSync(f, 'latin1'), PARSE_DEFAULTS, { file: f });
      assert.ok(shape.depth <= PARSE_DEFAULTS.maxDepth / 10 && shape.elements <= PARSE_DEFAULTS.maxElements / 5, `${f}: ${JSON.stringify(shape)}`);
    }
  });
});

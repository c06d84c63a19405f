import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mixPage, mixPageBytes } from '../../bench/scale-ingest.js';

test('the bench site serves the UTF-8 bytes of mixPage, made from pieces encoded once', () => {
  // Own stories, copies and edited copies (pick 8 and 9), the first feed (never a copy) and far feeds.
  for (const feed of [0, 1, 2, 7, 999, 12_345]) {
    for (let item = 0; item < 20; item++) {
      const expected = Buffer.from(mixPage(feed, item), 'utf8');
      assert.ok(mixPageBytes(feed, item).equals(expected), `feed ${feed} item ${item}`);
    }
  }
});

test('the pages differ by feed and item, and the title is the story\'s', () => {
  const a = mixPageBytes(3, 4).toString('utf8');
  assert.notEqual(a, mixPageBytes(3, 5).toString('utf8'));
  assert.match(a, /<h1 class="article__title">[a-z]+( [a-z]+){6}</);
});

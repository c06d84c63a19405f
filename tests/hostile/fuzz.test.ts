/**
 * Fuzzing feed parsing and page extraction from the real fixtures: each case takes a fixture feed or page and
 * applies random mutations (cut, duplicate, delete, insert bytes, tags, entities, controls, deep nesting), then
 * runs bytes → decodeText → parseFeed / extractArticle. A fixed number of cases from a fixed seed (printed, and
 * FUZZ_SEED overrides it to replay a failure). Each case must end in a result or a typed FeedwatchError (no
 * crash), its output must stay bounded by its input, and every case must finish (no hang): inputs are capped,
 * so the work per case is bounded by the parsers' own limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { listFiles } from '../helpers/files.js';
import fc from 'fast-check';
import { decodeText } from '../../src/fetch/text-body.js';
import { parseFeed, PARSE_DEFAULTS } from '../../src/feed/parse.js';
import { extractArticle } from '../../src/extract/index.js';
import { FeedwatchError } from '../../src/errors.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
const FEED_RUNS = 300;
const PAGE_RUNS = 150;
const MAX_FIXTURE = 64 * 1024;
const MAX_CASE = 1536 * 1024;
/**
 * Deepest nesting one mutation inserts (six at most per case). Feeds: 300 (the feed parser's depth is the
 * subject of its own budget). Pages: 2,000, so that about half the nest mutations stay under the HTML parser's
 * depth budget (1,000, src/extract/html-budget.ts) and go through the extractors' walkers, iterative since, and
 * the others are refused as `too-complex`.
 */
const NEST_MAX = 300;
const PAGE_NEST_MAX = 2_000;

const root = new URL('../fixtures/', import.meta.url).pathname;
const all = listFiles(root, /./).filter((p) => statSync(p).size <= MAX_FIXTURE);
const feeds = all.filter((p) => /\.(xml|rss|atom|rdf)$/.test(p)).map((p) => readFileSync(p));
const pages = listFiles(root, /./).filter((p) => statSync(p).size <= 1024 * 1024).filter((p) => p.endsWith('.html')).map((p) => readFileSync(p));

const SNIPPETS = ['<', '>', '</item>', '<item>', '<![CDATA[', ']]>', '&', '&amp;', '&#x1b;', '&#0;', '&nbsp;', '<!--', '-->', '<?xml version="1.0" encoding="koi8-r"?>', '<meta charset="windows-1251">', '\x1b[2J', '\u009b', '\0', '\uFEFF', 'Ё', '😀', '<div>', '</div>', '<p>', '<script>', '</article>', '"', "'", '=', '\r\n'];

type Mutation =
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'duplicate'; at: number; len: number; times: number }
  | { kind: 'bytes'; at: number; bytes: Uint8Array }
  | { kind: 'snippet'; at: number; snippet: number }
  | { kind: 'nest'; at: number; depth: number; tag: number };

const mutations = (nestMax: number): fc.Arbitrary<Mutation[]> => fc.array(mutation(nestMax), { minLength: 1, maxLength: 6 });

const mutation = (nestMax: number): fc.Arbitrary<Mutation> => fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 4000 }), times: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('snippet' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), snippet: fc.nat(SNIPPETS.length - 1) }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), depth: fc.integer({ min: 1, max: nestMax }), tag: fc.nat(3) }),
);

function mutate(input: Buffer, mutations: Mutation[]): Buffer {
  let b = input;
  for (const m of mutations) {
    const at = Math.floor(m.at * b.length);
    switch (m.kind) {
      case 'cut':
        b = b.subarray(0, at);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 'duplicate': {
        const piece = b.subarray(at, at + m.len);
        b = Buffer.concat([b.subarray(0, at), ...new Array<Buffer>(m.times).fill(piece), b.subarray(at)]);
        break;
      }
      case 'bytes':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'snippet':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(SNIPPETS[m.snippet]!), b.subarray(at)]);
        break;
      case 'nest': {
        const tag = ['div', 'item', 'b', 'description'][m.tag]!;
        b = Buffer.concat([b.subarray(0, at), Buffer.from(`<${tag}>`.repeat(m.depth)), b.subarray(at)]);
        break;
      }
    }
    if (b.length > MAX_CASE) b = b.subarray(0, MAX_CASE);
  }
  return b;
}

function typed(err: unknown): FeedwatchError {
  assert.ok(err instanceof FeedwatchError, `not a typed error: ${err instanceof Error ? err.stack : String(err)}`);
  return err;
}

test(`fuzz: ${FEED_RUNS} mutated fixture feeds through decode and parse (seed ${SEED})`, async () => {
  console.log(`# fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it); ${feeds.length} feeds, ${pages.length} pages`);
  assert.ok(feeds.length > 100 && pages.length >= 4);
  const kinds = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(fc.nat(feeds.length - 1), mutations(NEST_MAX), fc.constantFrom(null, 'application/rss+xml', 'text/xml; charset=windows-1251', 'text/html; charset=utf-8'), async (i, mutations, contentType) => {
      const bytes = mutate(feeds[i]!, mutations);
      let outcome = 'items';
      try {
        const text = decodeText(bytes, contentType, 'xml', 'https://fuzz.example/feed').text;
        const items = await parseFeed(text, 'fuzz');
        // Bounded output: the item cap, each field within its limit, nothing larger than the input allows.
        assert.ok(items.length <= PARSE_DEFAULTS.maxItems);
        for (const item of items) {
          assert.ok((item.title ?? '').length <= PARSE_DEFAULTS.maxFieldChars);
          assert.ok((item.description ?? '').length <= PARSE_DEFAULTS.maxDescriptionChars);
          assert.doesNotMatch(`${item.title ?? ''}${item.description ?? ''}`, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
        }
        assert.ok(JSON.stringify(items).length <= 4 * text.length + 2048 * (items.length + 1), 'output bounded by input');
      } catch (err) {
        outcome = typed(err).kind;
      }
      kinds.set(outcome, (kinds.get(outcome) ?? 0) + 1);
    }),
    { seed: SEED, numRuns: FEED_RUNS, endOnFailure: true },
  );
  console.log(`# feed outcomes: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.equal([...kinds.values()].reduce((a, b) => a + b, 0), FEED_RUNS);
});

test(`fuzz: ${PAGE_RUNS} mutated fixture pages through decode and extract (seed ${SEED})`, () => {
  const kinds = new Map<string, number>();
  fc.assert(
    fc.property(fc.nat(pages.length - 1), mutations(PAGE_NEST_MAX), fc.constantFrom('https://ru.sputnik.kg/20220305/a.html', 'https://news.example.org/a'), (i, mutations, url) => {
      const bytes = mutate(pages[i]!, mutations);
      let outcome = 'article';
      try {
        const html = decodeText(bytes, 'text/html', 'html', url).text;
        const article = extractArticle(html, url, { rules: [] });
        const textChars = article.paragraphs.reduce((n, p) => n + p.length, 0) + (article.title ?? '').length + (article.lead ?? '').length;
        assert.ok(textChars <= html.length, `output ${textChars} chars from ${html.length}`);
        for (const p of article.paragraphs) assert.equal(typeof p, 'string');
      } catch (err) {
        outcome = typed(err).kind;
      }
      kinds.set(outcome, (kinds.get(outcome) ?? 0) + 1);
    }),
    { seed: SEED, numRuns: PAGE_RUNS, endOnFailure: true },
  );
  console.log(`# page outcomes: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.equal([...kinds.values()].reduce((a, b) => a + b, 0), PAGE_RUNS);
});

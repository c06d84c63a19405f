/**
 * Fuzzing feed parsing and page extraction from the real fixtures: each case takes a fixture feed or page and
 * applies random mutations (cut, duplicate, delete, insert bytes, tags, entities, controls, deep nesting), then
 * runs bytes → decodeText → parseFeed / extractArticle. A fixed number of cases from a fixed seed (printed, and
 * FUZZ_SEED overrides it to replay a failure). Each case must end in a result or a typed FeedwatchError (no
 * crash), its output must stay bounded by its input, and every case must finish (no hang): inputs are capped,
 * so the work per case is bounded by the parsers' own limits.
 *
 * The structural mutations reach issue 19's sizes: nesting up to 100,000 deep in a feed (the 700 KB feed) and
 * 400,000 deep in a page (the 4.4 MB page), floods of up to 1,000,000 tiny elements (`<b>x</b>`, `<br>`, `<p>a`,
 * empty `<item>`s), the 80-character "By John A-A-…" byline and 5,000 "a" before a "!"; a case is capped at the
 * default response size caps (feeds 10 MB, pages 5 MB), as a fetched body would be.
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
/** Largest case: `http.maxFeedSize` and `http.maxPageSize` by default. */
const MAX_FEED_CASE = 10 * 1024 * 1024;
const MAX_PAGE_CASE = 5 * 1024 * 1024;
/**
 * Deepest nesting one mutation inserts (six mutations at most per case): the issue's sizes, 100,000 in a feed and
 * 400,000 in a page. Half of the nest and flood mutations stay small (up to 2,000: about half of the nests under
 * the HTML parser's depth budget of 1,000, src/extract/html-budget.ts, go through the extractors' walkers), the
 * other half are between half the issue's size and all of it, which the feed's shape scan and the HTML budget
 * refuse as `too-complex`; those are applied after the other mutations, so that no cut brings them back into the
 * middle. (Inputs large but under the budgets, which the parsers and extractors read in full, have their own tests
 * at the issue's sizes: tests/hostile/extract-linear.test.ts, rule-selectors-linear.test.ts, healthz-blocking.test.ts.)
 */
const NEST_MAX = 100_000;
const PAGE_NEST_MAX = 400_000;
/** Most tiny elements one flood mutation inserts (the issue's "about a million"). */
const FLOOD_MAX = 1_000_000;
const TINY = ['<b>x</b>', '<br>', '<p>a', '<item></item>', '<i></i>'];

const root = new URL('../fixtures/', import.meta.url).pathname;
const all = listFiles(root, /./).filter((p) => statSync(p).size <= MAX_FIXTURE);
const feeds = all.filter((p) => /\.(xml|rss|atom|rdf)$/.test(p)).map((p) => readFileSync(p));
const pages = listFiles(root, /./).filter((p) => statSync(p).size <= 1024 * 1024).filter((p) => p.endsWith('.html')).map((p) => readFileSync(p));

const SNIPPETS = [`By John ${'A-'.repeat(36)}A!`, `${'a'.repeat(5_000)}!`, '<', '>', '</item>', '<item>', '<![CDATA[', ']]>', '&', '&amp;', '&#x1b;', '&#0;', '&nbsp;', '<!--', '-->', '<?xml version="1.0" encoding="koi8-r"?>', '<meta charset="windows-1251">', '\x1b[2J', '\u009b', '\0', '\uFEFF', 'Ё', '😀', '<div>', '</div>', '<p>', '<script>', '</article>', '"', "'", '=', '\r\n'];

type Mutation =
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'duplicate'; at: number; len: number; times: number }
  | { kind: 'bytes'; at: number; bytes: Uint8Array }
  | { kind: 'snippet'; at: number; snippet: number }
  | { kind: 'nest'; at: number; depth: number; tag: number }
  | { kind: 'flood'; at: number; count: number; tiny: number };

const mutations = (nestMax: number): fc.Arbitrary<Mutation[]> => fc.array(mutation(nestMax), { minLength: 1, maxLength: 6 });

/** Up to 2,000 half of the time, between max / 2 and max the other half. */
const SMALL = 2_000;
const upTo = (max: number) => fc.oneof(fc.integer({ min: 1, max: SMALL }), fc.integer({ min: Math.floor(max / 2), max }));
const isBig = (m: Mutation) => (m.kind === 'nest' && m.depth > SMALL) || (m.kind === 'flood' && m.count > SMALL);

const mutation = (nestMax: number): fc.Arbitrary<Mutation> => fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 4000 }), times: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('snippet' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), snippet: fc.nat(SNIPPETS.length - 1) }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), depth: upTo(nestMax), tag: fc.nat(3) }),
  fc.record({ kind: fc.constant('flood' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), count: upTo(FLOOD_MAX), tiny: fc.nat(TINY.length - 1) }),
);

function mutate(input: Buffer, mutations: Mutation[], maxCase: number): Buffer {
  let b = input;
  for (const m of [...mutations.filter((x) => !isBig(x)), ...mutations.filter(isBig)]) {
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
      case 'flood':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(TINY[m.tiny]!.repeat(m.count)), b.subarray(at)]);
        break;
    }
    if (b.length > maxCase) b = b.subarray(0, maxCase);
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
  let big = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat(feeds.length - 1), mutations(NEST_MAX), fc.constantFrom(null, 'application/rss+xml', 'text/xml; charset=windows-1251', 'text/html; charset=utf-8'), async (i, mutations, contentType) => {
      const bytes = mutate(feeds[i]!, mutations, MAX_FEED_CASE);
      if (mutations.some(isBig)) big++;
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
  console.log(`# feed outcomes: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; ${big} cases nested or flooded at the issue's sizes`);
  assert.ok(big >= FEED_RUNS / 10, `${big} cases at the issue's sizes`);
  assert.equal([...kinds.values()].reduce((a, b) => a + b, 0), FEED_RUNS);
});

test(`fuzz: ${PAGE_RUNS} mutated fixture pages through decode and extract (seed ${SEED})`, () => {
  const kinds = new Map<string, number>();
  let big = 0;
  fc.assert(
    fc.property(fc.nat(pages.length - 1), mutations(PAGE_NEST_MAX), fc.constantFrom('https://ru.sputnik.kg/20220305/a.html', 'https://news.example.org/a'), (i, mutations, url) => {
      const bytes = mutate(pages[i]!, mutations, MAX_PAGE_CASE);
      if (mutations.some(isBig)) big++;
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
  console.log(`# page outcomes: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; ${big} cases nested or flooded at the issue's sizes`);
  assert.ok(big >= PAGE_RUNS / 10, `${big} cases at the issue's sizes`);
  assert.equal([...kinds.values()].reduce((a, b) => a + b, 0), PAGE_RUNS);
});

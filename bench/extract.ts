/**
 * Extraction figures on two corpora, side by side in one run: the dev corpus (tests/fixtures/extract-dev, 108
 * pages of the article-extraction benchmark) and the dragnet corpus (1,338 pages, read from ../shared at bench
 * time and skipped, with a printed line, when absent). Contenders: feedwatch's extractArticle (cheerio/
 * htmlparser2 load, metadata, extractor choice, extraction), Readability.js on linkedom and, on the dev corpus
 * only (it takes about 90 ms a page), Readability.js on jsdom. Per corpus and extractor: median and mean ms per
 * page (parsing included) and F1/precision/recall with the benchmark's metric (bench/score.ts); feedwatch's
 * median time as a fraction of Readability-on-linkedom's; and the pages where Readability-on-linkedom finds an
 * article (500+ characters) and feedwatch returns nothing or almost nothing, counted and listed.
 * `npx tsx bench/extract.ts` prints them; bench/run.ts calls runExtractBench and formatExtractBench.
 */
import { pathToFileURL } from 'node:url';
import { parseHTML } from 'linkedom';
import { JSDOM, VirtualConsole } from 'jsdom';
import { Readability } from '@mozilla/readability';
import { extractArticle, loadHtml } from '../src/extract/index.js';
import type { Article } from '../src/model.js';
import { DEFAULT_CORPUS_DIR, DRAGNET_CORPUS_DIR, corpusExists, loadCorpus, type CorpusPage } from './corpus.js';
import { aggregate, pageCounts, type Scores } from './score.js';

export interface ExtractBenchRow {
  name: string;
  medianMs: number;
  meanMs: number;
  /** The body alone against the gold (the benchmark's own scoring). */
  f1: number;
  precision: number;
  recall: number;
  /** The article as a reader sees it, headline first (shownText), against the gold: see SHOWN. */
  shown: Scores;
}

/** A page where Readability-on-linkedom finds an article and feedwatch (almost) nothing. */
export interface MissedPage {
  key: string;
  url: string;
  readabilityChars: number;
  feedwatchChars: number;
}

export interface CorpusBenchResult {
  corpus: string;
  pages: number;
  rows: ExtractBenchRow[];
  /** Median ms of cheerio's htmlparser2 load alone (the floor under feedwatch's time). */
  parseMedianMs: number;
  /** feedwatch median ms / Readability-on-linkedom median ms (target: at most 0.25). */
  ratio: number;
  /** Pages jsdom could only parse without their CSS, and pages it could not parse at all (see readabilityJsdom). */
  jsdomCssRetries: number;
  jsdomFailures: number;
  /** Pages on which Readability-on-linkedom threw (counted as extracting nothing). */
  linkedomFailures: number;
  /** Pages where Readability-on-linkedom returns READABILITY_ARTICLE_CHARS+ and feedwatch under TINY_CHARS. */
  missed: MissedPage[];
}

export interface ExtractBenchResult {
  corpora: CorpusBenchResult[];
  /** Lines saying which corpus was skipped and why. */
  skipped: string[];
}

/** Readability's text counts as an article from this many characters. */
export const READABILITY_ARTICLE_CHARS = 500;
/** feedwatch's text counts as (almost) nothing below this many characters. */
export const TINY_CHARS = 100;

/** The text the benchmark scores for a feedwatch article: lead and paragraphs, blank-line separated. */
export function articleText(a: Article): string {
  return [a.lead ?? '', ...a.paragraphs].filter((s) => s !== '').join('\n\n');
}

/** What an extractor returns for a page: the body text and the headline it shows above it. */
export interface Extracted {
  text: string;
  title: string;
}

/**
 * The article as shown: the headline the extractor found, then its body. The dragnet gold is what annotators
 * selected on the page and usually starts with the headline, which feedwatch (like Readability.js) returns as a
 * field of its own rather than in the body; the development set's gold is schema.org articleBody, without it.
 * Both corpora and both extractors are scored both ways, each extractor with its own title.
 */
export function shownText(e: Extracted): string {
  return [e.title, e.text].filter((s) => s.trim() !== '').join('\n\n');
}

/** What Readability's constructor takes (a DOM Document; this project's lib has no DOM types). */
type ReadabilityDocument = ConstructorParameters<typeof Readability>[0];

interface Contender {
  name: string;
  run(page: CorpusPage): Extracted;
}

/** Readability's result as body and headline. */
function readabilityResult(r: { textContent?: string | null; title?: string | null } | null): Extracted {
  return { text: r?.textContent ?? '', title: r?.title ?? '' };
}

const NOTHING: Extracted = { text: '', title: '' };

const CONTENDERS: Contender[] = [
  {
    name: 'feedwatch',
    run: (p) => {
      const a = extractArticle(p.html, p.url, { rules: [] });
      return { text: articleText(a), title: a.title ?? '' };
    },
  },
  {
    name: 'readability-linkedom',
    run: (p) => {
      const { document } = parseHTML(p.html);
      try {
        return readabilityResult(new Readability(document as unknown as ReadabilityDocument).parse());
      } catch {
        // Readability throws on a few pages whose top candidate has no <body> above it (linkedom keeps some
        // fragments outside it): that page counts as extracting nothing.
        linkedomFailures++;
        return NOTHING;
      }
    },
  },
  { name: 'readability-jsdom', run: (p) => readabilityJsdom(p) },
];

/**
 * Pages on which jsdom 27 threw while parsing CSS: cssstyle 5 crashes on `border: inherit` followed by a border
 * longhand (jsdom/jsdom#4112, fixed upstream in #4117) and css-tree throws on some `calc()` values. Those pages
 * are parsed again without <style> elements and style attributes, which Readability ignores anyway, so its
 * text is what it would have been; a page failing again counts as extracting nothing.
 */
let jsdomCssRetries = 0;
let jsdomFailures = 0;
let linkedomFailures = 0;

const STYLE_ELEMENTS = /<style\b[^>]*>[\s\S]*?<\/style\s*>/gi;
const STYLE_ATTRIBUTES = /\sstyle\s*=\s*(?:"[^"]*"|'[^']*')/gi;

function readabilityJsdom(p: CorpusPage): Extracted {
  const parse = (html: string): Extracted => {
    const dom = new JSDOM(html, { url: p.url, virtualConsole: new VirtualConsole() });
    try {
      return readabilityResult(new Readability(dom.window.document as ReadabilityDocument).parse());
    } finally {
      dom.window.close();
    }
  };
  try {
    return parse(p.html);
  } catch {
    jsdomCssRetries++;
  }
  try {
    return parse(p.html.replace(STYLE_ELEMENTS, '').replace(STYLE_ATTRIBUTES, ''));
  } catch {
    jsdomFailures++;
    return NOTHING;
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Characters of a text with whitespace runs counted as one. */
function chars(text: string): number {
  return text.replace(/\s+/g, ' ').trim().length;
}

function measureAll(pages: readonly CorpusPage[], contenders: readonly Contender[], times: number[][], texts: Extracted[][], parseTimes: number[] | null): void {
  for (const page of pages) {
    if (parseTimes) {
      const t = performance.now();
      loadHtml(page.html);
      parseTimes.push(performance.now() - t);
    }
    contenders.forEach((c, i) => {
      const t = performance.now();
      const text = c.run(page);
      times[i]!.push(performance.now() - t);
      texts[i]!.push(text);
    });
  }
}

/**
 * Runs the extractors over one corpus (after a short warm-up) and returns one row each. feedwatch and
 * Readability-on-linkedom take each page in turn, so that machine load hits both alike; jsdom runs in a pass of
 * its own afterwards, so that the garbage its windows leave behind is not collected on the others' time.
 */
async function benchCorpus(corpus: string, pages: readonly CorpusPage[], withJsdom: boolean, warmupPages: number): Promise<CorpusBenchResult> {
  const contenders = CONTENDERS.filter((c) => withJsdom || c.name !== 'readability-jsdom');
  const warmup = pages.slice(0, warmupPages);
  for (const c of contenders) for (const p of warmup) c.run(p);
  for (const p of warmup) loadHtml(p.html);
  jsdomCssRetries = 0;
  jsdomFailures = 0;
  linkedomFailures = 0;

  const times = contenders.map(() => [] as number[]);
  const texts = contenders.map(() => [] as Extracted[]);
  const parseTimes: number[] = [];
  const light = contenders.filter((c) => c.name !== 'readability-jsdom');
  measureAll(pages, light, times, texts, parseTimes);
  const j = contenders.findIndex((c) => c.name === 'readability-jsdom');
  if (j >= 0) {
    for (const page of pages) {
      measureAll([page], [contenders[j]!], [times[j]!], [texts[j]!], null);
      // Let jsdom's closed windows be released between pages.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const rows = contenders.map((c, i) => ({
    name: c.name,
    medianMs: median(times[i]!),
    meanMs: mean(times[i]!),
    ...aggregate(pages.map((p, k) => pageCounts(p.truth, texts[i]![k]!.text))),
    shown: aggregate(pages.map((p, k) => pageCounts(p.truth, shownText(texts[i]![k]!)))),
  }));
  const fw = contenders.findIndex((c) => c.name === 'feedwatch');
  const rl = contenders.findIndex((c) => c.name === 'readability-linkedom');
  const missed: MissedPage[] = [];
  pages.forEach((p, k) => {
    const readabilityChars = chars(texts[rl]![k]!.text);
    const feedwatchChars = chars(texts[fw]![k]!.text);
    if (readabilityChars >= READABILITY_ARTICLE_CHARS && feedwatchChars < TINY_CHARS) missed.push({ key: p.key, url: p.url, readabilityChars, feedwatchChars });
  });
  return {
    corpus,
    pages: pages.length,
    rows,
    parseMedianMs: median(parseTimes),
    ratio: rows[fw]!.medianMs / rows[rl]!.medianMs,
    jsdomCssRetries,
    jsdomFailures,
    linkedomFailures,
    missed,
  };
}

/** Both corpora: dev (with jsdom) and dragnet (without it), the latter skipped when its folder is missing. */
export async function runExtractBench(opts: { devDir?: string; dragnetDir?: string; warmupPages?: number } = {}): Promise<ExtractBenchResult> {
  const warmup = opts.warmupPages ?? 10;
  const corpora: CorpusBenchResult[] = [];
  const skipped: string[] = [];
  corpora.push(await benchCorpus('dev', loadCorpus(opts.devDir ?? DEFAULT_CORPUS_DIR), true, warmup));
  const dragnetDir = opts.dragnetDir ?? DRAGNET_CORPUS_DIR;
  if (corpusExists(dragnetDir)) corpora.push(await benchCorpus('dragnet', loadCorpus(dragnetDir, 'sniff'), false, warmup));
  else skipped.push(`extraction: dragnet corpus skipped: no ground-truth.json in ${dragnetDir} (set FEEDWATCH_DRAGNET_DIR)`);
  return { corpora, skipped };
}

/** Which scoring matches the corpus's gold (see shownText). */
const SHOWN_NOTE: Record<string, string> = {
  dev: "the gold is articleBody, without the headline: the body column is this corpus's figure",
  dragnet: "the gold starts with the headline the annotators selected: the headline + body column is this corpus's figure",
};

const NAMES: Record<string, string> = {
  dev: 'article-extraction dev corpus (tests/fixtures/extract-dev)',
  dragnet: 'dragnet corpus (../shared, AGPL, read in place)',
};

/** The figures as small tables, one per corpus. */
export function formatExtractBench(r: ExtractBenchResult): string {
  const lines: string[] = [];
  for (const c of r.corpora) {
    lines.push(`extraction: ${c.pages} pages of the ${NAMES[c.corpus] ?? c.corpus}`);
    lines.push(
      `  ${'extractor'.padEnd(22)} ${'median ms'.padStart(10)} ${'mean ms'.padStart(9)} ${'F1'.padStart(7)} ${'P'.padStart(7)} ${'R'.padStart(7)}` +
        `   | headline + body: ${'F1'.padStart(7)} ${'P'.padStart(7)} ${'R'.padStart(7)}`,
    );
    for (const row of c.rows) {
      lines.push(
        `  ${row.name.padEnd(22)} ${row.medianMs.toFixed(2).padStart(10)} ${row.meanMs.toFixed(2).padStart(9)} ` +
          `${row.f1.toFixed(4).padStart(7)} ${row.precision.toFixed(4).padStart(7)} ${row.recall.toFixed(4).padStart(7)}` +
          `   | ${''.padStart(16)} ${row.shown.f1.toFixed(4).padStart(7)} ${row.shown.precision.toFixed(4).padStart(7)} ${row.shown.recall.toFixed(4).padStart(7)}`,
      );
    }
    lines.push(`  (${SHOWN_NOTE[c.corpus] ?? 'headline + body: each extractor\'s own title above its body'})`);
    lines.push(`  cheerio htmlparser2 load alone: median ${c.parseMedianMs.toFixed(2)} ms`);
    if (c.jsdomCssRetries > 0) {
      lines.push(`  jsdom: ${c.jsdomCssRetries} page(s) re-parsed without CSS after a CSS parser crash, ${c.jsdomFailures} failed`);
    }
    if (c.linkedomFailures > 0) lines.push(`  readability-linkedom threw on ${c.linkedomFailures} page(s) (scored as no text)`);
    lines.push(`  feedwatch / readability-linkedom median time: ${c.ratio.toFixed(3)} (target ≤ 0.25)`);
    const empty = c.missed.filter((m) => m.feedwatchChars === 0).length;
    lines.push(
      `  pages where readability-linkedom has ${READABILITY_ARTICLE_CHARS}+ chars and feedwatch under ${TINY_CHARS}: ` +
        `${c.missed.length} (${empty} with no text at all; target 0)`,
    );
    for (const m of c.missed) lines.push(`    ${m.key}  feedwatch ${m.feedwatchChars} chars, readability ${m.readabilityChars}  ${m.url}`);
  }
  lines.push(...r.skipped);
  return lines.join('\n');
}

export function printExtractBench(r: ExtractBenchResult): void {
  console.log(formatExtractBench(r));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printExtractBench(await runExtractBench());
}

/**
 * Extraction figures on the dev corpus (tests/fixtures/extract-dev, 108 pages of the article-extraction
 * benchmark), side by side in one run: feedwatch's extractArticle (cheerio/htmlparser2 load, metadata,
 * extractor choice, extraction), Readability.js on linkedom and Readability.js on jsdom. Per extractor:
 * median and mean ms per page (parsing included) and F1/precision/recall with the benchmark's metric
 * (bench/score.ts); then feedwatch's median time as a fraction of Readability-on-linkedom's.
 * `npx tsx bench/extract.ts` prints them; bench/run.ts calls runExtractBench and formatExtractBench.
 */
import { pathToFileURL } from 'node:url';
import { parseHTML } from 'linkedom';
import { JSDOM, VirtualConsole } from 'jsdom';
import { Readability } from '@mozilla/readability';
import { extractArticle, loadHtml } from '../src/extract/index.js';
import type { Article } from '../src/model.js';
import { loadCorpus, type CorpusPage } from './corpus.js';
import { aggregate, pageCounts, type PageCounts } from './score.js';

export interface ExtractBenchRow {
  name: string;
  medianMs: number;
  meanMs: number;
  f1: number;
  precision: number;
  recall: number;
}

export interface ExtractBenchResult {
  pages: number;
  rows: ExtractBenchRow[];
  /** Median ms of cheerio's htmlparser2 load alone (the floor under feedwatch's time). */
  parseMedianMs: number;
  /** feedwatch median ms / Readability-on-linkedom median ms (target: at most 0.25). */
  ratio: number;
  /** Pages jsdom could only parse without their CSS, and pages it could not parse at all (see readabilityJsdom). */
  jsdomCssRetries: number;
  jsdomFailures: number;
}

/** The text the benchmark scores for a feedwatch article: lead and paragraphs, blank-line separated. */
export function articleText(a: Article): string {
  return [a.lead ?? '', ...a.paragraphs].filter((s) => s !== '').join('\n\n');
}

/** What Readability's constructor takes (a DOM Document; this project's lib has no DOM types). */
type ReadabilityDocument = ConstructorParameters<typeof Readability>[0];

interface Contender {
  name: string;
  run(page: CorpusPage): string;
}

const CONTENDERS: Contender[] = [
  { name: 'feedwatch', run: (p) => articleText(extractArticle(p.html, p.url, { rules: [] })) },
  {
    name: 'readability-linkedom',
    run: (p) => {
      const { document } = parseHTML(p.html);
      return new Readability(document as unknown as ReadabilityDocument).parse()?.textContent ?? '';
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

const STYLE_ELEMENTS = /<style\b[^>]*>[\s\S]*?<\/style\s*>/gi;
const STYLE_ATTRIBUTES = /\sstyle\s*=\s*(?:"[^"]*"|'[^']*')/gi;

function readabilityJsdom(p: CorpusPage): string {
  const parse = (html: string): string => {
    const dom = new JSDOM(html, { url: p.url, virtualConsole: new VirtualConsole() });
    try {
      return new Readability(dom.window.document as ReadabilityDocument).parse()?.textContent ?? '';
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
    return '';
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

function measureAll(pages: readonly CorpusPage[], contenders: readonly Contender[], times: number[][], counts: PageCounts[][], parseTimes: number[] | null): void {
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
      counts[i]!.push(pageCounts(page.truth, text));
    });
  }
}

/**
 * Runs the three extractors over the corpus (after a short warm-up) and returns one row each. feedwatch and
 * Readability-on-linkedom take each page in turn, so that machine load hits both alike; jsdom runs in a pass of
 * its own afterwards, so that the garbage its windows leave behind is not collected on the others' time.
 */
export async function runExtractBench(opts: { corpusDir?: string; warmupPages?: number } = {}): Promise<ExtractBenchResult> {
  const pages = loadCorpus(opts.corpusDir);
  const warmup = pages.slice(0, opts.warmupPages ?? 10);
  for (const c of CONTENDERS) for (const p of warmup) c.run(p);
  for (const p of warmup) loadHtml(p.html);
  jsdomCssRetries = 0;
  jsdomFailures = 0;

  const times = CONTENDERS.map(() => [] as number[]);
  const counts = CONTENDERS.map(() => [] as PageCounts[]);
  const parseTimes: number[] = [];
  const light = CONTENDERS.filter((c) => c.name !== 'readability-jsdom');
  measureAll(pages, light, times, counts, parseTimes);
  const j = CONTENDERS.findIndex((c) => c.name === 'readability-jsdom');
  const jsdomTimes: number[] = [];
  const jsdomCounts: PageCounts[] = [];
  for (const page of pages) {
    measureAll([page], [CONTENDERS[j]!], [jsdomTimes], [jsdomCounts], null);
    // Let jsdom's closed windows be released between pages.
    await new Promise((resolve) => setImmediate(resolve));
  }
  times[j] = jsdomTimes;
  counts[j] = jsdomCounts;

  const rows = CONTENDERS.map((c, i) => ({
    name: c.name,
    medianMs: median(times[i]!),
    meanMs: mean(times[i]!),
    ...aggregate(counts[i]!),
  }));
  const linkedom = rows.find((r) => r.name === 'readability-linkedom')!;
  return {
    pages: pages.length,
    rows,
    parseMedianMs: median(parseTimes),
    ratio: rows[0]!.medianMs / linkedom.medianMs,
    jsdomCssRetries,
    jsdomFailures,
  };
}

/** The figures as a small table. */
export function formatExtractBench(r: ExtractBenchResult): string {
  const lines = [`extraction: ${r.pages} pages of the article-extraction dev corpus`];
  lines.push(`  ${'extractor'.padEnd(22)} ${'median ms'.padStart(10)} ${'mean ms'.padStart(9)} ${'F1'.padStart(7)} ${'P'.padStart(7)} ${'R'.padStart(7)}`);
  for (const row of r.rows) {
    lines.push(
      `  ${row.name.padEnd(22)} ${row.medianMs.toFixed(2).padStart(10)} ${row.meanMs.toFixed(2).padStart(9)} ` +
        `${row.f1.toFixed(4).padStart(7)} ${row.precision.toFixed(4).padStart(7)} ${row.recall.toFixed(4).padStart(7)}`,
    );
  }
  lines.push(`  cheerio htmlparser2 load alone: median ${r.parseMedianMs.toFixed(2)} ms`);
  if (r.jsdomCssRetries > 0) {
    lines.push(`  jsdom: ${r.jsdomCssRetries} page(s) re-parsed without CSS after a CSS parser crash, ${r.jsdomFailures} failed`);
  }
  lines.push(`  feedwatch / readability-linkedom median time: ${r.ratio.toFixed(3)} (target ≤ 0.25)`);
  return lines.join('\n');
}

export function printExtractBench(r: ExtractBenchResult): void {
  console.log(formatExtractBench(r));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printExtractBench(await runExtractBench());
}

/**
 * feedwatch's extraction against Readability.js on linkedom in CPU time (process.cpuUsage, user + system), for a
 * shared machine where wall-clock medians move with the load. Each page goes through both in turn, `--reps N`
 * times (default 5); a page's time is the median of its repetitions and a corpus's the median over its pages.
 * Prints the ratio per corpus and feedwatch's stages (parse, metadata, extractor choice, extractor) alone.
 *
 *   npx tsx bench/extract-cpu.ts [--reps N] [--corpus dev|dragnet|both]
 */
import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';
import { chooseExtractor, extractArticle, extractMeta, loadHtml } from '../src/extract/index.js';
import { extractGeneric } from '../src/extract/generic.js';
import { extractSputnik } from '../src/extract/sputnik.js';
import { extractWithRule } from '../src/extract/rules.js';
import { DEFAULT_CORPUS_DIR, DRAGNET_CORPUS_DIR, corpusExists, loadCorpus, type CorpusPage } from './corpus.js';

type ReadabilityDocument = ConstructorParameters<typeof Readability>[0];

function cpuMs(f: () => void): number {
  const c = process.cpuUsage();
  f();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function readability(p: CorpusPage): void {
  const { document } = parseHTML(p.html);
  try {
    new Readability(document as unknown as ReadabilityDocument).parse();
  } catch {
    // a page Readability throws on still cost its time
  }
}

/** The stages of extractArticle one by one (their sum is about its time). */
function stages(p: CorpusPage): number[] {
  let $ = loadHtml(p.html);
  const parse = cpuMs(() => {
    $ = loadHtml(p.html);
  });
  let meta = extractMeta($, p.url);
  const metaMs = cpuMs(() => {
    meta = extractMeta($, p.url);
  });
  let choice = chooseExtractor($, p.url, []);
  const chooseMs = cpuMs(() => {
    choice = chooseExtractor($, p.url, []);
  });
  $ = loadHtml(p.html);
  const extractMs = cpuMs(() => {
    if (choice.kind === 'sputnik') extractSputnik($, p.url, meta, choice.rule);
    else if (choice.kind === 'rule') extractWithRule($, p.url, meta, choice.rule);
    else extractGeneric($, p.url, meta, choice.rule);
  });
  return [parse, metaMs, chooseMs, extractMs];
}

function run(name: string, pages: readonly CorpusPage[], reps: number): void {
  for (const p of pages.slice(0, 10)) {
    extractArticle(p.html, p.url, { rules: [] });
    readability(p);
  }
  const fw: number[] = [];
  const rl: number[] = [];
  const st: number[][] = [[], [], [], []];
  for (const p of pages) {
    const f: number[] = [];
    const r: number[] = [];
    const s: number[][] = [[], [], [], []];
    for (let i = 0; i < reps; i++) {
      f.push(cpuMs(() => extractArticle(p.html, p.url, { rules: [] })));
      r.push(cpuMs(() => readability(p)));
      stages(p).forEach((v, k) => s[k]!.push(v));
    }
    fw.push(median(f));
    rl.push(median(r));
    s.forEach((v, k) => st[k]!.push(median(v)));
  }
  const mf = median(fw);
  const mr = median(rl);
  const ratios = fw.map((v, i) => v / rl[i]!);
  console.log(
    `${name}: ${pages.length} pages × ${reps}: CPU ms/page median feedwatch ${mf.toFixed(3)}, readability-linkedom ${mr.toFixed(3)}, ` +
      `ratio ${(mf / mr).toFixed(3)} (median of per-page ratios ${median(ratios).toFixed(3)}; sums ${(fw.reduce((a, b) => a + b, 0) / rl.reduce((a, b) => a + b, 0)).toFixed(3)})`,
  );
  console.log(`  stages (CPU ms/page median): parse ${median(st[0]!).toFixed(3)}, meta ${median(st[1]!).toFixed(3)}, choice ${median(st[2]!).toFixed(3)}, extractor ${median(st[3]!).toFixed(3)}`);
}

const args = process.argv.slice(2);
const arg = (k: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args[i + 1] : undefined;
};
const reps = Number(arg('--reps') ?? 5);
const which = arg('--corpus') ?? 'dev';
if (which === 'dev' || which === 'both') run('dev', loadCorpus(DEFAULT_CORPUS_DIR), reps);
if ((which === 'dragnet' || which === 'both') && corpusExists(DRAGNET_CORPUS_DIR)) run('dragnet', loadCorpus(DRAGNET_CORPUS_DIR, 'sniff'), reps);

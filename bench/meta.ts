/**
 * `npm run bench -- meta`: accuracy of the metadata users filter and sort by (title, author, publishedAt) against
 * labels written by reading each page (tests/fixtures/meta-labels.json), per corpus and field, with the pages
 * that miss. The dev-corpus pages are read from tests/fixtures/extract-dev; the dragnet pages from
 * ../shared/corpora/article-extraction-dragnet (AGPL: read there, never copied here; FEEDWATCH_DRAGNET_DIR
 * overrides the place), and skipped with a note when that folder is missing. Match rules: bench/meta-score.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeBody } from '../src/fetch/charset.js';
import { extractArticle, extractMeta, loadHtml } from '../src/extract/index.js';
import { corpusExists, DEFAULT_CORPUS_DIR, loadCorpus, type CorpusPage } from './corpus.js';
import { accuracy, judgePage, META_FIELDS, type MetaLabel, type MetaPageResult } from './meta-score.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const META_LABELS_FILE = join(ROOT, 'tests', 'fixtures', 'meta-labels.json');
export const DRAGNET_DIR = process.env.FEEDWATCH_DRAGNET_DIR ?? join(ROOT, '..', 'shared', 'corpora', 'article-extraction-dragnet');

export function loadMetaLabels(file: string = META_LABELS_FILE): MetaLabel[] {
  return JSON.parse(readFileSync(file, 'utf8')) as MetaLabel[];
}

function corpusDir(corpus: MetaLabel['corpus']): string {
  return corpus === 'dev' ? DEFAULT_CORPUS_DIR : DRAGNET_DIR;
}

const truthCache = new Map<string, Record<string, { url?: string }>>();

/** The page's HTML (decoded as the fetcher would, by BOM and <meta charset>) and address, or null when its corpus is absent. */
export function loadLabelledPage(label: MetaLabel): { html: string; url: string } | null {
  const dir = corpusDir(label.corpus);
  const file = join(dir, 'html', `${label.key}.html.gz`);
  if (!existsSync(file)) return null;
  let truth = truthCache.get(dir);
  if (!truth) {
    truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as Record<string, { url?: string }>;
    truthCache.set(dir, truth);
  }
  const html = decodeBody(gunzipSync(readFileSync(file)), null, 'html').text;
  return { html, url: truth[label.key]?.url ?? 'https://example.invalid/' };
}

/** Extracts every labelled page that is present and judges its fields. */
export function runMetaLabels(labels: readonly MetaLabel[]): { results: MetaPageResult[]; missing: MetaLabel[] } {
  const results: MetaPageResult[] = [];
  const missing: MetaLabel[] = [];
  for (const label of labels) {
    const page = loadLabelledPage(label);
    if (!page) {
      missing.push(label);
      continue;
    }
    results.push(judgePage(label, extractArticle(page.html, page.url, { rules: [] })));
  }
  return { results, missing };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface MetaCost {
  pages: number;
  /** extractMeta alone on an already loaded page: median and mean over pages of the fastest of `rounds` runs. */
  medianMs: number;
  meanMs: number;
  /** The whole extractArticle (load, metadata, body) on the same pages, fastest of `rounds` runs, median. */
  articleMedianMs: number;
}

/**
 * What reading the metadata costs per page: extractMeta timed on pages loaded beforehand (the load is the
 * extractor's, not the metadata's), beside the whole extractArticle on the same pages. Each page runs `rounds`
 * times in turn and its fastest run counts, so that a burst of load from other processes on the shared machine
 * does not land on one side only.
 */
export function measureMetaCost(pages: readonly CorpusPage[], rounds = 3): MetaCost {
  const meta: number[] = [];
  const article: number[] = [];
  for (const p of pages.slice(0, 10)) extractArticle(p.html, p.url, { rules: [] });
  for (const p of pages) {
    const $ = loadHtml(p.html);
    let m = Infinity;
    let a = Infinity;
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      extractMeta($, p.url);
      m = Math.min(m, performance.now() - t);
      t = performance.now();
      extractArticle(p.html, p.url, { rules: [] });
      a = Math.min(a, performance.now() - t);
    }
    meta.push(m);
    article.push(a);
  }
  return { pages: pages.length, medianMs: median(meta), meanMs: meta.reduce((x, y) => x + y, 0) / Math.max(1, meta.length), articleMedianMs: median(article) };
}

function printMetaCost(): void {
  console.log('\nMetadata cost per page (extractMeta on a loaded page; fastest of 3 runs per page)');
  console.log('| corpus | pages | median ms | mean ms | extractArticle median ms | share |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const corpora: [string, string, 'utf8' | 'sniff'][] = [
    ['dev', DEFAULT_CORPUS_DIR, 'utf8'],
    ['dragnet', DRAGNET_DIR, 'sniff'],
  ];
  for (const [name, dir, decode] of corpora) {
    if (!corpusExists(dir)) {
      console.log(`| ${name} | (not found at ${dir}) | | | | |`);
      continue;
    }
    const c = measureMetaCost(loadCorpus(dir, decode));
    console.log(`| ${name} | ${c.pages} | ${c.medianMs.toFixed(3)} | ${c.meanMs.toFixed(3)} | ${c.articleMedianMs.toFixed(2)} | ${pct(c.medianMs / c.articleMedianMs)} |`);
  }
}

export function runMetaBench(): void {
  const { results, missing } = runMetaLabels(loadMetaLabels());
  console.log('Metadata accuracy against labels written by reading the pages (tests/fixtures/meta-labels.json)');
  console.log('| corpus | pages | title | author | publishedAt |');
  console.log('| --- | --- | --- | --- | --- |');
  const groups: [string, MetaPageResult[]][] = [
    ['dev', results.filter((r) => r.label.corpus === 'dev')],
    ['dragnet', results.filter((r) => r.label.corpus === 'dragnet')],
    ['all', results],
    ['of which held out', results.filter((r) => r.label.heldOut === true)],
  ];
  for (const [name, rows] of groups) {
    if (rows.length === 0) continue;
    const acc = accuracy(rows);
    console.log(`| ${name} | ${rows.length} | ${pct(acc.title)} | ${pct(acc.author)} | ${pct(acc.publishedAt)} |`);
  }
  if (missing.length > 0) console.log(`(${missing.length} labelled pages skipped: corpus not found at ${DRAGNET_DIR})`);
  for (const field of META_FIELDS) {
    const misses = results.filter((r) => !r.ok[field]);
    if (misses.length === 0) continue;
    console.log(`\n${field}: ${misses.length} miss(es)`);
    for (const r of misses) {
      const want = field === 'title' ? r.label.headline : field === 'author' ? r.label.author : r.label.date;
      console.log(`  ${r.label.corpus}/${r.label.key.slice(0, 12)}${r.label.heldOut ? ' (held out)' : ''}  want ${JSON.stringify(want)}  got ${JSON.stringify(r.got[field])}`);
    }
  }
  printMetaCost();
}

if (import.meta.url === `file://${process.argv[1]}`) runMetaBench();

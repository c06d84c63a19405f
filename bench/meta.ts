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
import { extractArticle } from '../src/extract/index.js';
import { DEFAULT_CORPUS_DIR } from './corpus.js';
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
}

if (import.meta.url === `file://${process.argv[1]}`) runMetaBench();

/**
 * 5-fold cross-validation of the generic extractor's tuned lengths (GenericTuning in src/extract/generic.ts) on
 * the dev corpus and, when present, the dragnet corpus (read from ../shared, see bench/corpus.ts).
 *
 * Each corpus's pages are split into 5 folds by a hash of their key. For each fold, the grid value with the best
 * training F1 (the mean of the two corpora's F1 on the other 4 folds) is chosen and scored on the held-out fold;
 * the script prints, per fold, the chosen value with its training and held-out F1 per corpus, then the mean
 * held-out F1 of the chosen values beside that of the shipped defaults.
 * `npx tsx bench/cv-extract.ts` (about 2 minutes on the 2-core machine with both corpora).
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { loadHtml } from '../src/extract/index.js';
import { extractMeta } from '../src/extract/meta.js';
import { extractGeneric, DEFAULT_TUNING, type GenericTuning } from '../src/extract/generic.js';
import { DEFAULT_CORPUS_DIR, DRAGNET_CORPUS_DIR, corpusExists, loadCorpus, type CorpusPage } from './corpus.js';
import { aggregate, pageCounts, type PageCounts } from './score.js';

const FOLDS = 5;

/** The grid: every pair of these values. */
export const GRID: GenericTuning[] = [];
for (const shortArticleChars of [300, 500, 800]) {
  for (const tinyArticleChars of [100, 150, 200, 300, 500]) GRID.push({ shortArticleChars, tinyArticleChars });
}

interface Scored {
  corpus: string;
  fold: number;
  /** Per grid value, the page's counts. */
  counts: PageCounts[];
}

function foldOf(key: string): number {
  return createHash('sha256').update(key).digest()[0]! % FOLDS;
}

function label(t: GenericTuning): string {
  return `short ${t.shortArticleChars}, tiny ${t.tinyArticleChars}`;
}

/** Each page parsed once, extracted with every grid value (the extractor does not change the document). */
function scorePages(corpus: string, pages: readonly CorpusPage[]): Scored[] {
  return pages.map((p) => {
    const $ = loadHtml(p.html);
    const meta = extractMeta($, p.url);
    const counts = GRID.map((t) => pageCounts(p.truth, extractGeneric($, p.url, meta, undefined, t).paragraphs.join('\n\n')));
    return { corpus, fold: foldOf(p.key), counts };
  });
}

function f1Of(pages: readonly Scored[], g: number): number {
  return aggregate(pages.map((p) => p.counts[g]!)).f1;
}

export function runCrossValidation(): string {
  const scored: Scored[] = scorePages('dev', loadCorpus(DEFAULT_CORPUS_DIR));
  const corpora = ['dev'];
  const lines: string[] = [];
  if (corpusExists(DRAGNET_CORPUS_DIR)) {
    scored.push(...scorePages('dragnet', loadCorpus(DRAGNET_CORPUS_DIR, 'sniff')));
    corpora.push('dragnet');
  } else {
    lines.push(`dragnet corpus skipped: no ground-truth.json in ${DRAGNET_CORPUS_DIR}`);
  }
  const byCorpus = (set: readonly Scored[], c: string) => set.filter((p) => p.corpus === c);
  const meanF1 = (set: readonly Scored[], g: number) => corpora.reduce((s, c) => s + f1Of(byCorpus(set, c), g), 0) / corpora.length;
  const def = GRID.findIndex((t) => t.shortArticleChars === DEFAULT_TUNING.shortArticleChars && t.tinyArticleChars === DEFAULT_TUNING.tinyArticleChars);

  lines.push(`5-fold cross-validation of GenericTuning over ${GRID.length} grid values (${corpora.join(' + ')}; chosen by the mean of the corpora's F1)`);
  lines.push(`  fold  chosen                    ${corpora.map((c) => `train ${c}`.padStart(14) + `held-out ${c}`.padStart(18)).join('')}`);
  const heldChosen: Scored[][] = [];
  const held: { chosen: number; fold: number }[] = [];
  for (let f = 0; f < FOLDS; f++) {
    const train = scored.filter((p) => p.fold !== f);
    const test = scored.filter((p) => p.fold === f);
    let best = 0;
    for (let g = 1; g < GRID.length; g++) if (meanF1(train, g) > meanF1(train, best) + 1e-12) best = g;
    held.push({ chosen: best, fold: f });
    heldChosen.push(test);
    lines.push(
      `  ${String(f + 1).padStart(4)}  ${label(GRID[best]!).padEnd(24)}  ` +
        corpora.map((c) => f1Of(byCorpus(train, c), best).toFixed(4).padStart(14) + f1Of(byCorpus(test, c), best).toFixed(4).padStart(18)).join(''),
    );
  }
  // Held-out F1 over all pages: each page scored with the value chosen without it.
  for (const c of corpora) {
    const chosenCounts = held.flatMap(({ chosen, fold }) => byCorpus(scored, c).filter((p) => p.fold === fold).map((p) => p.counts[chosen]!));
    const trainMean = held.reduce((s, { chosen, fold }) => s + f1Of(byCorpus(scored.filter((p) => p.fold !== fold), c), chosen), 0) / FOLDS;
    lines.push(
      `  ${c}: cross-validated F1 ${aggregate(chosenCounts).f1.toFixed(4)} (mean training F1 ${trainMean.toFixed(4)}); ` +
        `shipped defaults (${label(DEFAULT_TUNING)}) on all pages ${f1Of(byCorpus(scored, c), def).toFixed(4)}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(runCrossValidation());
}

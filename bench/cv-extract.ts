/**
 * 5-fold cross-validation of the generic extractor's tuned values (GenericTuning in src/extract/generic.ts) on
 * the dev corpus and, when present, the dragnet corpus (read from ../shared, see bench/corpus.ts).
 *
 * Each tuned value has a grid of its own (the others at their defaults). Each corpus's pages are split into 5
 * folds by a hash of their key. For each value and fold, the grid point with the best training F1 (the mean of
 * the two corpora's F1 on the other 4 folds) is chosen and scored on the held-out fold; per value the script
 * prints the points chosen, the held-out F1 over all pages (each page scored with the point chosen without it)
 * beside the mean training F1, and the shipped default's F1 on all pages.
 * `npx tsx bench/cv-extract.ts`; `npm run bench -- extract` prints the same lines after its tables.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { loadHtml } from '../src/extract/index.js';
import { extractMeta } from '../src/extract/meta.js';
import { extractGeneric, DEFAULT_TUNING, type GenericTuning } from '../src/extract/generic.js';
import { DEFAULT_CORPUS_DIR, DRAGNET_CORPUS_DIR, corpusExists, loadCorpus, type CorpusPage } from './corpus.js';
import { aggregate, pageCounts, type PageCounts } from './score.js';

const FOLDS = 5;

/** The grid of each tuned value (the default is always one of its points). */
export const GRIDS: { [K in keyof GenericTuning]: number[] } = {
  shortArticleChars: [300, 500, 800],
  tinyArticleChars: [100, 150, 200, 300, 500],
  twinScoreShare: [0.4, 0.5, 0.6, 0.75, 2],
  headlineLevels: [1, 2, 3, 4],
  headlineShare: [0.1, 0.2, 0.3, 0.5, 2],
  plainShare: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 2],
};

type Key = keyof GenericTuning;
const KEYS = Object.keys(GRIDS) as Key[];

/** Every distinct tuning the grids ask for: the default, and each grid point with the others at their defaults. */
function tunings(): GenericTuning[] {
  const out: GenericTuning[] = [DEFAULT_TUNING];
  for (const k of KEYS) for (const v of GRIDS[k]) if (v !== DEFAULT_TUNING[k]) out.push({ ...DEFAULT_TUNING, [k]: v });
  return out;
}

/** The index in `all` of the tuning that is the default with `k` set to `v`. */
function indexOf(all: readonly GenericTuning[], k: Key, v: number): number {
  return all.findIndex((t) => KEYS.every((o) => t[o] === (o === k ? v : DEFAULT_TUNING[o])));
}

interface Scored {
  corpus: string;
  fold: number;
  /** Per tuning, the page's counts. */
  counts: PageCounts[];
}

function foldOf(key: string): number {
  return createHash('sha256').update(key).digest()[0]! % FOLDS;
}

/** Each page parsed once, extracted with every tuning (the extractor does not change the document). */
function scorePages(corpus: string, pages: readonly CorpusPage[], all: readonly GenericTuning[]): Scored[] {
  return pages.map((p) => {
    const $ = loadHtml(p.html);
    const meta = extractMeta($, p.url);
    const counts = all.map((t) => pageCounts(p.truth, extractGeneric($, p.url, meta, undefined, t).paragraphs.join('\n\n')));
    return { corpus, fold: foldOf(p.key), counts };
  });
}

function f1Of(pages: readonly Scored[], g: number): number {
  return aggregate(pages.map((p) => p.counts[g]!)).f1;
}

export function runCrossValidation(): string {
  const all = tunings();
  const scored: Scored[] = scorePages('dev', loadCorpus(DEFAULT_CORPUS_DIR), all);
  const corpora = ['dev'];
  const lines: string[] = [];
  if (corpusExists(DRAGNET_CORPUS_DIR)) {
    scored.push(...scorePages('dragnet', loadCorpus(DRAGNET_CORPUS_DIR, 'sniff'), all));
    corpora.push('dragnet');
  } else {
    lines.push(`dragnet corpus skipped: no ground-truth.json in ${DRAGNET_CORPUS_DIR}`);
  }
  const byCorpus = (set: readonly Scored[], c: string) => set.filter((p) => p.corpus === c);
  const meanF1 = (set: readonly Scored[], g: number) => corpora.reduce((s, c) => s + f1Of(byCorpus(set, c), g), 0) / corpora.length;

  lines.push(`5-fold cross-validation of GenericTuning, one grid per value, the others at their defaults (${corpora.join(' + ')}; chosen by the mean of the corpora's F1)`);
  for (const k of KEYS) {
    const points = GRIDS[k].map((v) => indexOf(all, k, v));
    const chosen: number[] = [];
    for (let f = 0; f < FOLDS; f++) {
      const train = scored.filter((p) => p.fold !== f);
      let best = points[0]!;
      for (const g of points.slice(1)) if (meanF1(train, g) > meanF1(train, best) + 1e-12) best = g;
      chosen.push(best);
    }
    const def = indexOf(all, k, DEFAULT_TUNING[k]);
    lines.push(`  ${k} (grid ${GRIDS[k].join(', ')}; default ${DEFAULT_TUNING[k]}): chosen per fold ${chosen.map((g) => all[g]![k]).join(', ')}`);
    for (const c of corpora) {
      // Held-out F1 over all pages: each page scored with the point chosen without it.
      const heldOut = chosen.flatMap((g, f) => byCorpus(scored, c).filter((p) => p.fold === f).map((p) => p.counts[g]!));
      const trainMean = chosen.reduce((s, g, f) => s + f1Of(byCorpus(scored.filter((p) => p.fold !== f), c), g), 0) / FOLDS;
      lines.push(
        `    ${c.padEnd(8)} cross-validated F1 ${aggregate(heldOut).f1.toFixed(4)} (mean training F1 ${trainMean.toFixed(4)}); ` +
          `default on all pages ${f1Of(byCorpus(scored, c), def).toFixed(4)}`,
      );
    }
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(runCrossValidation());
}

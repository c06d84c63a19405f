/**
 * `npm run bench -- boilerplate`: the boilerplate scorer's figures. Training and 5-fold cross-validated
 * precision/recall of "boilerplate" on the labelled paragraphs (bench/boilerplate-train.ts), the promo variants
 * test set's recall and false drops (tests/fixtures/promo-variants), and extraction F1 on both dev corpora with
 * the scorer on and off, side by side in one run (the dragnet corpus is read from ../shared when present).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractArticle } from '../src/extract/index.js';
import type { BoilerplateOptions } from '../src/extract/boilerplate-score.js';
import { formatTrainResult, train } from './boilerplate-train.js';
import { loadCorpus, type CorpusPage } from './corpus.js';
import { articleText } from './extract.js';
import { aggregate, pageCounts } from './score.js';
import { loadVariants, placeAll, promoDropped, sentenceKept } from '../tests/helpers/promo-pages.js';

const DRAGNET_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpora', 'article-extraction-dragnet');

function f1On(pages: readonly CorpusPage[], boilerplate?: BoilerplateOptions): { f1: number; precision: number; recall: number; empty: number } {
  let empty = 0;
  const counts = pages.map((p) => {
    const text = articleText(extractArticle(p.html, p.url, { rules: [], ...(boilerplate ? { boilerplate } : {}) }));
    if (text === '') empty++;
    return pageCounts(p.truth, text);
  });
  return { ...aggregate(counts), empty };
}

export async function runBoilerplateBench(opts: { dragnetDir?: string } = {}): Promise<void> {
  const r = train();
  console.log(`boilerplate scorer: logistic regression over ${r.model.features.length} features, at least ${r.model.minSignals} signal families`);
  console.log(`  labelled paragraphs: ${Object.entries(r.bySource).map(([k, v]) => `${k} ${v.rows} (${v.boilerplate} boilerplate)`).join(', ')}`);
  for (const line of formatTrainResult(r)) console.log(line);

  const v = loadVariants();
  const promos = placeAll(v.promos);
  const sentences = placeAll(v.sentences);
  const dropped = promos.filter(promoDropped).length;
  const falseDrops = sentences.length - sentences.filter(sentenceKept).length;
  console.log(`  promo variants (${v.promos.length} promos, ${v.sentences.length} sentences, each in both engine designs): recall ${(dropped / promos.length).toFixed(3)} (${dropped}/${promos.length}), false drops ${falseDrops}/${sentences.length}`);
  const off = { model: null };
  const offPromos = placeAll(v.promos, off).filter(promoDropped).length;
  const offFalse = sentences.length - placeAll(v.sentences, off).filter(sentenceKept).length;
  console.log(`    without the scorer (rules alone): recall ${(offPromos / promos.length).toFixed(3)}, false drops ${offFalse}`);

  const corpora: [string, CorpusPage[]][] = [['dev (108 pages)', loadCorpus()]];
  const dragnet = opts.dragnetDir ?? DRAGNET_DIR;
  if (existsSync(join(dragnet, 'ground-truth.json'))) corpora.push([`dragnet (${'n'})`, loadCorpus(dragnet)]);
  for (const [name, pages] of corpora) {
    const on = f1On(pages);
    const without = f1On(pages, off);
    const label = name.replace('(n)', `(${pages.length} pages)`);
    console.log(
      `  ${label.padEnd(26)} F1 ${on.f1.toFixed(4)} (P ${on.precision.toFixed(4)} R ${on.recall.toFixed(4)}, empty ${on.empty})` +
        `  without the scorer F1 ${without.f1.toFixed(4)} (P ${without.precision.toFixed(4)} R ${without.recall.toFixed(4)})`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runBoilerplateBench();
}

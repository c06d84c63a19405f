/**
 * Fits the boilerplate scorer (src/extract/boilerplate-score.ts) on labelled paragraphs and writes its weights.
 *
 * Labels: every paragraph the extractors put before the scorer (whole-line patterns left out, so the lines they
 * match count too) on
 *   - the 108 pages of the dev corpus (tests/fixtures/extract-dev): a paragraph found in the page's true article
 *     body is text (0), one not found there is boilerplate (1), one in between is left out;
 *   - the engine fixtures (tests/fixtures/sputnik, tests/fixtures/extract/*b-article*): a paragraph of the
 *     expected.json is text, any other is boilerplate.
 * The promo variants test set (tests/fixtures/promo-variants) is never read here.
 *
 * Model: L2-regularised logistic regression on standardised features, fitted by Newton's method. The threshold
 * of each path comes from out-of-fold probabilities of a 5-fold cross-validation by page (a page's paragraphs
 * never sit in training and test at once), with the scorer's "at least minSignals signal families" guard
 * applied: for the rule path (the engine's text blocks) the one maximising F1 on the engine fixtures' rows (the
 * middle of a plateau of equals), for the generic extractor the lowest reaching a precision of GENERIC_PRECISION on the dev
 * corpus rows. `npx tsx bench/boilerplate-train.ts --write` refits
 * and writes src/extract/boilerplate-weights.json; without --write it only prints the figures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractArticle, loadHtml } from '../src/extract/index.js';
import { extractMeta } from '../src/extract/meta.js';
import { extractSputnik } from '../src/extract/sputnik.js';
import { BUILTIN_RULES } from '../src/extract/builtin-rules.js';
import { FEATURE_NAMES } from '../src/extract/boilerplate-features.js';
import { probability, type BoilerplateModel, type ScoredParagraph } from '../src/extract/boilerplate-score.js';
import { loadCorpus } from './corpus.js';
import { shingles, tokenize } from './score.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEIGHTS_FILE = join(ROOT, 'src', 'extract', 'boilerplate-weights.json');

/** Guard the scorer applies: this many boilerplate signals before a paragraph may be dropped. */
export const MIN_SIGNALS = 3;
/**
 * Out-of-fold precision the generic extractor's threshold must reach on the dev corpus rows: on pages of unknown
 * layout, four drops in five must be right.
 */
export const GENERIC_PRECISION = 0.8;

/** L2 penalty on the (standardised) weights. */
const LAMBDA = 1;
const FOLDS = 5;

export interface Row {
  page: string;
  source: 'dev' | 'engine';
  text: string;
  x: number[];
  signals: number;
  /** 1: boilerplate, 0: text. */
  y: 0 | 1;
}

/** The rows of the page's body as the extractor saw it (the largest body when the extractor tried twice). */
function observed(html: string, url: string, engineCards = false): ScoredParagraph[] {
  let best: ScoredParagraph[] = [];
  let bestLen = -1;
  const boilerplate = {
    model: null,
    filters: false as const,
    observe: (rows: readonly ScoredParagraph[]) => {
      const len = rows.reduce((n, r) => n + r.info.text.length, 0);
      if (len > bestLen) {
        best = [...rows];
        bestLen = len;
      }
    },
  };
  if (engineCards) {
    const $ = loadHtml(html);
    extractSputnik($, url, extractMeta($, url), WITH_CARDS, boilerplate);
  } else {
    extractArticle(html, url, { rules: [], boilerplate });
  }
  return best;
}

/** The engine's promo and related-story elements, which the engine rule removes before reading the body. */
const CARDS = ['.article__google-news', '.b-article__promo', '.article__block[data-type="article"]', '.b-inject'];
const ENGINE = BUILTIN_RULES[0]!;
/** The engine rule reading those elements as body lines, so that their lines are labelled boilerplate examples too. */
const WITH_CARDS = { ...ENGINE, remove: ENGINE.remove.filter((s) => !CARDS.includes(s)), body: `${ENGINE.body}, ${CARDS.join(', ')}` };

const tokenKey = (s: string) => tokenize(s.toLowerCase()).join(' ');

/** Text (0), boilerplate (1) or unsure (null) for a paragraph against a page's true body. */
export function labelAgainstTruth(text: string, truth: { lines: Set<string>; joined: string; shingles: Map<string, number> }): 0 | 1 | null {
  const tokens = tokenize(text.toLowerCase());
  if (tokens.length === 0) return null;
  if (tokens.length < 4) {
    const key = tokens.join(' ');
    if (truth.lines.has(key)) return 0;
    return truth.joined.includes(` ${key} `) ? null : 1;
  }
  const own = shingles(text.toLowerCase());
  let total = 0;
  let found = 0;
  for (const [k, n] of own) {
    total += n;
    found += Math.min(n, truth.shingles.get(k) ?? 0);
  }
  const share = found / total;
  if (share >= 0.8) return 0;
  if (share <= 0.2) return 1;
  return null;
}

function devRows(): Row[] {
  const rows: Row[] = [];
  for (const page of loadCorpus()) {
    const truth = {
      lines: new Set(page.truth.split('\n').map(tokenKey).filter((l) => l !== '')),
      joined: ` ${tokenKey(page.truth)} `,
      shingles: shingles(page.truth.toLowerCase()),
    };
    for (const r of observed(page.html, page.url)) {
      const y = labelAgainstTruth(r.info.text, truth);
      if (y !== null) rows.push({ page: `dev:${page.key}`, source: 'dev', text: r.info.text, x: r.features, signals: r.signals, y });
    }
  }
  return rows;
}

const ENGINE_PAGES = [
  ['sputnik/sputnik-kg-20220305-lavrov.html', 'sputnik/sputnik-kg-20220305-lavrov.expected.json'],
  ['sputnik/snanews-de-20201216.html', 'sputnik/snanews-de-20201216.expected.json'],
  ['extract/sputnik-by-b-article.html', 'extract/sputnik-by-b-article.expected.json'],
  ['extract/sputniknews-com-20191118-b-article.html', 'extract/sputniknews-com-20191118-b-article.expected.json'],
] as const;

function engineRows(): Row[] {
  const rows: Row[] = [];
  for (const [htmlFile, expFile] of ENGINE_PAGES) {
    const html = readFileSync(join(ROOT, 'tests', 'fixtures', htmlFile), 'utf8');
    const exp = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', expFile), 'utf8')) as { url: string; paragraphs: string[]; dateline?: string | null };
    const keep = new Set(exp.paragraphs);
    const isText = (t: string) => keep.has(t) || (exp.dateline ? keep.has(t.slice(exp.dateline.length).trim()) && t.startsWith(exp.dateline) : false);
    const seen = new Set<string>();
    for (const r of observed(html, exp.url)) {
      seen.add(r.info.text);
      rows.push({ page: `engine:${htmlFile}`, source: 'engine', text: r.info.text, x: r.features, signals: r.signals, y: isText(r.info.text) ? 0 : 1 });
    }
    // The lines of the removed promo and card elements, read in place.
    for (const r of observed(html, exp.url, true)) {
      if (seen.has(r.info.text) || isText(r.info.text)) continue;
      rows.push({ page: `engine:${htmlFile}`, source: 'engine', text: r.info.text, x: r.features, signals: r.signals, y: 1 });
    }
  }
  return rows;
}

/** Every labelled row. */
export function labelledRows(): Row[] {
  return [...devRows(), ...engineRows()];
}

/** Solves A·x = b (A symmetric positive definite, small) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Fits the model (threshold left at 0.5; see chooseThreshold). */
export function fit(rows: readonly Row[]): BoilerplateModel {
  const d = FEATURE_NAMES.length;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r.x[j]! / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) scale[j]! += (r.x[j]! - mean[j]!) ** 2 / rows.length;
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]!) || 1;
  const z = rows.map((r) => [1, ...r.x.map((v, j) => (v - mean[j]!) / scale[j]!)]);
  let w = new Array<number>(d + 1).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    z.forEach((zi, i) => {
      let s = 0;
      for (let j = 0; j <= d; j++) s += w[j]! * zi[j]!;
      const p = 1 / (1 + Math.exp(-s));
      const g = p - rows[i]!.y;
      const h = Math.max(p * (1 - p), 1e-9);
      for (let j = 0; j <= d; j++) {
        grad[j]! += g * zi[j]!;
        for (let k = j; k <= d; k++) hess[j]![k]! += h * zi[j]! * zi[k]!;
      }
    });
    for (let j = 1; j <= d; j++) {
      grad[j]! += LAMBDA * w[j]!;
      hess[j]![j]! += LAMBDA;
    }
    for (let j = 0; j <= d; j++) for (let k = 0; k < j; k++) hess[j]![k] = hess[k]![j]!;
    const step = solve(hess, grad);
    w = w.map((v, j) => v - step[j]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { features: [...FEATURE_NAMES], mean, scale, weights: w.slice(1), bias: w[0]!, threshold: 0.5, genericThreshold: 0.5, minSignals: MIN_SIGNALS };
}

export interface Figures {
  rows: number;
  boilerplate: number;
  precision: number;
  recall: number;
  f1: number;
  /** Text paragraphs dropped. */
  falseDrops: number;
}

function figures(rows: readonly Row[], probs: readonly number[], threshold: number, minSignals: number): Figures {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  rows.forEach((r, i) => {
    const drop = probs[i]! >= threshold && r.signals >= minSignals;
    if (drop && r.y === 1) tp++;
    else if (drop) fp++;
    else if (r.y === 1) fn++;
  });
  const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { rows: rows.length, boilerplate: tp + fn, precision, recall, f1, falseDrops: fp };
}

/** Out-of-fold probabilities of a k-fold cross-validation by page. */
export function outOfFold(rows: readonly Row[], k = FOLDS): number[] {
  const pages = [...new Set(rows.map((r) => r.page))].sort();
  const foldOf = new Map(pages.map((p, i) => [p, i % k]));
  const probs = new Array<number>(rows.length).fill(0);
  for (let f = 0; f < k; f++) {
    const train = rows.filter((r) => foldOf.get(r.page) !== f);
    const m = fit(train);
    rows.forEach((r, i) => {
      if (foldOf.get(r.page) === f) probs[i] = probability(m, r.x);
    });
  }
  return probs;
}

const GRID = Array.from({ length: 18 }, (_, i) => Math.round((0.1 + i * 0.05) * 100) / 100);

/**
 * The rule path's threshold: the one maximising F1 of "boilerplate" on the given (out-of-fold) probabilities;
 * when several thresholds tie (a plateau), the middle one, the farthest from either edge.
 */
export function chooseThreshold(rows: readonly Row[], probs: readonly number[], minSignals = MIN_SIGNALS): number {
  const scores = GRID.map((t) => figures(rows, probs, t, minSignals).f1);
  const best = Math.max(...scores);
  const plateau = GRID.filter((_, i) => scores[i]! >= best - 1e-9);
  return plateau[Math.floor((plateau.length - 1) / 2)]!;
}

/** The generic path's threshold: the lowest at which out-of-fold precision reaches GENERIC_PRECISION. */
export function choosePrecisionThreshold(rows: readonly Row[], probs: readonly number[], minSignals = MIN_SIGNALS): number {
  for (const t of GRID) if (figures(rows, probs, t, minSignals).precision >= GENERIC_PRECISION) return t;
  return 1;
}

export interface TrainResult {
  model: BoilerplateModel;
  /** Figures at each path's threshold: the engine fixtures' rows (rule path) and the dev corpus rows (generic). */
  training: { rule: Figures; generic: Figures };
  crossValidated: { rule: Figures; generic: Figures };
  bySource: Record<string, { rows: number; boilerplate: number }>;
}

/**
 * Labels, cross-validates by page, chooses each path's threshold on the out-of-fold probabilities of its own
 * rows (engine fixtures: the rule path, read by the engine's selectors; dev corpus: the generic extractor), and
 * fits on everything.
 */
export function train(rows: readonly Row[] = labelledRows()): TrainResult {
  const oof = outOfFold(rows);
  const part = (src: Row['source']) => {
    const idx = rows.map((r, i) => (r.source === src ? i : -1)).filter((i) => i >= 0);
    return { rows: idx.map((i) => rows[i]!), oof: idx.map((i) => oof[i]!) };
  };
  const engine = part('engine');
  const dev = part('dev');
  const threshold = chooseThreshold(engine.rows, engine.oof);
  const genericThreshold = choosePrecisionThreshold(dev.rows, dev.oof);
  const model = { ...fit(rows), threshold, genericThreshold };
  const prob = (list: readonly Row[]) => list.map((r) => probability(model, r.x));
  const bySource: Record<string, { rows: number; boilerplate: number }> = {};
  for (const r of rows) {
    const s = (bySource[r.source] ??= { rows: 0, boilerplate: 0 });
    s.rows++;
    s.boilerplate += r.y;
  }
  return {
    model,
    training: {
      rule: figures(engine.rows, prob(engine.rows), threshold, model.minSignals),
      generic: figures(dev.rows, prob(dev.rows), genericThreshold, model.minSignals),
    },
    crossValidated: {
      rule: figures(engine.rows, engine.oof, threshold, model.minSignals),
      generic: figures(dev.rows, dev.oof, genericThreshold, model.minSignals),
    },
    bySource,
  };
}

function round(m: BoilerplateModel): BoilerplateModel {
  const r = (v: number) => Math.round(v * 1e6) / 1e6;
  return { ...m, mean: m.mean.map(r), scale: m.scale.map(r), weights: m.weights.map(r), bias: r(m.bias) };
}

export function formatFigures(name: string, f: Figures): string {
  return `  ${name.padEnd(40)} P ${f.precision.toFixed(3)}  R ${f.recall.toFixed(3)}  F1 ${f.f1.toFixed(3)}  text dropped ${f.falseDrops} of ${f.rows - f.boilerplate}`;
}

/** The training and cross-validated figures of both paths, one line each. */
export function formatTrainResult(r: TrainResult): string[] {
  return [
    formatFigures(`engine rows, threshold ${r.model.threshold}, training`, r.training.rule),
    formatFigures(`engine rows, threshold ${r.model.threshold}, 5-fold CV`, r.crossValidated.rule),
    formatFigures(`dev rows, threshold ${r.model.genericThreshold}, training`, r.training.generic),
    formatFigures(`dev rows, threshold ${r.model.genericThreshold}, 5-fold CV`, r.crossValidated.generic),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = train();
  console.log(`labelled paragraphs: ${JSON.stringify(r.bySource)}; at least ${r.model.minSignals} signal families`);
  for (const line of formatTrainResult(r)) console.log(line);
  const top = FEATURE_NAMES.map((f, i) => [f, r.model.weights[i]!] as const).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  console.log(`  weights: ${top.map(([f, w]) => `${f} ${w.toFixed(2)}`).join(', ')}`);
  if (process.argv.includes('--write')) {
    writeFileSync(WEIGHTS_FILE, `${JSON.stringify(round(r.model), null, 1)}\n`);
    console.log(`wrote ${WEIGHTS_FILE}`);
  }
}

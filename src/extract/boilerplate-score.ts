/**
 * The boilerplate scorer: a logistic regression over the signals of boilerplate-features.ts, with weights
 * fitted on labelled paragraphs by scripts/train-boilerplate.ts and shipped as data (boilerplate-weights.json).
 * A paragraph is dropped when its probability of being boilerplate reaches the model's threshold AND it shows
 * at least `minSignals` of the boilerplate signals: one signal alone (a sentence that mentions Telegram, or
 * the outlet, or is short) never drops a sentence. Pure: the model is data, passed in or the shipped default.
 */
import SHIPPED from './boilerplate-weights.json' with { type: 'json' };
import { FEATURE_NAMES, boilerplateFeatures, signalCount, type PageContext, type ParagraphInfo } from './boilerplate-features.js';
import { isBoilerplateLine } from './text.js';

export interface BoilerplateModel {
  /** Feature names in vector order; must equal FEATURE_NAMES. */
  features: string[];
  /** Standardisation: x' = (x − mean) / scale. */
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
  /** Probability at or above which a paragraph of a rule's body (the engine's text blocks) is boilerplate. */
  threshold: number;
  /**
   * The same for the generic extractor's paragraphs, whose candidate comes from an unknown page layout: a
   * stricter operating point (see README "Boilerplate inside the body").
   */
  genericThreshold: number;
  /** Boilerplate signals a paragraph must show before it can be dropped. */
  minSignals: number;
}

/** How the extractors use the scorer: the model (null: score nothing, drop nothing) and an observer for training. */
export interface BoilerplateOptions {
  model?: BoilerplateModel | null;
  /** Called with every body's paragraphs, their features and scores (the training script collects them). */
  observe?: (rows: readonly ScoredParagraph[], ctx: PageContext) => void;
  /**
   * Training only: `false` leaves out the extractors' other line filters (whole-line patterns, the generic
   * extractor's link-line test), so that the lines they drop are scored and observed too.
   */
  filters?: false;
}

export interface ScoredParagraph {
  info: ParagraphInfo;
  features: number[];
  probability: number;
  signals: number;
  drop: boolean;
}

/** Checks a model's shape against the feature list; throws naming what is wrong. */
export function checkModel(m: BoilerplateModel): BoilerplateModel {
  const n = FEATURE_NAMES.length;
  if (m.features.length !== n || m.features.some((f, i) => f !== FEATURE_NAMES[i])) {
    throw new Error(`boilerplate model: features ${JSON.stringify(m.features)} do not match ${JSON.stringify(FEATURE_NAMES)}; retrain with scripts/train-boilerplate.ts`);
  }
  if (!(m.threshold > 0 && m.threshold <= 1 && m.genericThreshold > 0 && m.genericThreshold <= 1)) throw new Error('boilerplate model: thresholds must be in (0, 1]');
  for (const k of ['mean', 'scale', 'weights'] as const) {
    if (m[k].length !== n || m[k].some((v) => !Number.isFinite(v))) throw new Error(`boilerplate model: ${k} must hold ${n} finite numbers`);
  }
  return m;
}

/** The shipped model. */
export const DEFAULT_MODEL: BoilerplateModel = checkModel(SHIPPED as BoilerplateModel);

/** Probability that a feature vector is boilerplate. */
export function probability(m: BoilerplateModel, x: readonly number[]): number {
  let z = m.bias;
  for (let i = 0; i < m.weights.length; i++) z += m.weights[i]! * (((x[i] ?? 0) - m.mean[i]!) / (m.scale[i] || 1));
  return 1 / (1 + Math.exp(-z));
}

/** Scores every paragraph of one body. */
export function scoreParagraphs(paragraphs: readonly ParagraphInfo[], ctx: PageContext, model: BoilerplateModel | null = DEFAULT_MODEL): ScoredParagraph[] {
  const features = boilerplateFeatures(paragraphs, ctx);
  return paragraphs.map((info, i) => {
    const x = features[i]!;
    const p = model ? probability(model, x) : 0;
    const signals = signalCount(x);
    const threshold = model ? (ctx.source === 'generic' ? model.genericThreshold : model.threshold) : 1;
    return { info, features: x, probability: p, signals, drop: model !== null && p >= threshold && signals >= model.minSignals };
  });
}

/**
 * The scorer never takes more than this share of a body's text: boilerplate is the small part of a page, and a
 * page whose whole text looks like a promo (a blog post about the blog) is still the page's text.
 */
export const MAX_DROPPED_SHARE = 0.25;

/**
 * Marks the drops that fit in the budget (MAX_DROPPED_SHARE of the body's characters), the most certain first;
 * the others are kept.
 */
export function applyBudget(scored: ScoredParagraph[]): ScoredParagraph[] {
  const total = scored.reduce((n, s) => n + s.info.text.length, 0);
  let budget = total * MAX_DROPPED_SHARE;
  const order = scored.filter((s) => s.drop).sort((a, b) => b.probability - a.probability);
  const allowed = new Set<ScoredParagraph>();
  for (const s of order) {
    if (s.info.text.length > budget) continue;
    budget -= s.info.text.length;
    allowed.add(s);
  }
  return scored.map((s) => (s.drop && !allowed.has(s) ? { ...s, drop: false } : s));
}

/** The paragraphs the scorer keeps, in order. */
export function dropScoredBoilerplate(paragraphs: readonly ParagraphInfo[], ctx: PageContext, opts: BoilerplateOptions = {}): ParagraphInfo[] {
  if (paragraphs.length === 0) return [];
  const model = opts.model === undefined ? DEFAULT_MODEL : opts.model;
  const scored = applyBudget(scoreParagraphs(paragraphs, ctx, model));
  opts.observe?.(scored, ctx);
  return scored.filter((s) => !s.drop).map((s) => s.info);
}

/**
 * The whole-line patterns applied to paragraphs with their markup facts: a matching paragraph is dropped; a
 * paragraph of several lines loses only the matching lines (as text.ts dropBoilerplate does).
 */
export function dropPatternLines(paragraphs: readonly ParagraphInfo[], patterns: readonly RegExp[]): ParagraphInfo[] {
  const out: ParagraphInfo[] = [];
  for (const p of paragraphs) {
    if (isBoilerplateLine(p.text, patterns)) continue;
    const lines = p.text.split('\n');
    if (lines.length === 1) {
      out.push(p);
      continue;
    }
    const text = lines.filter((l) => !isBoilerplateLine(l, patterns)).join('\n').trim();
    if (text !== '') out.push(text === p.text ? p : { ...p, text });
  }
  return out;
}

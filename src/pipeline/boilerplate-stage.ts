/**
 * The boilerplate stage: boilerplate learned per site, around the extract and store steps of processArticle
 * (stages.ts). The rules of counting and learning are in src/store/boilerplate.ts, the text side (paragraph keys,
 * what a learned set drops, what `keepParagraphs` keeps) in src/extract/learned.ts.
 *
 *   cleanExtracted:  Article as extracted → the Article without the host's learned paragraphs, and the keys of every
 *                    paragraph it had (the learned set is plain data read from storage, cached per host briefly)
 *   learnFromStored: those keys + the StoredArticle → counted for (host, story) in storage; a paragraph that reaches
 *                    `boilerplate.minStories` is learned, and the host's stored articles are re-cleaned
 *   recleanHost:     the host's stored articles after its cursor, a batch at a time: each article's alert document
 *                    (its search index entry) and then the article itself (current revision, item copies, dedup
 *                    fingerprint) lose the learned paragraphs. No alert rule runs on them again: a re-cleaned
 *                    article never alerts a second time.
 *
 * Workers share the counts, the learned sets and the re-cleaning cursor through storage, so the embedded and the
 * bullmq driver behave alike. An article cleaned with a learned set that was already out of date (another worker
 * learned meanwhile) is re-cleaned right after it is stored. Nothing here fails the ingestion of an article: an
 * error is logged, and the article is stored as extracted.
 */
import { compilePattern } from '../regex/linear.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { canonicalUrl } from '../dedup/canonical-url.js';
import { applyLearned, keepSources, keptParagraphs, type KeyedParagraph, type LearnedBoilerplate } from '../extract/learned.js';
import { DROP_FLAGS } from '../extract/rule-schema.js';
import { buildAlertDoc } from '../alerts/match.js';
import type { Field } from '../alerts/rule-parser.js';
import type { AnalyzedText } from '../alerts/morphology.js';
import type { Logger } from '../log.js';
import type { Article, StoredArticle } from '../model.js';
import type { Store } from '../store/store.js';
import type { AlertEngine } from './alert-stage.js';

export interface BoilerplateSettings {
  minStories: number;
  windowMs: number;
  maxPerHost: number;
}

export interface LearnerOptions {
  /** How long a host's learned set read from storage is used before it is read again. Default 60 s. */
  cacheMs?: number;
  /** Each host's old counts are pruned at most this often by this process. Default 10 minutes. */
  pruneEveryMs?: number;
  /** Articles per re-cleaning batch. Default 100. */
  recleanBatch?: number;
  /** Most batches one article's job re-cleans; the host's later articles carry on from the cursor. Default 20. */
  recleanBatches?: number;
}

/** Most hosts whose learned set one process keeps in memory (a new host beyond it empties the cache). */
const MAX_CACHED_HOSTS = 10_000;

/** What the stage keeps per process: the settings, the learned sets read lately, when each host was last pruned. */
export class BoilerplateLearner {
  readonly cacheMs: number;
  readonly pruneEveryMs: number;
  readonly recleanBatch: number;
  readonly recleanBatches: number;
  private readonly cache = new Map<string, { hashes: ReadonlySet<string>; at: number }>();
  private readonly prunedAt = new Map<string, number>();

  constructor(
    readonly settings: BoilerplateSettings,
    opts: LearnerOptions = {},
  ) {
    this.cacheMs = opts.cacheMs ?? 60_000;
    this.pruneEveryMs = opts.pruneEveryMs ?? 10 * 60_000;
    this.recleanBatch = opts.recleanBatch ?? 100;
    this.recleanBatches = opts.recleanBatches ?? 20;
  }

  /** The host's learned keys: from the cache while fresh, else from storage. */
  async learned(host: string, store: Pick<Store, 'learnedBoilerplate'>, now: number): Promise<ReadonlySet<string>> {
    const hit = this.cache.get(host);
    if (hit && now - hit.at < this.cacheMs) return hit.hashes;
    const hashes = new Set(await store.learnedBoilerplate(host));
    this.remember(host, hashes, now);
    return hashes;
  }

  remember(host: string, hashes: Iterable<string>, now: number): void {
    if (!this.cache.has(host) && this.cache.size >= MAX_CACHED_HOSTS) this.cache.clear();
    this.cache.set(host, { hashes: new Set(hashes), at: now });
  }

  /** Whether this process prunes the host now (and, if so, notes that it did). */
  duePrune(host: string, now: number): boolean {
    const last = this.prunedAt.get(host);
    if (last !== undefined && now - last < this.pruneEveryMs) return false;
    if (last === undefined && this.prunedAt.size >= MAX_CACHED_HOSTS) this.prunedAt.clear();
    this.prunedAt.set(host, now);
    return true;
  }
}

export interface BoilerplateDeps {
  config: Pick<Config, 'sites'>;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Absent: the feature is off. */
  boilerplate?: BoilerplateLearner | undefined;
  /** For the alert documents (search index) of re-cleaned articles; absent: there are none. */
  alerts?: AlertEngine | undefined;
}

/** What `cleanExtracted` hands on to `learnFromStored`. */
export interface Learning {
  host: string;
  keys: KeyedParagraph[];
  /** The `keepParagraphs` patterns (sources) of the host's site rules. */
  keep: string[];
  /** Paragraphs the learned set dropped from this article. */
  dropped: number;
}

/** The host whose boilerplate a page shares: its canonical URL's (lower case, no www./m., port when not default). */
export function canonicalHost(url: string): string | null {
  try {
    return new URL(canonicalUrl(url)).host || null;
  } catch {
    return null;
  }
}

function learnedSet(hashes: ReadonlySet<string>, keep: readonly string[]): LearnedBoilerplate {
  return { hashes, keep: keep.map((p) => compilePattern(p, DROP_FLAGS)) };
}

/** The article without its host's learned boilerplate (as extracted when the feature is off or fails). */
export async function cleanExtracted(article: Article, finalUrl: string, deps: BoilerplateDeps): Promise<{ article: Article; learning: Learning | null }> {
  const learner = deps.boilerplate;
  const host = learner ? canonicalHost(finalUrl) : null;
  if (!learner || host === null) return { article, learning: null };
  const keep = keepSources(deps.config.sites, finalUrl);
  let hashes: ReadonlySet<string> = new Set();
  try {
    hashes = await learner.learned(host, deps.store, deps.clock.now());
  } catch (err) {
    deps.logger.warn({ host, err }, 'learned boilerplate could not be read; the article is kept as extracted');
  }
  const applied = applyLearned(article, learnedSet(hashes, keep));
  return { article: applied.article, learning: { host, keys: applied.keys, keep, dropped: applied.dropped } };
}

export interface LearnReport {
  newlyLearned: string[];
  /** Articles re-cleaned by this call (this one included when its learned set was out of date). */
  recleaned: number;
}

/**
 * Count the stored article's paragraphs for its host and story, learn what reached the threshold, and re-clean:
 * this article when it still holds a learned paragraph, and the host's stored articles when re-cleaning is pending.
 * Errors are logged, never thrown.
 */
export async function learnFromStored(learning: Learning, stored: StoredArticle, article: Article, deps: BoilerplateDeps): Promise<LearnReport | null> {
  const learner = deps.boilerplate;
  if (!learner) return null;
  const { host } = learning;
  try {
    const now = deps.clock.now();
    const res = await deps.store.recordParagraphs({
      host,
      story: String(stored.clusterId),
      paragraphs: learning.keys,
      at: new Date(now).toISOString(),
      ...learner.settings,
      prune: learner.duePrune(host, now),
    });
    learner.remember(host, res.learned, now);
    if (res.newlyLearned.length > 0) {
      const samples = learning.keys.filter((k) => res.newlyLearned.includes(k.hash)).map((k) => k.sample);
      deps.logger.info({ host, learned: res.newlyLearned.length, samples }, 'boilerplate learned');
    }
    const hashes = new Set(res.learned);
    let recleaned = 0;
    // Cleaned with a set that was out of date: clean it now (the host's pass may have gone past it already).
    if (keptParagraphs(article.paragraphs, learnedSet(hashes, learning.keep)) !== null) {
      await recleanArticle(stored.articleId, hashes, learning.keep, deps);
      recleaned++;
    }
    if (res.recleanAfter !== null) recleaned += await recleanHost(host, res.recleanAfter, learning.keep, deps);
    return { newlyLearned: res.newlyLearned, recleaned };
  } catch (err) {
    deps.logger.error({ host, article_id: stored.articleId, err }, 'boilerplate learning failed');
    return null;
  }
}

/**
 * Re-clean the host's stored articles from the cursor `after`, at most `recleanBatches` batches; returns the articles
 * that changed. Stops when another worker moved the cursor (it goes on from there) or a new paragraph was learned
 * (its learner starts over).
 */
export async function recleanHost(host: string, after: number, keep: string[], deps: BoilerplateDeps): Promise<number> {
  const learner = deps.boilerplate;
  if (!learner) return 0;
  let cursor = after;
  let changed = 0;
  for (let batch = 0; batch < learner.recleanBatches; batch++) {
    const hashes = new Set(await deps.store.learnedBoilerplate(host));
    const articles = await deps.store.recleanCandidates({ host, afterId: cursor, limit: learner.recleanBatch });
    for (const a of articles) {
      if (await recleanArticle(a.articleId, hashes, keep, deps)) changed++;
    }
    const next = articles.length === learner.recleanBatch ? articles.at(-1)!.articleId : null;
    if (!(await deps.store.moveRecleanCursor(host, cursor, next)) || next === null) break;
    cursor = next;
  }
  if (changed > 0) deps.logger.info({ host, articles: changed }, 'stored articles cleaned of learned boilerplate');
  return changed;
}

/** One stored article: its alert document first, then the article (so a crash in between leaves it to redo). */
async function recleanArticle(articleId: number, hashes: ReadonlySet<string>, keep: string[], deps: BoilerplateDeps): Promise<boolean> {
  const learned = learnedSet(hashes, keep);
  let docChanged = false;
  const lem = deps.alerts?.lemmatizer;
  if (lem) {
    const doc = await deps.store.getAlertDoc(articleId);
    const kept = doc && doc.body !== '' ? keptParagraphs(doc.body.split('\n\n'), learned) : null;
    if (doc && kept) {
      const body = kept.join('\n\n');
      const reused: Partial<Record<Field, AnalyzedText>> = { ...doc.analyzed };
      delete reused.body;
      const analyzed = buildAlertDoc({ title: doc.title, lead: doc.lead, body, feed: doc.feed, tags: doc.tags, analyzed: reused }, lem, deps.alerts!.maxTokens).analyzed;
      // Saved as the document it was, with the clean body: its rules are not run again, so nothing alerts twice.
      await deps.store.saveAlertDoc({ ...doc, body, analyzed });
      docChanged = true;
    }
  }
  const r = await deps.store.recleanArticle({ articleId, hashes: [...hashes], keep });
  return docChanged || r.dropped > 0 || r.items > 0;
}

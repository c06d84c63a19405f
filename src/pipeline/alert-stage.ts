/**
 * The alert stage: StoredArticle ─match→ AlertMatch[] ─deliver→ Delivery.
 *
 *  - `matchAlerts(stored, deps)` runs right after an article is stored. It analyses the article's fields (tokens +
 *    lemma keys: the search index entry of its alert document, which feeds `feedwatch search`; the analyses
 *    themselves are not stored) and, with the engine's `regexes` (the CPU pool), finds where the rules' regex terms
 *    match it, so that no user regex runs over it here; then runs every enabled rule and enqueues one alert per
 *    (rule, story cluster): a republished or updated story does not alert again. A sighting of a text already stored, with no rules, costs
 *    one read and no analysis.
 *  - `deliverAlerts(deps)` is one delivery pass (src/alerts/deliver.ts): the drivers call it on their timer.
 *  - `createAlertEngine(config)` builds, once per process, what both need: the lemmatizer (dictionaries loaded
 *    once), the rules compiled with it, the channels with their secrets read from the environment, the policy.
 *
 * An item whose page failed for good is matched on what its feed gave (title, and the description as the lead):
 * an alert user should not miss a story because its page 404s. It has no article row, so its alert document is
 * stored under the article id −itemId and its story cluster is "item:<itemId>" (`feedOnlyKey`).
 */
import type { Clock } from '../clock.js';
import type { ChannelDeps } from '../alerts/channels/index.js';
import { createChannels, type Channel } from '../alerts/channels/index.js';
import type { AlertsConfig, DeliveryPolicy } from '../alerts/config-schema.js';
import { articleLink } from '../dedup/canonical-url.js';
import { deliverPending, enqueueMatch, type DeliverReport } from '../alerts/deliver.js';
import { buildAlertDoc, compileRule, matchRule, regexTermsOf, type CompiledRule, type MatchSpan, type RegexHits, type RegexTerm } from '../alerts/match.js';
import { alertItem, type AlertItem } from '../alerts/message.js';
import { loadMorphology, type AnalyzedText, type Lemmatizer } from '../alerts/morphology.js';
import type { Field } from '../alerts/rule-parser.js';
import { FeedwatchError } from '../errors.js';
import { parseHtmlWithinBudget } from '../extract/html-budget.js';
import { inlineText } from '../extract/text.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Article, FeedItem } from '../model.js';
import type { AlertDocRecord, AlertStore } from '../store/alerts.js';

export interface AlertRule {
  name: string;
  channels: string[];
  /** Digest window in ms; absent for immediate alerts. */
  digest?: number | undefined;
  compiled: CompiledRule;
}

/** Runs regex terms over field texts (runRegexTerms), e.g. as the CPU pool's 'regex' task. */
export type RegexRunner = (fields: Partial<Record<Field, string>>, terms: RegexTerm[]) => Promise<RegexHits>;

/** What the alert stage needs, built once per process by `createAlertEngine`. */
export interface AlertEngine {
  lemmatizer: Lemmatizer;
  /** Tokens of one field analysed at most (`budgets.analyzedTokens`); the rest of a longer field is not. */
  maxTokens: number;
  /**
   * Analyse field texts with `lemmatizer`'s key scheme elsewhere (app.ts: in the CPU pool, under its budgets).
   * Absent: analysed here, in the calling thread.
   */
  analyse?: (fields: Partial<Record<Field, string>>, maxTokens: number) => Promise<Partial<Record<Field, AnalyzedText>>>;
  /**
   * Run the rules' regex terms over field texts elsewhere (app.ts: in the CPU pool, under its budgets), so that no
   * user regex runs over an article in the calling thread. Absent: matchRule runs them here.
   */
  regexes?: RegexRunner;
  /** Enabled rules only. */
  rules: readonly AlertRule[];
  channels: ReadonlyMap<string, Channel>;
  policy: DeliveryPolicy;
}

export interface AlertStageDeps {
  store: AlertStore;
  clock: Clock;
  logger: Logger;
  alerts: AlertEngine;
  metrics?: Pick<Metrics, 'analysisCut'>;
}

/** An article as the store step hands it on (plain data). */
export interface StoredForAlerts {
  articleId: number;
  clusterId: string | number;
  /** The extracted article; null when the page failed for good (the feed's title and description stand in). */
  article: Article | null;
  /** The feed item that brought it. */
  item: FeedItem;
  /** The page's final URL, when known. */
  url?: string | null;
  /** The feed's tags from the config. */
  feedTags?: readonly string[];
  /**
   * The store call that handed this article on created its row (a new article, not a retried job's repeat): no
   * alert document can exist yet under its new id, so none is looked up.
   */
  fresh?: boolean;
}

export interface AlertsSummary {
  articleId: number;
  /** Fields analysed by this call (0 when the stored analysis served). */
  analyzedFields: number;
  /** Rules that matched. */
  matched: string[];
  /** Rules that matched a story they had not alerted on yet: one delivery per channel was queued. */
  queued: string[];
}

/** Compile the enabled rules of the config with `lem` (the config schema has already checked they parse). */
export function compileAlertRules(rules: AlertsConfig['rules'], lem: Lemmatizer): AlertRule[] {
  return rules
    .filter((r) => r.enabled)
    .map((r) => ({ name: r.name, channels: [...r.channels], digest: r.digest, compiled: compileRule(r.query, lem, r.query) }));
}

/** Load the lemmatizer (once per process), compile the rules and build the channels (secrets read here, once). */
export async function createAlertEngine(
  config: AlertsConfig,
  deps: ChannelDeps & { lemmatizer?: Lemmatizer; maxTokens?: number; analyse?: AlertEngine['analyse']; regexes?: RegexRunner },
): Promise<AlertEngine> {
  const lemmatizer = deps.lemmatizer ?? (await loadMorphology());
  return {
    lemmatizer,
    maxTokens: deps.maxTokens ?? DEFAULT_ANALYZED_TOKENS,
    ...(deps.analyse ? { analyse: deps.analyse } : {}),
    ...(deps.regexes ? { regexes: deps.regexes } : {}),
    rules: compileAlertRules(config.rules, lemmatizer),
    channels: createChannels(config, deps),
    policy: config.delivery,
  };
}

/** Tokens of one field analysed at most, unless the config says otherwise (`budgets.analyzedTokens`). */
export const DEFAULT_ANALYZED_TOKENS = 10_000;

/** Article id and cluster id under which a feed entry without an article (its page failed for good) is kept. */
export function feedOnlyKey(itemId: number): { articleId: number; clusterId: string } {
  return { articleId: -itemId, clusterId: `item:${itemId}` };
}

/**
 * A feed description as text: markup dropped, block elements and <br> as line breaks. Markup over the parser's
 * work budget (nested thousands deep) is not parsed: its tags are cut out and the text kept on one line.
 */
export function descriptionText(description: string | null): string {
  if (!description) return '';
  if (!/[<&]/.test(description)) return description.trim();
  try {
    return inlineText(parseHtmlWithinBudget(description));
  } catch (err) {
    if (!(err instanceof FeedwatchError && err.kind === 'too-complex')) throw err;
    return description.replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  }
}

/** The field texts of an alert document, and what an alert about it says. */
export type DocTexts = Omit<AlertDocRecord, 'analyzed' | 'storedAt'>;

/**
 * The link an alert (and search) gives for an article: the page's canonical URL when the dedup stage's rule trusts
 * it, else the URL fetched (or the feed's link, when the page failed) without tracking parameters.
 */
function linkOf(seen: string | null, pageCanonical: string | null): string | null {
  if (!seen) return pageCanonical;
  return articleLink(seen, { pageCanonical });
}

/** The field texts of a stored article (or of a feed entry standing in for it). */
export function alertDocTexts(stored: StoredForAlerts): DocTexts {
  const { article, item } = stored;
  const tags = [...new Set([...(article?.tags ?? []), ...item.categories, ...(stored.feedTags ?? [])].map((t) => t.trim()).filter(Boolean))];
  return {
    articleId: stored.articleId,
    clusterId: String(stored.clusterId),
    feed: item.feedName,
    url: linkOf(stored.url ?? item.link, article?.canonicalUrl ?? null),
    title: (article?.title?.trim() ? article.title : item.title) ?? '',
    lead: article ? (article.lead ?? '') : descriptionText(item.description),
    body: article ? article.paragraphs.join('\n\n') : '',
    tags,
    publishedAt: article?.publishedAt ?? item.publishedAt,
  };
}

/** What an alert about this document says: its title, lead, link, feed and time, with the matched terms. */
export function alertItemOf(texts: DocTexts, spans: readonly MatchSpan[]): AlertItem {
  return alertItem({ title: texts.title, lead: texts.lead || null, url: texts.url, feed: texts.feed, publishedAt: texts.publishedAt }, spans);
}

const FIELD_TEXT: Record<Field, (d: DocTexts) => string> = {
  title: (d) => d.title,
  lead: (d) => d.lead,
  body: (d) => d.body,
  feed: (d) => d.feed,
  tag: (d) => d.tags.join('\n'),
};

/**
 * Match a stored article against every rule and queue the alerts; store its analysis when it is new or its text
 * changed. Returns what matched. Storage errors propagate (the caller decides whether to retry).
 */
export async function matchAlerts(stored: StoredForAlerts, deps: AlertStageDeps): Promise<AlertsSummary> {
  const { store, clock, alerts } = deps;
  const lem = alerts.lemmatizer;
  const texts = alertDocTexts(stored);
  const previous = stored.fresh === true ? null : await store.getAlertDoc(stored.articleId);
  // A later sighting of the same text (from another feed, say) keeps the document of the first; a new text, or a
  // document keyed by another lemmatizer, replaces it.
  const keep = previous !== null && previous.analyzedBy === lem.id && (['title', 'lead', 'body'] as const).every((f) => FIELD_TEXT[f](previous) === FIELD_TEXT[f](texts));
  // With no rules, a kept document needs no analysis: nothing to save, nothing to match.
  if (keep && alerts.rules.length === 0) return { articleId: stored.articleId, analyzedFields: 0, matched: [], queued: [] };

  // The store keeps no analyses (matching and search make them when they need them): any the stored record carries
  // are reused, the rest analysed here.
  const reused: Partial<Record<Field, AnalyzedText>> = {};
  if (previous) {
    for (const f of Object.keys(FIELD_TEXT) as Field[]) {
      if (previous.analyzed[f]?.by === lem.id && FIELD_TEXT[f](previous) === FIELD_TEXT[f](texts)) reused[f] = previous.analyzed[f];
    }
  }
  const [fresh, regex] = await Promise.all([analyseMissing(texts, reused, deps), alertRegexes(texts, deps)]);
  const analysed = buildAlertDoc({ title: texts.title, lead: texts.lead, body: texts.body, feed: texts.feed, tags: texts.tags, analyzed: { ...reused, ...fresh } }, lem, alerts.maxTokens);
  const doc = regex === undefined ? analysed : { ...analysed, regex };
  const analyzedFields = 5 - Object.keys(reused).length;
  const cut = (Object.keys(FIELD_TEXT) as Field[]).filter((f) => reused[f] === undefined && doc.analyzed[f].cut);
  if (cut.length > 0) {
    deps.metrics?.analysisCut.inc(cut.length);
    deps.logger.info({ article_id: stored.articleId, feed: texts.feed, fields: cut, max_tokens: alerts.maxTokens }, 'analysis cut: only the first tokens of a long field are analysed');
  }
  if (!keep) {
    await store.saveAlertDoc({ ...texts, analyzed: doc.analyzed, storedAt: new Date(clock.now()).toISOString() });
  }

  const summary: AlertsSummary = { articleId: stored.articleId, analyzedFields, matched: [], queued: [] };
  for (const rule of alerts.rules) {
    const m = matchRule(rule.compiled, doc);
    if (!m.match) continue;
    summary.matched.push(rule.name);
    const created = await enqueueMatch({ store, clock }, rule, { clusterId: texts.clusterId, articleId: stored.articleId, item: alertItemOf(texts, m.spans) });
    if (created) summary.queued.push(rule.name);
  }
  if (summary.matched.length > 0) {
    deps.logger.info({ article_id: stored.articleId, cluster_id: texts.clusterId, feed: texts.feed, matched: summary.matched, queued: summary.queued }, 'alert rules matched');
  }
  return summary;
}

/**
 * The analyses of the fields not reused, made by the engine's `analyse` (the CPU pool) when it has one; else none
 * (buildAlertDoc makes them here). A field whose analysis ran over the pool's budgets is kept with no tokens, marked
 * cut: the article is still stored and matched on the rest and on regexes, instead of failing again and again.
 */
async function analyseMissing(texts: DocTexts, reused: Partial<Record<Field, AnalyzedText>>, deps: AlertStageDeps): Promise<Partial<Record<Field, AnalyzedText>>> {
  const { alerts } = deps;
  if (!alerts.analyse) return {};
  const missing = (Object.keys(FIELD_TEXT) as Field[]).filter((f) => reused[f] === undefined);
  if (missing.length === 0) return {};
  const fields = Object.fromEntries(missing.map((f) => [f, FIELD_TEXT[f](texts)])) as Partial<Record<Field, string>>;
  try {
    return await alerts.analyse(fields, alerts.maxTokens);
  } catch (err) {
    if (!(err instanceof FeedwatchError) || (err.kind !== 'too-slow' && err.kind !== 'too-complex')) throw err;
    deps.logger.warn({ article_id: texts.articleId, feed: texts.feed, error_kind: err.kind, error: err.message }, 'analysis over budget: fields kept unanalysed');
    const empty = (): AnalyzedText => ({ by: alerts.lemmatizer.id, starts: [], ends: [], keys: [], cut: true });
    return Object.fromEntries(missing.map((f) => [f, empty()]));
  }
}

const termsCache = new WeakMap<readonly AlertRule[], RegexTerm[]>();

/**
 * Where the engine's rules' regex terms match the document, found by the engine's `regexes` (the CPU pool); undefined
 * when it has none (matchRule then runs them). Over the pool's budgets, the failure is logged and the regex terms
 * match nothing in this article (as an analysis over budget leaves its fields unanalysed).
 */
async function alertRegexes(texts: DocTexts, deps: AlertStageDeps): Promise<RegexHits | undefined> {
  const { alerts } = deps;
  if (!alerts.regexes) return undefined;
  let terms = termsCache.get(alerts.rules);
  if (!terms) termsCache.set(alerts.rules, (terms = regexTermsOf(alerts.rules.map((r) => r.compiled))));
  return regexHitsOf(texts, terms, alerts.regexes, (err) =>
    deps.logger.warn({ article_id: texts.articleId, feed: texts.feed, error_kind: err.kind, error: err.message }, 'alert regexes over budget: they match nothing in this article'),
  );
}

/**
 * `terms` run by `run` over the fields of `texts` they look in. A run ended over the CPU pool's budgets ('too-slow',
 * 'too-complex', 'too-large') is told to `overBudget` and gives no hits; any other failure propagates.
 */
export async function regexHitsOf(texts: DocTexts, terms: RegexTerm[], run: RegexRunner, overBudget: (err: FeedwatchError) => void): Promise<RegexHits> {
  if (terms.length === 0) return {};
  const fields = Object.fromEntries([...new Set(terms.flatMap((t) => t.fields))].map((f) => [f, FIELD_TEXT[f](texts)])) as Partial<Record<Field, string>>;
  try {
    return await run(fields, terms);
  } catch (err) {
    if (!(err instanceof FeedwatchError) || (err.kind !== 'too-slow' && err.kind !== 'too-complex' && err.kind !== 'too-large')) throw err;
    overBudget(err);
    return {};
  }
}

/** One delivery pass over what is due; null when the process has no alert engine. */
export async function deliverAlerts(deps: {
  store: AlertStore;
  clock: Clock;
  logger: Logger;
  alerts?: AlertEngine | undefined;
  metrics?: Partial<Metrics> | undefined;
}): Promise<DeliverReport | null> {
  if (!deps.alerts) return null;
  const report = await deliverPending({ store: deps.store, clock: deps.clock, logger: deps.logger, channels: deps.alerts.channels, policy: deps.alerts.policy, metrics: deps.metrics });
  if (report.delivered + report.retrying + report.failed > 0) deps.logger.info({ ...report }, 'alert delivery pass');
  return report;
}

/** The configured tags of a feed (what `tag:` also looks in). */
export function feedTagsOf(config: { feeds: readonly { name: string; tags: readonly string[] }[] }, feedName: string): string[] {
  return [...(config.feeds.find((f) => f.name === feedName)?.tags ?? [])];
}

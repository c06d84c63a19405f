/**
 * The stages of the pipeline wired to their dependencies. Each stage takes one plain value and returns the
 * next; the I/O it needs (HTTP, storage, clock) comes in through `deps`. The embedded driver and the
 * queue driver both call these same functions.
 *
 *   pollFeed:      Feed → FetchedResponse → FeedItem[] → new StoredItem[]   (one transaction per poll)
 *   processArticle: StoredItem → ArticlePage → Article → deduplicated and stored (dedup-stage.ts; or a recorded
 *                   failure, retried later)
 */
import type { Clock, Random } from '../clock.js';
import type { Config } from '../config/load.js';
import { describeError, FeedwatchError } from '../errors.js';
import type { Logger } from '../log.js';
import { observeStage, timeStage, type Metrics } from '../metrics.js';
import type { Article, DecodedText, Feed, FeedItem, FeedState, FetchedResponse, PollOutcome, StoredArticle, StoredItem } from '../model.js';
import type { Store } from '../store/store.js';
import type { StorageGate } from '../store/fault-gate.js';
import type { FetchOptions } from '../fetch/http.js';
import { stripControlsDeep } from '../control-chars.js';
import type { ParseOptions } from '../feed/parse.js';
import { nextPollDelay } from './schedule.js';
import type { PollTally } from './poll-tally.js';
import type { ExtractedPage, ParsedFeed } from '../cpu/tasks.js';
import { dedupArticle } from './dedup-stage.js';
import { cleanExtracted, learnFromStored, type BoilerplateLearner } from './boilerplate-stage.js';
import { feedOnlyKey, feedTagsOf, matchAlerts, type AlertEngine } from './alert-stage.js';

export interface StageDeps {
  config: Config;
  store: Store;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** HTTP GET (src/fetch/http.ts `fetchUrl`, wrapped by the per-host limiter). */
  fetch: (url: string, opts: FetchOptions) => Promise<FetchedResponse>;
  /**
   * Page → clean article (src/extract `extractArticle` with the config's site rules); app.ts runs it in the CPU
   * pool (src/cpu/pool.ts), under its time and memory budgets. `feed` names the page's feed in status output.
   */
  extract: (html: string, url: string, feed?: string) => Article | Promise<Article>;
  /**
   * Body bytes → text (src/fetch/text-body.ts `decodeText`: binary refused, charset chosen and checked); app.ts runs
   * it in the CPU pool. Default: decodeText here.
   */
  decode?: (body: Uint8Array, contentType: string | null, kind: 'xml' | 'html', url: string, feed: string) => Promise<DecodedText>;
  /**
   * Page bytes → clean article in one step (decode, then extract): app.ts runs it as one task of the CPU pool, so
   * that a page crosses to a worker once instead of going there as bytes, back as text and there again. Absent:
   * `decode` then `extract`.
   */
  decodeAndExtract?: (body: Uint8Array, contentType: string | null, url: string, feed: string) => Promise<ExtractedPage>;
  /** Feed text → items (src/feed/parse.ts `parseFeed`); app.ts runs it in the CPU pool. Default: parseFeed here. */
  parseFeed?: (xml: string, feedName: string, opts: ParseOptions) => Promise<FeedItem[]>;
  /**
   * Feed bytes → items in one step (decode, then parse): app.ts runs it as one task of the CPU pool, so that a feed
   * crosses to a worker once, as bytes, instead of going there as bytes, back as text and there again. Absent:
   * `decode` then `parseFeed`.
   */
  decodeAndParseFeed?: (body: Uint8Array, contentType: string | null, url: string, feed: string, opts: ParseOptions) => Promise<ParsedFeed>;
  metrics?: Metrics;
  /** Alert rules, lemmatizer and channels (alert-stage.ts); absent: articles are not matched nor indexed for search. */
  alerts?: AlertEngine;
  /** Boilerplate learned per site (boilerplate-stage.ts); absent: off. */
  boilerplate?: BoilerplateLearner;
  /** Counts the polls for the periodic summary line (poll-tally.ts); absent: no summary. */
  pollTally?: PollTally;
  /** Set when a storage fault stopped work (src/store/fault-gate.ts): the drivers take none until it clears. */
  storageGate?: StorageGate;
}

/**
 * What a poll needs from the feed's last one: its validators for the conditional GET and its run of failures (for
 * the backoff). Storage holds it (`FeedState`); a driver that keeps it from poll to poll (`PollSummary.state`) spares
 * a storage read per poll.
 */
export type PollState = Pick<FeedState, 'etag' | 'lastModified' | 'errorCount'>;

export interface PollSummary {
  feed: string;
  status: number | null;
  notModified: boolean;
  itemsSeen: number;
  newItems: StoredItem[];
  error: string | null;
  /** The feed URL served an HTML page: the feed links the page declares (empty otherwise). */
  declaredFeeds: string[];
  ms: number;
  nextDueAt: string;
  /** The feed's poll state as this poll recorded it (what `recordPoll` wrote). */
  state: PollState;
}

/**
 * One fetch's options in one object (this runs for every poll): the config's HTTP limits, a feed's or a page's size
 * cap, and the request's own headers, validators and Accept.
 */
function fetchOptions(config: Config, kind: 'feed' | 'page', request: Pick<FetchOptions, 'headers' | 'etag' | 'lastModified' | 'accept'>): FetchOptions {
  const h = config.http;
  return {
    userAgent: config.userAgent,
    headers: request.headers,
    etag: request.etag,
    lastModified: request.lastModified,
    accept: request.accept,
    totalTimeoutMs: h.timeout,
    idleTimeoutMs: h.idleTimeout,
    maxBytes: kind === 'feed' ? h.maxFeedSize : h.maxPageSize,
    maxRedirects: h.maxRedirects,
    allowPrivateNetworks: h.allowPrivateNetworks,
  };
}

/**
 * A body as text, through the deps' decoder (the CPU pool) when there is one; else here, with the decoder imported
 * on first use (a process whose pool decodes never loads it).
 */
async function decode(body: Uint8Array, contentType: string | null, kind: 'xml' | 'html', url: string, feed: string, deps: StageDeps): Promise<DecodedText> {
  if (deps.decode) return deps.decode(body, contentType, kind, url, feed);
  return (await import('../fetch/text-body.js')).decodeText(body, contentType, kind, url);
}

/** Feed text → items, through the deps' parser (the CPU pool) when there is one; else here, imported on first use. */
async function parse(xml: string, feedName: string, opts: ParseOptions, deps: StageDeps): Promise<FeedItem[]> {
  if (deps.parseFeed) return deps.parseFeed(xml, feedName, opts);
  return (await import('../feed/parse.js')).parseFeed(xml, feedName, opts);
}

/**
 * Poll one feed: conditional GET, decode, parse, and record state and new items in one transaction. `known` is the
 * feed's poll state when the caller has it (the last poll's `state`, or the FeedState it just read; null: never
 * polled); without it, it is read from storage.
 */
export async function pollFeed(feed: Feed, deps: StageDeps, known?: PollState | null): Promise<PollSummary> {
  const { clock, store, config } = deps;
  const started = clock.now();
  const state = known === undefined ? await store.feedState(feed.name) : known;
  let items: FeedItem[] = [];
  let res: FetchedResponse | null = null;
  let error: { kind: string; message: string } | null = null;
  let retryAfter: number | null = null;
  let errorStatus: number | null = null;
  let charset = null as { charset: string; reason: string } | null;
  let declaredFeeds: string[] = [];
  try {
    const opts = fetchOptions(config, 'feed', { headers: feed.headers, etag: state?.etag ?? null, lastModified: state?.lastModified ?? null });
    // Timed here rather than through timeStage: no closure and no second async frame per poll.
    const t0 = clock.now();
    let fetched: FetchedResponse;
    try {
      fetched = await deps.fetch(feed.url, opts);
    } finally {
      observeStage(deps.metrics, 'poll', clock.now() - t0);
    }
    res = fetched;
    if (!fetched.notModified) {
      items = await timeStage(deps.metrics, clock, 'parse', async () => {
        const type = fetched.headers['content-type'] ?? null;
        const budget = { maxDepth: config.budgets.feedDepth, maxElements: config.budgets.feedElements, documentUrl: fetched.finalUrl };
        if (deps.decodeAndParseFeed) {
          const parsed = await deps.decodeAndParseFeed(fetched.body, type, fetched.finalUrl, feed.name, budget);
          charset = { charset: parsed.charset, reason: parsed.charsetReason };
          return parsed.items;
        }
        const decoded = await decode(fetched.body, type, 'xml', fetched.finalUrl, feed.name, deps);
        charset = { charset: decoded.charset, reason: decoded.charsetReason };
        return parse(decoded.text, feed.name, budget, deps);
      });
    }
  } catch (err) {
    error = describeError(err);
    if (err instanceof FeedwatchError) {
      if (typeof err.context.retryAfterSeconds === 'number') retryAfter = err.context.retryAfterSeconds;
      if (typeof err.context.status === 'number') errorStatus = err.context.status;
      if (err.kind === 'not-a-feed' && Array.isArray(err.context.declaredFeeds)) declaredFeeds = err.context.declaredFeeds.filter((u): u is string => typeof u === 'string');
    }
  }
  const ms = clock.now() - started;
  const errorCount = error ? (state?.errorCount ?? 0) + 1 : 0;
  const status = res?.status ?? errorStatus;
  const delay = nextPollDelay(
    feed.intervalMs,
    { ok: !error, errorCount, retryAfterSeconds: res?.retryAfterSeconds ?? retryAfter },
    { minIntervalMs: config.defaults.minInterval, maxBackoffMs: config.defaults.maxBackoff, jitter: config.defaults.jitter },
    deps.random,
  );
  const nextDueAt = new Date(clock.now() + delay).toISOString();
  const outcome: PollOutcome = {
    feedName: feed.name,
    startedAt: new Date(started).toISOString(),
    status,
    ok: !error,
    notModified: res?.notModified ?? false,
    errorKind: error?.kind ?? null,
    errorMessage: error?.message ?? null,
    etag: res?.etag ?? null,
    lastModified: res?.lastModified ?? null,
    movedTo: res?.permanentRedirectTo ?? null,
    itemsSeen: items.length,
    elapsedMs: ms,
    retryAfterSeconds: res?.retryAfterSeconds ?? retryAfter,
    declaredFeeds,
  };
  const storeStarted = clock.now();
  let newItems: StoredItem[];
  try {
    newItems = await store.recordPoll(outcome, items, nextDueAt);
  } finally {
    observeStage(deps.metrics, 'store', clock.now() - storeStarted);
  }
  const summary: PollSummary = {
    feed: feed.name,
    status,
    notModified: outcome.notModified,
    itemsSeen: items.length,
    newItems,
    error: error ? `${error.kind}: ${error.message}` : null,
    declaredFeeds,
    ms,
    nextDueAt,
    // As recordPoll writes it: a success keeps the validators the answer did not replace, a failure keeps them all.
    state: {
      etag: error ? (state?.etag ?? null) : (outcome.etag ?? state?.etag ?? null),
      lastModified: error ? (state?.lastModified ?? null) : (outcome.lastModified ?? state?.lastModified ?? null),
      errorCount,
    },
  };
  deps.metrics?.polls.inc(error ? { outcome: error.kind } : outcome.notModified ? NOT_MODIFIED_LABELS : OK_LABELS);
  deps.metrics?.newItems.inc(newItems.length);
  deps.metrics?.pollSeconds.observe(ms / 1000);
  deps.pollTally?.add({ failed: error !== null, notModified: outcome.notModified, newItems: newItems.length });
  // The log line's fields are put together only for a line that is written.
  if (error) {
    const offered = declaredFeeds.length > 0 ? { declared_feeds: declaredFeeds } : {};
    deps.logger.warn({ ...pollLine(feed, status, newItems.length, items.length, ms, nextDueAt, charset), error_kind: error.kind, error: error.message, error_count: errorCount, ...offered }, 'poll failed');
  }
  // Nothing new (304, or the same items): debug only; pollTally's summary counts it (see poll-tally.ts).
  else if (newItems.length > 0) deps.logger.info({ ...pollLine(feed, status, newItems.length, items.length, ms, nextDueAt, charset), not_modified: outcome.notModified }, 'polled');
  else if (deps.logger.isLevelEnabled('debug')) deps.logger.debug({ ...pollLine(feed, status, newItems.length, items.length, ms, nextDueAt, charset), not_modified: outcome.notModified }, 'polled');
  return summary;
}

/** The fields of a poll's log line. */
function pollLine(feed: Feed, status: number | null, newItems: number, items: number, ms: number, nextDueAt: string, charset: { charset: string; reason: string } | null) {
  return {
    feed: feed.name,
    feed_url: feed.url,
    status,
    new_items: newItems,
    items,
    ms,
    next_due_at: nextDueAt,
    ...(charset ? { charset: charset.charset, charset_reason: charset.reason } : {}),
  };
}

/** `feedwatch_polls_total`'s label sets of the polls that did not fail, made once. */
const NOT_MODIFIED_LABELS = Object.freeze({ outcome: 'not-modified' });
const OK_LABELS = Object.freeze({ outcome: 'ok' });

export interface ArticleSummary {
  itemId: number;
  ok: boolean;
  error: string | null;
  willRetry: boolean;
  /** What dedup stored for the article (absent when the page failed). */
  stored?: StoredArticle;
}

/**
 * Page failures worth no second try. Everything else (a 404 right after publication, a page served as the wrong
 * type, a page with no text yet) is retried up to `pipeline.articleAttempts` times with backoff.
 */
const NEVER_RETRY_PAGE = new Set(['bad-url', 'private-network', 'http-status']);

const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;

/** An extracted page: what the page phase of `processArticle` hands to the storage phase. */
interface FetchedArticle {
  article: Article;
  finalUrl: string;
  /** The page's charset and why it was chosen (logged with the stored article). */
  charset: string;
  charsetReason: string;
}

/**
 * The page phase: fetch an item's page, decode it and extract the article. Its errors are about the page (network,
 * status, type, size, no text) and count as page attempts.
 */
async function fetchArticle(item: StoredItem, deps: StageDeps, hooks: ArticleHooks): Promise<FetchedArticle> {
  if (!item.link) throw new FeedwatchError('bad-url', 'the item has no link', { item: item.id }, { retryable: false });
  const link = item.link;
  let res: FetchedResponse;
  try {
    res = await timeStage(deps.metrics, deps.clock, 'fetch_page', () => deps.fetch(link, fetchOptions(deps.config, 'page', { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5' })));
  } finally {
    hooks.fetched?.();
  }
  const type = res.headers['content-type'] ?? '';
  if (type && !HTML_TYPES.test(type)) {
    throw new FeedwatchError('not-html', `the page is ${type.split(';')[0]}, not HTML`, { url: res.finalUrl });
  }
  const { page, article } = await timeStage(deps.metrics, deps.clock, 'extract', async () => {
    let page: ExtractedPage;
    if (deps.decodeAndExtract) {
      page = await deps.decodeAndExtract(res.body, type || null, res.finalUrl, item.feedName);
    } else {
      const text = await decode(res.body, type || null, 'html', res.finalUrl, item.feedName, deps);
      page = { article: await deps.extract(text.text, res.finalUrl, item.feedName), charset: text.charset, charsetReason: text.charsetReason };
    }
    // Character references (&#27;) come back as controls after parsing: strip them from what is stored.
    return { page, article: stripControlsDeep(page.article) };
  });
  if (article.paragraphs.length === 0) {
    throw new FeedwatchError('nothing-extracted', 'no article text found on the page', { url: res.finalUrl });
  }
  return { article, finalUrl: res.finalUrl, charset: page.charset, charsetReason: page.charsetReason };
}

/** What a driver learns of a page while processArticle runs. */
export interface ArticleHooks {
  /**
   * The page's HTTP request is over (answered or failed; called once): its host is no longer being asked for it, so
   * a driver that counts pages per host can count the rest of the page (extraction, storage) as not the host's.
   */
  fetched?: () => void;
}

/**
 * Fetch an item's page and extract the article (the page phase), then store it, index it for search and match it
 * against the alert rules (the storage phase), and only then mark the item done.
 *
 * A page failure keeps the item (its feed description stands in), records the reason as one more page attempt,
 * and schedules a retry with backoff unless the error cannot get better (404, not HTML); after the last attempt the
 * feed entry is matched instead. An error of the storage phase (storage, search index, alert matching, or a bug)
 * is not the page's fault: it propagates with the item left pending and its attempt count unchanged, and the
 * driver tries the item again after `storageRetryDelay` (the store, the search index and the alert queue are
 * idempotent per item, story and rule, so the retry stores and alerts nothing twice).
 */
export async function processArticle(item: StoredItem, deps: StageDeps, hooks: ArticleHooks = {}): Promise<ArticleSummary> {
  const { clock, store, config } = deps;
  const at = new Date(clock.now()).toISOString();
  let page: FetchedArticle;
  try {
    page = await fetchArticle(item, deps, hooks);
  } catch (err) {
    return pageFailed(item, err, at, deps);
  }
  const { finalUrl } = page;
  if (page.article.cut) {
    const cut = page.article.cut;
    deps.logger.info(
      { feed: item.feedName, item_id: item.id, url: finalUrl, chars: cut.chars, paragraphs: cut.paragraphs, max_chars: config.budgets.articleChars },
      'article cut: only the first characters of a long article are kept (budgets.articleChars)',
    );
    deps.metrics?.articlesCut.inc();
  }
  // The host's learned boilerplate goes after extraction (boilerplate-stage.ts), from data read from storage.
  const { article, learning } = await cleanExtracted(page.article, finalUrl, deps);
  // Store, index and match first, then mark the item done: a failure or a crash in between retries the item.
  const { stored } = await timeStage(deps.metrics, clock, 'dedup', () => dedupArticle(item, article, finalUrl, at, deps));
  await matchStoredArticle(
    { articleId: stored.articleId, clusterId: stored.clusterId, article, item, url: finalUrl, feedTags: feedTagsOf(config, item.feedName), fresh: stored.isNewArticle && !stored.repeated },
    deps,
  );
  await timeStage(deps.metrics, clock, 'store', () => store.saveArticle(item.id, { ok: true, article, finalUrl }, at, null));
  if (learning) await learnFromStored(learning, stored, article, deps);
  deps.metrics?.articles.inc({ outcome: 'ok' });
  if (deps.logger.isLevelEnabled('debug')) {
    deps.logger.debug(
      { feed: item.feedName, item_id: item.id, url: finalUrl, charset: page.charset, charset_reason: page.charsetReason, extractor: article.extractor, paragraphs: article.paragraphs.length, decision: stored.kind, article_id: stored.articleId, cluster_id: stored.clusterId, revision: stored.revision },
      'article stored',
    );
  }
  return { itemId: item.id, ok: true, error: null, willRetry: false, stored };
}

/** A failed page attempt: recorded against the item with its retry time, or, after the last one, the feed entry matched. */
async function pageFailed(item: StoredItem, err: unknown, at: string, deps: StageDeps): Promise<ArticleSummary> {
  const { clock, store, config } = deps;
  const { kind, message } = describeError(err);
  const retryable = !(err instanceof FeedwatchError) || !NEVER_RETRY_PAGE.has(err.kind) || (err.kind === 'http-status' && err.context.status !== 410);
  const attempts = item.articleAttempts + 1;
  const canRetry = retryable && attempts < config.pipeline.articleAttempts;
  const retryAt = canRetry ? new Date(clock.now() + articleRetryDelay(attempts, deps.random, config.pipeline)).toISOString() : null;
  // Given up: the feed's title and description stand in, so alerts do not miss the story (alert-stage.ts). Matched
  // before the item is marked failed, so that a storage error there retries the item.
  if (retryAt === null) await matchStoredArticle({ ...feedOnlyKey(item.id), article: null, item, feedTags: feedTagsOf(config, item.feedName) }, deps);
  await timeStage(deps.metrics, clock, 'store', () => store.saveArticle(item.id, { ok: false, kind, reason: message }, at, retryAt));
  deps.metrics?.articles.inc({ outcome: kind });
  deps.metrics?.pageFailures.inc({ kind });
  deps.logger.warn({ feed: item.feedName, item_id: item.id, url: item.link, error_kind: kind, error: message, attempts, retry_at: retryAt }, 'article failed');
  return { itemId: item.id, ok: false, error: `${kind}: ${message}`, willRetry: canRetry };
}

/** Index a stored article for search and match it, when the process has an alert engine; errors propagate. */
async function matchStoredArticle(stored: Parameters<typeof matchAlerts>[0], deps: StageDeps): Promise<void> {
  const alerts = deps.alerts;
  if (!alerts) return;
  await timeStage(deps.metrics, deps.clock, 'match', () =>
    matchAlerts(stored, { store: deps.store, clock: deps.clock, logger: deps.logger, alerts, ...(deps.metrics ? { metrics: deps.metrics } : {}) }),
  );
}

/**
 * Wait before trying an item again after its `failures`-th storage-phase error in a row (not a page attempt: the
 * count is the driver's, the item's page attempts stay as they were): the backoff of a failed page,
 * `articleRetryDelay`, so that during a storage outage a page is fetched again at the pace of any other failure
 * (defaults: 5 min, 20 min, 80 min … 12 h), not every few seconds. Both drivers use it.
 */
export function storageRetryDelay(failures: number, random: Random, policy: { articleRetryDelay: number; articleRetryMaxDelay: number }): number {
  return articleRetryDelay(failures, random, policy);
}

/**
 * Wait after the `attempts`-th failed attempt at a page: `articleRetryDelay` × 4^(attempts − 1), capped at
 * `articleRetryMaxDelay`, ±10 % jitter (defaults: 5 min, 20 min, 80 min … 12 h). The bullmq driver backs off
 * with this same function.
 */
export function articleRetryDelay(
  attempts: number,
  random: Random,
  policy: { articleRetryDelay: number; articleRetryMaxDelay: number } = { articleRetryDelay: 5 * 60_000, articleRetryMaxDelay: 12 * 3_600_000 },
): number {
  const base = Math.min(policy.articleRetryDelay * 4 ** Math.max(attempts - 1, 0), policy.articleRetryMaxDelay);
  return Math.round(base * (0.9 + 0.2 * random()));
}

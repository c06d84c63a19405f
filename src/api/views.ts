/**
 * What the HTTP API answers and the status page shows, read through the Store interface only (so both drivers
 * serve it alike): feeds with their health, stories (a page of stored articles, optionally matching a rule in the
 * alert language), one story with its articles, revisions, sightings and text, alerts (rules, matches and their
 * deliveries), learned boilerplate, and items per hour. Every input is bounded before it reaches storage; a bad one
 * is an `ApiInputError` naming the parameter.
 */
import type { Lemmatizer } from '../alerts/morphology.js';
import { feedOnlyKey, regexHitsOf, type RegexRunner } from '../pipeline/alert-stage.js';
import { compileRule, type RegexHits, type RegexTerm } from '../alerts/match.js';
import { RuleSyntaxError } from '../alerts/rule-parser.js';
import type { DeliveryRecord, DeliveryStatus } from '../alerts/deliver.js';
import type { Clock } from '../clock.js';
import type { ConfigVersion, ReloadResult } from '../config/reload.js';
import type { Config } from '../config/load.js';
import { parseIsoTime } from '../iso-time.js';
import { fillHours, hourOf, type HourCount } from '../store/activity.js';
import { searchPage, type AlertDocRecord } from '../store/alerts.js';
import type { StoryArticle, StorySighting } from '../store/articles.js';
import { checkHost, MAX_ENTRIES_LIMIT, type BoilerplateEntry } from '../store/boilerplate.js';
import type { Store } from '../store/store.js';
import { feedStatuses, pageFailuresOf, type Health, type PageFailures } from './feed-health.js';

/** What the views read from: the running process's config, store, clock and lemmatizer (the alerts' own). */
export interface ApiContext {
  config: Config;
  store: Store;
  clock: Clock;
  lemmatizer: Lemmatizer;
  /** Which config file version runs, and the last reload attempt (config/reload.ts); absent in tests without one. */
  reload?: () => { version: ConfigVersion; last: ReloadResult | null };
  /**
   * Runs a search rule's regexes over stored articles elsewhere (the daemon: its CPU pool, under its budgets), so
   * that a regex in a request never runs over article text on the thread that answers /healthz. Absent: in place.
   */
  regexes?: RegexRunner;
}

/** searchPage's `regexes` option for `ctx`: the pool's answers; an article whose regexes ran over budget matches none. */
export function searchRegexes(ctx: Pick<ApiContext, 'regexes'>): { regexes?: (doc: AlertDocRecord, terms: RegexTerm[]) => Promise<RegexHits> } {
  const run = ctx.regexes;
  return run ? { regexes: (doc, terms) => regexHitsOf(doc, terms, run, () => undefined) } : {};
}

/** GET /api/config: the version running, and the last reload attempt (a failed one says why the file was not taken). */
export function configView(ctx: ApiContext): Record<string, unknown> {
  const status = ctx.reload?.();
  const last = status?.last ?? null;
  return {
    file: ctx.config.file,
    feeds: ctx.config.feeds.length,
    version: status?.version ?? null,
    lastReload:
      last === null
        ? null
        : last.ok
          ? { ok: true, reason: last.reason, version: last.version.sha256, restartNeeded: last.changes.restartNeeded }
          : { ok: false, reason: last.reason, error: last.error },
  };
}

/** A request parameter out of bounds or malformed: answered 400 with its name. */
export class ApiInputError extends Error {
  constructor(
    readonly param: string,
    message: string,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'ApiInputError';
  }
}

export const MAX_QUERY_LENGTH = 500;
export const MAX_STORIES_LIMIT = 100;
export const DEFAULT_STORIES_LIMIT = 20;
/** Most stored articles one stories request reads; `next` carries on from there. */
export const MAX_SCANNED = 5000;
export const MAX_DELIVERIES_LIMIT = 500;
export const DEFAULT_DELIVERIES_LIMIT = 100;
export const CHART_HOURS = 48;
const MAX_NAME_LENGTH = 200;

// --- inputs ---

function intParam(name: string, raw: string | undefined, min: number, max: number, dflt: number): number;
function intParam(name: string, raw: string | undefined, min: number, max: number, dflt: null): number | null;
function intParam(name: string, raw: string | undefined, min: number, max: number, dflt: number | null): number | null {
  if (raw === undefined || raw === '') return dflt;
  if (!/^-?\d{1,16}$/.test(raw)) throw new ApiInputError(name, `${name} must be a whole number from ${min} to ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ApiInputError(name, `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function textParam(name: string, raw: string | undefined, max: number): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > max) throw new ApiInputError(name, `${name} is ${raw.length} characters long; at most ${max}`);
  return raw;
}

/** `since`: an ISO 8601 date or time ("2026-03-05", "2026-03-05T18:00:00Z"). */
export function timeParam(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const t = parseIsoTime(raw);
  if (t === null) throw new ApiInputError(name, `${name} must be an ISO 8601 date or time, e.g. 2026-03-05 or 2026-03-05T18:00:00Z`);
  return t;
}

// --- feeds ---

export interface FeedView {
  name: string;
  url: string;
  enabled: boolean;
  health: Health;
  /** Why it is not ok, or null. */
  reason: string | null;
  intervalMs: number;
  lastPollAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  consecutiveErrors: number;
  nextPollAt: string | null;
  movedTo: string | null;
  /** The feed URL served an HTML page: the feed links that page declares (empty otherwise). */
  declaredFeeds: string[];
  items: number;
  lastItemAt: string | null;
  pageFailures: PageFailures;
}

export async function feedsView(ctx: Pick<ApiContext, 'config' | 'store' | 'clock'>): Promise<FeedView[]> {
  return feedStatuses(ctx.config.feeds, await ctx.store.feedOverview(), ctx.config.defaults.interval, ctx.clock.now()).map(({ state: s, activity: a, limits, health }) => ({
    name: s.name,
    url: s.url,
    enabled: s.enabled,
    health: health.health,
    reason: health.reason,
    intervalMs: limits.intervalMs,
    lastPollAt: s.lastFetchedAt,
    lastStatus: s.lastStatus,
    lastError: s.lastError,
    consecutiveErrors: s.errorCount,
    nextPollAt: s.nextDueAt,
    movedTo: s.movedTo,
    declaredFeeds: s.declaredFeeds,
    items: s.itemCount,
    lastItemAt: a?.lastItemAt ?? null,
    pageFailures: pageFailuresOf(a),
  }));
}

export async function feedView(ctx: Pick<ApiContext, 'config' | 'store' | 'clock'>, name: string): Promise<FeedView | null> {
  if (name.length > MAX_NAME_LENGTH) return null;
  return (await feedsView(ctx)).find((f) => f.name === name) ?? null;
}

// --- stories ---

export interface StoryHit {
  /** The story to open with /api/stories/ID (a cluster id, or item:N for an item whose page failed). */
  storyId: string;
  articleId: number;
  feed: string;
  title: string;
  url: string | null;
  publishedAt: string | null;
  storedAt: string;
  /** Words of the rule found in it (empty without a rule). */
  matched: string[];
}

export interface StoriesPage {
  stories: StoryHit[];
  /** Pass as `cursor` for the next page; null when there is none. */
  next: string | null;
}

export interface StoriesQuery {
  q?: string | undefined;
  since?: string | undefined;
  feed?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
}

/** A page of stored articles, newest first, matching the rule `q` when given (the alert language). */
export async function storiesPage(ctx: ApiContext, query: StoriesQuery): Promise<StoriesPage> {
  const q = textParam('q', query.q?.trim(), MAX_QUERY_LENGTH);
  const feed = textParam('feed', query.feed, MAX_NAME_LENGTH);
  const since = timeParam('since', query.since);
  const limit = intParam('limit', query.limit, 1, MAX_STORIES_LIMIT, DEFAULT_STORIES_LIMIT);
  const cursor = intParam('cursor', query.cursor, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, null);
  let rule = null;
  if (q !== undefined) {
    try {
      rule = compileRule(q, ctx.lemmatizer);
    } catch (err) {
      if (err instanceof RuleSyntaxError) throw new ApiInputError('q', `the rule does not parse: column ${err.column}: ${err.reason}`, err.column);
      throw err;
    }
  }
  const result = await searchPage(ctx.store, rule, ctx.lemmatizer, {
    limit,
    maxScanned: MAX_SCANNED,
    ...searchRegexes(ctx),
    ...(cursor === null ? {} : { cursor }),
    ...(feed === undefined ? {} : { feed }),
    ...(since === undefined ? {} : { since }),
  });
  return {
    stories: result.hits.map(({ doc, spans }) => ({ ...hitOf(doc), matched: [...new Set(spans.map((s) => s.text.toLowerCase()))] })),
    next: result.next === null ? null : String(result.next),
  };
}

function hitOf(doc: AlertDocRecord): Omit<StoryHit, 'matched'> {
  return { storyId: doc.clusterId, articleId: doc.articleId, feed: doc.feed, title: doc.title, url: doc.url, publishedAt: doc.publishedAt, storedAt: doc.storedAt };
}

export interface StoredText {
  title: string;
  lead: string;
  paragraphs: string[];
}

export interface StoryView {
  id: string;
  firstSeenAt: string;
  articles: Array<StoryArticle & { text: StoredText | null }>;
  sightings: StorySighting[];
  /** For an item whose page failed (id item:N): the item as the feed gave it, with the page's error. */
  item?: { itemId: number; feed: string; url: string | null; title: string | null; publishedAt: string | null; firstSeenAt: string; pageState: string; pageError: string | null; text: StoredText | null };
}

/** The stored text of an article (or of a feed entry whose page failed) from its alert document. */
export function textOf(doc: AlertDocRecord | null): StoredText | null {
  if (!doc) return null;
  return { title: doc.title, lead: doc.lead, paragraphs: doc.body === '' ? [] : doc.body.split('\n\n') };
}

/** Parses a story id: a cluster id ("42") or an item whose page failed ("item:7"); null when it is neither. */
export function parseStoryId(raw: string): { cluster: number } | { item: number } | null {
  const m = /^(item:)?([1-9]\d{0,15})$/.exec(raw);
  if (!m || !Number.isSafeInteger(Number(m[2]))) return null;
  return m[1] ? { item: Number(m[2]) } : { cluster: Number(m[2]) };
}

export async function storyView(ctx: Pick<ApiContext, 'store'>, raw: string): Promise<StoryView | null> {
  const id = parseStoryId(raw);
  if (id === null) return null;
  if ('item' in id) {
    const item = await ctx.store.getItem(id.item);
    if (!item) return null;
    const doc = await ctx.store.getAlertDoc(feedOnlyKey(item.id).articleId);
    return {
      id: raw,
      firstSeenAt: item.firstSeenAt,
      articles: [],
      sightings: [],
      item: {
        itemId: item.id,
        feed: item.feedName,
        url: item.link,
        title: item.title,
        publishedAt: item.publishedAt,
        firstSeenAt: item.firstSeenAt,
        pageState: item.articleState,
        pageError: item.articleError,
        text: textOf(doc),
      },
    };
  }
  const story = await ctx.store.story(id.cluster);
  if (!story) return null;
  const docs = await Promise.all(story.articles.map((a) => ctx.store.getAlertDoc(a.articleId)));
  return {
    id: String(story.clusterId),
    firstSeenAt: story.firstSeenAt,
    articles: story.articles.map((a, i) => ({ ...a, text: textOf(docs[i] ?? null) })),
    sightings: story.sightings,
  };
}

// --- alerts ---

export interface DeliveryView {
  id: number;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  dueAt: string;
  deliveredAt: string | null;
  updatedAt: string;
  messageId: string | null;
}

export interface MatchView {
  rule: string;
  storyId: string;
  articleId: number;
  title: string;
  url: string | null;
  deliveries: DeliveryView[];
}

export interface AlertsView {
  rules: Array<{ name: string; query: string; channels: string[]; digestMs: number | null; enabled: boolean }>;
  /** Newest first: each (rule, story) match on this page with its deliveries. */
  matches: MatchView[];
  /** Pass as `cursor` for older deliveries; null when there are none. */
  next: string | null;
}

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

export async function alertsView(ctx: ApiContext, query: { rule?: string | undefined; state?: string | undefined; limit?: string | undefined; cursor?: string | undefined }): Promise<AlertsView> {
  const rule = textParam('rule', query.rule, MAX_NAME_LENGTH);
  const state = textParam('state', query.state, 20);
  if (state !== undefined && !(STATUSES as readonly string[]).includes(state)) throw new ApiInputError('state', `state must be one of ${STATUSES.join(', ')}`);
  const limit = intParam('limit', query.limit, 1, MAX_DELIVERIES_LIMIT, DEFAULT_DELIVERIES_LIMIT);
  const cursor = intParam('cursor', query.cursor, 1, Number.MAX_SAFE_INTEGER, null);
  const deliveries = await ctx.store.deliveries({
    limit,
    newestFirst: true,
    ...(rule === undefined ? {} : { rule }),
    ...(state === undefined ? {} : { status: state as DeliveryStatus }),
    ...(cursor === null ? {} : { beforeId: cursor }),
  });
  return {
    rules: ctx.config.alerts.rules.map((r) => ({ name: r.name, query: r.query, channels: r.channels, digestMs: r.digest ?? null, enabled: r.enabled })),
    matches: groupMatches(deliveries),
    next: deliveries.length === limit ? String(deliveries[deliveries.length - 1]!.id) : null,
  };
}

/** Deliveries (newest first) grouped by their (rule, story) match, in order of each match's newest delivery. */
export function groupMatches(deliveries: readonly DeliveryRecord[]): MatchView[] {
  const byMatch = new Map<string, MatchView>();
  for (const d of deliveries) {
    const key = JSON.stringify([d.rule, d.clusterId]);
    let m = byMatch.get(key);
    if (!m) {
      m = { rule: d.rule, storyId: d.clusterId, articleId: d.articleId, title: d.item.title, url: d.item.url ?? null, deliveries: [] };
      byMatch.set(key, m);
    }
    m.deliveries.push({
      id: d.id,
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      dueAt: d.dueAt,
      deliveredAt: d.deliveredAt,
      updatedAt: d.updatedAt,
      messageId: d.messageId,
    });
  }
  return [...byMatch.values()];
}

// --- boilerplate, activity ---

export async function boilerplateView(ctx: ApiContext, query: { host?: string | undefined; all?: string | undefined; limit?: string | undefined }): Promise<BoilerplateEntry[]> {
  const host = textParam('host', query.host?.toLowerCase(), 300);
  if (host !== undefined) {
    try {
      checkHost('boilerplate', host);
    } catch {
      throw new ApiInputError('host', 'host must be a host name as in a URL: example.com, or 127.0.0.1:8080');
    }
  }
  const limit = intParam('limit', query.limit, 1, MAX_ENTRIES_LIMIT, 200);
  return ctx.store.boilerplateEntries({ ...(host === undefined ? {} : { host }), learnedOnly: query.all !== 'true' && query.all !== '1', limit });
}

/** Items first seen in each of the last CHART_HOURS hours (the current one last), zeros included. */
export async function hourlyView(ctx: ApiContext): Promise<HourCount[]> {
  const current = Date.parse(hourOf(new Date(ctx.clock.now()).toISOString()));
  const since = new Date(current - (CHART_HOURS - 1) * 3_600_000).toISOString();
  const until = new Date(current + 3_600_000).toISOString();
  return fillHours(await ctx.store.itemsPerHour(since, until), new Date(current).toISOString(), CHART_HOURS);
}

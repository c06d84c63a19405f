/**
 * What alerts and search ask of storage, on top of the `DeliveryStore` of src/alerts/deliver.ts:
 *
 *  - an article's alert document: its field texts (title, lead, body, feed name, tags) and their analysis
 *    (tokens and lemma keys, see src/alerts/morphology.ts), made ONCE when the article is stored and kept, so
 *    that neither alerts nor search lemmatize it again;
 *  - a search index over the lemma keys (SQLite: FTS5 over `lemmaText`; PostgreSQL: a tsvector of the same keys),
 *    used only to NARROW: `searchCandidates` returns every document a rule can match, maybe more, and
 *    `searchArticles` below confirms each with `matchRule`, the very function alerts use, so search and alerts
 *    always agree;
 *  - the delivery log: every delivery with its rule, article, channel, status, attempts and last error.
 *
 * Both drivers implement `AlertStore`; tests/store/alerts-contract.ts proves them against one suite.
 */
import type { DeliveryRecord, DeliveryStatus, DeliveryStore, PendingDelivery } from '../alerts/deliver.js';
import { buildAlertDoc, matchRule, type AlertDoc, type CompiledRule, type MatchSpan } from '../alerts/match.js';
import type { AnalyzedText, Lemmatizer } from '../alerts/morphology.js';
import type { Field } from '../alerts/rule-parser.js';
import { FeedwatchError } from '../errors.js';

/** An article as alerts and search see it, with the analysis made when it was stored. Plain data. */
export interface AlertDocRecord {
  /** The stored article this document describes; the key of the search index. */
  articleId: number;
  /** Its story cluster: one alert per (rule, cluster). */
  clusterId: string;
  /** Name of the feed it came from (what `feed:` looks in). */
  feed: string;
  url: string | null;
  title: string;
  lead: string;
  /** Paragraphs joined with "\n\n". */
  body: string;
  /** Article tags, the feed item's categories and the feed's configured tags (what `tag:` looks in). */
  tags: string[];
  /** As the article or feed gave it (with its offset), or null. */
  publishedAt: string | null;
  /** The analyses of the five fields, each made by the lemmatizer named in its `by`. */
  analyzed: Record<Field, AnalyzedText>;
  /** ISO 8601 UTC time the document was stored. */
  storedAt: string;
}

export interface SearchPage {
  /** Most documents to return (1..1000). */
  limit: number;
  /** Only documents with a smaller article id (the previous page's last id); none: start from the newest. */
  beforeArticleId?: number;
  /**
   * Id of the lemmatizer that keyed the rule. Documents analysed by another one are always returned (their
   * index keys may differ), so a changed key scheme never hides an article: `searchArticles` re-analyses them.
   */
  lemmatizer: string;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  rule?: string;
  /** Default 1000. */
  limit?: number;
}

export interface PendingClaimOptions {
  /**
   * How long the returned deliveries stay claimed by this store instance (default `DELIVERY_LEASE_MS`):
   * another instance asking meanwhile does not get them; this instance does (its next pass takes up what the
   * last one deferred). A worker that dies holding a claim leaves it to the others when the lease ends.
   */
  leaseMs?: number;
}

/** Default claim on pending deliveries: longer than a delivery pass, short enough to recover from a crash. */
export const DELIVERY_LEASE_MS = 5 * 60_000;

/** Most documents `searchCandidates` returns at once. */
export const MAX_SEARCH_PAGE = 1000;

export interface AlertStore extends DeliveryStore {
  /**
   * Pending deliveries with dueAt ≤ now that no other store instance holds, oldest due first, at most
   * `limit`; each is claimed by this instance until `now + leaseMs` (see `PendingClaimOptions`).
   */
  pending(now: string, limit: number, opts?: PendingClaimOptions): Promise<PendingDelivery[]>;
  /** Store (or replace) an article's alert document and its entry in the search index, in one transaction. */
  saveAlertDoc(doc: AlertDocRecord): Promise<void>;
  getAlertDoc(articleId: number): Promise<AlertDocRecord | null>;
  /**
   * Documents the rule may match, newest article first: every document it does match, narrowed by the index
   * (all documents when the rule cannot be narrowed, e.g. `NOT x` or a lone /regex/). Confirm with matchRule.
   */
  searchCandidates(rule: CompiledRule, page: SearchPage): Promise<AlertDocRecord[]>;
  /** Recorded deliveries, oldest first. */
  deliveries(filter?: DeliveryFilter): Promise<DeliveryRecord[]>;
}

/** The matching view of a stored document (stored analyses reused when `lem` made them). */
export function alertDocOf(rec: AlertDocRecord, lem: Lemmatizer): AlertDoc {
  return buildAlertDoc({ title: rec.title, lead: rec.lead, body: rec.body, feed: rec.feed, tags: rec.tags, analyzed: rec.analyzed }, lem);
}

export interface SearchHit {
  doc: AlertDocRecord;
  spans: MatchSpan[];
}

/**
 * `feedwatch search`: stored articles the rule matches, newest first, at most `limit`. Pages through the
 * index's candidates and keeps those `matchRule` confirms (the same decision alerts make).
 */
export async function searchArticles(
  store: Pick<AlertStore, 'searchCandidates'>,
  rule: CompiledRule,
  lem: Lemmatizer,
  opts: { limit: number; pageSize?: number },
): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  const pageSize = Math.min(MAX_SEARCH_PAGE, Math.max(1, opts.pageSize ?? 200));
  let before: number | undefined;
  while (hits.length < opts.limit) {
    const page = await store.searchCandidates(rule, { limit: pageSize, lemmatizer: lem.id, ...(before === undefined ? {} : { beforeArticleId: before }) });
    for (const doc of page) {
      const m = matchRule(rule, alertDocOf(doc, lem));
      if (m.match) hits.push({ doc, spans: m.spans });
      if (hits.length >= opts.limit) break;
    }
    if (page.length < pageSize) break;
    before = page[page.length - 1]!.articleId;
  }
  return hits;
}

/** A page size must be a whole number from 1 to `max`. */
export function checkLimit(limit: number, max: number, what: string): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new FeedwatchError('storage', `${what} limit must be an integer from 1 to ${max}, not ${limit}`, { limit }, { retryable: false });
  }
}

/** A claim must last a positive whole number of milliseconds. */
export function checkLease(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs < 1) {
    throw new FeedwatchError('storage', `pending leaseMs must be a positive whole number of milliseconds, not ${leaseMs}`, { leaseMs }, { retryable: false });
  }
}

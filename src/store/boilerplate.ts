/**
 * The boilerplate part of the storage interface (`Store extends BoilerplateStore`): what each host's paragraphs
 * are counted in, which of them are learned as the site's boilerplate, and the re-cleaning of stored articles when
 * one is learned. The rules below are the algorithm; the drivers (sqlite/boilerplate.ts, postgres/boilerplate.ts)
 * hold only its SQL, and tests/store/boilerplate-contract.ts proves both against one suite.
 *
 * Counting (`recordParagraphs`, one transaction): a paragraph (its key, src/extract/learned.ts) is sighted once per
 * (host, key, story): a story is a story cluster, so a republished, revised or duplicated story counts once. Its
 * `stories` are the distinct stories sighted within the window (seen_at ≥ at − windowMs), recounted at each new
 * sighting; when they reach `minStories` the paragraph is learned (learned_at set, once) and the host's re-cleaning
 * starts over from its first article. A sighting older than the window no longer counts; with `prune`, the host's
 * sightings older than the window go, with its paragraphs not seen within it (learned ones too: a promo the site
 * dropped is forgotten), and then the least recently seen unlearned paragraphs beyond `maxPerHost` (learned ones
 * last). The pipeline asks for pruning now and then, not on every article.
 *
 * Re-cleaning: the articles of a host are those whose canonical URL is on it (`https://HOST/…`), visited in id
 * order after the host's cursor (`recleanCandidates`); `recleanArticle` drops the learned paragraphs from an
 * article's current revision and from the copies its items keep, and re-fingerprints it (text hash, MinHash,
 * bands) so that deduplication sees the clean text; `moveRecleanCursor` advances the cursor (compare-and-set: a
 * paragraph learned meanwhile restarted it, and that wins). Re-cleaning is idempotent: an article already clean
 * is left as it is.
 */
import { compilePattern } from '../regex/linear.js';
import { bodyText, fingerprintBody, type BodyFingerprint } from '../dedup/fingerprint.js';
import { DROP_FLAGS } from '../extract/rule-schema.js';
import { keptParagraphs, MAX_KEYED_PARAGRAPHS, MAX_SAMPLE_CHARS, type LearnedBoilerplate } from '../extract/learned.js';
import { FeedwatchError } from '../errors.js';
import type { Article } from '../model.js';

/** Most entries `boilerplateEntries` returns. */
export const MAX_ENTRIES_LIMIT = 10_000;
/** Most articles `recleanCandidates` returns at once. */
export const MAX_RECLEAN_LIMIT = 1000;

export interface RecordParagraphsRequest {
  /** The page's host (lower case, with its port when not the default): `canonicalHost`. */
  host: string;
  /** The story the article is in (its cluster id). */
  story: string;
  /** The article's keyed paragraphs (each key once). */
  paragraphs: { hash: string; sample: string }[];
  /** ISO 8601 time of the sighting. */
  at: string;
  minStories: number;
  windowMs: number;
  maxPerHost: number;
  /** Prune the host's old sightings and paragraphs, and cap them, in the same transaction. */
  prune?: boolean;
}

export interface RecordParagraphsResult {
  /** Every key the host has learned, after this call. */
  learned: string[];
  /** Keys this call learned. */
  newlyLearned: string[];
  /** The host's re-cleaning cursor (the last article id done), or null when none is pending. */
  recleanAfter: number | null;
  /** Rows pruned (0 without `prune`). */
  pruned: number;
}

/** A tracked paragraph, as `feedwatch boilerplate` lists it. */
export interface BoilerplateEntry {
  host: string;
  hash: string;
  /** The paragraph's text as first sighted (clipped to MAX_SAMPLE_CHARS). */
  sample: string;
  /** Distinct stories it was sighted in within the window, as of its last sighting. */
  stories: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** When it became boilerplate; null while it is only counted. */
  learnedAt: string | null;
}

export interface BoilerplateFilter {
  host?: string;
  /** Only learned paragraphs (default true). */
  learnedOnly?: boolean;
  /** Default 1000. */
  limit?: number;
}

export interface RecleanCandidatesRequest {
  host: string;
  /** Article id the cursor stands at: the ones after it are returned. */
  afterId: number;
  limit: number;
}

export interface RecleanCandidate {
  articleId: number;
  clusterId: number;
}

export interface RecleanArticleRequest {
  articleId: number;
  /** The host's learned keys and the `keepParagraphs` patterns (sources) for it. */
  hashes: string[];
  keep: string[];
}

export interface RecleanArticleResult {
  /** Paragraphs dropped from the current revision (0: it was clean already). */
  dropped: number;
  /**
   * Item copies of the article rewritten: items whose article was saved without a sighting (an item with one keeps
   * no copy and reads the revision, cleaned here: 0012_text_once).
   */
  items: number;
  /**
   * The new text's hash is another article's already: the article keeps its old fingerprint (its text is cleaned
   * all the same), and a page bringing the clean text again is a sighting of that other article.
   */
  hashTaken: boolean;
}

export interface BoilerplateStore {
  /** Count one article's paragraphs for its host and story; learn what reached the threshold. One transaction. */
  recordParagraphs(req: RecordParagraphsRequest): Promise<RecordParagraphsResult>;
  /** The keys the host has learned. */
  learnedBoilerplate(host: string): Promise<string[]>;
  /** Tracked paragraphs, host then most stories first. */
  boilerplateEntries(filter?: BoilerplateFilter): Promise<BoilerplateEntry[]>;
  /** The host's articles with an id above `afterId`, in id order, at most `limit` (1..MAX_RECLEAN_LIMIT). */
  recleanCandidates(req: RecleanCandidatesRequest): Promise<RecleanCandidate[]>;
  /** Drop learned paragraphs from one stored article (see the top of this file). One transaction. */
  recleanArticle(req: RecleanArticleRequest): Promise<RecleanArticleResult>;
  /** Move the host's cursor from `from` to `to` (null: done) if it still stands at `from`; whether it moved. */
  moveRecleanCursor(host: string, from: number, to: number | null): Promise<boolean>;
}

const HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/;
const KEY = /^[0-9a-f]{16}$/;

function bad(op: string, what: string, context: Record<string, unknown>): FeedwatchError {
  return new FeedwatchError('storage', `${op}: ${what}`, context, { retryable: false });
}

export function checkHost(op: string, host: string): void {
  if (typeof host !== 'string' || !HOST.test(host)) throw bad(op, `"${host}" is not a host name (lower case, optional :port)`, { host });
}

/** The request checked, its keys distinct and sorted (the order rows are locked in), samples clipped. */
export function checkRecord(req: RecordParagraphsRequest): RecordParagraphsRequest {
  const op = 'recordParagraphs';
  checkHost(op, req.host);
  if (typeof req.story !== 'string' || req.story === '' || req.story.length > 200) throw bad(op, 'story must be a non-empty string', { host: req.host });
  if (!Number.isInteger(req.minStories) || req.minStories < 1) throw bad(op, `minStories must be a positive integer, not ${req.minStories}`, { host: req.host });
  if (!Number.isInteger(req.windowMs) || req.windowMs < 1) throw bad(op, `windowMs must be a positive integer, not ${req.windowMs}`, { host: req.host });
  if (!Number.isInteger(req.maxPerHost) || req.maxPerHost < 1) throw bad(op, `maxPerHost must be a positive integer, not ${req.maxPerHost}`, { host: req.host });
  if (req.paragraphs.length > MAX_KEYED_PARAGRAPHS) throw bad(op, `at most ${MAX_KEYED_PARAGRAPHS} paragraphs per article, not ${req.paragraphs.length}`, { host: req.host });
  const byKey = new Map<string, string>();
  for (const p of req.paragraphs) {
    if (typeof p.hash !== 'string' || !KEY.test(p.hash)) throw bad(op, `"${p.hash}" is not a paragraph key (16 hex digits)`, { host: req.host });
    if (!byKey.has(p.hash)) byKey.set(p.hash, String(p.sample).slice(0, MAX_SAMPLE_CHARS));
  }
  const paragraphs = [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([hash, sample]) => ({ hash, sample }));
  return { ...req, at: isoTime(op, req.at), paragraphs };
}

export function isoTime(op: string, v: string): string {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw bad(op, `"${v}" is not an ISO 8601 time`, {});
  return new Date(ms).toISOString();
}

/** Start of the window that ends at `at`. */
export function windowStart(at: string, windowMs: number): string {
  return new Date(Date.parse(at) - windowMs).toISOString();
}

export function checkRecleanCandidates(req: RecleanCandidatesRequest): void {
  checkHost('recleanCandidates', req.host);
  if (!Number.isInteger(req.afterId) || req.afterId < 0) throw bad('recleanCandidates', `afterId must be a whole number, not ${req.afterId}`, { host: req.host });
  if (!Number.isInteger(req.limit) || req.limit < 1 || req.limit > MAX_RECLEAN_LIMIT) {
    throw bad('recleanCandidates', `limit must be an integer from 1 to ${MAX_RECLEAN_LIMIT}, not ${req.limit}`, { host: req.host });
  }
}

/** The range of canonical URLs on `host`: every one starts with `lo`, and sorts below `hi`. */
export function hostUrlRange(host: string): { lo: string; hi: string } {
  // Canonical URLs are https, lower-case host, default port dropped (dedup/canonical-url.ts); "0" follows "/".
  return { lo: `https://${host}/`, hi: `https://${host}0` };
}

/** The learned set of a re-clean request, its patterns compiled. */
export function learnedOf(req: Pick<RecleanArticleRequest, 'hashes' | 'keep'>): LearnedBoilerplate {
  return { hashes: new Set(req.hashes), keep: req.keep.map((p) => compilePattern(p, DROP_FLAGS)) };
}

/** An article cleaned of the learned paragraphs, or null when it has none (pure). */
export function cleanedArticle(article: Article, learned: LearnedBoilerplate): Article | null {
  const kept = keptParagraphs(article.paragraphs, learned);
  return kept === null ? null : { ...article, paragraphs: kept };
}

/** What `recleanArticle` writes, planned from what it read (pure; both drivers carry it out). */
export interface RecleanPlan {
  /** The current revision cleaned, with the fingerprint deduplication keeps for it (the same dedup/input.ts makes); null when it was clean. */
  revision: { article: Article; fingerprint: BodyFingerprint; dropped: number } | null;
  /** Item copies to rewrite. */
  items: { id: number; article: Article }[];
}

export function planReclean(revision: Article | null, copies: readonly { id: number; article: Article }[], learned: LearnedBoilerplate): RecleanPlan {
  const clean = revision === null ? null : cleanedArticle(revision, learned);
  const items: RecleanPlan['items'] = [];
  for (const c of copies) {
    const a = cleanedArticle(c.article, learned);
    if (a) items.push({ id: c.id, article: a });
  }
  return {
    revision: clean === null ? null : { article: clean, fingerprint: fingerprintBody(bodyText(clean)), dropped: revision!.paragraphs.length - clean.paragraphs.length },
    items,
  };
}

export function checkEntriesFilter(filter: BoilerplateFilter): Required<Omit<BoilerplateFilter, 'host'>> & { host: string | null } {
  if (filter.host !== undefined) checkHost('boilerplateEntries', filter.host);
  const limit = filter.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ENTRIES_LIMIT) throw bad('boilerplateEntries', `limit must be an integer from 1 to ${MAX_ENTRIES_LIMIT}, not ${limit}`, {});
  return { host: filter.host ?? null, learnedOnly: filter.learnedOnly ?? true, limit };
}

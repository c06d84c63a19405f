/**
 * The dedup stage: an item's extracted Article → DedupInput (canonical URL, text hash, MinHash bands) → what the
 * store holds that it may duplicate → the decision (pure, dedup/decide.ts) → stored as a sighting, a revision, or
 * a new article in an existing or a new story cluster.
 *
 *   dedupInput:   item + Article + final URL → DedupInput            (pure)
 *   dedupArticle: DedupInput → DedupFound → DedupDecision → StoredArticle   (one lookup, one write transaction)
 *
 * The decision the store applies can differ from the one made here when another worker stored the same story in
 * between: `StoredArticle.kind` is what was stored.
 */
import { canonicalUrl } from '../dedup/canonical-url.js';
import { DEFAULT_DEDUP } from '../dedup/decide.js';
import { bodyText, fingerprintBody } from '../dedup/fingerprint.js';
import type { DedupDecision, DedupInput, DedupOptions } from '../dedup/types.js';
import type { Article } from '../model.js';
import { decideForStore, type ArticleStore, type StoredArticle } from '../store/articles.js';
import type { StoredItem } from '../store/store.js';

export interface DedupStageDeps {
  store: Pick<ArticleStore, 'findDuplicates' | 'storeArticle'>;
  /** Same-story threshold. Default DEFAULT_DEDUP. */
  dedup?: DedupOptions;
}

export interface DedupOutcome {
  input: DedupInput;
  /** The decision made on what the lookup saw. */
  decision: DedupDecision;
  /** What was stored. */
  stored: StoredArticle;
}

/**
 * What an article brings to deduplication. The canonical URL comes from the page's final URL (after redirects) and
 * the page's own rel=canonical (used only when it is on the same site); the fingerprints from lead and body.
 */
export function dedupInput(item: Pick<StoredItem, 'feedName' | 'guid'>, article: Article, finalUrl: string): DedupInput {
  const fp = fingerprintBody(bodyText(article));
  return {
    feedName: item.feedName,
    guid: item.guid,
    url: finalUrl,
    canonicalUrl: canonicalUrl(finalUrl, { pageCanonical: article.canonicalUrl }),
    textHash: fp.textHash,
    minhash: fp.minhash,
    bands: fp.bands,
    tokenCount: fp.tokenCount,
  };
}

/** Deduplicate an item's article against the store and store it. `at` is the ISO 8601 time of storing. */
export async function dedupArticle(item: StoredItem, article: Article, finalUrl: string, at: string, deps: DedupStageDeps): Promise<DedupOutcome> {
  const options = deps.dedup ?? DEFAULT_DEDUP;
  const input = dedupInput(item, article, finalUrl);
  const found = await deps.store.findDuplicates(input);
  const decision = decideForStore(input, found, options);
  const stored = await deps.store.storeArticle({ itemId: item.id, input, article, decision, at, options });
  return { input, decision, stored };
}

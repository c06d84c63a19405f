/**
 * The dedup stage: an item's extracted Article → DedupInput (canonical URL, text hash, MinHash bands) → what the
 * store holds that it may duplicate → the decision (pure, dedup/decide.ts) → stored as a sighting, a revision, or
 * a new article in an existing or a new story cluster.
 *
 *   dedupInput:   item + Article + final URL → DedupInput            (pure, dedup/input.ts)
 *   dedupArticle: DedupInput → DedupFound → DedupDecision → StoredArticle   (one lookup, one write transaction)
 *
 * The decision the store applies can differ from the one made here when another worker stored the same story in
 * between: `StoredArticle.kind` is what was stored.
 */
import { DEFAULT_DEDUP } from '../dedup/decide.js';
import { dedupInput } from '../dedup/input.js';
import type { Article, DedupOptions, DedupOutcome, StoredItem } from '../model.js';
import { findAndStoreArticle, type ArticleStore, type FindAndStore, type FindAndStoreRequest } from '../store/articles.js';

export interface DedupStageDeps {
  store: Pick<ArticleStore, 'findDuplicates' | 'storeArticle'> & Partial<FindAndStore>;
  /** Same-story threshold. Default DEFAULT_DEDUP. */
  dedup?: DedupOptions;
}

export { dedupInput };

/** Deduplicate an item's article against the store and store it. `at` is the ISO 8601 time of storing. */
export async function dedupArticle(item: StoredItem, article: Article, finalUrl: string, at: string, deps: DedupStageDeps): Promise<DedupOutcome> {
  const req: FindAndStoreRequest = { itemId: item.id, item: { feedName: item.feedName, guid: item.guid }, article, finalUrl, at, options: deps.dedup ?? DEFAULT_DEDUP };
  return typeof deps.store.findAndStoreArticle === 'function' ? deps.store.findAndStoreArticle(req) : findAndStoreArticle(deps.store, req);
}

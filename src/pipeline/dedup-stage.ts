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
import type { DedupDecision, DedupInput, DedupOptions } from '../dedup/types.js';
import type { Article } from '../model.js';
import { decideForStore, type ArticleStore, type StoreArticleRequest, type StoredArticle } from '../store/articles.js';
import type { StoredItem } from '../store/store.js';

/** What `FindAndStore.findAndStoreArticle` is asked: storeArticle's request, with the makings of its input. */
export interface FindAndStoreRequest extends Omit<StoreArticleRequest, 'decision' | 'input'> {
  item: Pick<StoredItem, 'feedName' | 'guid'>;
  finalUrl: string;
}

/**
 * A store that can fingerprint, look up, decide and store in one call (the SQLite store on its thread, where each
 * call is a round trip between threads and the main thread is the busy one): dedupArticle's steps, in its order.
 */
export interface FindAndStore {
  findAndStoreArticle(req: FindAndStoreRequest): Promise<DedupOutcome>;
}

export interface DedupStageDeps {
  store: Pick<ArticleStore, 'findDuplicates' | 'storeArticle'> & Partial<FindAndStore>;
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

export { dedupInput };

/** Deduplicate an item's article against the store and store it. `at` is the ISO 8601 time of storing. */
export async function dedupArticle(item: StoredItem, article: Article, finalUrl: string, at: string, deps: DedupStageDeps): Promise<DedupOutcome> {
  const options = deps.dedup ?? DEFAULT_DEDUP;
  if (typeof deps.store.findAndStoreArticle === 'function') {
    return deps.store.findAndStoreArticle({ itemId: item.id, item: { feedName: item.feedName, guid: item.guid }, article, finalUrl, at, options });
  }
  const input = dedupInput(item, article, finalUrl);
  const found = await deps.store.findDuplicates(input);
  const decision = decideForStore(input, found, options);
  const stored = await deps.store.storeArticle({ itemId: item.id, input, article, decision, at, options });
  return { input, decision, stored };
}

/**
 * What an article brings to deduplication (a DedupInput): its identity in the feed, the URL as fetched and its
 * canonical form, and the fingerprints of lead and body. Pure; the dedup stage (src/pipeline/dedup-stage.ts) makes
 * it, or the SQLite storage thread does when it looks up and stores in one call (src/store/sqlite/threaded.ts).
 */
import type { Article, DedupInput } from '../model.js';
import { canonicalUrl } from './canonical-url.js';
import { bodyText, fingerprintBody } from './fingerprint.js';

/**
 * What an article brings to deduplication. The canonical URL comes from the page's final URL (after redirects) and
 * the page's own rel=canonical (used only when it is on the same site); the fingerprints from lead and body.
 */
export function dedupInput(item: { feedName: string; guid: string }, article: Article, finalUrl: string): DedupInput {
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

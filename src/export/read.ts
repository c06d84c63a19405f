/**
 * Stored articles for an export, read page by page by keyset (`searchPage`, the reading /api/stories does): newest
 * first, every article or those a rule matches, of one feed and stored since a time when asked. At most `pageSize`
 * documents come from storage per round trip and the next page is only read when the consumer asks for more, so a
 * consumer that waits (a slow output) holds the reading and memory stays one page, whatever the number stored.
 */
import type { CompiledRule } from '../alerts/match.js';
import type { Lemmatizer } from '../alerts/morphology.js';
import { MAX_SEARCH_PAGE, searchPage, type AlertDocRecord, type AlertStore } from '../store/alerts.js';

/** Documents read from storage per round trip. */
export const EXPORT_PAGE_SIZE = 500;

export interface ExportQuery {
  /** Only articles the rule matches; null: every stored article. */
  rule: CompiledRule | null;
  feed?: string;
  /** ISO 8601: only articles stored at or after it. */
  since?: string;
  /** Documents per round trip (1..MAX_SEARCH_PAGE); default EXPORT_PAGE_SIZE. */
  pageSize?: number;
}

/** Every stored article the query selects, newest first, one page of storage at a time. */
export async function* exportedDocs(store: Pick<AlertStore, 'searchCandidates'>, lem: Lemmatizer, q: ExportQuery): AsyncGenerator<AlertDocRecord> {
  const pageSize = Math.min(MAX_SEARCH_PAGE, Math.max(1, q.pageSize ?? EXPORT_PAGE_SIZE));
  let cursor: number | undefined;
  for (;;) {
    const page = await searchPage(store, q.rule, lem, {
      limit: pageSize,
      pageSize,
      maxScanned: pageSize,
      ...(cursor === undefined ? {} : { cursor }),
      ...(q.feed === undefined ? {} : { feed: q.feed }),
      ...(q.since === undefined ? {} : { since: q.since }),
    });
    for (const hit of page.hits) yield hit.doc;
    if (page.next === null) return;
    cursor = page.next;
  }
}

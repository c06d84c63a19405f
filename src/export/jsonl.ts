/** Exported articles as JSON Lines: one object per article (ids, feed, URL, title, lead, paragraphs, tags, times). */
import type { AlertDocRecord } from '../store/alerts.js';

export function jsonlRecord(doc: AlertDocRecord): string {
  return (
    JSON.stringify({
      storyId: doc.clusterId,
      articleId: doc.articleId,
      feed: doc.feed,
      url: doc.url,
      title: doc.title,
      lead: doc.lead,
      paragraphs: doc.body === '' ? [] : doc.body.split('\n\n'),
      tags: doc.tags,
      publishedAt: doc.publishedAt,
      storedAt: doc.storedAt,
    }) + '\n'
  );
}

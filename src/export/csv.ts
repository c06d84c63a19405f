/**
 * Exported articles as CSV (RFC 4180): a header line, one record per article, CRLF line ends; a field holding a
 * comma, a double quote, CR or LF is quoted, its quotes doubled. Guard against formula injection: a text field that
 * starts with "=", "+", "-", "@", a tab or CR (what spreadsheets read as a formula) gets a leading apostrophe, so a
 * spreadsheet shows the text instead of running it; numbers (ids, which are negative for a feed entry whose page
 * failed) are written as they are. A consumer that wants the exact text strips one leading "'" from such a field.
 */
import type { AlertDocRecord } from '../store/alerts.js';

export const CSV_COLUMNS = ['story_id', 'article_id', 'feed', 'published_at', 'stored_at', 'url', 'title', 'lead', 'body', 'tags'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One text field, guarded and quoted as needed. */
export function csvText(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

function csvLine(fields: string[]): string {
  return fields.join(',') + '\r\n';
}

export function csvHeader(): string {
  return csvLine([...CSV_COLUMNS]);
}

export function csvRecord(doc: AlertDocRecord): string {
  return csvLine([
    csvText(doc.clusterId),
    String(doc.articleId),
    csvText(doc.feed),
    csvText(doc.publishedAt ?? ''),
    csvText(doc.storedAt),
    csvText(doc.url ?? ''),
    csvText(doc.title),
    csvText(doc.lead),
    csvText(doc.body),
    csvText(doc.tags.join('; ')),
  ]);
}

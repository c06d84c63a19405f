/**
 * How extracted metadata is judged against labels written by reading the page (tests/fixtures/meta-labels.json):
 *
 * - title: equal after normalising (Unicode NFKC, lower case, every run of non-letters and non-digits read as one
 *   space, so quote and dash styles and the spacing around them do not count);
 * - author: both null, or the same set of names (names split at commas, `&`, "and"/"und"/"и"; each name
 *   compared without diacritics, case and punctuation, a leading "by" dropped);
 * - date: both null, or the same calendar day as the page writes it (the date part of the extracted ISO 8601
 *   value, which keeps the page's own UTC offset).
 */
import type { Article } from '../src/model.js';

export interface MetaLabel {
  key: string;
  corpus: 'dev' | 'dragnet';
  /** The headline as the page shows it. */
  headline: string;
  /** The byline's person name(s), comma-separated; null when the page names no person. */
  author: string | null;
  /** YYYY-MM-DD as the page shows it; null when the page shows no date. */
  date: string | null;
  /** Labelled after the rules were first written, to see how they do on pages they were not written from. */
  heldOut?: boolean;
  note?: string;
}

export type MetaField = 'title' | 'author' | 'publishedAt';
export const META_FIELDS: readonly MetaField[] = ['title', 'author', 'publishedAt'];

export function normalizeTitle(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function normalizeName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/^by\s+/, '');
}

export function authorNames(s: string): string[] {
  return s
    .split(/\s*(?:,|&|\band\b|\bund\b|\bи\b)\s*/iu)
    .map(normalizeName)
    .filter((n) => n !== '')
    .sort();
}

export function titleMatches(extracted: string | null, label: MetaLabel): boolean {
  return extracted !== null && normalizeTitle(extracted) === normalizeTitle(label.headline);
}

export function authorMatches(extracted: string | null, label: MetaLabel): boolean {
  if (label.author === null || extracted === null) return label.author === extracted;
  const a = authorNames(extracted);
  const b = authorNames(label.author);
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

export function dateMatches(extracted: string | null, label: MetaLabel): boolean {
  if (label.date === null || extracted === null) return label.date === extracted;
  return extracted.slice(0, 10) === label.date;
}

export interface MetaPageResult {
  label: MetaLabel;
  got: Record<MetaField, string | null>;
  ok: Record<MetaField, boolean>;
}

export function judgePage(label: MetaLabel, article: Pick<Article, 'title' | 'author' | 'publishedAt'>): MetaPageResult {
  const got = { title: article.title, author: article.author, publishedAt: article.publishedAt };
  return {
    label,
    got,
    ok: { title: titleMatches(got.title, label), author: authorMatches(got.author, label), publishedAt: dateMatches(got.publishedAt, label) },
  };
}

/** Share of pages whose field matches, per field. */
export function accuracy(results: readonly MetaPageResult[]): Record<MetaField, number> {
  const share = (f: MetaField) => (results.length === 0 ? 0 : results.filter((r) => r.ok[f]).length / results.length);
  return { title: share('title'), author: share('author'), publishedAt: share('publishedAt') };
}

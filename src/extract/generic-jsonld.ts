/**
 * The article text a page declares in JSON-LD (`articleBody` of a schema.org Article/NewsArticle/BlogPosting
 * object): the generic extractor's fallback for pages whose HTML holds little text, such as script-rendered
 * pages. Often cut short on other pages, so it is never preferred to text found in the markup.
 */
import type { CheerioAPI } from 'cheerio';
import { normalizeSpace } from './text.js';

function findArticleBody(value: unknown, depth: number): string | null {
  if (depth > 6 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findArticleBody(v, depth + 1);
      if (found) return found;
    }
    return null;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.articleBody === 'string' && o.articleBody.trim() !== '') return o.articleBody;
  for (const key of ['@graph', 'mainEntity', 'mainEntityOfPage']) {
    const found = findArticleBody(o[key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** The paragraphs of the page's JSON-LD articleBody (split at line breaks), or [] when there is none. */
export function jsonLdParagraphs($: CheerioAPI): string[] {
  let body: string | null = null;
  $('script[type="application/ld+json"]').each((_, el) => {
    if (body !== null) return;
    try {
      body = findArticleBody(JSON.parse($(el).text()), 0);
    } catch {
      // A malformed block says nothing.
    }
  });
  if (body === null) return [];
  return (body as string)
    .split(/\n+/)
    .map(normalizeSpace)
    .filter((p) => p !== '');
}

/**
 * How the SQLite store keeps an article's text once, and small (migrations/sqlite/0012_text_once.sql): the
 * extracted Article's JSON deflated (raw DEFLATE, level 3) in `article_revisions.packed`, the only copy of it; items,
 * alert documents and the search index refer to it. Measured on the dev corpus's articles: the JSON shrinks to 0.44
 * of its size for 0.11 ms of CPU an article; level 6 (the default) gave 0.43 for 0.16-0.19 ms (the store bench's file:
 * 7.25 against 7.15 MB per 1,000 articles at 10,000), level 1 0.46 for 0.10 ms.
 *
 * `registerTextFunctions` gives a connection the SQL functions the migration uses to convert rows written before it.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type BetterSqlite3 from 'better-sqlite3';
import type { Article } from '../../model.js';

/** Deflate level of packed articles (see the top of this file). */
const PACK_LEVEL = 3;

/** The article's JSON, deflated. */
export function packArticle(article: Article | string): Buffer {
  return deflateRawSync(typeof article === 'string' ? article : JSON.stringify(article), { level: PACK_LEVEL });
}

/** The article's JSON text from its packed form. */
export function unpackJson(packed: Uint8Array): string {
  return inflateRawSync(packed).toString('utf8');
}

export function unpackArticle(packed: Uint8Array): Article {
  return JSON.parse(unpackJson(packed)) as Article;
}

/** The body text of an article as alerts and search see it: its paragraphs, a blank line apart. */
export function bodyText(article: Pick<Article, 'paragraphs'>): string {
  return article.paragraphs.join('\n\n');
}

/**
 * `feedwatch_pack(json)` (a BLOB) and `feedwatch_body(packed)` (the paragraphs of a packed article, a blank line
 * apart) on this connection: what 0012_text_once.sql converts the rows of earlier versions with.
 */
export function registerTextFunctions(db: BetterSqlite3.Database): void {
  db.function('feedwatch_pack', { deterministic: true }, (json: unknown) => (typeof json === 'string' ? packArticle(json) : null));
  db.function('feedwatch_body', { deterministic: true }, (packed: unknown) => (packed instanceof Uint8Array ? bodyText(unpackArticle(packed)) : null));
}

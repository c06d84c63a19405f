/**
 * The most text one article keeps. Everything after extraction scales with the article's text and runs in one
 * piece: copying it between threads, dedup's normalisation and MinHash, the SQLite row and its search index entry
 * (one synchronous statement each on the storage thread, which /healthz pings), alert regexes. A 4.9 MB page of
 * text held the storage thread for over half a second; cut here, in the worker that extracted it, no later step
 * sees more than this many characters.
 *
 * The cut keeps whole paragraphs (the lead first, then the body in order) up to `maxChars` characters, and the
 * part of the next one that fits, ended at a space where there is one; the article records what it had
 * (`cut: { chars, paragraphs }`), which is stored with it and logged.
 */
import type { Article } from '../model.js';

/**
 * Default `budgets.articleChars`: four times the longest article of both extraction corpora (53,372 characters
 * of 1,446 labelled pages).
 */
export const ARTICLE_CHARS = 200_000;

/** A piece of text this long or shorter is never split at a space (a page of one unbroken word is cut anyway). */
const SPACE_SEARCH = 200;

/** `article` with its lead and paragraphs together at most `maxChars` characters; unchanged when they fit. */
export function capArticle(article: Article, maxChars: number = ARTICLE_CHARS): Article {
  const lead = article.lead ?? '';
  let total = lead.length;
  for (const p of article.paragraphs) total += p.length;
  if (total <= maxChars) return article;
  const keptLead = lead.length <= maxChars ? lead : cutAt(lead, maxChars);
  // Nothing after a cut piece: the text kept is a beginning of the article.
  let room = keptLead.length < lead.length ? 0 : maxChars - lead.length;
  const paragraphs: string[] = [];
  for (const p of article.paragraphs) {
    if (room <= 0) break;
    if (p.length <= room) {
      paragraphs.push(p);
      room -= p.length;
      continue;
    }
    const piece = cutAt(p, room);
    if (piece.length > 0) paragraphs.push(piece);
    break;
  }
  return {
    ...article,
    lead: article.lead === null ? null : keptLead,
    paragraphs,
    cut: { chars: total, paragraphs: article.paragraphs.length },
  };
}

/** The first `n` characters of `s` at most, ended before the last space among them when one is near the end. */
function cutAt(s: string, n: number): string {
  if (n <= 0) return '';
  let end = n;
  // Not between the halves of a surrogate pair.
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  const space = s.lastIndexOf(' ', end);
  if (space > 0 && end - space <= SPACE_SEARCH) end = space;
  return s.slice(0, end).trimEnd();
}

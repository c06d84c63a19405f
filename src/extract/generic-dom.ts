/**
 * DOM vocabulary of the generic extractor: which tags are inline, which never hold article text, how an
 * element's class/id/role hints weigh, and whether an element is hidden. Works on htmlparser2/domhandler
 * nodes directly (no selector engine), so that one pass over a page stays well under a millisecond.
 */
import type { AnyNode, Element } from 'domhandler';
import { lowerCase } from './text.js';

/** Tags whose content flows inside a line of text; every other tag starts a block. */
export const INLINE_TAGS = new Set([
  'a', 'abbr', 'acronym', 'b', 'bdi', 'bdo', 'big', 'cite', 'code', 'data', 'del', 'dfn', 'em', 'font', 'i', 'img',
  'ins', 'kbd', 'label', 'mark', 'nobr', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'time',
  'tt', 'u', 'var', 'wbr', 'br', 'picture', 'source',
]);

/** Tags never holding article text (their whole subtree is ignored, whatever the page). */
export const DROP_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas', 'video', 'audio',
  'select', 'option', 'textarea', 'input', 'button', 'head', 'title', 'meta', 'link', 'dialog', 'map', 'area',
  'frameset', 'frame',
]);

/**
 * Tags of page chrome that real pages also use around the article: a blog post in an <aside>, a whole
 * ASP.NET page inside one <form>. Skipped unless the extractor falls back to `hard-only` (see ChromeMode).
 */
export const CHROME_TAGS = new Set(['nav', 'aside', 'footer', 'form', 'menu', 'figcaption']);

/** Headings: part of the body when inside it, but never the reason a container wins. */
export const HEADING_TAGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/** ARIA roles of page chrome. */
const CHROME_ROLES = new Set(['navigation', 'menu', 'menubar', 'complementary', 'banner', 'contentinfo', 'dialog', 'alertdialog', 'search', 'alert']);

/**
 * Class/id words of page chrome: an element matching one (and no CONTENT_HINT) is dropped outright.
 * Matched on whole words of the class/id, split at non-letters, so "ad" does not hit "head" or "read".
 */
const CHROME_HINT =
  /(?:^|[^a-z])(?:sidebar|side-?bar|related|recommend(?:ed|ations?)?|share|sharing|sharebar|promo|promos|advert|advertisement|ads?|adslot|ad-?container|sponsor(?:ed)?|newsletter|subscribe|subscription|signup|popup|modal|cookie|consent|gdpr|breadcrumbs?|pagination|pager|menu|navbar|nav|footer|masthead|outbrain|taboola|tags|tag-?list|byline|author-?bio|more-?stories|most-?popular|trending|skip-?link|print-?only|visually-?hidden|sr-only|screen-?reader-?text|hidden)(?:$|[^a-z])/;

/**
 * Class/id words of a comment thread: any word starting with "comment" ("comments", "commentlist",
 * "commentbody", "comment-wrap"; not "commentary") or "disqus". Skipped in the `tags` mode too: comments never
 * wrap a whole page, and a short post above a long thread must not lose to it when the page is measured again
 * without the other words.
 */
const COMMENT_HINT = /(?:^|[^a-z])(?:comment(?!ary)|disqus)/;

/**
 * Whether class/id words naming a comment thread outweigh those naming the article: a comment word qualifies a
 * content word of the same class or id ("comments-body", "comment-content" are a comment's text), but not one of
 * another ("entry-content has-comments" is the article).
 */
function isCommentThread(hint: string): boolean {
  let comment = false;
  for (const word of hint.split(/\s+/)) {
    if (COMMENT_HINT.test(word)) comment = true;
    else if (CONTENT_HINT.test(word)) return false;
  }
  return comment;
}

/**
 * Whether the element marks where a comment thread starts inside the column it shares with the article: a
 * heading (`<h2 id="comments">`) or a named anchor without a link (`<a name="comments"></a>`) whose class, id or
 * name is a comment thread's. Real pages write the thread right after the post, in the same block, with no
 * wrapper to skip; what follows the marker in that block is the thread. (The caller checks that the marker holds
 * no more text than a heading does.)
 */
export function isThreadMarker(el: Element, tag: string): boolean {
  if (tag === 'a' ? el.attribs.href !== undefined : !HEADING_TAGS.has(tag)) return false;
  const name = el.attribs.name;
  const hint = name === undefined ? hintText(el) : `${hintText(el)} ${name.toLowerCase()}`;
  return hint !== '' && COMMENT_HINT.test(hint) && isCommentThread(hint);
}

/** Class/id words of the article itself. */
const CONTENT_HINT = /(?:^|[^a-z])(?:article|content|entry|post|story|body|text|main|blog|prose|richtext|hentry|h-entry)/;

/** Class/id words that weigh a candidate down without dropping it. */
const NEGATIVE_HINT = /(?:comment|sidebar|footer|related|share|promo|(?:^|[^a-z])ads?(?:$|[^a-z])|nav|menu|subscribe|newsletter|widget|meta|caption|credit|teaser|tags|header|banner|sponsor|social)/;

/**
 * A class or id naming a box about the author ("author", "post-author", "about-author", "author-bio",
 * "author_info"): the writer's profile, not the story. Matched on whole class/id words, so a post classed
 * "entry-author-jane" (the author's name) is not one.
 */
const AUTHOR_BOX = /^(?:[a-z]+[-_])?(?:about[-_]?)?author(?:[-_]?(?:box|bio|info|text|details|profile|description|wrap|area))?$/;

function isAuthorBox(hint: string): boolean {
  return hint.includes('author') && hint.split(/\s+/).some((word) => AUTHOR_BOX.test(word));
}

/** Class/id words that weigh a candidate up. */
const POSITIVE_HINT = /(?:article|content|entry|post|story|body|text|blog|main|prose)/;

export function isElement(node: AnyNode): node is Element {
  return node.type === 'tag';
}

/**
 * The class and id words an element's role is read from, lower-cased. A BEM element class names its role
 * after "__" ("article__meta" is metadata, "article__text" is text), so only that part of it counts.
 */
function hintText(el: Element): string {
  const a = el.attribs;
  const cls = a.class;
  const id = a.id;
  if (cls === undefined && id === undefined) return '';
  let hint = lowerCase(`${cls ?? ''} ${id ?? ''}`);
  if (hint.includes('__')) hint = hint.replace(/\S*__(\S+)/g, '$1');
  return hint;
}

/** Whether the element is hidden from readers (hidden attribute, aria-hidden, inline display:none). */
export function isHidden(el: Element): boolean {
  const a = el.attribs;
  if (a.hidden !== undefined) return true;
  if (a['aria-hidden'] === 'true') return true;
  const style = a.style;
  return style !== undefined && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style);
}

/**
 * How much the measuring pass may skip as chrome: `hints` everything below; `tags` all but class/id words other
 * than a comment thread's (they sometimes sit on a wrapper of the whole page, "page-ad-margins"); `hard-only`
 * only what never holds text (DROP_TAGS, hidden elements), for pages whose article sits in an element that
 * looks like chrome.
 */
export type ChromeMode = 'hints' | 'tags' | 'hard-only';

/**
 * Why an element is page chrome, or null when it is not: `hard` by a DROP_TAGS tag or hidden (never text);
 * `tag` by a CHROME_TAGS tag or an ARIA role; `hint` by its class/id words. A wrapper-sized `tag` or `hint`
 * element may still hold the article: the measuring pass decides (generic-score.ts).
 */
export function chromeReason(el: Element, tag: string, mode: ChromeMode): 'hard' | 'tag' | 'hint' | null {
  if (DROP_TAGS.has(tag) || isHidden(el)) return 'hard';
  if (mode === 'hard-only') return null;
  if (CHROME_TAGS.has(tag)) return 'tag';
  const role = el.attribs.role;
  if (role !== undefined && CHROME_ROLES.has(role.toLowerCase())) return 'tag';
  if (tag === 'body' || tag === 'html' || tag === 'article' || tag === 'main' || tag === 'a' || tag === 'p') return null;
  const hint = hintText(el);
  if (hint === '') return null;
  if (COMMENT_HINT.test(hint) && isCommentThread(hint)) return 'hint';
  if (CONTENT_HINT.test(hint)) return null;
  return mode === 'hints' && CHROME_HINT.test(hint) ? 'hint' : null;
}

/** Weight of the element's class/id words for candidate scoring: +25 for content words (other than an author box's own), −25 for chrome words or an author box. */
export function classWeight(el: Element): number {
  const hint = hintText(el);
  if (hint === '') return 0;
  let w = 0;
  const author = isAuthorBox(hint);
  if (NEGATIVE_HINT.test(hint) || author) w -= 25;
  // An author box's own words ("author-text", "about-author-content") name the profile's text, not the article's.
  if (author ? hint.split(/\s+/).some((word) => !AUTHOR_BOX.test(word) && POSITIVE_HINT.test(word)) : POSITIVE_HINT.test(hint)) w += 25;
  return w;
}

/**
 * The generic article extractor: any page that no engine-specific extractor claims. Finds the article's
 * container by a Readability-like scorer (generic-score.ts), collects its paragraphs (generic-blocks.ts) and
 * drops what is still chrome: link lines, the repeated headline, whole-line boilerplate (generic-boilerplate.ts
 * plus the site rule's own patterns). A site rule's `body` and `remove` selectors, when given, replace the
 * guesswork; its title/lead/author/date/tags selectors override the page metadata.
 */
import type { CheerioAPI } from 'cheerio';
import type { Document, Element } from 'domhandler';
import type { Article } from '../model.js';
import type { SiteRule } from './rule-schema.js';
import { parseDateTime, type PageMeta } from './meta.js';
import { compilePattern, dropBoilerplate, normalizeSpace, inlineText } from './text.js';
import { isElement } from './generic-dom.js';
import { measure, chooseContainers } from './generic-score.js';
import { collectBlocks, type Block } from './generic-blocks.js';
import { GENERIC_BOILERPLATE } from './generic-boilerplate.js';

/** The page's <body> (or <html>, or the document when the markup has neither). */
function findStart(doc: Document): Element | Document {
  let html: Element | null = null;
  for (const c of doc.children) {
    if (!isElement(c)) continue;
    if (c.name.toLowerCase() === 'html') html = c;
    else if (c.name.toLowerCase() === 'body') return c;
  }
  if (!html) return doc;
  for (const c of html.children) if (isElement(c) && c.name.toLowerCase() === 'body') return c;
  return html;
}

function selectAll($: CheerioAPI, selector: string | undefined): Element[] {
  if (!selector) return [];
  return $(selector).toArray().filter(isElement);
}

function selectText($: CheerioAPI, selector: string | undefined): string | null {
  const el = selectAll($, selector)[0];
  if (!el) return null;
  return normalizeSpace(inlineText(el)) || null;
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase().replace(/\W+/gu, ' ').trim() === b.toLowerCase().replace(/\W+/gu, ' ').trim();
}

function textLength(paragraphs: readonly string[]): number {
  return paragraphs.reduce((n, p) => n + p.length, 0);
}

const CITATION = /(?:https?:\/\/|www\.)\S|(?:^|\s)@\w/;

/** Drops blocks that are chrome by their content: link lines and the repeated headline. */
function keepBlock(b: Block, title: string | null): boolean {
  const ld = b.len > 0 ? b.linkLen / b.len : 0;
  // A short line that is mostly a link points elsewhere ("Related: …"), unless the link shows its own
  // address or a handle, as citations and credits do.
  if (ld > 0.5 && b.len < 150 && !CITATION.test(b.text)) return false;
  // Several lines of mostly links: a link list set with <br>.
  if (ld > 0.5 && b.text.split('\n').length >= 3) return false;
  if (title !== null && b.len < title.length * 1.5 && sameText(b.text, title)) return false;
  return true;
}

/** Below this many characters of text, an attempt is taken to have missed the article. */
const MIN_ARTICLE_CHARS = 500;

export function extractGeneric($: CheerioAPI, _url: string, meta: PageMeta, rule?: SiteRule): Article {
  const doc = $.root()[0] as unknown as Document;
  const start = findStart(doc);
  const removed = new Set<Element>();
  for (const sel of rule?.remove ?? []) for (const el of selectAll($, sel)) removed.add(el);
  const ruleBody = selectAll($, rule?.body).filter((el) => !removed.has(el));
  const title = selectText($, rule?.title) ?? meta.title;
  const patterns = [...GENERIC_BOILERPLATE, ...(rule?.dropParagraphs ?? []).map(compilePattern)];

  const attempt = (byHints: boolean): string[] => {
    const measured = measure(start, removed, byHints);
    const containers = ruleBody.length > 0 ? ruleBody : chooseContainers(measured).map((b) => b.el);
    const blocks = collectBlocks(containers, measured).filter((b) => keepBlock(b, title));
    return dropBoilerplate(
      blocks.map((b) => b.text),
      patterns,
    );
  };
  let paragraphs = attempt(true);
  if (textLength(paragraphs) < MIN_ARTICLE_CHARS) {
    const second = attempt(false);
    if (textLength(second) > textLength(paragraphs)) paragraphs = second;
  }

  const lead = selectText($, rule?.lead);
  if (lead !== null) paragraphs = paragraphs.filter((p) => !sameText(p, lead));
  const ruleTags = selectAll($, rule?.tags)
    .map((el) => normalizeSpace(inlineText(el)))
    .filter((t) => t !== '');

  return {
    title,
    lead,
    paragraphs,
    dateline: null,
    place: null,
    author: selectText($, rule?.author) ?? meta.author,
    publishedAt: parseDateTime(selectAll($, rule?.date)[0]?.attribs.datetime ?? selectText($, rule?.date)) ?? meta.publishedAt,
    tags: ruleTags.length > 0 ? ruleTags : meta.tags,
    language: meta.language,
    canonicalUrl: meta.canonicalUrl,
    images: meta.images,
    extractor: rule ? `rule:${rule.name}` : 'generic',
  };
}

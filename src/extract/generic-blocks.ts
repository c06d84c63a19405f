/**
 * Turns the chosen article containers into paragraphs: block elements break paragraphs, inline markup
 * joins without added spaces, <br> breaks a line. Page chrome found by the measuring pass is skipped, and
 * blocks that look like chrome by their numbers (mostly links, more list items than paragraphs, image
 * strips) are dropped whole, as Readability's conditional cleaning does.
 */
import type { AnyNode, Document, Element } from 'domhandler';
import { INLINE_TAGS, classWeight, isElement } from './generic-dom.js';
import { linkDensity, measureText, tagPrior, type Box, type Measured } from './generic-score.js';
import { normalizeSpace, walkFrames } from './text.js';

/** One paragraph of extracted text with the numbers the final filters need. */
export interface Block {
  text: string;
  /** Text length (whitespace collapsed) and the part of it inside links. */
  len: number;
  linkLen: number;
  /** Text inside b/strong/em/i, link targets, the element holding the text, and whether chrome was cut next to it. */
  emphLen: number;
  hrefs: string[];
  el: Element | Document | null;
  nearRemoved: boolean;
}

const EMPHASIS = new Set(['b', 'strong', 'em', 'i']);

/** Skipped elements that readers never see as a cut in the text (scripts and the like). */
const SILENT = new Set(['script', 'style', 'noscript', 'template', 'link', 'meta']);

/** A block holding more than this share of its container's text is never dropped by conditional cleaning. */
const MOST = 0.5;

/** Tags judged by conditional cleaning. */
const CLEANED = new Set(['div', 'section', 'ul', 'ol', 'dl', 'table', 'header', 'figure', 'center']);

/** Parts only a table of data has: header cells and groups, a caption. */
const DATA_TABLE_PARTS = new Set(['th', 'thead', 'tfoot', 'caption']);

/**
 * Whether a table holds data (a line-up, results, prices: its cells are the article's, however many of them are
 * links) rather than laying out the page: it has header cells or a caption and no table inside it.
 */
export function isDataTable(b: Box): boolean {
  let data = false;
  const stack: Box[] = [...b.children];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (c.tag === 'table') return false;
    if (DATA_TABLE_PARTS.has(c.tag)) data = true;
    stack.push(...c.children);
  }
  return data;
}

/** Whether a block inside the article is chrome by its numbers. */
function looksLikeChrome(b: Box): boolean {
  // A wrapper around one quotation (embedded posts are quotes of their text) is part of the article.
  if (b.children.length === 1 && b.children[0]!.tag === 'blockquote' && b.ownLen === 0) return false;
  // So is a table of data, however many of its cells are links.
  if (b.tag === 'table' && isDataTable(b)) return false;
  const weight = isElement(b.el) ? classWeight(b.el) : 0;
  const isList = b.tag === 'ul' || b.tag === 'ol' || b.tag === 'dl';
  const listed = isList && isTextList(b);
  // A list's score starts below zero for its tag alone: for a list of text (steps, ingredients, points) what its
  // text added decides, not that prior.
  const score = b.scored ? b.score - (listed ? tagPrior(b.tag) : 0) : 0;
  if (weight + score < 0) return true;
  if (b.commas >= 10) return false;
  const ld = linkDensity(b);
  if (b.images > 1 && b.paragraphs / b.images < 0.5) return true;
  // No "more list items than paragraphs" rule: a block holding a plain list (a story's points, a list of titles)
  // is article; navigation is caught by its links below (Readability.js dropped that rule the same way).
  if (weight < 25 && ld > 0.2 && b.len > 0) {
    // A list or paragraph group made mostly of links (related stories, tag lists, share bars).
    return !(isList && ld < 0.5 && (listed || (b.paragraphs === 0 && b.len / Math.max(1, b.listItems) > 60)));
  }
  if (weight >= 25 && ld > 0.5) return true;
  return false;
}

/** Items a list needs before it reads as a list of the article's points rather than a label and its value. */
const MIN_TEXT_LIST_ITEMS = 3;

/**
 * Whether a list is made of text rather than pointers: at least MIN_TEXT_LIST_ITEMS items, most of them without
 * any link, or items of prose (over 60 characters each on average) with little of it linked (a list of quoted
 * posts, each naming its source). Navigation, related stories and tag lists link from every short item.
 */
function isTextList(b: Box): boolean {
  let items = 0;
  let linked = 0;
  for (const c of b.children) {
    if (c.tag !== 'li' && c.tag !== 'dt' && c.tag !== 'dd') continue;
    if (c.len === 0) continue;
    items++;
    if (c.linkLen > 0) linked++;
  }
  return items >= MIN_TEXT_LIST_ITEMS && (linked * 2 < items || (linkDensity(b) < 0.25 && b.len / items > 60));
}

/** A line with invisible characters removed and whitespace collapsed (text.ts normalizeSpace). */
const cleanLine = normalizeSpace;

/**
 * How blocks inside the containers are cleaned: `all` drops every block that looks like chrome; `keep-most`
 * spares a block holding most of its container's text; `none` drops nothing (page chrome found by the
 * measuring pass is skipped still).
 */
export type Cleaning = 'all' | 'keep-most' | 'none';

/** Paragraphs of the given containers, in document order. */
export function collectBlocks(containers: readonly (Element | Document)[], m: Measured, cleaning: Cleaning = 'all'): Block[] {
  const out: Block[] = [];
  let parts: string[] = [];
  let len = 0;
  let linkLen = 0;
  let emphLen = 0;
  let hrefs: string[] = [];
  let current: Element | Document | null = null;
  // Chrome was cut since the last block ended (so the next block, and the last one, sit next to it).
  let cutBefore = false;

  const cut = (): void => {
    const last = out[out.length - 1];
    if (parts.length === 0 && last) last.nearRemoved = true;
    cutBefore = true;
  };

  const flush = (): void => {
    if (parts.length > 0) {
      const text = parts
        .join('')
        .split('\n')
        .map(cleanLine)
        .filter((l) => l !== '')
        .join('\n');
      if (text !== '') {
        out.push({ text, len, linkLen, emphLen, hrefs, el: current, nearRemoved: cutBefore });
        cutBefore = false;
      }
    }
    parts = [];
    len = 0;
    linkLen = 0;
    emphLen = 0;
    hrefs = [];
  };

  // The text of the container being read: a block holding most of it is the article's own wrapper, whatever
  // its numbers say (text and photos in one block, a story told in list items), so cleaning never drops it.
  let containerLen = 0;
  // Depth-first in document order with an explicit stack (no recursion): a Visit enters a node; a Close does what
  // follows an element's children (a cell's closing space; a block's flush and the return to its outer block).
  type Visit = { node: AnyNode; inLink: boolean; isContainer: boolean; inEmph: boolean };
  type Close = { cell: true } | { block: Element | Document | null };
  const stack: (Visit | Close)[] = [];
  const pushChildren = (el: Element | Document, inLink: boolean, inEmph: boolean): void => {
    for (let i = el.children.length - 1; i >= 0; i--) stack.push({ node: el.children[i]!, inLink, isContainer: false, inEmph });
  };
  const step = ({ node, inLink, isContainer, inEmph }: Visit): void => {
    if (node.type === 'text') {
      const n = measureText(node.data).len;
      if (n === 0 && parts.length === 0) return;
      parts.push(node.data.replace(/[\r\n\t\f]+/g, ' '));
      len += n;
      if (inLink) linkLen += n;
      if (inEmph) emphLen += n;
      return;
    }
    if (!isElement(node)) return;
    if (m.skipped.has(node)) {
      if (!SILENT.has(node.name.toLowerCase())) cut();
      return;
    }
    const name = node.name.toLowerCase();
    if (name === 'br') {
      parts.push('\n');
      return;
    }
    if (name === 'img') return;
    if (INLINE_TAGS.has(name)) {
      if (name === 'a' && node.attribs.href && hrefs.length < 8) hrefs.push(node.attribs.href);
      pushChildren(node, inLink || name === 'a', inEmph || EMPHASIS.has(name));
      return;
    }
    if (name === 'h1') return;
    const box = m.boxes.get(node);
    if (!isContainer && box && CLEANED.has(name) && cleaning !== 'none' && !(cleaning === 'keep-most' && box.len > containerLen * MOST) && looksLikeChrome(box)) {
      cut();
      return;
    }
    if (name === 'td' || name === 'th') {
      parts.push(' ');
      stack.push({ cell: true });
      pushChildren(node, inLink, inEmph);
      return;
    }
    flush();
    stack.push({ block: current });
    current = node;
    pushChildren(node, inLink, false);
  };
  const visit = (first: Visit): void =>
    walkFrames<Visit, Close>(stack, first, step, (f) => {
      if ('cell' in f) parts.push(' ');
      else {
        flush();
        current = f.block;
      }
    });

  for (const el of containers) {
    containerLen = (isElement(el) ? m.boxes.get(el)?.len : m.root.len) ?? 0;
    current = el;
    if (isElement(el)) visit({ node: el, inLink: false, isContainer: true, inEmph: false });
    else for (const c of el.children) visit({ node: c, inLink: false, isContainer: false, inEmph: false });
  }
  flush();
  return out;
}

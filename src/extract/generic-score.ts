/**
 * Finds the element(s) holding the article on an arbitrary page, in the manner of Readability: one pass
 * measures every block (text length, link text, commas) while skipping page chrome; each paragraph-like
 * block scores its ancestors (full score to the parent, half to the grandparent, less further up); the
 * best-scoring container, corrected for link density and class/id hints, wins, and siblings that look like
 * more of the same article join it.
 */
import type { AnyNode, Document, Element } from 'domhandler';
import { climbFrom } from './generic-headline.js';
import { INLINE_TAGS, HEADING_TAGS, DROP_TAGS, chromeReason, classWeight, isElement, isHidden, isThreadMarker, type ChromeMode } from './generic-dom.js';

/** What the measuring pass knows about one block element. */
export interface Box {
  /** The element, or the document itself for the root of a page without <body>. */
  el: Element | Document;
  tag: string;
  parent: Box | null;
  children: Box[];
  /** Text (whitespace collapsed) reached through inline markup only, not through child blocks. */
  ownLen: number;
  ownLinkLen: number;
  ownCommas: number;
  /** The same over the whole subtree. */
  len: number;
  linkLen: number;
  commas: number;
  /** Counts of some descendants, for conditional cleaning. */
  paragraphs: number;
  listItems: number;
  images: number;
  headings: number;
  /** Readability-style content score (only meaningful when `scored`). */
  score: number;
  scored: boolean;
}

export interface Measured {
  /** Every block reached, keyed by element. */
  boxes: Map<Element, Box>;
  /** Elements skipped as chrome (their subtree was not measured). */
  skipped: Set<Element>;
  root: Box;
}

/** Length of a text with whitespace runs counted as one character; also counts commas. */
export function measureText(s: string): { len: number; commas: number } {
  let len = 0;
  let commas = 0;
  let inSpace = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 160) {
      if (!inSpace) {
        len++;
        inSpace = true;
      }
    } else {
      len++;
      inSpace = false;
      if (c === 44 || c === 0xff0c || c === 0x060c) commas++;
    }
  }
  return { len, commas };
}

function newBox(el: Element | Document, tag: string, parent: Box | null): Box {
  return {
    el, tag, parent, children: [],
    ownLen: 0, ownLinkLen: 0, ownCommas: 0, len: 0, linkLen: 0, commas: 0,
    paragraphs: 0, listItems: 0, images: 0, headings: 0, score: 0, scored: false,
  };
}

/**
 * Counts the characters of text under a node that could be read (whitespace runs as one; never-text tags and
 * hidden elements left out), walking on only as far as asked: `countTo(limit)` stops once the count reaches
 * `limit` and a later call goes on from there. Iterative, like every walker here: a page nested deeper than the
 * call stack is walked all the same.
 */
export class TextCounter {
  private readonly stack: (AnyNode | Document)[];
  private n = 0;

  constructor(node: AnyNode | Document) {
    this.stack = [node];
  }

  /** The count so far once it reaches `limit`, else (the whole subtree walked) the exact count. */
  countTo(limit: number): number {
    const stack = this.stack;
    while (stack.length > 0 && this.n < limit) {
      const x = stack.pop()!;
      if (x.type === 'text') {
        this.n += measureText(x.data).len;
        continue;
      }
      if (x.type !== 'tag' && x.type !== 'root') continue;
      if (isElement(x) && (DROP_TAGS.has(x.name.toLowerCase()) || isHidden(x))) continue;
      for (const c of x.children) stack.push(c);
    }
    return this.n;
  }
}

/** Characters of text under a node that could be read (see TextCounter). */
export function visibleTextLength(node: AnyNode | Document): number {
  return new TextCounter(node).countTo(Infinity);
}

/**
 * A <form> holding more than this share of the page's text is the page's wrapper (ASP.NET pages put everything
 * inside one), not a search box or a comment form: it is measured. (Class/id words are not given this benefit:
 * a comment thread often holds more text than the article; the `tags` retry handles a chrome-like wrapper.)
 */
const WRAPPER_SHARE = 0.5;

/** The most text a comment thread's marker holds (a heading: "Comments", "12 Responses to …"). */
const MARKER_CHARS = 40;

/** A block's children are all measured: its totals are final and go to its parent. */
function closeBox(child: Box): void {
  const box = child.parent!;
  const tag = child.tag;
  child.len += child.ownLen;
  child.linkLen += child.ownLinkLen;
  child.commas += child.ownCommas;
  if (tag === 'p' || (child.ownLen >= 25 && tag !== 'li' && !HEADING_TAGS.has(tag))) child.paragraphs++;
  if (tag === 'li') child.listItems++;
  if (HEADING_TAGS.has(tag)) child.headings++;
  box.len += child.len;
  box.linkLen += child.linkLen;
  box.commas += child.commas;
  box.paragraphs += child.paragraphs;
  box.listItems += child.listItems;
  box.images += child.images;
  box.headings += child.headings;
}

/**
 * Measures the subtree under `start`. `extraSkip` holds elements a site rule removes; `mode` says what may be
 * skipped as chrome (generic-dom.ts). A <form> is skipped only while it holds at most half of the text under
 * `start`, so that one wrapper cannot take the whole article.
 */
export function measure(start: Element | Document, extraSkip: ReadonlySet<Element>, mode: ChromeMode = 'hints'): Measured {
  const boxes = new Map<Element, Box>();
  const skipped = new Set<Element>();
  const root = newBox(start, isElement(start) ? start.name.toLowerCase() : '#document', null);
  if (isElement(start)) boxes.set(start, root);
  // The page's text is counted only as far as a form's question needs: once it reaches the form's text over
  // WRAPPER_SHARE, that form is not the wrapper (and the count goes on from there for the next form).
  const pageText = new TextCounter(start);
  const isWrapper = (el: Element): boolean => {
    const own = visibleTextLength(el);
    if (own === 0) return false;
    const page = pageText.countTo(own / WRAPPER_SHARE);
    return page > 0 && own > page * WRAPPER_SHARE;
  };

  // Depth-first in document order with an explicit stack (no recursion): `nodes[i]` is visited inside
  // `into[i]`; a null node closes the block `into[i]` (its sums go to its parent) once its children are done.
  // Blocks whose comment thread has started (isThreadMarker): the rest of their content is skipped.
  const threads = new Set<Box>();
  const nodes: (AnyNode | null)[] = [];
  const into: Box[] = [];
  const links: boolean[] = [];
  const push = (children: readonly AnyNode[], box: Box, inLink: boolean): void => {
    for (let i = children.length - 1; i >= 0; i--) {
      nodes.push(children[i]!);
      into.push(box);
      links.push(inLink);
    }
  };
  push(start.children, root, false);
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const box = into.pop()!;
    const inLink = links.pop()!;
    if (node === null) {
      closeBox(box);
      continue;
    }
    if (node.type === 'text') {
      const m = measureText(node.data);
      box.ownLen += m.len;
      box.ownCommas += m.commas;
      if (inLink) box.ownLinkLen += m.len;
      continue;
    }
    if (threads.has(box)) {
      // The rest of a block whose comment thread has started.
      if (isElement(node)) skipped.add(node);
      continue;
    }
    if (!isElement(node)) continue;
    const tag = node.name.toLowerCase();
    if (mode !== 'hard-only' && isThreadMarker(node, tag) && new TextCounter(node).countTo(MARKER_CHARS + 1) <= MARKER_CHARS) {
      skipped.add(node);
      // A named anchor inside a heading marks the heading's block.
      threads.add(HEADING_TAGS.has(box.tag) && box.parent ? box.parent : box);
      continue;
    }
    if (extraSkip.has(node)) {
      skipped.add(node);
      continue;
    }
    const reason = chromeReason(node, tag, mode);
    if (reason === 'hard' || (reason !== null && !(tag === 'form' && isWrapper(node)))) {
      skipped.add(node);
      continue;
    }
    if (tag === 'img') {
      box.images++;
      continue;
    }
    if (INLINE_TAGS.has(tag)) {
      push(node.children, box, inLink || tag === 'a');
      continue;
    }
    const child = newBox(node, tag, box);
    boxes.set(node, child);
    box.children.push(child);
    nodes.push(null);
    into.push(child);
    links.push(inLink);
    push(node.children, child, inLink);
  }
  root.len += root.ownLen;
  root.linkLen += root.ownLinkLen;
  root.commas += root.ownCommas;
  return { boxes, skipped, root };
}

export function linkDensity(b: Box): number {
  return b.len > 0 ? b.linkLen / b.len : 0;
}

/**
 * The score a block starts from for its tag alone (Readability's priors): containers up, lists and headings down.
 * A prior, not evidence: conditional cleaning judges a block by what its text added (generic-blocks.ts).
 */
export function tagPrior(tag: string): number {
  switch (tag) {
    case 'div':
    case 'article':
    case 'section':
    case 'main':
      return 5;
    case 'pre':
    case 'td':
    case 'blockquote':
      return 3;
    case 'address':
    case 'ol':
    case 'ul':
    case 'dl':
    case 'dd':
    case 'dt':
    case 'li':
      return -3;
    case 'h1': case 'h2': case 'h3': case 'h4': case 'h5': case 'h6': case 'th':
      return -5;
  }
  return 0;
}

function initialScore(b: Box): number {
  return (isElement(b.el) ? classWeight(b.el) : 0) + tagPrior(b.tag);
}

function ensureScored(b: Box): void {
  if (!b.scored) {
    b.scored = true;
    b.score = initialScore(b);
  }
}

const MIN_CANDIDATE_CHARS = 200;

/** Tags that, holding only inline content, read as a paragraph. */
const TEXT_BLOCK_TAGS = new Set(['p', 'div', 'section']);

/** Text ending like a sentence. */
const SENTENCE_END = /[.!?…]["'”’»)]?\s*$/;

/** Scores every container from the paragraphs below it; returns the scored boxes. */
function scoreBoxes(m: Measured): Box[] {
  const scored: Box[] = [];
  for (const b of m.boxes.values()) {
    if (b.ownLen < 25 || HEADING_TAGS.has(b.tag) || b.tag === 'li') continue;
    if (b.ownLinkLen / b.ownLen > 0.5) continue;
    const contribution = 1 + b.ownCommas + Math.min(Math.floor(b.ownLen / 100), 3);
    let anc: Box | null = b.parent;
    let level = 0;
    // A block of text alone is a paragraph; one mixing text and child blocks is also its own container.
    if (b.children.length > 0 && b.tag !== 'p' && b.tag !== 'td' && b.tag !== 'pre') anc = b;
    while (anc && level < 5) {
      if (!anc.scored) scored.push(anc);
      ensureScored(anc);
      const divider = level === 0 ? 1 : level === 1 ? 2 : level * 3;
      anc.score += contribution / divider;
      anc = anc.parent;
      level++;
    }
  }
  for (const b of scored) b.score *= 1 - linkDensity(b);
  // A box with less text than a short paragraph cannot be the article, whatever its class says.
  const substantial = scored.filter((b) => b.len >= MIN_CANDIDATE_CHARS);
  return substantial.length > 0 ? substantial : scored;
}

/** The default of GenericTuning.twinScoreShare (src/extract/generic.ts). */
export const TWIN_SHARE = 0.5;

/**
 * The containers holding the article, in document order: the best candidate (or a better ancestor) and the
 * siblings that join it. Empty when the page has no paragraph of text at all. With the page's `headline`, a
 * candidate far from it gives way to one near it that scores almost as well (nearHeadline).
 */
export function chooseContainers(m: Measured, twinShare: number = TWIN_SHARE, headline: Box | null = null, near: NearHeadline = NEAR_HEADLINE): Box[] {
  const scored = scoreBoxes(m);
  if (scored.length === 0) return [];
  scored.sort((a, b) => b.score - a.score);
  let top = headline ? nearHeadline(scored, headline, near) : scored[0]!;

  // Several strong candidates under one ancestor: the article is split in parts; take the ancestor.
  const strong = scored
    .slice(1, 5)
    .filter((b) => b.score >= top.score * 0.75 && !isAncestor(b, top) && !isAncestor(top, b));
  if (strong.length >= 3) {
    let anc: Box | null = top.parent;
    while (anc && anc !== m.root) {
      const a: Box = anc;
      const inside = strong.filter((b) => isAncestor(a, b)).length;
      if (inside >= 3) {
        top = a;
        break;
      }
      anc = anc.parent;
    }
  }
  // The article cut in chunks that the page's grid wraps one by one (chunk, cell, row of chunks): a candidate of
  // the same tag and class as the winner, scoring at least `twinShare` of it, under the winner's grandparent
  // (not its parent, whose children join it below anyway): take the grandparent.
  const topClass = attr(top.el, 'class');
  if (topClass !== '') {
    const grand = top.parent?.parent;
    const twin = scored
      .slice(1, 5)
      .find((b) => b.score >= top.score * twinShare && b.tag === top.tag && attr(b.el, 'class') === topClass && b.parent !== top.parent && !isAncestor(b, top) && !isAncestor(top, b));
    if (twin && grand && isAncestor(grand, twin)) top = grand;
  }
  // Climb while the parent scores about as well (the candidate is only part of the article): up to a parent
  // scoring more than the last one, through parents scoring at least a third of the candidate (a bar fixed at the
  // start, as in Readability, so that a chain of ever weaker wrappers cannot lead to the page's outer columns).
  const floor = top.score / 3;
  let last = top.score;
  let parent = top.parent;
  while (parent && parent !== m.root && parent.scored) {
    if (parent.score < floor) break;
    if (parent.score > last) {
      top = parent;
      break;
    }
    last = parent.score;
    parent = parent.parent;
  }
  // A lone child: its parent holds the same text; it keeps the child's score for judging siblings.
  const topScore = top.score;
  while (top.parent && top.parent !== m.root && top.parent.children.length === 1) top = top.parent;

  const parentBox = top.parent;
  if (!parentBox) return [top];
  const threshold = Math.max(10, topScore * 0.2);
  const cls = attr(top.el, 'class');
  const out: Box[] = [];
  for (const s of parentBox.children) {
    if (s === top) {
      out.push(s);
      continue;
    }
    const sameClass = cls !== '' && attr(s.el, 'class') === cls;
    const bonus = sameClass ? topScore * 0.2 : 0;
    if (s.scored && s.score + bonus >= threshold) {
      out.push(s);
      continue;
    }
    // A block of the same class as the winner, too deep for its paragraphs to have scored it.
    if (sameClass && !s.scored && s.paragraphs >= 2 && linkDensity(s) < 0.25) {
      out.push(s);
      continue;
    }
    // A paragraph, or a block holding nothing but sentences.
    if (s.tag === 'p' || (s.children.length === 0 && TEXT_BLOCK_TAGS.has(s.tag) && SENTENCE_END.test(textOf(s.el)))) {
      const ld = linkDensity(s);
      if (s.len > 80 && ld < 0.25) out.push(s);
      else if (s.len > 0 && s.len <= 80 && ld === 0 && /\.( |$)/.test(textOf(s.el))) out.push(s);
    }
  }
  return out;
}

/** When a candidate near the headline is preferred to the best one (GenericTuning.headlineLevels, headlineShare). */
export interface NearHeadline {
  levels: number;
  share: number;
}

/** The defaults of GenericTuning.headlineLevels and headlineShare (src/extract/generic.ts). */
export const NEAR_HEADLINE: NearHeadline = { levels: 2, share: 0.3 };

/**
 * The best candidate, unless it lies far from the headline (more than `levels` levels up from it) while one near
 * it scores at least `share` of it: then the best of those near it.
 */
function nearHeadline(sorted: readonly Box[], headline: Box, { levels, share }: NearHeadline): Box {
  const top = sorted[0]!;
  if (climbFrom(headline, top) <= levels) return top;
  for (const b of sorted) {
    if (b.score < top.score * share) break;
    if (climbFrom(headline, b) <= levels) return b;
  }
  return top;
}

function isAncestor(a: Box, b: Box): boolean {
  for (let p: Box | null = b.parent; p; p = p.parent) if (p === a) return true;
  return false;
}

function attr(el: Element | Document, name: string): string {
  return isElement(el) ? (el.attribs[name] ?? '') : '';
}

/** The text of an element's text nodes, in document order (elements of every kind entered). */
function textOf(el: Element | Document): string {
  let s = '';
  const stack: AnyNode[] = [];
  for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]!);
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (c.type === 'text') s += c.data;
    else if (isElement(c)) for (let i = c.children.length - 1; i >= 0; i--) stack.push(c.children[i]!);
  }
  return s;
}

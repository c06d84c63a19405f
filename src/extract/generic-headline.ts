/**
 * Where the page shows its headline, and how far a candidate container sits from it. The article's text follows
 * its headline: a block reached only by climbing from the headline to the page's outer columns (a footer, a
 * sidebar's profile, a "latest issue" teaser in the header) is not the article, however well it scores.
 */
import type { AnyNode, Element } from 'domhandler';
import { HEADING_TAGS, isElement } from './generic-dom.js';
import type { Box, Measured } from './generic-score.js';
import { lowerWords } from './text.js';

/** Lower-case words separated by single spaces; apostrophes join ("I’m" and "Im" are one word). */
function words(s: string): string {
  return lowerWords(s.replace(/['’‘`]/g, '')).join(' ');
}

/** The text of an element (every descendant's text nodes, in document order). */
function textOf(el: Element): string {
  let s = '';
  const stack: AnyNode[] = [el];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (c.type === 'text') s += c.data;
    else if (isElement(c)) for (let i = c.children.length - 1; i >= 0; i--) stack.push(c.children[i]!);
  }
  return s;
}

/**
 * How well a heading's words match the title's: 0 the same words, 1 one holding the other (a site name or a
 * kicker on either side) while the shorter is at least half the longer, null no match.
 */
function match(heading: string, title: string): 0 | 1 | null {
  if (heading === title) return 0;
  const [short, long] = heading.length < title.length ? [heading, title] : [title, heading];
  return short.length * 2 >= long.length && ` ${long} `.includes(` ${short} `) ? 1 : null;
}

/**
 * The heading box (h1–h6, among the blocks the measuring pass reached) showing the page's title: the best match,
 * then the highest level, then the first in document order. Null without a title or a matching heading.
 */
export function headlineBox(m: Measured, title: string | null): Box | null {
  const t = title === null ? '' : words(title);
  if (t === '') return null;
  let best: Box | null = null;
  let bestRank = Infinity;
  for (const b of m.boxes.values()) {
    if (!HEADING_TAGS.has(b.tag) || b.len === 0 || !isElement(b.el)) continue;
    const quality = match(words(textOf(b.el)), t);
    if (quality === null) continue;
    const rank = quality * 10 + Number(b.tag[1]);
    if (rank < bestRank) {
      best = b;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * How many levels one climbs from the headline to the nearest box holding both it and `b`: 1 when `b` is the
 * headline's sibling or inside one (or its parent), 2 from the grandparent, and so on.
 */
export function climbFrom(headline: Box, b: Box): number {
  const above = new Set<Box>();
  for (let x: Box | null = b; x; x = x.parent) above.add(x);
  let n = 0;
  for (let a: Box | null = headline; a; a = a.parent, n++) if (above.has(a)) return n;
  return n;
}

/**
 * Selector queries below one element in time linear in its subtree, for site rules' selectors over a page that may
 * be hostile.
 *
 * cheerio's `.find(selector)` hands the selector engine the scope's children as an array, and css-select first
 * de-duplicates that array with domutils' `removeSubsets`, which for each child searches the whole array and the
 * child's ancestors in it: quadratic in the number of children (80,000 flat elements inside `<article>` took 42 s
 * before the generic extractor stopped using it). Given the scope's element itself, the engine (cheerio-select, the
 * same one `.find` runs) takes its children as they are. The HTML budget (html-budget.ts) bounds every subtree at
 * 250,000 nodes, so each query is bounded by it.
 *
 * A selector that starts with a sibling combinator (`+ p`, `~ p`) is relative to the scope itself; cheerio gives
 * the engine the scope (one element), which costs nothing to de-duplicate, so it goes through `.find`.
 */
import type { Cheerio } from 'cheerio';
import { select } from 'cheerio-select';
import type { AnyNode, Document, Element, ParentNode } from 'domhandler';

const SIBLING_SELECTOR = /^\s*[+~]/;

function documentOf(node: AnyNode): Document | undefined {
  let n: AnyNode = node;
  while (n.parent) n = n.parent;
  return n.type === 'root' ? (n as Document) : undefined;
}

/** Elements matching `selector` below `scope` (one element or the document), in page order: what `scope.find(selector)` gives. */
export function findIn(scope: Cheerio<AnyNode>, selector: string, limit = Infinity): Element[] {
  if (scope.length !== 1 || SIBLING_SELECTOR.test(selector)) return scope.find(selector).toArray().slice(0, limit) as Element[];
  const node = scope[0]!;
  const root = documentOf(node);
  return select(selector, node, { xmlMode: false, context: [node], ...(root ? { root } : {}) }, limit);
}

/**
 * Matches of `selector` below `scope`, in page order, leaving out any inside an earlier match: one query, then one
 * walk of the subtree that skips the inside of each match it takes (linear, however the matches nest).
 */
export function outermostIn(scope: Cheerio<AnyNode>, selector: string): Element[] {
  const matches = findIn(scope, selector);
  if (matches.length <= 1) return matches;
  const matched = new Set<AnyNode>(matches);
  const out: Element[] = [];
  const stack: AnyNode[] = [];
  const pushChildren = (n: AnyNode) => {
    const kids = (n as ParentNode).children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  };
  for (let i = scope.length - 1; i >= 0; i--) pushChildren(scope[i]!);
  while (stack.length > 0 && out.length < matched.size) {
    const n = stack.pop()!;
    if (matched.has(n)) out.push(n as Element);
    else pushChildren(n);
  }
  return out;
}

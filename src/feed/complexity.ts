/**
 * A cheap look at an XML document's shape before it is parsed: the deepest nesting and the number of elements,
 * in one linear pass. rss-parser's xml2js rebuilds the element path at every close tag (time grows with depth ×
 * elements: a feed 100k elements deep did not finish in 10 minutes), so a document over either budget is refused
 * as `too-complex` before the parser sees it.
 *
 * The scan reads tags only: comments, CDATA sections, processing instructions and declarations (a DOCTYPE with its
 * internal subset) are skipped whole, quoted attribute values may hold `>`, and `<a/>` counts as an element
 * without nesting. It does not check well-formedness: that is the parser's job.
 */
import { FeedwatchError } from '../errors.js';

export interface XmlBudget {
  /** Deepest element nesting allowed. */
  maxDepth: number;
  /** Elements allowed in the document. */
  maxElements: number;
}

export interface XmlShape {
  depth: number;
  elements: number;
}

/** The shape of `xml`, stopping at the first budget exceeded (then `over` says which). */
export function xmlShape(xml: string, budget: XmlBudget): XmlShape & { over: 'depth' | 'elements' | null; at: number } {
  let depth = 0;
  let maxDepth = 0;
  let elements = 0;
  let i = xml.indexOf('<');
  const n = xml.length;
  while (i >= 0 && i < n) {
    const next = xml.charCodeAt(i + 1);
    let end: number;
    if (next === 0x21 /* ! */) {
      if (xml.startsWith('<!--', i)) end = endOf(xml, '-->', i + 4);
      else if (xml.startsWith('<![CDATA[', i)) end = endOf(xml, ']]>', i + 9);
      else end = declarationEnd(xml, i + 2);
    } else if (next === 0x3f /* ? */) {
      end = endOf(xml, '?>', i + 2);
    } else if (next === 0x2f /* / */) {
      end = endOf(xml, '>', i + 2);
      if (depth > 0) depth--;
    } else if (isNameStart(next)) {
      end = startTagEnd(xml, i + 1);
      elements++;
      if (xml.charCodeAt(end - 2) !== 0x2f /* / */) {
        depth++;
        if (depth > maxDepth) maxDepth = depth;
      }
      if (maxDepth > budget.maxDepth) return { depth: maxDepth, elements, over: 'depth', at: i };
      if (elements > budget.maxElements) return { depth: maxDepth, elements, over: 'elements', at: i };
    } else {
      end = i + 1;
    }
    i = xml.indexOf('<', end);
  }
  return { depth: maxDepth, elements, over: null, at: -1 };
}

/** Refuse a document over the budget with `too-complex` (before any parser runs). */
export function checkXmlBudget(xml: string, budget: XmlBudget, context: Record<string, unknown>): XmlShape {
  const shape = xmlShape(xml, budget);
  if (shape.over === 'depth') {
    throw new FeedwatchError('too-complex', `the document nests elements more than ${budget.maxDepth} deep (at character ${shape.at})`, { ...context, limit: budget.maxDepth, budget: 'depth' });
  }
  if (shape.over === 'elements') {
    throw new FeedwatchError('too-complex', `the document has more than ${budget.maxElements} elements`, { ...context, limit: budget.maxElements, budget: 'elements' });
  }
  return shape;
}

/** Index just past `token` found from `from`, or the end of the text. */
function endOf(xml: string, token: string, from: number): number {
  const at = xml.indexOf(token, from);
  return at < 0 ? xml.length : at + token.length;
}

/** `<!DOCTYPE …>` (or another declaration), with an internal subset in brackets. */
function declarationEnd(xml: string, from: number): number {
  const gt = xml.indexOf('>', from);
  const bracket = xml.indexOf('[', from);
  if (bracket >= 0 && (gt < 0 || bracket < gt)) return endOf(xml, '>', endOf(xml, ']', bracket + 1));
  return gt < 0 ? xml.length : gt + 1;
}

/** Index just past the `>` of a start tag, skipping quoted attribute values. */
function startTagEnd(xml: string, from: number): number {
  let quote = 0;
  for (let j = from; j < xml.length; j++) {
    const c = xml.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e /* > */) return j + 1;
    else if (c === 0x3c /* < */) return j; // a broken tag: the next one starts here
  }
  return xml.length;
}

function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x3a || c > 0x7f;
}

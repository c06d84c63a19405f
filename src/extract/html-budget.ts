/**
 * HTML parsed within a budget of work. htmlparser2 keeps its open elements in an array it shifts at every open
 * and searches at every close tag, so its time grows with nesting depth × tags: 100,000 nested elements take
 * seconds, 400,000 minutes. The page is refused, before any extractor walks it, with a FeedwatchError of kind
 * `too-complex` when it holds
 * - more closing tags than `maxNodes` (counted in the text before parsing: a stray closing tag makes no node but
 *   costs a search of the open elements),
 * - more nodes (elements, text runs, comments) than `maxNodes`, or elements nested deeper than `maxDepth`
 *   (counted while parsing: the parse stops at the first node over the budget).
 * Under the budget the parse and every walker of the extractors do work linear in the page's size.
 * The largest page of the two extraction corpora (1,446 pages) holds 10,477 elements, the deepest nests 39.
 */
import { DomHandler, type ChildNode, type Document } from 'domhandler';
import { Parser, Tokenizer } from 'htmlparser2';
import { FeedwatchError } from '../errors.js';

export interface HtmlLimits {
  maxNodes: number;
  maxDepth: number;
}

export const HTML_LIMITS: HtmlLimits = { maxNodes: 250_000, maxDepth: 1_000 };

/** htmlparser2 in HTML mode, as cheerio's `{ xml: { xmlMode: false, decodeEntities: true } }` sets it up. */
const PARSER_OPTIONS = { xmlMode: false, decodeEntities: true } as const;

/** The tokenizer's reading position, as its fastForwardTo moves it (htmlparser2 10's Tokenizer fields). */
interface TokenizerPosition {
  buffer: string;
  index: number;
  offset: number;
}

/**
 * htmlparser2's Tokenizer with its skip to the next given character (the end of a <script> or <style> text, of a
 * comment, of a tag) done by String.prototype.indexOf instead of a loop over each character: the same position
 * and result, found several times faster in long inline scripts. Passed to the Parser through its public
 * `Tokenizer` option; tests/extract/text.test.ts checks that documents parse the same with and without it.
 */
class IndexOfTokenizer extends Tokenizer {}
if (typeof (Tokenizer.prototype as unknown as { fastForwardTo?: unknown }).fastForwardTo === 'function') {
  Object.defineProperty(IndexOfTokenizer.prototype, 'fastForwardTo', {
    value: function fastForwardTo(this: TokenizerPosition, c: number): boolean {
      const at = this.buffer.indexOf(String.fromCharCode(c), this.index + 1 - this.offset);
      if (at >= 0) {
        this.index = at + this.offset;
        return true;
      }
      // Where the loop it replaces leaves the index when the character is not found (parse() increments it).
      this.index = this.buffer.length + this.offset - 1;
      return false;
    },
  });
}

/** The Parser's options: HTML mode as above, with the faster tokenizer. */
const TOKENIZER_OPTIONS = { ...PARSER_OPTIONS, Tokenizer: IndexOfTokenizer };

/** `what` is the budget's name: "nodes", "closing tags" or "nesting depth". */
function tooComplex(what: 'nodes' | 'closing tags' | 'nesting depth', limit: number): FeedwatchError {
  const over = what === 'nesting depth' ? `elements nested more than ${limit.toLocaleString('en')} deep` : `more than ${limit.toLocaleString('en')} ${what}`;
  return new FeedwatchError('too-complex', `the page has ${over}: not parsed (work budget)`, { budget: what, limit });
}

/**
 * The class attribute values of each document parsed here, in document order (see classValues). Elements the
 * extractors remove later keep their entry: the list may hold more than the page does, never less.
 */
const CLASS_VALUES = new WeakMap<Document, string[]>();

/** The class attribute values of every element parsed into `doc`, or undefined for a document not parsed here. */
export function classValues(doc: Document): readonly string[] | undefined {
  return CLASS_VALUES.get(doc);
}

/**
 * Counts nodes and nesting depth as the parser reports them, and stops the parse (throws) over the budget. Keeps
 * each element's class attribute on the way.
 */
class BudgetHandler extends DomHandler {
  private nodes = 0;
  readonly classes: string[] = [];

  constructor(private readonly limits: HtmlLimits) {
    super(undefined, PARSER_OPTIONS);
  }

  override onopentag(name: string, attribs: Record<string, string>): void {
    // The stack holds the document and the open elements: its length is the new element's depth.
    if (this.tagStack.length > this.limits.maxDepth) throw tooComplex('nesting depth', this.limits.maxDepth);
    const cls = attribs.class;
    if (cls !== undefined) this.classes.push(cls);
    super.onopentag(name, attribs);
  }

  protected override addNode(node: ChildNode): void {
    if (++this.nodes > this.limits.maxNodes) throw tooComplex('nodes', this.limits.maxNodes);
    super.addNode(node);
  }
}

/** Closing tags (`</` followed by a letter) in the text, counted up to `stop`. */
function closingTags(html: string, stop: number): number {
  let n = 0;
  for (let i = html.indexOf('</'); i >= 0 && n <= stop; i = html.indexOf('</', i + 2)) {
    const c = html.charCodeAt(i + 2) | 0x20;
    if (c >= 0x61 && c <= 0x7a) n++;
  }
  return n;
}

/** The page's document, parsed as cheerio's htmlparser2 backend parses it; FeedwatchError `too-complex` over the budget. */
export function parseHtmlWithinBudget(html: string, limits: HtmlLimits = HTML_LIMITS): Document {
  // A counted closing tag takes three characters no other one shares: a text of at most 3 × maxNodes characters
  // cannot hold more than maxNodes of them and is not scanned.
  if (html.length > 3 * limits.maxNodes && closingTags(html, limits.maxNodes) > limits.maxNodes) throw tooComplex('closing tags', limits.maxNodes);
  const handler = new BudgetHandler(limits);
  new Parser(handler, TOKENIZER_OPTIONS).end(html);
  CLASS_VALUES.set(handler.root, handler.classes);
  return handler.root;
}

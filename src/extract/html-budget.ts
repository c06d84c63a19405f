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
import { Tokenizer } from 'htmlparser2';
import { FeedwatchError } from '../errors.js';
import { NameParser } from './html-names.js';

export interface HtmlLimits {
  maxNodes: number;
  maxDepth: number;
}

export const HTML_LIMITS: HtmlLimits = { maxNodes: 250_000, maxDepth: 1_000 };

/** htmlparser2 in HTML mode, as cheerio's `{ xml: { xmlMode: false, decodeEntities: true } }` sets it up. */
const PARSER_OPTIONS = { xmlMode: false, decodeEntities: true } as const;

/** The tokenizer's state that its skips read and move (htmlparser2 10's Tokenizer fields), and nextAt's memory. */
interface TokenizerPosition {
  buffer: string;
  index: number;
  offset: number;
  decodeEntities: boolean;
  /** The buffer `nextFound` was read in, and per character code where that character is next found. */
  foundIn?: string;
  nextFound?: number[];
}

/** The Tokenizer's own methods that the faster one falls back on. */
const BASE = Tokenizer.prototype as unknown as {
  fastForwardTo?: unknown;
  stateText?: (this: TokenizerPosition, c: number) => void;
  handleInAttributeValue?: (this: TokenizerPosition, c: number, quote: number) => void;
};

const LT = 0x3c;
const AMP = 0x26;

/**
 * Where a character is next found in the tokenizer's buffer from a position on, remembered on the tokenizer per
 * character (reading only moves forward, so each character's search goes over the buffer once). The characters
 * asked about (`<`, `&`, quotes) are ASCII: the memory is an array indexed by their code.
 */
function nextAt(t: TokenizerPosition, code: number, from: number): number {
  let at = t.nextFound;
  if (at === undefined || t.foundIn !== t.buffer) {
    at = [];
    t.nextFound = at;
    t.foundIn = t.buffer;
  }
  let p = at[code];
  if (p === undefined || p < from) {
    p = t.buffer.indexOf(String.fromCharCode(code), from);
    if (p < 0) p = t.buffer.length;
    at[code] = p;
  }
  return p;
}

/**
 * htmlparser2's Tokenizer with its runs of characters that change nothing skipped by String.prototype.indexOf
 * instead of a call per character: in text up to the next `<` or `&`, in a quoted attribute value up to the next
 * quote or `&` (entities are decoded), and in its own skips (the end of a <script> or <style> text, of a comment,
 * of a tag). The states and positions it reaches are the loop's; it is passed to the Parser through its public
 * `Tokenizer` option, and tests/extract/text.test.ts checks that documents parse the same with and without it.
 * Without the methods it replaces (another htmlparser2), it is the plain Tokenizer.
 */
class IndexOfTokenizer extends Tokenizer {
  foundIn: string | undefined = undefined;
  nextFound: number[] | undefined = undefined;
}
if (typeof BASE.fastForwardTo === 'function' && typeof BASE.stateText === 'function' && typeof BASE.handleInAttributeValue === 'function') {
  const stateText = BASE.stateText;
  const handleInAttributeValue = BASE.handleInAttributeValue;
  Object.defineProperties(IndexOfTokenizer.prototype, {
    fastForwardTo: {
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
    },
    stateText: {
      value: function skipText(this: TokenizerPosition, c: number): void {
        if (c === LT || c === AMP || !this.decodeEntities) return stateText.call(this, c);
        // Every character before the next `<` or `&` leaves the state as it is: go to the one before it.
        const from = this.index + 1 - this.offset;
        this.index = Math.min(nextAt(this, LT, from), nextAt(this, AMP, from)) + this.offset - 1;
      },
    },
    handleInAttributeValue: {
      value: function skipAttributeValue(this: TokenizerPosition, c: number, quote: number): void {
        if (c === quote || c === AMP || !this.decodeEntities) return handleInAttributeValue.call(this, c, quote);
        const from = this.index + 1 - this.offset;
        this.index = Math.min(nextAt(this, quote, from), nextAt(this, AMP, from)) + this.offset - 1;
      },
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
  new NameParser(handler, TOKENIZER_OPTIONS).end(html);
  CLASS_VALUES.set(handler.root, handler.classes);
  return handler.root;
}

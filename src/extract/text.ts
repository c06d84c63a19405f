/**
 * Text helpers shared by the extractors: the text of an element as a reader sees it (inline markup adds no
 * space, block elements and <br> break lines, whitespace collapsed, invisible characters removed), and the
 * whole-line boilerplate test.
 */
import type { Cheerio } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

/** Elements whose text is never article text. */
const SKIP = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas', 'video', 'audio',
  'select', 'option', 'textarea', 'input', 'button', 'head', 'title', 'meta', 'link',
]);

/** Elements that start and end a line of text. */
const BLOCK = new Set([
  'p', 'div', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table',
  'thead', 'tbody', 'tfoot', 'tr', 'section', 'article', 'aside', 'header', 'footer', 'nav', 'main', 'figure',
  'figcaption', 'address', 'hr', 'form', 'fieldset', 'details', 'summary', 'caption', 'center', 'body', 'html',
]);

/** Cells are separated by a space so that "a</td><td>b" does not read "ab". */
const CELL = new Set(['td', 'th']);

/** Zero-width space, word joiner, BOM, soft hyphen: invisible, never meant as text. */
const INVISIBLE = /[\u200b\u2060\ufeff\u00ad]/g;

/**
 * A run of whitespace that is not already one plain space: two or more characters, or one other than a space.
 * Replacing these runs by a space gives what replacing every run would (a lone space stays as it is), with one
 * replacement per irregular gap instead of one per word gap.
 */
const IRREGULAR_SPACE = /\s{2,}|[^\S ]/g;

/** A character that lower-casing may change: an ASCII capital or anything beyond ASCII. */
const MAY_LOWER = /[A-Z\u0080-\uffff]/;

/**
 * `s.toLowerCase()`, without the call when `s` holds no character it could change (class and id words mostly).
 * On a page with a character beyond Latin-1 its attribute values are two-byte strings, whose lower-casing goes
 * through ICU and copies the string even when nothing changes.
 */
export function lowerCase(s: string): string {
  return MAY_LOWER.test(s) ? s.toLowerCase() : s;
}

/** Collapses every run of whitespace (including nbsp and newlines) to one space and trims. */
export function normalizeSpace(s: string): string {
  return s.replace(INVISIBLE, '').replace(IRREGULAR_SPACE, ' ').trim();
}

/**
 * Whether a UTF-16 code unit is whitespace as a regex `\s` reads it (Unicode white space and line terminators,
 * BOM included).
 */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** `[\p{L}\p{N}]` per BMP code unit, each read once from the regex: 1 a letter or digit, 2 not, 0 not read yet. */
const WORD_UNITS = new Uint8Array(0x10000);
const WORD_CHAR = /^[\p{L}\p{N}]$/u;

/** Whether a BMP code unit is a letter or digit (a lone surrogate is not, as the regex reads it). */
function wordUnit(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
  let k = WORD_UNITS[c]!;
  if (k === 0) {
    k = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
    WORD_UNITS[c] = k;
  }
  return k === 1;
}

/**
 * The runs of letters and digits of a text, in order: what `s.match(/[\p{L}\p{N}]+/gu) ?? []` gives, read code
 * unit by code unit (a surrogate pair as the code point it is) instead of by the regex, whose large classes cost a
 * call per character on a two-byte string.
 */
export function letterDigitRuns(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let word: boolean;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      word = WORD_CHAR.test(s.slice(i, i + 2));
      width = 2;
    } else word = wordUnit(c);
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(s.slice(start, i));
      start = -1;
    }
    i += width - 1;
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

/** The lower-case runs of letters and digits of a text: the words that compare across case. */
export function lowerWords(s: string): string[] {
  return letterDigitRuns(s.toLowerCase());
}

/** Characters of a text other than whitespace and INVISIBLE ones (UTF-16 code units, as `.length` counts). */
export function visibleChars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isSpace(c) && c !== 0x200b && c !== 0x2060 && c !== 0xad) n++;
  }
  return n;
}

/**
 * Text of an element (or a selection) as lines: inline markup joins without a space
 * (`<a>mitgeteilt wurde</a>.` → "mitgeteilt wurde."), <br> and block elements break lines, whitespace within
 * a line is collapsed (nbsp included), empty lines are dropped.
 */
export function inlineLines(el: AnyNode | Cheerio<AnyNode>): string[] {
  return inlineSegments(el).map((s) => s.text);
}

/** Tags whose text reads as emphasis (a paragraph set wholly in one of them is a label or a promo more often than prose). */
const EMPHASIS = new Set(['b', 'strong', 'em', 'i']);

/**
 * One line of an element's text with what the boilerplate scorer reads from its markup: how much of it is
 * link text and emphasised text (characters other than whitespace), where its links point, and the block
 * element that holds it.
 */
export interface Segment {
  text: string;
  len: number;
  linkLen: number;
  emphLen: number;
  hrefs: string[];
  /** The innermost block element around the line (null for text directly under the walked node). */
  block: Element | null;
}

/** At most this many link targets are kept per line. */
const MAX_HREFS = 8;

/**
 * `inlineLines` with markup statistics: the same lines (in the same order, same text), each with its link and
 * emphasis lengths, link targets and holding block element.
 */
export function inlineSegments(el: AnyNode | Cheerio<AnyNode>): Segment[] {
  const out: Segment[] = [];
  let parts: string[] = [];
  let cur: Omit<Segment, 'text'> = { len: 0, linkLen: 0, emphLen: 0, hrefs: [], block: null };
  const flush = (block: Element | null): void => {
    const text = normalizeSpace(parts.join(''));
    if (text !== '') out.push({ ...cur, text });
    parts = [];
    cur = { len: 0, linkLen: 0, emphLen: 0, hrefs: [], block };
  };
  // Depth-first in document order with an explicit stack (no recursion): a Visit enters a node; a Close does what
  // follows an element's children (a block's flush, a cell's closing space).
  type Visit = { node: AnyNode; block: Element | null; inLink: boolean; inEmph: boolean };
  type Close = { flush: Element | null } | { cell: true };
  const stack: (Visit | Close)[] = [];
  const pushChildren = (children: readonly AnyNode[], block: Element | null, inLink: boolean, inEmph: boolean): void => {
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, block, inLink, inEmph });
  };
  const step = ({ node, block, inLink, inEmph }: Visit): void => {
    if (node.type === 'text') {
      // Line breaks inside a text node are whitespace like any other: flush collapses them.
      const data = node.data;
      parts.push(data);
      const n = visibleChars(data);
      cur.len += n;
      if (inLink) cur.linkLen += n;
      if (inEmph) cur.emphLen += n;
      return;
    }
    if (node.type === 'cdata' || node.type === 'root') {
      pushChildren(node.children, block, inLink, inEmph);
      return;
    }
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style') return;
    const e = node as Element;
    const name = e.name.toLowerCase();
    if (SKIP.has(name) || e.attribs.hidden !== undefined) return;
    if (name === 'br') {
      flush(block);
      return;
    }
    const isBlock = BLOCK.has(name);
    if (isBlock) flush(e);
    else if (CELL.has(name)) parts.push(' ');
    const link = inLink || name === 'a';
    if (name === 'a' && e.attribs.href && cur.hrefs.length < MAX_HREFS) cur.hrefs.push(e.attribs.href);
    if (isBlock) stack.push({ flush: block });
    else if (CELL.has(name)) stack.push({ cell: true });
    pushChildren(e.children, isBlock ? e : block, link, inEmph || EMPHASIS.has(name));
  };
  const visit = (first: Visit): void => walkFrames<Visit, Close>(stack, first, step, (f) => ('cell' in f ? parts.push(' ') : flush(f.flush)));
  const nodes: AnyNode[] = isCheerio(el) ? el.toArray() : [el];
  for (const n of nodes) {
    visit({ node: n, block: null, inLink: false, inEmph: false });
    flush(null);
  }
  return out;
}

/**
 * Runs a depth-first walk kept on an explicit stack (the extractors' walkers never recurse, so no nesting depth
 * overflows the call stack): from `first`, each frame popped is a visit (it has a `node`), handled by `enter`,
 * which pushes the frames that follow, or a frame closing an element, handled by `leave`.
 */
export function walkFrames<V extends { node: AnyNode }, C extends object>(stack: (V | C)[], first: V, enter: (v: V) => void, leave: (c: C) => void): void {
  stack.push(first);
  while (stack.length > 0) {
    const f = stack.pop()!;
    if ('node' in f) enter(f as V);
    else leave(f);
  }
}

/**
 * The text of a node's text nodes in document order, with nothing left out (script and style text included,
 * comments not): what cheerio's `.text()` gives for one node, without wrapping it.
 */
export function textContent(node: AnyNode): string {
  let s = '';
  const stack: AnyNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text') s += n.data;
    else if (n.type !== 'comment' && Object.prototype.hasOwnProperty.call(n, 'children')) {
      const children = (n as Element).children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return s;
}

/** `inlineLines` joined by newlines: one string, "\n" where the page breaks a line. */
export function inlineText(el: AnyNode | Cheerio<AnyNode>): string {
  return inlineLines(el).join('\n');
}

function isCheerio(x: AnyNode | Cheerio<AnyNode>): x is Cheerio<AnyNode> {
  return typeof (x as Cheerio<AnyNode>).toArray === 'function';
}

/** Compiles boilerplate patterns the way rules use them: case-insensitive, Unicode. Throws on a bad regex. */
export function compilePattern(source: string): RegExp {
  return new RegExp(source, 'iu');
}

/**
 * Whether a whole line (or paragraph) is boilerplate: some pattern matches it. Patterns decide how much of
 * the line they need (the built-in ones are anchored at the start, so a sentence that merely mentions
 * "подписывайтесь" mid-text is kept); a match drops the whole line, never a part of it.
 */
export function isBoilerplateLine(line: string, patterns: readonly RegExp[]): boolean {
  const text = normalizeSpace(line);
  if (text === '') return true;
  return patterns.some((re) => {
    re.lastIndex = 0;
    return re.test(text);
  });
}

/** Drops boilerplate lines from a list of paragraphs; a paragraph of several lines loses only those lines. */
export function dropBoilerplate(paragraphs: readonly string[], patterns: readonly RegExp[]): string[] {
  const out: string[] = [];
  for (const p of paragraphs) {
    if (isBoilerplateLine(p, patterns)) continue;
    const lines = p.split('\n');
    const kept = lines.length > 1 ? lines.filter((l) => !isBoilerplateLine(l, patterns)) : lines;
    const text = kept.join('\n').trim();
    if (text !== '') out.push(text);
  }
  return out;
}

/** Languages written in Cyrillic (ISO 639-1 and the common 639-2 codes). */
const CYRILLIC_LANGUAGES = new Set(['ru', 'uk', 'be', 'bg', 'sr', 'mk', 'kk', 'ky', 'tg', 'mn', 'tt', 'ba', 'cv', 'os', 'ab', 'rus', 'ukr', 'bel']);

/** The language is read from this many characters at the start of a text. */
export const LANGUAGE_SAMPLE_CHARS = 3000;

/**
 * A guess at the language of Cyrillic text from its letters: ў → be, ї/є/ґ → uk, ә/ғ/қ/ұ/һ → kk, ң/ө/ү → ky,
 * ђ/ћ/џ → sr, ѓ/ќ/ѕ → mk, else ru. Null when fewer than 60 % of the letters are Cyrillic.
 */
export function cyrillicLanguage(text: string): string | null {
  const sample = text.length > LANGUAGE_SAMPLE_CHARS ? text.slice(0, LANGUAGE_SAMPLE_CHARS) : text;
  let letters = 0;
  let cyr = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c >= 0x400 && c <= 0x52f) {
      cyr++;
      letters++;
    } else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) || (c >= 0x370 && c < 0x2000) || c >= 0x3040) {
      letters++;
    }
  }
  if (letters < 20 || cyr / letters < 0.6) return null;
  const has = (re: RegExp) => (sample.match(re)?.length ?? 0) >= 2;
  if (has(/[ўЎ]/g)) return 'be';
  if (has(/[їЇєЄґҐ]/g)) return 'uk';
  if (has(/[әӘғҒқҚұҰһҺ]/g)) return 'kk';
  if (has(/[ңҢөӨүҮ]/g)) return 'ky';
  if (has(/[ђЂћЋџЏ]/g)) return 'sr';
  if (has(/[ѓЃќЌѕЅ]/g)) return 'mk';
  return 'ru';
}

/**
 * The page's declared language unless the text contradicts its script (a Russian article in a German page
 * template declares "de"): then the language read from the text's letters. Null declared: the guess.
 */
export function reconcileLanguage(declared: string | null, text: string): string | null {
  const guess = cyrillicLanguage(text);
  if (guess === null) return declared;
  if (declared === null || !CYRILLIC_LANGUAGES.has(declared)) return guess;
  return declared;
}

/**
 * One walk over a loaded page that gathers what the metadata is read from: <meta> values, <title>, <html lang>,
 * the canonical link, JSON-LD texts, microdata (itemprop) elements, <time> elements and the page's headings (one
 * pass costs less than ten selectors). Then, from the headline only, a short walk each way reads the visible text
 * as lines (one per run of text in a block element), each marked with what the classes, ids, itemprops and rels
 * of its nearest elements say it is (an author, a date, a comment): bylines and dates are looked for there, where
 * readers see them.
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { normalizeSpace } from './text.js';

export interface PageHeading {
  el: Element;
  text: string;
  /** h1 → 1, h2 → 2, h3 → 3; 4 for an element marked as a headline by itemprop or class. */
  level: number;
  /** Position in the page (elements counted in document order). */
  order: number;
  /** The heading holds a link to the site's home page, or only an image: a logo, not a story's headline. */
  logo: boolean;
}

export interface PageScan {
  /** <meta> values keyed by lower-cased property / name / itemprop / http-equiv, in page order. */
  metas: Map<string, string[]>;
  title: Element | null;
  htmlLang: string | null;
  canonical: string | null;
  ldJson: string[];
  itemprops: Map<string, Element[]>;
  times: { datetime: string; pubdate: boolean }[];
  /** The page's first rel=author links (up to 10). */
  relAuthors: Element[];
  /**
   * The names in the addresses of the page's author pages ("/author/jane-doe/", "/people/janedoe01/", a rel=author
   * link's last segment), as lower-case letters only ("janedoe"): a name that reads the same is the page's
   * way of naming an author.
   */
  authorSlugs: Set<string>;
  headings: PageHeading[];
  body: Element | null;
}

const ITEMPROPS = new Set(['datePublished', 'dateModified', 'author', 'headline']);
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer',
  'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'section', 'table', 'td',
  'th', 'tr', 'ul', 'time', 'center', 'html',
]);
const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'select', 'textarea', 'button', 'title', 'head']);
const MAX_HEADINGS = 300;

const AUTHOR_WORDS = /(?:^|[\s_-])(?:author|authors|byline|bylines|by-line|writer|creator|contributor|reporter|vcard)(?:$|[\s_-])/i;
const DATE_WORDS = /(?:^|[\s_-])(?:date|dates|time|timestamp|published|publish|pubdate|posted|dateline|datetime|meta|entry-meta|post-meta|byline)(?:$|[\s_-])/i;
const COMMENT_WORDS = /(?:^|[\s_-])(?:comments?|reply|replies|respond|disqus|trackbacks?|pingbacks?)(?:$|[\s_-])/i;
/** Lists of other stories: their bylines and dates are theirs. */
const RELATED_WORDS = /(?:^|[\s_-])(?:related|recommended|more-stories|most-popular|most-read|read-more|also-read)(?:$|[\s_-])/i;
const HEADLINE_CLASS = /(?:^|\s)(?:headline|[\w-]*(?:entry|post|article|story|page|news)[_-]{0,2}(?:title|headline|heading))(?:$|\s)/i;

const MAX_AUTHOR_SLUGS = 50;
/** An author page's address: a path segment naming authors, then the author's own segment. */
const AUTHOR_PATH = /\/(?:author|authors|people|profiles?|writers?|contributors?|journalists?|columnists?|staff|autor|autoren|avtor|auteur)\/([^/?#]{2,80})\/?(?:[?#]|$)/i;
/**
 * The id or a class of the site's own furniture, repeated on every page. An id names one part of the page (so
 * `header` is the site's header); a class may name a part of a component too, so fewer words count there.
 */
const CHROME_ID = /^(?:header|site-header|masthead|sidebar|side-bar|footer|site-footer|navbar|nav)$/i;
const CHROME_CLASS = /^(?:sidebar|side-bar|site-header|site-footer|masthead|navbar)$/i;

/** The letters of an author page's own segment ("jane-doe" → "janedoe"), or null when `href` is no author page. */
function authorSlug(href: string, rel: boolean): string | null {
  const h = href.slice(0, 300);
  let segment = AUTHOR_PATH.exec(h)?.[1];
  if (segment === undefined && rel) segment = /\/([^/?#]+)\/?(?:[?#]|$)/.exec(h.replace(/^(?:https?:)?\/\/[^/]+/i, ''))?.[1];
  if (segment === undefined) return null;
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // A malformed escape: the segment as written.
  }
  const letters = slugLetters(decoded);
  return letters.length >= 3 ? letters : null;
}

/** Lower-case letters only, without diacritics ("Anna Breslaw" and "anna-breslaw01" → "annabreslaw"). */
export function slugLetters(s: string): string {
  return s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}]+/gu, '');
}

function inArticle(el: Element): boolean {
  for (let p: AnyNode | null = el.parent; p; p = (p as Node).parent) if (isElement(p) && p.name === 'article') return true;
  return false;
}

/**
 * A test of whether an element sits in the site's furniture apart from the headline: inside an <aside> or <nav>
 * that is not part of an <article> (a post's own <aside> holds its date and byline), or an element with an id such
 * as `header`, `sidebar`, `footer` or a class such as `sidebar`, `site-header`, that does not also hold the headline (a sidebar's "about the author", the header's date of today). Answers are
 * remembered per element. Without a headline, nothing is furniture.
 */
export function siteChrome(headline: Element | null): (el: Element) => boolean {
  if (headline === null || headline.name === 'body') return () => false;
  const holdsHeadline = new Set<AnyNode>();
  for (let h: AnyNode | null = headline; h; h = (h as Node).parent) holdsHeadline.add(h);
  const memo = new Map<AnyNode, boolean>();
  const chrome = (p: AnyNode | null): boolean => {
    if (!p || !isElement(p) || holdsHeadline.has(p)) return false;
    let known = memo.get(p);
    if (known === undefined) {
      const { id, class: cls } = p.attribs;
      known =
        ((p.name === 'aside' || p.name === 'nav') && !inArticle(p)) ||
        (id !== undefined && CHROME_ID.test(id.trim())) ||
        (cls !== undefined && cls.split(/\s+/).some((t) => CHROME_CLASS.test(t))) ||
        chrome((p as Node).parent);
      memo.set(p, known);
    }
    return known;
  };
  return (el) => chrome(el);
}

function isHomeLink(href: string | undefined, host: string | null): boolean {
  if (!href) return false;
  const h = href.trim();
  if (h === '/' || h === './' || /^\/?index\.\w+$/i.test(h)) return true;
  if (!host) return false;
  const m = /^(?:https?:)?\/\/([^/?#]+)\/?(?:index\.\w+)?$/i.exec(h);
  return m !== null && m[1]!.toLowerCase().replace(/^www\./, '') === host;
}

export function scanPage($: CheerioAPI, host: string | null): PageScan {
  const scan: PageScan = { metas: new Map(), title: null, htmlLang: null, canonical: null, ldJson: [], itemprops: new Map(), times: [], relAuthors: [], authorSlugs: new Set(), headings: [], body: null };
  // Elements only, in document order (text and comments are never pushed).
  const stack: Element[] = [];
  const pushChildren = (children: AnyNode[]) => {
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i]!;
      if (c.type === 'tag' || c.type === 'script' || c.type === 'style') stack.push(c as Element);
    }
  };
  pushChildren($.root()[0]!.children);
  let order = 0;
  while (stack.length > 0) {
    const el = stack.pop()!;
    const a = el.attribs;
    const itemprop = a.itemprop;
    order++;
    switch (el.name) {
      case 'meta': {
        const key = (a.property ?? a.name ?? a.itemprop ?? a['http-equiv'] ?? '').trim().toLowerCase();
        if (key && a.content !== undefined) {
          const list = scan.metas.get(key) ?? [];
          list.push(normalizeSpace(a.content));
          scan.metas.set(key, list);
        }
        break;
      }
      case 'html':
        scan.htmlLang ??= a.lang ?? a['xml:lang'] ?? null;
        break;
      case 'body':
        scan.body ??= el;
        break;
      case 'title':
        scan.title ??= el;
        break;
      case 'link':
        if (scan.canonical === null && /(?:^|\s)canonical(?:\s|$)/i.test(a.rel ?? '')) scan.canonical = a.href ?? null;
        break;
      case 'script':
        if ((a.type ?? '').trim().toLowerCase() === 'application/ld+json') scan.ldJson.push(textOf(el));
        break;
      case 'time':
        if (a.datetime) scan.times.push({ datetime: a.datetime, pubdate: 'pubdate' in a || /publish/i.test(`${a.class ?? ''} ${a.itemprop ?? ''}`) });
        break;
      case 'a': {
        const rel = a.rel !== undefined && /(?:^|\s)author(?:\s|$)/i.test(a.rel);
        if (rel && scan.relAuthors.length < 10) scan.relAuthors.push(el);
        if (a.href !== undefined && scan.authorSlugs.size < MAX_AUTHOR_SLUGS) {
          const slug = authorSlug(a.href, rel);
          if (slug !== null) scan.authorSlugs.add(slug);
        }
        break;
      }
    }
    if (itemprop) {
      for (const prop of itemprop.split(/\s+/)) {
        if (!ITEMPROPS.has(prop)) continue;
        const list = scan.itemprops.get(prop) ?? [];
        list.push(el);
        scan.itemprops.set(prop, list);
      }
    }
    if (el.name === 'script' || el.name === 'style') continue;
    const level =
      el.name.length === 2 && el.name[0] === 'h' && el.name[1]! >= '1' && el.name[1]! <= '3'
        ? +el.name[1]!
        : itemprop === 'headline' || (a.class !== undefined && el.children.length <= 5 && /title|headline|heading/i.test(a.class) && HEADLINE_CLASS.test(a.class))
          ? 4
          : 0;
    if (level > 0 && scan.headings.length < MAX_HEADINGS) {
      const links: Element[] = [];
      const text = normalizeSpace(visibleText(el, links));
      const logo = text === '' || (level <= 3 && links.length > 0 && links.every((l) => isHomeLink(l.attribs.href, host)));
      scan.headings.push({ el, text, level, order, logo });
    }
    pushChildren(el.children);
  }
  return scan;
}

/** The text of an element (scripts and styles left out), collecting its links on the way. */
function visibleText(el: Element, links: Element[]): string {
  let out = '';
  const stack: AnyNode[] = [el];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text') out += (n as unknown as { data: string }).data;
    else if (n.type === 'tag') {
      if ((n as Element).name === 'a') links.push(n as Element);
      const c = (n as Element).children;
      for (let i = c.length - 1; i >= 0; i--) stack.push(c[i]!);
    }
  }
  return out;
}

function textOf(el: Element): string {
  return el.children.map((c) => (c.type === 'text' || c.type === 'cdata' ? ('data' in c ? String(c.data) : '') : '')).join('');
}

export interface PageLine {
  text: string;
  /** From the classes, ids, itemprops and rels of the text's nearest three elements. */
  author: boolean;
  date: boolean;
  /** Inside a comment section or a list of other stories ("related", "recommended"; any ancestor). */
  apart: boolean;
  /** The <time datetime> value when the line sits in a <time> element. */
  datetime: string | null;
  /** The element holding the line's first text. */
  el: Element | null;
}

type Node = AnyNode & { parent: AnyNode | null; prev: AnyNode | null; next: AnyNode | null };

function isElement(n: AnyNode | null): n is Element {
  return n !== null && (n.type === 'tag' || n.type === 'script' || n.type === 'style');
}

function blockOf(n: AnyNode): AnyNode | null {
  let p = (n as Node).parent;
  while (p && !(isElement(p) && BLOCKS.has(p.name))) p = (p as Node).parent;
  return p;
}

function skipped(el: Element): boolean {
  return SKIP.has(el.name) || el.type !== 'tag';
}

/** The next node in document order after `n`, not descending into `n` when `into` is false. */
function nextNode(n: AnyNode, into: boolean): AnyNode | null {
  if (into && isElement(n) && !skipped(n) && n.children.length > 0) return n.children[0]!;
  let cur: AnyNode | null = n;
  while (cur) {
    const next = (cur as Node).next;
    if (next) return next;
    cur = (cur as Node).parent;
  }
  return null;
}

/** The previous node in reverse document order: the previous sibling's last descendant, else the parent. */
function prevNode(n: AnyNode): AnyNode | null {
  let prev = (n as Node).prev;
  if (!prev) return (n as Node).parent;
  while (isElement(prev) && !skipped(prev) && prev.children.length > 0) prev = prev.children[prev.children.length - 1]!;
  return prev;
}

const AUTHOR_FLAG = 1;
const DATE_FLAG = 2;
const COMMENT_FLAG = 4;
const RELATED_FLAG = 8;

/**
 * What the elements of one page say about the text inside them, each element read once: the words of its classes,
 * ids, itemprops and rels (author, date, comment, related) and whether it or an ancestor is a comment section, a
 * list of other stories or an element whose text is not shown. One per page: lines near each other share their
 * ancestors.
 */
export class PageMarks {
  private readonly own = new Map<Element, number>();
  /** Flags by the attribute words they were read from: pages repeat the same classes on many elements. */
  private readonly byWords = new Map<string, number>();
  private readonly inApart = new Map<AnyNode, boolean>();
  private readonly inSkipped = new Map<AnyNode, boolean>();

  /** The author / date / comment words of the element's own attributes, as flags. */
  flags(el: Element): number {
    let f = this.own.get(el);
    if (f === undefined) {
      const a = el.attribs;
      f = 0;
      if (a.class !== undefined || a.id !== undefined || a.itemprop !== undefined || a.rel !== undefined) {
        const words = `${a.class ?? ''} ${a.id ?? ''} ${a.itemprop ?? ''} ${a.rel ?? ''}`;
        const known = this.byWords.get(words);
        if (known !== undefined) f = known;
        else {
          if (AUTHOR_WORDS.test(words)) f |= AUTHOR_FLAG;
          if (DATE_WORDS.test(words)) f |= DATE_FLAG;
          if (COMMENT_WORDS.test(words)) f |= COMMENT_FLAG;
          if (RELATED_WORDS.test(words)) f |= RELATED_FLAG;
          this.byWords.set(words, f);
        }
      }
      this.own.set(el, f);
    }
    return f;
  }

  /** Whether `n` or an ancestor says it is a comment section or a list of other stories. */
  apart(n: AnyNode | null): boolean {
    return this.chain(n, this.inApart, (el) => (this.flags(el) & (COMMENT_FLAG | RELATED_FLAG)) !== 0);
  }

  /** Whether `n` or an ancestor is an element whose text is not shown (script, style, template…). */
  skipped(n: AnyNode | null): boolean {
    return this.chain(n, this.inSkipped, (el) => SKIP.has(el.name));
  }

  /** `test` of `n` or of any ancestor, remembered for every node on the way up. */
  private chain(n: AnyNode | null, memo: Map<AnyNode, boolean>, test: (el: Element) => boolean): boolean {
    const path: AnyNode[] = [];
    let found = false;
    for (let p = n; p; p = (p as Node).parent) {
      const known = memo.get(p);
      if (known !== undefined) {
        found = known;
        break;
      }
      path.push(p);
      if (isElement(p) && test(p)) {
        found = true;
        break;
      }
    }
    // The nodes passed on the way up are inside the hit, or (no hit up to the root) inside none.
    for (const p of path) memo.set(p, found);
    return found;
  }
}

function lineOf(texts: AnyNode[], pieces: string[], marks: PageMarks): PageLine | null {
  const text = normalizeSpace(pieces.join(' '));
  if (text === '') return null;
  let author = false;
  let date = false;
  let datetime: string | null = null;
  const parent = (texts[0] as Node).parent;
  let depth = 0;
  for (let p = parent; p && depth < 4; p = (p as Node).parent, depth++) {
    if (!isElement(p)) continue;
    if (p.name === 'time' && datetime === null) datetime = p.attribs.datetime ?? null;
    if (depth < 3) {
      const f = marks.flags(p);
      author ||= (f & AUTHOR_FLAG) !== 0;
      date ||= p.name === 'time' || (f & DATE_FLAG) !== 0;
    }
  }
  return { text, author, date, apart: marks.apart(parent), datetime, el: isElement(parent) ? parent : null };
}

/**
 * A walk (forward or backward) that groups text nodes into lines: one per run of text nodes in the same block
 * element, a block element met on the way ending the run. It stops when asked and can be continued from there, so
 * that a longer stretch costs only the part not yet read.
 */
export class LineWalk {
  private readonly out: PageLine[] = [];
  private chars = 0;
  private run: AnyNode[] = [];
  private pieces: string[] = [];
  private runBlock: AnyNode | null = null;

  constructor(
    private next: AnyNode | null,
    private readonly step: (n: AnyNode) => AnyNode | null,
    private readonly backward: boolean,
    private readonly marks: PageMarks,
  ) {}

  /** Walks on until `maxLines` lines or `maxChars` characters are read; the lines so far, the one being read last. */
  read(maxLines: number, maxChars = Infinity): PageLine[] {
    for (let n = this.next; n && this.out.length < maxLines && this.chars < maxChars; n = this.next) {
      this.next = this.step(n);
      if (n.type === 'text') {
        const data = (n as unknown as { data: string }).data;
        if (data.trim() === '' || (this.backward && this.marks.skipped((n as Node).parent))) continue;
        const block = blockOf(n);
        if (block !== this.runBlock) this.flush();
        this.runBlock = block;
        this.run.push(n);
        this.pieces.push(data);
      } else if (isElement(n) && BLOCKS.has(n.name)) {
        this.flush();
        this.runBlock = null;
      }
    }
    const pending = this.run.length > 0 ? this.line([...this.pieces]) : null;
    return pending ? [...this.out, pending] : [...this.out];
  }

  private line(pieces: string[]): PageLine | null {
    return lineOf(this.run, this.backward ? pieces.reverse() : pieces, this.marks);
  }

  private flush(): void {
    if (this.run.length === 0) return;
    const line = this.line(this.pieces);
    this.run = [];
    this.pieces = [];
    if (line) {
      this.out.push(line);
      this.chars += line.text.length;
    }
  }
}

/** The walk over the visible text after `from` (its own subtree left out; from the start of it when `inside`). */
export function walkAfter(from: AnyNode, marks: PageMarks, inside = false): LineWalk {
  return new LineWalk(nextNode(from, inside), (n) => nextNode(n, true), false, marks);
}

/**
 * Visible text lines before `from`, nearest first: up to `maxLines` lines of two words or more, the one-word lines
 * among them (share buttons, menu items) not counted, and `3 * maxLines` lines in all.
 */
export function linesBefore(from: AnyNode, marks: PageMarks, maxLines: number): PageLine[] {
  const walk = new LineWalk(prevNode(from), prevNode, true, marks);
  // Read as many lines as are still wanted, more only while one-word lines took some of them.
  let wanted = maxLines;
  for (;;) {
    const lines = walk.read(wanted);
    let counted = 0;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.text.includes(' ') && ++counted === maxLines) return lines.slice(0, i + 1);
    }
    if (lines.length < wanted || wanted >= 3 * maxLines) return lines.slice(0, 3 * maxLines);
    wanted = Math.min(3 * maxLines, wanted + maxLines - counted);
  }
}

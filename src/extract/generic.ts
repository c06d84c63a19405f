/**
 * The generic article extractor: any page that no engine-specific extractor claims. Finds the article's
 * container with a Readability-like scorer (generic-score.ts), collects its paragraphs (generic-blocks.ts) and
 * drops what is still chrome: short link lines, the repeated headline, whole-line boilerplate
 * (generic-boilerplate.ts plus the site rule's own patterns). Images come from the container's <figure>s,
 * kept apart from the text. A page with almost no text in its markup falls back to the JSON-LD articleBody
 * (generic-jsonld.ts).
 *
 * A site rule refines it: `root` narrows the page, `remove` drops elements first, `dropParagraphs` adds
 * boilerplate patterns, `dateline` splits one off, and title/lead/date/author/tags selectors override the
 * page metadata (read by rules.ts exactly as the rule extractor reads them). A rule with a `body` selector
 * needs no guessing: the rule extractor reads the page.
 */
import type { CheerioAPI } from 'cheerio';
import type { Document, Element } from 'domhandler';
import type { Article } from '../model.js';
import type { SiteRule } from './rule-schema.js';
import type { PageMeta } from './meta.js';
import { dropBoilerplate, lowerWords } from './text.js';
import { figureImages } from './images.js';
import { extractWithRule, markupAround, patternsOf, readRuleFields, ruleRoot, splitDateline, withoutLead } from './rules.js';
import type { PageContext, ParagraphInfo } from './boilerplate-features.js';
import { dropPatternLines, dropScoredBoilerplate, type BoilerplateOptions } from './boilerplate-score.js';
import { isElement, type ChromeMode } from './generic-dom.js';
import { measure, chooseContainers, NEAR_HEADLINE, TWIN_SHARE, type Box, type Measured } from './generic-score.js';
import { collectBlocks, isDataTable, type Block, type Cleaning } from './generic-blocks.js';
import { GENERIC_BOILERPLATE } from './generic-boilerplate.js';
import { jsonLdParagraphs } from './generic-jsonld.js';
import { headlineBox } from './generic-headline.js';

/**
 * The values the extractor's choices turn on (bench/cv-extract.ts reports their 5-fold cross-validated F1 on the
 * dev and dragnet corpora; `npm run bench -- extract` prints it):
 * - `shortArticleChars`: below it, an attempt may have missed the article (a page-wide wrapper with a
 *   chrome-like class): the page is measured again without class/id words, and the JSON-LD articleBody is read;
 * - `tinyArticleChars`: below it (and without one whole sentence) an attempt has found next to nothing:
 *   cleaning is relaxed, then chrome tags are measured, then the page's sentences are taken.
 */
export interface GenericTuning {
  shortArticleChars: number;
  tinyArticleChars: number;
  /**
   * The share of the best candidate's score at which a candidate of the same tag and class, under the same
   * grandparent, makes the article a set of chunks (generic-score.ts chooseContainers).
   */
  twinScoreShare: number;
  /**
   * When the best candidate lies more than `headlineLevels` levels up from the page's headline (a footer, a
   * sidebar, a teaser in the page header), the best candidate within that many levels of it wins instead if it
   * scores at least `headlineShare` of the best (generic-score.ts nearHeadline).
   */
  headlineLevels: number;
  headlineShare: number;
  /**
   * The share of a body's paragraphs that must be plain `<p>` (no class, no id) before its classed tail is read as
   * the template's (withoutClassedTail); above 1, never.
   */
  plainShare: number;
}

export const DEFAULT_TUNING: GenericTuning = {
  shortArticleChars: 500,
  tinyArticleChars: 200,
  twinScoreShare: TWIN_SHARE,
  headlineLevels: NEAR_HEADLINE.levels,
  headlineShare: NEAR_HEADLINE.share,
  plainShare: 0.5,
};

/** What the paragraph-finding functions share for one page. */
interface Ctx {
  title: string | null;
  patterns: readonly RegExp[];
  tuning: GenericTuning;
  /** What the boilerplate scorer knows of the page, and how it is used. */
  page: PageContext;
  options: BoilerplateOptions | undefined;
}

/**
 * The containers' blocks cleaned as paragraphs: link lines and the repeated headline out (keepBlock), then the
 * whole-line patterns, then the boilerplate scorer over each block's text and markup facts.
 */
function cleanBlocks(blocks: readonly Block[], containers: readonly (Element | Document)[], measured: Measured, { title, patterns, page, options }: Ctx): string[] {
  const training = options?.filters === false;
  const isContainer = (e: Element) => containers.includes(e);
  const infos: ParagraphInfo[] = blocks
    .filter((b) => training || keepBlock(b, title, measured))
    .map((b) => {
      const around = markupAround(b.el && isElement(b.el) ? b.el : null, isContainer, 4);
      return { text: b.text, len: b.len, linkLen: b.linkLen, emphLen: b.emphLen, hrefs: b.hrefs, hints: around.hints, nearRemoved: b.nearRemoved || around.nearRemoved };
    });
  return dropScoredBoilerplate(dropPatternLines(infos, training ? [] : patterns), page, options).map((i) => i.text);
}

/** At most this many blocks are cut from the end of a body as the template's tail. */
const MAX_TAIL_BLOCKS = 3;

/** A paragraph as the writer's editor makes it: a `<p>` with no class or id. */
function isPlainParagraph(b: Block): boolean {
  return b.el !== null && isElement(b.el) && b.el.name.toLowerCase() === 'p' && b.el.attribs.class === undefined && b.el.attribs.id === undefined;
}

/** The element's class, or without one its id: what marks a block as the template's. */
function markOf(b: Block): string | undefined {
  return b.el && isElement(b.el) ? (b.el.attribs.class ?? b.el.attribs.id) : undefined;
}

/**
 * The blocks without the template's tail. Where most of a body's paragraphs are plain `<p>` (at least
 * `plainShare` of them), the blocks after its last plain paragraph whose element carries a class (or, without one,
 * an id) that no earlier block of the body carries were put there by the page's template, not written in the editor: the "posted on …
 * filed under …" line, a print-edition note, a disclaimer, a share or poll box. At most MAX_TAIL_BLOCKS go; text
 * standing in a container itself (a continuation of the article) never does.
 */
function withoutClassedTail(blocks: readonly Block[], containers: readonly (Element | Document)[], plainShare: number): readonly Block[] {
  if (blocks.length < 3) return blocks;
  let plain = 0;
  for (const b of blocks) if (isPlainParagraph(b)) plain++;
  if (plain < blocks.length * plainShare) return blocks;
  let end = blocks.length;
  while (end > 0 && blocks.length - end < MAX_TAIL_BLOCKS) {
    const b = blocks[end - 1]!;
    const cls = markOf(b);
    if (cls === undefined || isPlainParagraph(b) || containers.includes(b.el!)) break;
    let seen = false;
    for (let i = 0; i < end - 1 && !seen; i++) seen = markOf(blocks[i]!) === cls;
    if (seen) break;
    end--;
  }
  return end === blocks.length ? blocks : blocks.slice(0, end);
}

/** A line whose link shows its own address or a handle: a citation or credit, not a pointer elsewhere. */
const CITATION = /(?:https?:\/\/|www\.)\S|(?:^|\s)@\w/;

/** The page's <body> (or <html>, or the document when the markup has neither). */
function findBody(doc: Document): Element | Document {
  let html: Element | null = null;
  for (const c of doc.children) {
    if (!isElement(c)) continue;
    const name = c.name.toLowerCase();
    if (name === 'body') return c;
    if (name === 'html') html = c;
  }
  if (!html) return doc;
  for (const c of html.children) if (isElement(c) && c.name.toLowerCase() === 'body') return c;
  return html;
}

function textLength(paragraphs: readonly string[]): number {
  return paragraphs.reduce((n, p) => n + p.length, 0);
}

/** Lower-case words separated by single spaces. */
function words(s: string): string {
  return lowerWords(s).join(' ');
}

/** words(title), kept for the last title asked about (keepBlock asks once per block, always of the same title). */
let lastTitle: string | null = null;
let lastTitleWords = '';
function titleWords(title: string): string {
  if (title !== lastTitle) {
    lastTitleWords = words(title);
    lastTitle = title;
  }
  return lastTitleWords;
}

/**
 * Whether the block is an item of a list that also holds an item without any link: the list is the article's own
 * (places to visit, products named, some of them linked), while navigation, related stories and tag lists are
 * links from first item to last.
 */
function inMixedList(b: Block, measured: Measured): boolean {
  if (!b.el || !isElement(b.el) || b.el.name.toLowerCase() !== 'li') return false;
  const list = measured.boxes.get(b.el)?.parent;
  if (!list || (list.tag !== 'ul' && list.tag !== 'ol')) return false;
  // Once per list, not once per item (a list of n linked items would cost n² otherwise).
  let mixed = MIXED_LISTS.get(list);
  if (mixed === undefined) {
    mixed = list.children.some((item) => item.tag === 'li' && item.len > 0 && item.linkLen === 0);
    MIXED_LISTS.set(list, mixed);
  }
  return mixed;
}

/** Whether the block is a row or cell of a table of data (isDataTable): its links are the data's, not pointers away. */
function inDataTable(b: Block, measured: Measured): boolean {
  if (!b.el || !isElement(b.el)) return false;
  const tag = b.el.name.toLowerCase();
  if (tag !== 'tr' && tag !== 'td' && tag !== 'th') return false;
  let table = measured.boxes.get(b.el)?.parent ?? null;
  while (table && table.tag !== 'table') table = table.tag === 'tbody' || table.tag === 'thead' || table.tag === 'tfoot' || table.tag === 'tr' ? table.parent : null;
  if (!table) return false;
  let data = DATA_TABLES.get(table);
  if (data === undefined) {
    data = isDataTable(table);
    DATA_TABLES.set(table, data);
  }
  return data;
}

/** inDataTable's answer per table box (boxes live as long as one page's measuring pass). */
const DATA_TABLES = new WeakMap<Box, boolean>();

/** inMixedList's answer per list box (boxes live as long as one page's measuring pass). */
const MIXED_LISTS = new WeakMap<Box, boolean>();

/** Drops blocks that are chrome by their content: link lines and the repeated headline. */
function keepBlock(b: Block, title: string | null, measured: Measured): boolean {
  const ld = b.len > 0 ? b.linkLen / b.len : 0;
  // A short line that is mostly a link points elsewhere ("Related: …"), unless it is a citation, one sentence of
  // prose whose words are linked (a post linking what it tells of: "Yesterday we launched <a>something small</a>."),
  // or leading into what follows ("This was painted by <a>a local artist</a>, who made more of them:"), or an item
  // of a list that is not links throughout, or a cell of a table of data.
  if (ld > 0.5 && b.len < 150 && !CITATION.test(b.text) && !(!b.text.includes('\n') && (isSentence(b.text) || isLeadIn(b.text))) && !inMixedList(b, measured) && !inDataTable(b, measured)) return false;
  // Several lines of mostly links: a link list set with <br>.
  if (ld > 0.5 && b.text.split('\n').length >= 3) return false;
  if (title !== null && b.len < title.length * 1.5 && words(b.text) === titleWords(title)) return false;
  return true;
}

/** A line of prose: ten words or more, ending like a sentence. */
const SENTENCE_END = /[.!?…]["'”’»)]?$/;
function isSentence(text: string): boolean {
  return SENTENCE_END.test(text) && text.split(/\s+/).length >= 10;
}

/** A sentence of ten words or more that ends in a colon: it leads into what follows (a video, a quote, a list). */
function isLeadIn(text: string): boolean {
  return /:["'”’»)]?$/.test(text) && text.split(/\s+/).length >= 10;
}

/**
 * Whether these paragraphs are next to nothing: under `tinyArticleChars` and not one sentence of prose (a
 * date line, a headline, a "subscribe" link). A short post of one real sentence is something.
 */
function foundNothing(paragraphs: readonly string[], tuning: GenericTuning): boolean {
  return textLength(paragraphs) < tuning.tinyArticleChars && !paragraphs.some(isSentence);
}

/** How strictly the chosen containers are cleaned, tried in turn while they give next to nothing. */
const CLEANINGS: readonly Cleaning[] = ['all', 'keep-most', 'none'];

/**
 * What each attempt may skip as chrome, from the strictest (the usual case) to the most lenient, and when it is
 * tried: `short` while the attempts before it found less than a short article (class/id words may sit on the
 * page's wrapper), `nothing` only while they found nothing (measuring <aside>, <footer> and <nav> finds much text
 * that is not the article, so a short post is not traded for it).
 */
const ATTEMPTS: readonly { mode: ChromeMode; when: 'always' | 'short' | 'nothing' }[] = [
  { mode: 'hints', when: 'always' },
  { mode: 'tags', when: 'short' },
  { mode: 'hard-only', when: 'nothing' },
];

interface Found {
  paragraphs: string[];
  containers: (Element | Document)[];
}

/**
 * The paragraphs of the best candidate under `start` when only `mode`'s chrome is skipped. While neither they
 * nor an earlier attempt (`found` characters) reach `tinyArticleChars`, cleaning took (nearly) everything: the
 * containers are read again sparing the blocks that hold most of their text (text and photos in one block, a
 * story told in list items), then cleaning nothing.
 */
function attempt(start: Element | Document, mode: ChromeMode, found: number, ctx: Ctx): Found {
  const { tuning } = ctx;
  const measured = measure(start, new Set(), mode);
  const near = { levels: tuning.headlineLevels, share: tuning.headlineShare };
  const containers = chooseContainers(measured, tuning.twinScoreShare, headlineBox(measured, ctx.title), near).map((b) => b.el);
  let paragraphs: string[] = [];
  for (const cleaning of CLEANINGS) {
    const blocks = withoutClassedTail(collectBlocks(containers, measured, cleaning), containers, tuning.plainShare);
    const again = cleanBlocks(blocks, containers, measured, ctx);
    if (textLength(again) > textLength(paragraphs)) paragraphs = again;
    if (Math.max(found, textLength(paragraphs)) >= tuning.tinyArticleChars) break;
  }
  return { paragraphs, containers };
}

/**
 * The last resort when no candidate gives anything: the sentences of the whole page (anything that is not
 * script, style or hidden), in document order, leaving out link lines.
 */
function pageSentences(start: Element | Document, { title, patterns }: Ctx): Found {
  const measured = measure(start, new Set(), 'hard-only');
  const blocks = collectBlocks([start], measured, 'none').filter((b) => keepBlock(b, title, measured) && b.linkLen / b.len <= 0.5 && isSentence(b.text));
  return { paragraphs: dropBoilerplate(blocks.map((b) => b.text), patterns), containers: [] };
}

/**
 * Paragraphs of the article under `start`: scored with every chrome signal first; when that finds less than a
 * short article or nothing, again with fewer of them (ATTEMPTS), keeping the longest result; when nothing is
 * found still, the page's sentences. Never empty while the page holds a sentence of prose.
 */
function genericParagraphs(start: Element | Document, ctx: Ctx): Found {
  let best: Found | null = null;
  for (const { mode, when } of ATTEMPTS) {
    if (best && (when === 'short' ? textLength(best.paragraphs) >= ctx.tuning.shortArticleChars : !foundNothing(best.paragraphs, ctx.tuning))) continue;
    const next = attempt(start, mode, best ? textLength(best.paragraphs) : 0, ctx);
    if (!best || textLength(next.paragraphs) > textLength(best.paragraphs)) best = next;
  }
  if (foundNothing(best!.paragraphs, ctx.tuning)) {
    const sentences = pageSentences(start, ctx);
    if (textLength(sentences.paragraphs) > textLength(best!.paragraphs)) best = sentences;
  }
  return best!;
}

export function extractGeneric(
  $: CheerioAPI,
  url: string,
  meta: PageMeta,
  rule?: SiteRule,
  tuning: GenericTuning = DEFAULT_TUNING,
  options?: BoilerplateOptions,
): Article {
  if (rule?.body) return extractWithRule($, url, meta, rule, options);

  const scope = rule ? ruleRoot($, rule) : $.root();
  // readRuleFields applies the rule's removals to the page before anything is measured.
  const fields = rule ? readRuleFields(scope, rule, meta) : null;
  const scopeNode = scope[0];
  const start = scopeNode && isElement(scopeNode) ? scopeNode : findBody($.root()[0] as unknown as Document);
  const title = fields?.title ?? meta.title;
  const patterns = rule ? [...GENERIC_BOILERPLATE, ...patternsOf(rule).drop] : GENERIC_BOILERPLATE;

  const page: PageContext = { title, siteNames: meta.siteName ? [meta.siteName] : [], url, dateline: rule ? patternsOf(rule).dateline : null, source: 'generic' };
  const found = genericParagraphs(start, { title, patterns, tuning, page, options });
  let paragraphs = found.paragraphs;
  if (textLength(paragraphs) < tuning.shortArticleChars) {
    // Little text in the markup (a script-rendered page?): the article text the page declares, if longer.
    const declared = dropBoilerplate(jsonLdParagraphs($), patterns);
    if (textLength(declared) > textLength(paragraphs)) paragraphs = declared;
  }
  let dateline: string | null = null;
  let place: string | null = null;
  if (rule && fields) {
    const split = splitDateline(withoutLead(paragraphs, fields.lead), rule);
    ({ paragraphs, dateline, place } = split);
  }
  const containerElements = found.containers.filter(isElement);
  const figures = containerElements.length > 0 ? figureImages(containerElements, url) : [];

  return {
    title,
    lead: fields?.lead ?? null,
    paragraphs,
    dateline,
    place,
    author: fields ? fields.author : meta.author,
    publishedAt: fields ? fields.publishedAt : meta.publishedAt,
    tags: fields ? fields.tags : meta.tags,
    language: meta.language,
    canonicalUrl: meta.canonicalUrl,
    images: figures.length > 0 ? figures : meta.images,
    extractor: rule ? `rule:${rule.name}` : 'generic',
  };
}

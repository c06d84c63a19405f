/**
 * Site rules at work: validating a rule list (built-in or from config), deciding which rules apply to a page
 * (host pattern or `detect` selector), merging them (a later rule adds to the removal and drop lists and
 * overrides selectors), and extracting a page with a rule's selectors. The Sputnik engine extractor uses the
 * same pieces; only its images and block knowledge live in sputnik.ts.
 */
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element, ParentNode } from 'domhandler';
import { findIn, outermostIn } from './select.js';
import { ruleMatchesHost } from './rule-host.js';

export { hostMatches, ruleMatchesHost } from './rule-host.js';
import { FeedwatchError } from '../errors.js';
import { compilePattern } from '../regex/linear.js';
import type { Article } from '../model.js';
import { pageHas } from './class-filter.js';
import { figureImages } from './images.js';
import type { PageMeta } from './meta.js';
import { parseDateTime } from './meta.js';
import { DATELINE_FLAGS, DROP_FLAGS, siteRuleSchema, type SiteRule, type SiteRuleInput } from './rule-schema.js';
import { dropBoilerplate, inlineLines, inlineSegments, normalizeSpace } from './text.js';
import type { PageContext, ParagraphInfo } from './boilerplate-features.js';
import { dropPatternLines, dropScoredBoilerplate, type BoilerplateOptions } from './boilerplate-score.js';

/**
 * Validates rules written in the config's shape (defaults applied). Throws a FeedwatchError of kind
 * "config" naming the rule and key for a bad selector, regex or host pattern.
 */
export function parseRules(input: readonly SiteRuleInput[], source = 'sites'): SiteRule[] {
  return input.map((raw, i) => {
    const r = siteRuleSchema.safeParse(raw);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    const where = `${source}[${i}]${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
    throw new FeedwatchError('config', `${where}: ${issue.message}`, { rule: (raw as { name?: unknown }).name ?? null, path: where }, { retryable: false });
  });
}

/** A rule's regexes, compiled once per rule object. */
export interface CompiledPatterns {
  drop: RegExp[];
  dateline: RegExp | null;
}

const compiled = new WeakMap<SiteRule, CompiledPatterns>();

export function patternsOf(rule: SiteRule): CompiledPatterns {
  let c = compiled.get(rule);
  if (!c) {
    try {
      c = {
        // User-written patterns run on RE2 (linear time); the built-in ones on RegExp (src/regex/linear.ts).
        drop: rule.dropParagraphs.map((p) => compilePattern(p, DROP_FLAGS)),
        dateline: rule.dateline ? compilePattern(rule.dateline, DATELINE_FLAGS) : null,
      };
    } catch (err) {
      throw new FeedwatchError('config', `site rule "${rule.name}": bad regular expression (${(err as Error).message})`, { rule: rule.name }, { retryable: false });
    }
    compiled.set(rule, c);
  }
  return c;
}

export function ruleDetected($: CheerioAPI, rule: SiteRule): boolean {
  return rule.detect !== undefined && pageHas($, rule.detect);
}

/** Whether a rule applies to a page: its `detect` selector is present, or (for a rule not tied to an engine) its host matches. */
export function ruleApplies($: CheerioAPI, rule: SiteRule, url: string): boolean {
  if (ruleDetected($, rule)) return true;
  if (rule.engine !== undefined && rule.detect !== undefined) return false; // an engine needs its markup
  return ruleMatchesHost(rule, url);
}

/**
 * `extra` refining `base`: removal and drop lists are concatenated (a user rule adds to the built-in list),
 * selectors and the dateline pattern set in `extra` replace those of `base`; name, hosts and engine stay the base's.
 */
export function mergeRules(base: SiteRule, extra: SiteRule): SiteRule {
  const pick = <K extends 'detect' | 'root' | 'title' | 'lead' | 'body' | 'date' | 'author' | 'tags' | 'dateline'>(k: K) => extra[k] ?? base[k];
  return {
    ...base,
    detect: pick('detect'),
    root: pick('root'),
    title: pick('title'),
    lead: pick('lead'),
    body: pick('body'),
    date: pick('date'),
    author: pick('author'),
    tags: pick('tags'),
    dateline: pick('dateline'),
    remove: [...base.remove, ...extra.remove.filter((s) => !base.remove.includes(s))],
    dropParagraphs: [...base.dropParagraphs, ...extra.dropParagraphs.filter((s) => !base.dropParagraphs.includes(s))],
  };
}

/** The article's element: the first match of `rule.root`, else the whole document. */
export function ruleRoot($: CheerioAPI, rule: SiteRule): Cheerio<AnyNode> {
  if (rule.root) {
    const r = $(rule.root).first();
    if (r.length > 0) return r;
  }
  return $.root();
}

/** Attribute set on the element siblings of a removed element (the boilerplate scorer's "next to a removed card"). */
export const NEAR_REMOVED_ATTR = 'data-feedwatch-near-removed';

/**
 * Removes the rule's `remove` elements inside `scope` (each selector one linear query, see select.ts; their matches
 * united), marking their neighbouring elements with NEAR_REMOVED_ATTR first.
 */
export function applyRemovals(scope: Cheerio<AnyNode>, rule: SiteRule): void {
  if (rule.remove.length === 0) return;
  const removed = new Set<Element>();
  for (const sel of rule.remove) for (const el of findIn(scope, sel)) removed.add(el);
  for (const el of removed) {
    for (const sib of [el.prev, el.next]) {
      let s: AnyNode | null = sib;
      while (s && s.type === 'text' && s.data.trim() === '') s = s === el.prev ? s.prev : s.next;
      if (s && s.type === 'tag') (s as Element).attribs[NEAR_REMOVED_ATTR] = '1';
    }
  }
  removeAll(removed);
}

/**
 * Takes nodes out of the tree, as cheerio's `.remove()` does, in one pass over each parent's children (`.remove()`
 * searches and splices the parent's array once per node: quadratic for many siblings).
 */
function removeAll(nodes: Set<Element>): void {
  const parents = new Set<ParentNode>();
  for (const n of nodes) if (n.parent) parents.add(n.parent);
  for (const parent of parents) {
    const kept = parent.children.filter((c) => !nodes.has(c as Element));
    kept.forEach((c, i) => {
      c.prev = kept[i - 1] ?? null;
      c.next = kept[i + 1] ?? null;
    });
    parent.children = kept;
  }
  for (const n of nodes) n.prev = n.next = n.parent = null;
}

/**
 * Class and id words of `el` and its ancestors up to and including `stop` (an element, or a test; at most
 * `maxDepth` elements), and whether one of them is next to a removed element.
 */
export function markupAround(el: AnyNode | null, stop: AnyNode | ((e: Element) => boolean) | null, maxDepth = 8): { hints: string; nearRemoved: boolean } {
  const hints: string[] = [];
  let nearRemoved = false;
  let depth = 0;
  for (let e: AnyNode | null = el; e && e.type === 'tag' && depth < maxDepth; e = e.parent, depth++) {
    const a = (e as Element).attribs;
    if (a.class) hints.push(a.class);
    if (a.id) hints.push(a.id);
    if (a[NEAR_REMOVED_ATTR] !== undefined) nearRemoved = true;
    if (typeof stop === 'function' ? stop(e as Element) : e === stop) break;
  }
  return { hints: hints.join(' '), nearRemoved };
}

/** Matches of a selector inside `scope`, in page order, leaving out any nested in an earlier match (linear, select.ts). */
export function outermost(scope: Cheerio<AnyNode>, selector: string): Element[] {
  return outermostIn(scope, selector);
}

/** Text of the first match (its lines joined by spaces), or null. */
export function firstText(scope: Cheerio<AnyNode>, selector: string | undefined): string | null {
  if (!selector) return null;
  for (const el of outermost(scope, selector)) {
    const t = inlineLines(el).join(' ');
    if (t) return t;
  }
  return null;
}

/** Texts of every match, empty and repeated ones left out. */
export function allTexts(scope: Cheerio<AnyNode>, selector: string | undefined): string[] {
  if (!selector) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const el of outermost(scope, selector)) {
    const t = inlineLines(el).join(' ');
    if (t && !seen.has(t.toLowerCase())) {
      seen.add(t.toLowerCase());
      out.push(t);
    }
  }
  return out;
}

/** The first match's date (`datetime`, `content`, then its text), and whether it named its UTC offset. */
export function selectDate(scope: Cheerio<AnyNode>, selector: string | undefined): { iso: string; hasOffset: boolean } | null {
  if (!selector) return null;
  for (const el of outermost(scope, selector)) {
    const raw = el.attribs.datetime ?? el.attribs.content ?? normalizeSpace(inlineLines(el).join(' '));
    const iso = parseDateTime(raw);
    if (iso) return { iso, hasOffset: /(?:z|[+-]\d{2}:?\d{2}|gmt|utc)$/i.test(raw.trim()) };
  }
  return null;
}

/** Each line of each `body` match with its markup facts, lines matching the rule's patterns dropped. */
export function bodyParagraphInfos(scope: Cheerio<AnyNode>, rule: SiteRule, patterns = true): ParagraphInfo[] {
  if (!rule.body) return [];
  const infos = outermost(scope, rule.body).flatMap((el) =>
    inlineSegments(el).map((s) => ({ text: s.text, len: s.len, linkLen: s.linkLen, emphLen: s.emphLen, hrefs: s.hrefs, ...markupAround(s.block ?? el, el) })),
  );
  return patterns ? dropPatternLines(infos, patternsOf(rule).drop) : infos;
}

/** Splits the dateline off the first paragraph with the rule's dateline pattern. */
export function splitDateline(paragraphs: string[], rule: SiteRule): { paragraphs: string[]; dateline: string | null; place: string | null } {
  const re = patternsOf(rule).dateline;
  const first = paragraphs[0];
  if (!re || first === undefined) return { paragraphs, dateline: null, place: null };
  const m = re.exec(first);
  if (!m || m.index !== 0 || m[0].trim() === '') return { paragraphs, dateline: null, place: null };
  const rest = first.slice(m[0].length).trim();
  const place = normalizeSpace(m.groups?.place ?? '') || null;
  return { paragraphs: rest ? [rest, ...paragraphs.slice(1)] : paragraphs.slice(1), dateline: normalizeSpace(m[0]), place };
}

/** Leaves out a first paragraph that repeats the lead. */
export function withoutLead(paragraphs: string[], lead: string | null): string[] {
  if (!lead || paragraphs.length === 0) return paragraphs;
  return normalizeSpace(paragraphs[0]!) === normalizeSpace(lead) ? paragraphs.slice(1) : paragraphs;
}

/** What the rule reader passes to the boilerplate scorer besides the page: its address and the outlet's other names. */
export interface RuleBoilerplate {
  url?: string;
  siteNames?: readonly string[];
  options?: BoilerplateOptions;
}

/** Fields every rule-driven extractor reads the same way (title, lead, body, dateline, date, author, tags). */
export interface RuleFields {
  title: string | null;
  lead: string | null;
  paragraphs: string[];
  dateline: string | null;
  place: string | null;
  publishedAt: string | null;
  author: string | null;
  tags: string[];
}

/**
 * Reads a page with a rule: removals first, then each field from its selector inside the rule's root,
 * falling back to page metadata for title, date (also when the rule's date has no UTC offset) and tags, and for the author when the rule has no author
 * selector. No lead selector, no lead (a page's description is often cut short with "...").
 */
export function readRuleFields(root: Cheerio<AnyNode>, rule: SiteRule, meta: PageMeta, bp: RuleBoilerplate = {}): RuleFields {
  applyRemovals(root, rule);
  const drop = patternsOf(rule).drop;
  const keep = (s: string | null) => (s && dropBoilerplate([s], drop).length > 0 ? s : null);
  const title = firstText(root, rule.title) ?? meta.title;
  const lead = keep(firstText(root, rule.lead));
  let infos = bodyParagraphInfos(root, rule, bp.options?.filters !== false);
  if (lead && infos.length > 0 && normalizeSpace(infos[0]!.text) === normalizeSpace(lead)) infos = infos.slice(1);
  const ctx: PageContext = { title, siteNames: [...(meta.siteName ? [meta.siteName] : []), ...(bp.siteNames ?? [])], url: bp.url ?? '', dateline: patternsOf(rule).dateline, source: 'rule' };
  infos = dropScoredBoilerplate(infos, ctx, bp.options);
  const split = splitDateline(infos.map((i) => i.text), rule);
  const authors = allTexts(root, rule.author);
  const tags = allTexts(root, rule.tags);
  return {
    title,
    lead,
    paragraphs: split.paragraphs,
    dateline: split.dateline,
    place: split.place,
    publishedAt: pickDate(selectDate(root, rule.date), meta.publishedAt),
    author: rule.author ? (authors.length > 0 ? authors.join(', ') : null) : meta.author,
    tags: tags.length > 0 ? tags : meta.tags,
  };
}

/** The rule's date, unless it gave no UTC offset and the page's metadata has a date (which says its offset). */
function pickDate(fromRule: { iso: string; hasOffset: boolean } | null, fromMeta: string | null): string | null {
  if (fromRule && (fromRule.hasOffset || fromMeta === null)) return fromRule.iso;
  return fromMeta ?? fromRule?.iso ?? null;
}

/** Extracts a page with a config rule's selectors (`body` set, no engine). Extractor name: "rule:<name>". */
export function extractWithRule($: CheerioAPI, url: string, meta: PageMeta, rule: SiteRule, options?: BoilerplateOptions): Article {
  const root = ruleRoot($, rule);
  const f = readRuleFields(root, rule, meta, { url, ...(options ? { options } : {}) });
  const figures = figureImages(root.toArray(), url);
  return {
    ...f,
    language: meta.language,
    canonicalUrl: meta.canonicalUrl,
    images: figures.length > 0 ? figures : meta.images,
    extractor: `rule:${rule.name}`,
  };
}

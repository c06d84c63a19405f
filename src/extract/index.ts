/**
 * Page → clean article. Loads the HTML once with cheerio's htmlparser2 backend, reads the page metadata,
 * chooses an extractor by the page's markup (the Sputnik/RIA engine by its blocks, whatever the host), lets
 * the config's site rules refine or override it, and falls back to the generic extractor.
 *
 *   extractArticle(html, url, { rules }) = loadHtml (within a work budget) → extractMeta → chooseExtractor → sputnik | rule | generic
 *                                          → language checked against the text
 */
import { load, type CheerioAPI } from 'cheerio';
import type { Article } from '../model.js';
import { BUILTIN_RULES } from './builtin-rules.js';
import { extractGeneric } from './generic.js';
import { extractMeta } from './meta.js';
import { HTML_LIMITS, parseHtmlWithinBudget, type HtmlLimits } from './html-budget.js';
import type { SiteRule } from './rule-schema.js';
import type { BoilerplateOptions } from './boilerplate-score.js';
import { extractWithRule, mergeRules, ruleApplies, ruleMatchesHost } from './rules.js';
import { extractSputnik, sputnikDesign } from './sputnik.js';
import { LANGUAGE_SAMPLE_CHARS, reconcileLanguage } from './text.js';
import { ARTICLE_CHARS, capArticle } from './article-cap.js';

export type { PageMeta } from './meta.js';
export { extractMeta } from './meta.js';

/**
 * Cheerio options selecting htmlparser2 in HTML mode. In cheerio 1.x an `xml` object switches the parser to
 * htmlparser2 and is merged into its options, so `xmlMode: false` keeps HTML semantics (void elements,
 * lower-cased names, entities). `{ xml: false }` or `{ xmlMode: false }` alone would select parse5 (about 4×
 * slower here: 2.8 ms against 11.6 ms on a 150 KB Sputnik page).
 */
export const HTMLPARSER2_OPTIONS = { xml: { xmlMode: false, decodeEntities: true } } as const;

/**
 * The page loaded for the extractors: parsed within the work budget of html-budget.ts (FeedwatchError
 * `too-complex` over it), then wrapped by cheerio with the same options as if cheerio had parsed it.
 */
export function loadHtml(html: string, limits: HtmlLimits = HTML_LIMITS): CheerioAPI {
  return load(parseHtmlWithinBudget(html, limits), HTMLPARSER2_OPTIONS);
}

export type ExtractorChoice =
  /** The engine extractor with the built-in engine rule merged with the user rules that apply. */
  | { kind: 'sputnik'; rule: SiteRule }
  /** A config rule with its own `body` selector (merged with any other rules that apply). */
  | { kind: 'rule'; rule: SiteRule }
  /** The generic extractor, refined by the rules that apply (removals, drop patterns, selectors), if any. */
  | { kind: 'generic'; rule: SiteRule | undefined };

/**
 * Which extractor reads the page. Engine rules apply by their markup (`detect`); other rules by host or
 * `detect`. User rules come after the built-in ones, so they add to the built-in lists and override selectors.
 */
export function chooseExtractor($: CheerioAPI, url: string, userRules: readonly SiteRule[], builtin: readonly SiteRule[] = BUILTIN_RULES): ExtractorChoice {
  const all = [...builtin, ...userRules];
  const applicable = all.filter((r) => ruleApplies($, r, url));
  const mergeAll = (list: SiteRule[]) => list.slice(1).reduce(mergeRules, list[0]!);
  const engineRule = applicable.find((r) => r.engine === 'sputnik');
  if (engineRule && sputnikDesign($) !== null) {
    return { kind: 'sputnik', rule: mergeAll([engineRule, ...applicable.filter((r) => r !== engineRule)]) };
  }
  // An engine site's page without the engine's markup (a gallery, a live page) still loses the engine's promo
  // lines and removed elements: the engine rule's lists (not its selectors) refine whatever reads the page.
  const engineLists = all.filter((r) => r.engine !== undefined && (applicable.includes(r) || ruleMatchesHost(r, url))).map(listsOnly);
  const plain = applicable.filter((r) => r.engine === undefined);
  const withBody = plain.find((r) => r.body !== undefined);
  if (withBody) return { kind: 'rule', rule: mergeAll([withBody, ...plain.filter((r) => r !== withBody), ...engineLists]) };
  const refining = [...plain, ...engineLists];
  return { kind: 'generic', rule: refining.length > 0 ? mergeAll(refining) : undefined };
}

/** A rule reduced to its removal and drop lists (its selectors, root and engine left out). */
function listsOnly(r: SiteRule): SiteRule {
  return { name: r.name, hosts: r.hosts, remove: r.remove, dropParagraphs: r.dropParagraphs };
}

/**
 * Extracts the article of one page; `url` is the page's address (relative links, host rules). Its lead and
 * paragraphs keep at most `maxChars` characters (default ARTICLE_CHARS, `budgets.articleChars`; see article-cap.ts).
 */
export function extractArticle(html: string, url: string, opts: { rules: readonly SiteRule[]; boilerplate?: BoilerplateOptions; maxChars?: number }): Article {
  const $ = loadHtml(html);
  const meta = extractMeta($, url);
  const choice = chooseExtractor($, url, opts.rules);
  let article: Article;
  switch (choice.kind) {
    case 'sputnik':
      article = extractSputnik($, url, meta, choice.rule, opts.boilerplate);
      break;
    case 'rule':
      article = extractWithRule($, url, meta, choice.rule, opts.boilerplate);
      break;
    case 'generic':
      article = extractGeneric($, url, meta, choice.rule, undefined, opts.boilerplate);
      break;
  }
  const capped = capArticle(article, opts.maxChars ?? ARTICLE_CHARS);
  // The article's text, joined only as far as the language is read from it.
  const parts = [capped.title ?? '', capped.lead ?? '', ...capped.paragraphs];
  let text = parts[0]!;
  for (let i = 1; i < parts.length && text.length < LANGUAGE_SAMPLE_CHARS; i++) text += `\n${parts[i]}`;
  return { ...capped, language: reconcileLanguage(capped.language, text) };
}

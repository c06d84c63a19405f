/**
 * Schema of a site rule (config `sites:`): how to extract pages of some hosts, without code. The built-in
 * rules (src/extract/builtin-rules.ts, e.g. the Sputnik engine's) are written in this same shape and pass
 * through this same schema. Every regex and CSS selector is checked here, so a bad one is a config error
 * that names the rule and the key.
 */
import { z } from 'zod';
import { createRequire } from 'node:module';
import { LinearRegExp, regexPosition } from '../regex/linear.js';

/**
 * The selector engine cheerio's `.find()` runs (cheerio-select), loaded on the first selector to check: a config
 * without site rules (most CLI commands' case) never pays for it, and never loads cheerio (~0.2 s of CPU) for it.
 * Loaded synchronously (zod refinements are synchronous), so through require.
 */
type SelectorEngine = { select: (selector: string, elems: unknown[], opts: { xmlMode: boolean }) => unknown[]; probe: unknown };
let engine: SelectorEngine | null = null;

function selectorEngine(): SelectorEngine {
  if (engine) return engine;
  const require = createRequire(import.meta.url);
  const { select } = require('cheerio-select') as Pick<SelectorEngine, 'select'>;
  const { Element } = require('domhandler') as { Element: new (name: string, attribs: Record<string, string>) => unknown };
  engine = { select, probe: new Element('p', {}) };
  return engine;
}

/** Null when cheerio accepts the selector, else the parser's complaint. */
export function selectorError(selector: string): string | null {
  if (selector.trim().startsWith('<')) return 'markup, not a selector';
  const { select, probe } = selectorEngine();
  try {
    select(selector, [probe], { xmlMode: false });
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Null when the pattern compiles with the given flags for the linear-time engine user patterns run on
 * (src/regex/linear.ts), else the error and where it is: lookaround and backreferences, which need
 * backtracking, are refused here, so they fail at config load with the rule's name and key.
 */
export function regexError(pattern: string, flags: string): string | null {
  try {
    new LinearRegExp(pattern, flags);
    return null;
  } catch (err) {
    return `${err instanceof Error ? err.message : String(err)}${regexPosition(err)}`;
  }
}

/** Flags of `dropParagraphs` patterns: case-insensitive, Unicode. */
export const DROP_FLAGS = 'iu';
/** Flags of the `dateline` pattern: Unicode, case-sensitive (a dateline's place is written in capitals). */
export const DATELINE_FLAGS = 'u';

const SELECTOR_KEYS = ['detect', 'root', 'title', 'lead', 'body', 'date', 'author', 'tags'] as const;

export const siteRuleSchema = z
  .object({
    name: z.string().min(1),
    /** Host patterns: "example.com" (also matches www.), "*.example.com" (the domain and every subdomain). */
    hosts: z.array(z.string().min(1)).default([]),
    /** CSS selector whose presence on a page selects this rule, whatever the host. */
    detect: z.string().optional(),
    /**
     * Built-in extractor for pages this rule applies to. "sputnik": the Sputnik/RIA engine extractor, used
     * only when the page has the engine's markup (`detect`). Omitted: the rule's own selectors (`body` set),
     * else the generic extractor refined by the rule's `remove` and `dropParagraphs`.
     */
    engine: z.enum(['sputnik']).optional(),
    /** The element holding the article (the first match; e.g. the first of an endless-scroll list). Default: the whole page. */
    root: z.string().optional(),
    /** Selectors of single values take the first match; missing or empty falls back to the page's metadata. */
    title: z.string().optional(),
    /** The lead (standfirst). When set and absent on a page, the article has no lead. */
    lead: z.string().optional(),
    /** Body text: every match, in page order; each line (block element, <br>) of a match is one paragraph. */
    body: z.string().optional(),
    /** Publication date: an element's `datetime` or `content` attribute, else its text. */
    date: z.string().optional(),
    /** Author names: every match, joined by ", ". When set and absent on a page, the article has no author. */
    author: z.string().optional(),
    /** Tags: the text of every match. */
    tags: z.string().optional(),
    /** Elements removed before extraction. */
    remove: z.array(z.string()).default([]),
    /** Regular expressions (case-insensitive); a paragraph or line matching one is dropped whole. */
    dropParagraphs: z.array(z.string()).default([]),
    /**
     * Regular expressions (case-insensitive); a paragraph matching one is never dropped as boilerplate learned for
     * the site (src/extract/learned.ts). Applies to the rule's `hosts`.
     */
    keepParagraphs: z.array(z.string()).optional(),
    /**
     * Regular expression (case-sensitive) matched at the start of the first paragraph: what it matches is the
     * dateline ("БИШКЕК, 5 мар — Sputnik."), split off the text; its named group `place` is the place.
     */
    dateline: z.string().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const who = `site rule "${rule.name}"`;
    for (const key of SELECTOR_KEYS) {
      const sel = rule[key];
      if (sel === undefined) continue;
      const err = sel.trim() === '' ? 'empty selector' : selectorError(sel);
      if (err) ctx.addIssue({ code: 'custom', path: [key], message: `${who}: bad CSS selector "${sel}" in ${key} (${err})` });
    }
    rule.remove.forEach((sel, i) => {
      const err = sel.trim() === '' ? 'empty selector' : selectorError(sel);
      if (err) ctx.addIssue({ code: 'custom', path: ['remove', i], message: `${who}: bad CSS selector "${sel}" in remove (${err})` });
    });
    rule.dropParagraphs.forEach((re, i) => {
      const err = re === '' ? 'empty pattern drops every paragraph' : regexError(re, DROP_FLAGS);
      if (err) ctx.addIssue({ code: 'custom', path: ['dropParagraphs', i], message: `${who}: bad regular expression in dropParagraphs (${err})` });
    });
    rule.keepParagraphs?.forEach((re, i) => {
      const err = re === '' ? 'empty pattern keeps every paragraph' : regexError(re, DROP_FLAGS);
      if (err) ctx.addIssue({ code: 'custom', path: ['keepParagraphs', i], message: `${who}: bad regular expression in keepParagraphs (${err})` });
    });
    if (rule.dateline !== undefined) {
      const err = rule.dateline === '' ? 'empty pattern' : regexError(rule.dateline, DATELINE_FLAGS);
      if (err) ctx.addIssue({ code: 'custom', path: ['dateline'], message: `${who}: bad regular expression in dateline (${err})` });
    }
    rule.hosts.forEach((h, i) => {
      if (!/^(\*\.)?[a-z0-9.-]+$/i.test(h) || h.includes('..')) {
        ctx.addIssue({ code: 'custom', path: ['hosts', i], message: `${who}: bad host pattern "${h}"; write "example.com" or "*.example.com"` });
      }
    });
    if (rule.engine === undefined && rule.hosts.length === 0 && rule.detect === undefined) {
      ctx.addIssue({ code: 'custom', path: ['hosts'], message: `${who}: give hosts or detect, so the rule knows which pages it is for` });
    }
  });

export type SiteRule = z.output<typeof siteRuleSchema>;
export type SiteRuleInput = z.input<typeof siteRuleSchema>;

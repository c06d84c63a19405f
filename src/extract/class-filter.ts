/**
 * A cheap answer to "can this selector match anything on the page?" before the selector engine walks the whole
 * document: a selector such as `.article__body .article__block, div.b-article__text` needs, in one of its
 * alternatives, every class that alternative names, and the parse recorded every class attribute of the page
 * (html-budget.ts classValues). When a needed class is on no element, no element matches and the walk is saved;
 * otherwise the selector runs as before. Selectors this does not read (attributes, pseudo-classes, escapes,
 * anything beyond tags, ids, classes and combinators) and documents not parsed by loadHtml always run.
 */
import type { CheerioAPI } from 'cheerio';
import type { Document } from 'domhandler';
import { classValues } from './html-budget.js';

/** Tags, ids, classes, `*`, combinators and commas, in ASCII: the selectors whose classes are read here. */
const SIMPLE_SELECTOR = /^[\w\s.,#>+~*-]+$/;
const CLASS_NAME = /\.([\w-]+)/g;

/** A class as a whole word of a class attribute, as the selector engine tests it (`[class~=name]`). */
interface ClassTest {
  name: string;
  word: RegExp;
}

const required = new Map<string, ClassTest[][] | null>();
const MAX_CACHED_SELECTORS = 1000;

/**
 * The classes each alternative of a selector needs, or null when some alternative needs none or the selector is
 * not a simple one (then nothing can be ruled out).
 */
function requiredClasses(selector: string): ClassTest[][] | null {
  if (required.has(selector)) return required.get(selector)!;
  let out: ClassTest[][] | null = null;
  if (SIMPLE_SELECTOR.test(selector)) {
    out = [];
    for (const alternative of selector.split(',')) {
      const names = [...alternative.matchAll(CLASS_NAME)].map((m) => m[1]!);
      if (names.length === 0) {
        out = null;
        break;
      }
      out.push(names.map((name) => ({ name, word: new RegExp(`(?:^|\\s)${name}(?:$|\\s)`) })));
    }
  }
  if (required.size >= MAX_CACHED_SELECTORS) required.clear();
  required.set(selector, out);
  return out;
}

/**
 * False when no element of the page can match `selector` (an alternative's class is on no element); true when
 * one may, or when that cannot be told cheaply.
 */
export function mayMatch(doc: Document, selector: string): boolean {
  const classes = requiredClasses(selector);
  if (classes === null) return true;
  const values = classValues(doc);
  if (values === undefined) return true;
  return classes.some((alternative) => alternative.every((c) => values.some((v) => v.includes(c.name) && c.word.test(v))));
}

/** Whether some element of the page matches `selector` (the selector engine runs only when mayMatch allows). */
export function pageHas($: CheerioAPI, selector: string): boolean {
  const doc = $.root()[0] as unknown as Document | undefined;
  if (doc !== undefined && !mayMatch(doc, selector)) return false;
  return $(selector).length > 0;
}

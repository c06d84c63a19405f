/**
 * The promo variants test set (tests/fixtures/promo-variants/variants.json) placed into real engine pages of
 * both designs: the article__block design (the rebuilt ru.sputnik.kg page and the real snanews.de page) and the
 * older b-article design (the rebuilt sputnik.by page and the real sputniknews.com page). Each line goes in as
 * one more text block / paragraph, set as its `markup` says, at its `at` position; extraction of the page is
 * then compared with extraction of the page without it.
 */
import { readFileSync } from 'node:fs';
import type { CheerioAPI } from 'cheerio';
import { extractArticle, loadHtml } from '../../src/extract/index.js';
import type { BoilerplateOptions } from '../../src/extract/boilerplate-score.js';

export interface VariantLine {
  lang: string;
  text: string;
  markup?: 'plain' | 'strong' | 'em' | 'link' | 'tail';
  href?: string;
  at: 'start' | 'middle' | 'end' | 'afterCard';
}

export interface VariantSet {
  promos: VariantLine[];
  sentences: VariantLine[];
}

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

export function loadVariants(): VariantSet {
  return JSON.parse(fixture('promo-variants/variants.json')) as VariantSet;
}

interface EnginePage {
  name: string;
  design: 'blocks' | 'b-article';
  html: string;
  url: string;
}

export const ENGINE_PAGES: EnginePage[] = [
  { name: 'sputnik-kg (blocks)', design: 'blocks', html: fixture('sputnik/sputnik-kg-20220305-lavrov.html'), url: 'https://ru.sputnik.kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html' },
  { name: 'snanews-de (blocks)', design: 'blocks', html: fixture('sputnik/snanews-de-20201216.html'), url: 'https://snanews.de/20201216/traditionelle-fischerei-und-windkraft-184985.html' },
  { name: 'sputnik-by (b-article)', design: 'b-article', html: fixture('extract/sputnik-by-b-article.html'), url: 'https://sputnik.by/culture/20191012/1042968123/V-Minske-otkrylas-vystavka-promyshlennogo-dizayna.html' },
  { name: 'sputniknews-com (b-article)', design: 'b-article', html: fixture('extract/sputniknews-com-20191118-b-article.html'), url: 'https://sputniknews.com/columnists/201911181077343476-royal-self-indicting-arrogance/' },
];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The line as inline markup. */
function inline(v: VariantLine): string {
  const href = escape(v.href ?? '#');
  switch (v.markup ?? 'plain') {
    case 'strong':
      return `<strong>${escape(v.text)}</strong>`;
    case 'em':
      return `<em>${escape(v.text)}</em>`;
    case 'link':
      return `<a href="${href}">${escape(v.text)}</a>`;
    case 'tail': {
      const words = v.text.split(' ');
      const cut = Math.max(1, words.length - 2);
      return `${escape(words.slice(0, cut).join(' '))} <a href="${href}">${escape(words.slice(cut).join(' '))}</a>`;
    }
    default:
      return escape(v.text);
  }
}

function place($: CheerioAPI, design: EnginePage['design'], v: VariantLine): void {
  if (design === 'blocks') {
    const block = `<div class="article__block" data-type="text"><div class="article__text">${inline(v)}</div></div>`;
    const blocks = $('.article__body > .article__block');
    const texts = $('.article__body > .article__block[data-type="text"]');
    const card = $('.article__body > .article__block[data-type="article"], .article__body > .article__block[data-type="banner"]').first();
    if (v.at === 'start') blocks.first().before(block);
    else if (v.at === 'end') texts.last().after(block);
    else if (v.at === 'afterCard' && card.length > 0) card.after(block);
    else texts.eq(Math.floor(texts.length / 2)).after(block);
  } else {
    const p = `<p>${inline(v)}</p>`;
    const body = $('div.b-article__text').first();
    const paras = body.children('p');
    const card = body.children('.b-inject').first();
    if (v.at === 'start') body.prepend(p);
    else if (v.at === 'end') body.append(p);
    else if (v.at === 'afterCard' && card.length > 0) card.after(p);
    else paras.eq(Math.floor(paras.length / 2)).after(p);
  }
}

export interface Placement {
  line: VariantLine;
  page: string;
  /** Paragraphs without the line, and with it. */
  before: string[];
  after: string[];
  /** Whether the line (or a line containing it) was stored anywhere in the article. */
  stored: boolean;
}

const baselines = new Map<string, string[]>();

function paragraphsOf(html: string, url: string, boilerplate?: BoilerplateOptions): { paragraphs: string[]; all: string } {
  const a = extractArticle(html, url, { rules: [], ...(boilerplate ? { boilerplate } : {}) });
  return { paragraphs: a.paragraphs, all: [a.title ?? '', a.lead ?? '', a.dateline ?? '', ...a.paragraphs].join('\n') };
}

/** Each line in one page of each design (alternating between the two pages of a design). */
export function placeAll(lines: readonly VariantLine[], boilerplate?: BoilerplateOptions): Placement[] {
  const out: Placement[] = [];
  lines.forEach((line, i) => {
    for (const design of ['blocks', 'b-article'] as const) {
      const pages = ENGINE_PAGES.filter((p) => p.design === design);
      const page = pages[i % pages.length]!;
      let before = baselines.get(page.name);
      if (!before) {
        before = paragraphsOf(page.html, page.url).paragraphs;
        baselines.set(page.name, before);
      }
      const $ = loadHtml(page.html);
      place($, design, line);
      const got = paragraphsOf($.html(), page.url, boilerplate);
      out.push({ line, page: page.name, before, after: got.paragraphs, stored: got.all.includes(line.text) });
    }
  });
  return out;
}

/** Promo placements whose promo is gone and every other paragraph kept. */
export function promoDropped(p: Placement): boolean {
  return !p.stored && p.after.length === p.before.length && p.after.every((t, i) => t === p.before[i]);
}

/** Sentence placements whose sentence is kept whole and nothing else lost. */
export function sentenceKept(p: Placement): boolean {
  return p.after.includes(p.line.text) && p.before.every((t) => p.after.includes(t));
}

/**
 * The Sputnik/RIA engine extractor (ru.sputnik.kg, sputnik.by, ria.ru, snanews.de and the other Rossiya
 * Segodnya editions). Recognises the engine by its markup, in both designs: `.article__body > .article__block`
 * and the older `.b-article__text`. What is text and what is boilerplate is data (the built-in "sputnik"
 * rule plus any user rule for the page, see builtin-rules.ts); this file adds what a rule cannot say:
 * the article's images with captions and credits, read before the media blocks are removed.
 */
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode } from 'domhandler';
import type { Article, ArticleImage } from '../model.js';
import { pageHas } from './class-filter.js';
import { cleanCredit, figureImages, imageSource, pushImage } from './images.js';
import type { PageMeta } from './meta.js';
import type { SiteRule } from './rule-schema.js';
import type { BoilerplateOptions } from './boilerplate-score.js';
import { readRuleFields, ruleRoot } from './rules.js';
import { normalizeSpace } from './text.js';
import { findIn } from './select.js';

/** Names the engine's editions go by in their own text (the boilerplate scorer's "the outlet names itself"). */
export const ENGINE_NAMES: readonly string[] = ['Sputnik', 'Спутник', 'Спутњик', 'РИА Новости', 'RIA Novosti', 'ИноСМИ', 'SNA'];

export type SputnikDesign = 'blocks' | 'b-article';

/** Which engine design the page is in, by its markup; null when it is not an engine page. */
export function sputnikDesign($: CheerioAPI): SputnikDesign | null {
  if (pageHas($, '.article__body .article__block')) return 'blocks';
  if (pageHas($, 'div.b-article__text')) return 'b-article';
  return null;
}

/** Text of the first match of `selector` inside `scope`, '' when none (one linear query, stopped at the first). */
function firstTextIn($: CheerioAPI, scope: Cheerio<AnyNode>, selector: string): string {
  const el = findIn(scope, selector, 1)[0];
  return el ? $(el).text() : '';
}

/** Images of the article: the announce photo and photo blocks (blocks design), the header photo (b-article). */
export function sputnikImages($: CheerioAPI, root: Cheerio<AnyNode>, url: string): ArticleImage[] {
  const out: ArticleImage[] = [];
  const media = findIn(root, '.article__announce .media, .article__block[data-type="media"] .media, .article__block[data-type="photo"] .media');
  for (const m of media) {
    const $m = $(m);
    const img = findIn($m, 'img', 1)[0];
    const src = img ? imageSource(img, url) : null;
    if (!src) continue;
    const caption = normalizeSpace(firstTextIn($, $m, '.photoview__desc-text, .media__caption, .media__title')) || normalizeSpace(img?.attribs.alt ?? '') || null;
    const credit = cleanCredit(firstTextIn($, $m, '.media__copyright-item, .media__copyright, .photoview__copyright'));
    pushImage(out, { url: src, caption, credit });
  }
  for (const h of findIn(root, '.b-article__header')) {
    const img = findIn($(h), 'img', 1)[0];
    const src = img ? imageSource(img, url) : null;
    if (!src) continue;
    const caption = normalizeSpace(img?.attribs.alt ?? img?.attribs.title ?? '') || null;
    pushImage(out, { url: src, caption, credit: cleanCredit(firstTextIn($, $(h), '.b-article__header-copy')) });
  }
  for (const f of figureImages(findIn(root, '.article__body, .b-article__text'), url)) pushImage(out, f);
  return out;
}

/**
 * Extracts an engine page with the (merged) engine rule. The dateline is split off the first text block;
 * dates, tags and title fall back to the page's metadata; the author comes from the article's markup only
 * (the engine's meta tags can name the edition's default author).
 */
export function extractSputnik($: CheerioAPI, url: string, meta: PageMeta, rule: SiteRule, options?: BoilerplateOptions): Article {
  const root = ruleRoot($, rule);
  const images = sputnikImages($, root, url);
  const f = readRuleFields(root, rule, meta, { url, siteNames: ENGINE_NAMES, ...(options ? { options } : {}) });
  return {
    ...f,
    language: meta.language,
    canonicalUrl: meta.canonicalUrl,
    images: images.length > 0 ? images : meta.images,
    extractor: 'sputnik',
  };
}

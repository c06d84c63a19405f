/**
 * Article images with their captions and credits, kept apart from the text: <figure> elements (img,
 * figcaption, a copyright/credit element) and the helpers the engine extractors share.
 */
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { ArticleImage } from '../model.js';
import { resolveUrl } from './meta.js';
import { normalizeSpace } from './text.js';

/** "© Sputnik / Кирилл Каллиников" → "Sputnik / Кирилл Каллиников"; "Foto: dpa" → "dpa"; empty → null. */
export function cleanCredit(s: string | null | undefined): string | null {
  const t = normalizeSpace(s ?? '')
    .replace(/^(?:©|\(c\)|copyright\b|фото\s*:|photo\s*:|foto\s*:)\s*/iu, '')
    .replace(/^©\s*/u, '')
    .trim();
  return t === '' ? null : t;
}

/** The address of an <img>: src, else the lazy-loading attributes, else the first srcset candidate. */
export function imageSource(img: Element, pageUrl: string): string | null {
  const a = img.attribs;
  const candidates = [a['data-src'], a['data-original'], a['data-lazy-src'], a.src, a.srcset?.trim().split(/\s+/)[0], a['data-srcset']?.trim().split(/\s+/)[0]];
  for (const c of candidates) {
    if (!c || c.startsWith('data:')) continue;
    const abs = resolveUrl(c, pageUrl);
    if (abs) return abs;
  }
  return null;
}

/** Appends an image unless its URL is already listed. */
export function pushImage(list: ArticleImage[], image: ArticleImage): void {
  if (!list.some((im) => im.url === image.url)) list.push(image);
}

/** Images of the <figure> elements inside `scope`, with figcaption and credit (an element named copyright/credit). */
export function figureImages($: CheerioAPI, scope: Cheerio<AnyNode>, pageUrl: string): ArticleImage[] {
  const out: ArticleImage[] = [];
  scope.find('figure').each((_, fig) => {
    const img = $(fig).find('img').first()[0];
    const url = img ? imageSource(img, pageUrl) : null;
    if (!url) return;
    const creditEl = $(fig).find('[class*="copyright"], [class*="credit"]').first();
    const credit = cleanCredit(creditEl.text());
    const capEl = $(fig).find('figcaption').first().clone();
    capEl.find('[class*="copyright"], [class*="credit"]').remove();
    const caption = normalizeSpace(capEl.text()) || normalizeSpace(img?.attribs.alt ?? '') || null;
    pushImage(out, { url, caption, credit });
  });
  return out;
}

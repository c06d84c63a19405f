/**
 * Article images with their captions and credits, kept apart from the text: <figure> elements (img,
 * figcaption, a copyright/credit element) and the helpers the engine extractors share.
 */
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

/** Elements under the given roots (the roots left out) that pass `test`, in document order; iterative. */
function descendants(roots: readonly AnyNode[], test: (el: Element) => boolean, skip?: (el: Element) => boolean): Element[] {
  const out: Element[] = [];
  const stack: AnyNode[] = [];
  for (let r = roots.length - 1; r >= 0; r--) {
    const root = roots[r]!;
    if ('children' in root) for (let i = root.children.length - 1; i >= 0; i--) stack.push(root.children[i]!);
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (!isTag(n)) {
      if ('children' in n) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
      continue;
    }
    if (skip?.(n)) continue;
    if (test(n)) out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

function isTag(n: AnyNode): n is Element {
  return n.type === 'tag' || n.type === 'script' || n.type === 'style';
}

/** An element named for a photo's copyright or credit (`[class*="copyright"], [class*="credit"]`). */
function isCredit(el: Element): boolean {
  const cls = el.attribs.class;
  return cls !== undefined && (cls.includes('copyright') || cls.includes('credit'));
}

/** The text of a node's text nodes, in document order, leaving out the subtrees `skip` names. */
function textWithout(root: AnyNode, skip: (el: Element) => boolean): string {
  let s = '';
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text') s += n.data;
    if (n !== root && isTag(n) && skip(n)) continue;
    if (n.type !== 'comment' && 'children' in n) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return s;
}

/**
 * Images of the <figure> elements under the `scope` elements, with figcaption and credit (an element whose class
 * names a copyright or credit). One walk of the scope and of each figure, no selector engine: a selector query
 * over an element with many children costs their number squared in cheerio (it de-duplicates its context).
 */
export function figureImages(scope: readonly AnyNode[], pageUrl: string): ArticleImage[] {
  const out: ArticleImage[] = [];
  for (const fig of descendants(scope, (e) => e.name === 'figure')) {
    const inside = descendants([fig], (e) => e.name === 'img' || e.name === 'figcaption' || isCredit(e));
    const img = inside.find((e) => e.name === 'img');
    const url = img ? imageSource(img, pageUrl) : null;
    if (!url) continue;
    const creditEl = inside.find(isCredit);
    const credit = cleanCredit(creditEl ? textWithout(creditEl, () => false) : '');
    const capEl = inside.find((e) => e.name === 'figcaption');
    const caption = normalizeSpace(capEl ? textWithout(capEl, isCredit) : '') || normalizeSpace(img?.attribs.alt ?? '') || null;
    pushImage(out, { url, caption, credit });
  }
  return out;
}

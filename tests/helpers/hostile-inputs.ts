/**
 * The worst hostile inputs of issue 19 at the sizes it measured, generated (never stored): a feed nested 100,000
 * deep (~700 KB), an HTML page 400,000 divs deep (4.4 MB), a page of ~1M tiny elements (560k `<b>x</b>`, 4.5 MB:
 * a million nodes with their text), and a 4.9 MB page of Russian text. Used by tests/hostile/daemon-budgets.test.ts
 * and the `hostile` bench.
 */
import { mulberry32, uniform } from './prng.js';

/** An RSS document whose one item's description nests `depth` elements. */
export function deepFeed(link: string, depth = 100_000): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><link>${link}</link><description>${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</description></item></channel></rss>`;
}

/**
 * Paragraphs of seeded Russian-looking words, together at least `bytes` bytes of UTF-8. Words are 2 to 4 syllables
 * drawn at random (some 170,000 distinct ones), so that morphology meets mostly words it has not seen, as on a
 * real page with a large vocabulary, instead of answering from its cache.
 */
export function bigText(bytes: number, seed = 19): string[] {
  const rand = uniform(mulberry32(seed));
  const syllables = ['ми', 'нис', 'тр', 'за', 'яв', 'ил', 'пе', 'ре', 'го', 'во', 'ры', 'се', 'год', 'ня', 'пра', 'ви', 'тель', 'ст', 'во', 'ка'];
  const word = () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => syllables[Math.floor(rand() * syllables.length)]).join('');
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const p = `${Array.from({ length: 60 }, word).join(' ')}.`;
    out.push(p);
    size += Buffer.byteLength(p) + 7;
  }
  return out;
}

/** The hostile pages by path. */
export function hostilePages(): Record<string, string> {
  return {
    '/hostile/deep-divs.html': `<html><head><title>deep</title></head><body>${'<div>'.repeat(400_000)}text${'</div>'.repeat(400_000)}</body></html>`,
    '/hostile/tiny.html': `<html><head><title>tiny</title></head><body><article>${'<b>x</b>'.repeat(560_000)}</article></body></html>`,
    '/hostile/big.html': `<html><head><title>Большая страница</title></head><body><article><h1>Большая страница</h1>${bigText(4_900_000).map((p) => `<p>${p}</p>`).join('')}</article></body></html>`,
  };
}

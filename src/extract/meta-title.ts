/**
 * The headline a reader sees. Pages declare titles in og:title, twitter:title, JSON-LD `headline` and <title>,
 * most with the outlet's name around them ("Headline | Site", "Site: Headline", "» Headline :site"), and show the
 * headline in a heading. The visible heading wins when a declared title holds it (then it is the headline without
 * the outlet's name) or, failing that, when an <h1> shares enough words with the declared title (an edited headline
 * beside the search-engine one). Headings that name the site, link to its home page or hold only a logo are site
 * names, not headlines. Otherwise a declared title loses the segments that name the site: og:site_name,
 * application-name, the JSON-LD publisher, the host ("NYTimes.com", "latimes") or a logo heading's text.
 */
import { trimChars } from './meta-author.js';
import type { PageHeading } from './meta-page.js';
import { lowerWords } from './text.js';

/** The most of a declared title that is read (the separator pattern runs on short texts only). */
export const MAX_TITLE_CHARS = 500;

const SEPARATOR = /\s+(?:\||-|–|—|·|»|«|::|\/|~)\s+|\s*::\s*|\s+:(?=\S)|\s+[|»«]+(?=\S)/gu;
const PREFIX_COLON = /^([^:]{2,60}):\s+/u;

/** Lower-case runs of letters and digits. */
export function titleTokens(s: string): string[] {
  return lowerWords(s.normalize('NFKC'));
}

function squash(s: string): string {
  return titleTokens(s).join('');
}

/** Names the outlet goes by on this page, squashed to letters and digits ("nytimes", "losangelestimes"). */
export function siteKeys(names: readonly (string | null | undefined)[], host: string | null): string[] {
  const keys = new Set<string>();
  for (const n of names) {
    const k = n ? squash(n) : '';
    if (k.length >= 2) keys.add(k);
  }
  if (host) {
    // "everythingyoga.typepad.com" → "everythingyoga", "typepad", "everythingyogatypepadcom"; "www.nfl.com" → "nfl".
    const labels = host.toLowerCase().replace(/^(?:www\d?|m|amp|mobile)\./, '').split('.');
    for (const label of labels.slice(0, -1)) if (label.length >= 3 && !/^(?:com|net|org|co|gov|edu|ac)$/.test(label)) keys.add(squash(label));
    keys.add(squash(labels.join('.')));
  }
  return [...keys];
}

/** Whether a title segment names the site ("NYTimes.com", "The Washington Post", "Sportsnet.ca"). */
export function namesSite(segment: string, keys: readonly string[], squashed: string = squash(segment)): boolean {
  const s = squashed;
  if (s.length < 2) return false;
  return keys.some((k) => s === k || (k.length >= 4 && s.length <= k.length + 6 && s.includes(k)) || (s.length >= 4 && k.includes(s) && s.length >= k.length / 2));
}

/**
 * "Headline - 05.03.2022, Sputnik Кыргызстан" → "Headline"; "Site: Headline" → "Headline". Drops leading and
 * trailing segments that name the site; with no site name known, the last segment when what remains still reads as
 * a headline (3+ words) and the segment is shorter.
 */
export function stripSiteAffixes(title: string, keys: readonly string[]): string {
  let t = trimChars(title.slice(0, MAX_TITLE_CHARS), ' \t\n\r\u00a0»«|:·•~-');
  const segments = splitSegments(t);
  let lo = 0;
  let hi = segments.length;
  while (hi - lo > 1 && namesSite(segments[hi - 1]!, keys)) hi--;
  while (hi - lo > 1 && namesSite(segments[lo]!, keys)) lo++;
  if (lo > 0 || hi < segments.length) t = joinSegments(t, segments, lo, hi);
  const colon = PREFIX_COLON.exec(t);
  if (colon && namesSite(colon[1]!, keys)) t = t.slice(colon[0].length);
  if (keys.length === 0 && lo === 0 && hi === segments.length && segments.length > 1) {
    const head = joinSegments(t, segments, 0, segments.length - 1);
    const tail = segments[segments.length - 1]!;
    if (head.split(/\s+/).length >= 3 && tail.length < head.length) return head;
  }
  return t.trim();
}

function splitSegments(t: string): string[] {
  return t
    .slice(0, MAX_TITLE_CHARS)
    .split(SEPARATOR)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The original text from segment lo to segment hi (exclusive), separators inside kept. */
function joinSegments(t: string, segments: string[], lo: number, hi: number): string {
  const first = segments[lo]!;
  let start = 0;
  for (let i = 0; i < lo; i++) start = t.indexOf(segments[i]!, start) + segments[i]!.length;
  const from = t.indexOf(first, start);
  let end = from;
  for (let i = lo; i < hi; i++) end = t.indexOf(segments[i]!, end) + segments[i]!.length;
  return from >= 0 && end >= from ? t.slice(from, end) : segments.slice(lo, hi).join(' ');
}

function containsRun(hay: string[], needle: string[]): boolean {
  if (needle.length === 0 || needle.length > hay.length) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

export interface TitleInput {
  /** og:title, twitter:title, JSON-LD headline, <title>, in that order of trust (missing ones left out). */
  declared: string[];
  headings: readonly PageHeading[];
  siteKeys: string[];
}

/** The page's headline (see the module comment), or null when the page declares and shows none. */
export function chooseTitle(input: TitleInput): string | null {
  const keys = [...input.siteKeys];
  for (const h of input.headings) if (h.level === 1 && h.logo && h.text !== '') keys.push(squash(h.text));
  // Each heading's words, read once (a page may have hundreds of headings).
  const headings: { h: PageHeading; tokens: string[] }[] = [];
  for (const h of input.headings) {
    if (h.text === '' || h.text.length > 300 || h.logo) continue;
    const tokens = titleTokens(h.text);
    if (!namesSite(h.text, keys, tokens.join(''))) headings.push({ h, tokens });
  }
  const declared = input.declared.filter((d) => d.trim() !== '');
  const stripped = declared.map((d) => stripSiteAffixes(d, keys));

  // A heading that a declared title holds, as most of that title once the site's name is gone.
  let best: { h: PageHeading; n: number } | null = null;
  const declaredTokens = declared.map(titleTokens);
  const strippedTokens = stripped.map(titleTokens);
  for (const { h, tokens: ht } of headings) {
    if (ht.length === 0) continue;
    for (let i = 0; i < declared.length; i++) {
      const dt = declaredTokens[i]!;
      const st = strippedTokens[i]!;
      // A heading that is only a minor part of the declared title names something else (a section, the blog).
      if (!containsRun(dt, ht) || ht.length * 2 < st.length) continue;
      if (!best || ht.length > best.n || (ht.length === best.n && h.level < best.h.level)) best = { h, n: ht.length };
    }
  }
  if (best) return best.h.text;

  // A heading that is the whole first segment of a declared title ("About bugs" in "About bugs – Studio Name").
  const firstSegments = declared.flatMap((d) => {
    const segments = splitSegments(d);
    return segments.length > 1 ? [titleTokens(segments[0]!).join(' ')] : [];
  });
  for (const { h, tokens } of headings) {
    const ht = tokens.join(' ');
    if (ht !== '' && firstSegments.includes(ht)) return h.text;
  }

  // An <h1> that shares enough words with a declared title: the headline as edited for the page.
  const reference = new Set(strippedTokens.flat());
  let related: { h: PageHeading; shared: number } | null = null;
  for (const { h, tokens: ht } of headings) {
    if (h.level !== 1) continue;
    if (ht.length < 3) continue;
    const sharedSet = new Set(ht.filter((t) => reference.has(t)));
    const shared = sharedSet.size;
    const sharedWords = [...sharedSet].filter((t) => t.length >= 4 || /^\d+$/.test(t)).length;
    if (sharedWords >= 2 && shared * 4 >= new Set(ht).size && (!related || shared > related.shared)) related = { h, shared };
  }
  if (related) return related.h.text;

  if (stripped.length > 0) return stripped[0]!;
  return headings.find(({ h }) => h.level === 1)?.h.text ?? headings[0]?.h.text ?? null;
}

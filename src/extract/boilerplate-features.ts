/**
 * Weak signals that a paragraph inside an article body is boilerplate (a promo, a subscribe call, a
 * related-story line, a disclaimer, a caption, an ad label, a tag list, a share prompt) rather than text.
 * Each signal alone is common in real sentences too; boilerplate-score.ts combines them with fitted weights.
 *
 * The signals: where the paragraph's links point (messengers and social networks, news aggregators, the site's
 * own pages), whether it is all one link or one emphasised run, its position (first, last, next to a removed
 * card), its shape (short, second person, first person plural, an imperative first word, a question followed by
 * more, a leading marker such as `*`, `>>>` or an arrow, a closing colon, no closing full stop), whether the
 * outlet names itself, whether the class/id words around it say promo/related/social/…, and how few of its
 * words the title and the rest of the text share. Pure functions over plain data.
 */
import { letterDigitRuns, lowerCase, lowerWords } from './text.js';

/** One paragraph as the scorer sees it: its text and what its markup said. */
export interface ParagraphInfo {
  text: string;
  /** Characters other than whitespace: all, inside links, inside b/strong/em/i. */
  len: number;
  linkLen: number;
  emphLen: number;
  /** Link targets inside the paragraph (as written in href). */
  hrefs: readonly string[];
  /** Class and id words of the paragraph's element and its ancestors inside the body, lower-cased. */
  hints: string;
  /** Whether the paragraph's element is next to an element the extractor removed (a card, a banner, an embed). */
  nearRemoved: boolean;
}

/** What the scorer knows about the page. */
export interface PageContext {
  title: string | null;
  /** Names the outlet goes by (og:site_name, JSON-LD publisher, the engine's edition names). */
  siteNames: readonly string[];
  /** The page's address: links to its host are the site's own pages. */
  url: string;
  /** A dateline pattern: a match at the start of the first paragraph is left out of its signals. */
  dateline?: RegExp | null;
  /** Who found the body: a rule's selectors (the engine's text blocks), or the generic extractor's guess. */
  source?: 'rule' | 'generic';
}

/** Feature names, in the order of the vectors (and of the weights file). */
export const FEATURE_NAMES = [
  'logWords',
  'short',
  'commas',
  'linkDensity',
  'wholeLink',
  'wholeEmphasis',
  'socialLink',
  'ownSiteLink',
  'platformWord',
  'outletNamed',
  'secondPerson',
  'firstPersonPlural',
  'imperativeStart',
  'questionThenMore',
  'leadingMarker',
  'colonEnd',
  'labelColon',
  'noSentenceEnd',
  'first',
  'last',
  'nearEnd',
  'nearRemoved',
  'classHint',
  'titleOverlap',
  'textOverlap',
  'addressOrHandle',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/**
 * The signal families of the "never on one signal alone" guard: a paragraph shows a family when any of its
 * features is on. Length, overlap, commas and "no full stop" describe too many real paragraphs to count.
 */
export const SIGNAL_FAMILIES: Readonly<Record<string, readonly FeatureName[]>> = {
  /** Where its links point: messengers, social networks, aggregators, the site's own pages (a written address is a citation more often: not counted). */
  target: ['socialLink', 'ownSiteLink'],
  /** It names a messenger, social network, video platform or aggregator. */
  platform: ['platformWord'],
  /** All one link, or all one bold/italic run. */
  wholeRun: ['wholeLink', 'wholeEmphasis'],
  /** First or last paragraph of the body, or next to a removed card. */
  position: ['first', 'last', 'nearRemoved'],
  /** Second person, the outlet's "we", an imperative, a question then more, a leading marker, a label and colon. */
  shape: ['secondPerson', 'firstPersonPlural', 'imperativeStart', 'questionThenMore', 'leadingMarker', 'colonEnd', 'labelColon'],
  /** The outlet names itself. */
  outlet: ['outletNamed'],
  /** Class/id words of promos, related lists, share bars and the like. */
  markup: ['classHint'],
};

/** Hosts of messengers, social networks, video platforms and news aggregators (the domain and its subdomains). */
const SOCIAL_HOSTS =
  /(?:^|\.)(?:t\.me|telegram\.(?:me|org|dog)|vk\.(?:com|ru|cc)|ok\.ru|odnoklassniki\.ru|dzen\.ru|zen\.yandex\.ru|news\.yandex\.\w+|news\.google\.com|whatsapp\.com|wa\.me|youtube\.com|youtu\.be|rutube\.ru|facebook\.com|fb\.com|fb\.me|twitter\.com|x\.com|instagram\.com|tiktok\.com|max\.ru|viber\.com|vb\.me|linkedin\.com|pinterest\.\w+|reddit\.com|flipboard\.com|threads\.net|bsky\.app|apple\.news|podcasts\.apple\.com|music\.yandex\.ru|feedly\.com)$/;

/**
 * Platform names written in text, in the scripts the outlets use: one whole word each, found in the text's
 * lower-case words between spaces (a match starts after a space and ends before one: it is one whole word).
 */
const PLATFORM_WORD =
  / (?:telegram|телеграмм?|tg|дзен\p{L}*|dzen|zen|вконтакте|одноклассник\p{L}*|whatsapp|ватсап\p{L}*|вотсап\p{L}*|youtube|ютуб\p{L}*|rutube|viber|вайбер\p{L}*|facebook|фейсбук\p{L}*|twitter|твиттер\p{L}*|instagram|инстаграм\p{L}*|tiktok|тикток\p{L}*|threads|bluesky|linkedin|podcast\p{L}*|подкаст\p{L}*|rss|соцсет\p{L}*|мессенджер\p{L}*|messenger)(?= )/u;

/** Platform names of two words (lower case, as `words` gives them). */
const PLATFORM_PHRASES = [' google news ', ' google новост', ' яндекс новост', ' яндекс дзен', ' social media ', ' sozialen netzwerken '];

/** A pattern finding any of `needles` as written (one scan of a text instead of one per needle), or null for none. */
function anyOf(needles: readonly string[]): RegExp | null {
  return needles.length === 0 ? null : new RegExp(needles.map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'));
}

/** PLATFORM_PHRASES as one pattern. */
const PLATFORM_PHRASE = anyOf(PLATFORM_PHRASES)!;

/** Platform names that are also ordinary words in lower case: counted only as written by the platforms. */
const PLATFORM_CAPS = new Set(['VK', 'ВК', 'OK', 'ОК', 'MAX', 'X']);

/**
 * Whether the text names a platform. `joined` is the lower-case words between spaces (one scan of them finds a
 * platform word or phrase). The words as written are read only when the text holds one of PLATFORM_CAPS at all.
 */
function namesPlatform(text: string, joined: string): boolean {
  if (PLATFORM_WORD.test(joined)) return true;
  if (PLATFORM_PHRASE.test(joined)) return true;
  for (const caps of PLATFORM_CAPS) if (text.includes(caps)) return letterDigitRuns(text).some((w) => PLATFORM_CAPS.has(w));
  return false;
}

/** Pronouns of the second person (and its possessives) in the editions' languages. */
const SECOND_PERSON = new Set([
  'you', 'your', 'yours', 'yourself', 'вы', 'вас', 'вам', 'вами', 'ваш', 'ваша', 'ваше', 'ваши', 'вашего', 'вашей', 'вашим', 'ваших',
  'вашем', 'вашу', 'вашими', 'ты', 'тебя', 'тебе', 'твой', 'твоя', 'твои', 'ihnen', 'ihr', 'ihre', 'ihren', 'ihrem', 'ihrer', 'du', 'dich', 'dir', 'dein', 'deine',
  'ви', 'вашого', 'вашу', 'сіз', 'сізге', 'сіздің', 'сен', 'siz', 'sizga', 'sizning', 'шумо', 'vous', 'votre', 'vos', 'usted', 'ustedes',
  'vi', 'vas', 'vam', 'vaš', 'դուք', 'ձեզ', 'ձեր',
]);

/** Pronouns of the first person plural: the outlet speaking of itself. */
const FIRST_PLURAL = new Set([
  'we', 'us', 'our', 'ours', 'мы', 'нас', 'нам', 'наш', 'наша', 'наше', 'наши', 'нашего', 'нашей', 'нашем', 'нашим', 'наших', 'нашу',
  'wir', 'uns', 'unser', 'unsere', 'unseren', 'unserem', 'unserer', 'біз', 'біздің', 'бізді', 'biz', 'bizning', 'bizni', 'bizga', 'мо', 'моро',
  'nous', 'notre', 'nos', 'nuestro', 'nuestra', 'nuestros', 'մենք', 'մեր', 'մեզ', 'naš', 'naša', 'нашы', 'нашага',
]);

/** Words shaped as a polite imperative: Russian/Ukrainian -йте/-ите(сь), Belarusian -йце(ся), Kazakh -ңыз, Armenian -եք. */
const IMPERATIVE_WORD = /^(?:\p{L}{2,}(?:йте|ите|йтесь|итесь|йтеся|іть|іться|йце|йцеся|іце|ыце|цеся|ңыз|ңіз|ыңыз|іңіз|եք|ացեք))$/u;

/** German polite imperative: a verb ending in -en, then "Sie" ("Abonnieren Sie", "Lesen Sie"). */
const GERMAN_IMPERATIVE = /^\p{Lu}\p{Ll}+en\s+Sie\b/u;

/** A leading list marker, chevrons or an arrow. */
const LEADING_MARKER = /^\s*(?:[*•►▶▸➤➡→⇒⟶»>]+|-{2,}|={2,})\s*/u;

/** A written web address or a handle: a line linking its own address is a citation, not a pointer elsewhere. */
const ADDRESS_OR_HANDLE = /(?:https?:\/\/|www\.)\S|(?:^|\s)@[\p{L}\p{N}_]{2,}/u;

/** A question, then more that does not close with a full stop (a call: "…? Subscribe to …"). */
function questionThenCall(text: string): boolean {
  const t = text.trimEnd();
  const q = t.search(/[?¿]/u);
  return q >= 0 && /\S/u.test(t.slice(q + 1)) && !t.endsWith('.');
}

/** Commas (Latin, full-width, Arabic) in the text, counted up to three. */
function commasUpTo3(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length && n < 3; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c || c === 0xff0c || c === 0x60c) n++;
  }
  return n;
}

/** A label of one to four words and a colon, then more ("Read also: <headline>"). */
const LABEL_COLON = /^[^\s:]+(?:\s+[^\s:]+){0,3}\s*[:：]\s*\S/u;

const SENTENCE_END = /[.!?…]["'”’»)\]]*\s*$/u;

/** Class/id words (whole words) of blocks that hold boilerplate. */
const HINT_WORDS = new Set([
  'promo', 'promos', 'disclaimer', 'subscribe', 'subscription', 'subscr', 'related', 'social', 'socials', 'inject', 'cta',
  'share', 'sharing', 'newsletter', 'signup', 'banner', 'ad', 'ads', 'advert', 'advertisement', 'sponsor', 'sponsored',
  'caption', 'credit', 'credits', 'copyright', 'tags', 'taglist', 'readmore', 'readalso', 'also', 'teaser', 'widget',
  'follow', 'bio', 'byline', 'footnote', 'note', 'recommend', 'recommended',
]);

/** A paragraph of this many words is prose: the body's head ends before the first, its tail starts after the last. */
const LONG_WORDS = 20;

function words(text: string): string[] {
  return lowerWords(text);
}

/** A word reduced to a crude stem (its first five letters), so that word forms meet. */
function stem(w: string): string {
  return w.length > 5 ? w.slice(0, 5) : w;
}

/** Whether a word is all ASCII digits (a number, not a content word). */
function allDigits(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return w.length > 0;
}

/** Stems of the content words (four letters or more, not a number) of a text's lower-case words. */
function contentStems(lower: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of lower) if (w.length >= 4 && !allDigits(w)) out.push(stem(w));
  return out;
}

/** Whole class/id words of a hint string, split at anything that is not a letter. */
export function hintWords(hints: string): string[] {
  return lowerCase(hints).split(/[^a-z]+/).filter((w) => w !== '');
}

function hostOf(href: string, base: URL | null): string | null {
  try {
    return new URL(href, base ?? undefined).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return null;
  }
}

/** How outlets name themselves without their name: "the editors", "редакция", "die Redaktion". */
const SELF_REFERENCES = ['редакция', 'редакции', 'редакцию', 'редакцией', 'рэдакцыі', 'redaktion', 'editorial', 'editors', 'rédaction', 'redacción', 'redakcija', 'редакција', 'редакциясы'];

/**
 * The outlet's names as lower-case word runs: each whole name, its brand (its first word when capitalised and
 * four letters or more: "Sputnik" of "Sputnik Кыргызстан", not the country), the host's main label, and the words
 * outlets use for themselves.
 */
function outletNames(ctx: PageContext, base: URL | null): string[] {
  const out = new Set<string>(SELF_REFERENCES);
  for (const name of ctx.siteNames) {
    const w = words(name);
    if (w.length > 0) out.add(w.join(' '));
    const brand = name.split(/\s+/)[0] ?? '';
    if (w.length > 1 && /^\p{Lu}[\p{L}\p{N}-]{3,}$/u.test(brand)) out.add(words(brand).join(' '));
  }
  if (base) {
    const labels = base.hostname.toLowerCase().replace(/^www\./, '').split('.');
    const main = labels.length >= 2 ? labels[labels.length - 2]! : labels[0]!;
    if (main.length >= 4) out.add(main);
  }
  return [...out];
}

/** A written address: the outlet named inside one is not the outlet speaking. */
const WRITTEN_ADDRESS = /(?:https?:\/\/|www\.)\S+/giu;

/**
 * What namesOutlet looks for in a text's words between spaces, per outlet name: the name as whole words
 * (" name "), or for a single word of five letters or more any word starting with it (" name", which also
 * finds the whole word). Built once per body, as one pattern (null without names).
 */
function outletNeedles(names: readonly string[]): RegExp | null {
  return anyOf(names.map((n) => (n.length >= 5 && !n.includes(' ') ? ` ${n}` : ` ${n} `)));
}

/** Whether the outlet names itself; `joined` is the text's lower-case words between spaces (as namesPlatform's). */
function namesOutlet(text: string, needles: RegExp | null, joined: string): boolean {
  if (needles === null) return false;
  // Not inside a written address (a citation of another page on the same domain is not the outlet speaking).
  WRITTEN_ADDRESS.lastIndex = 0;
  const t = WRITTEN_ADDRESS.test(text) ? ` ${words(text.replace(WRITTEN_ADDRESS, ' ')).join(' ')} ` : joined;
  return needles.test(t);
}

/**
 * A character from U+0400 on (Cyrillic, Armenian and every later script; surrogates too): IMPERATIVE_WORD's
 * endings are all written in such characters, and lower-casing turns no character below U+0400 into one of them
 * (only U+023A and U+023E lower-case to characters above it, Latin ones).
 */
const NON_LATIN = /[\u0400-\uffff]/;

/**
 * Whether the first or second word of a sentence, letters only and lower case, is shaped as an imperative
 * (IMPERATIVE_WORD). A word without a NON_LATIN character cannot be, and is not cleaned.
 */
function imperativeOpener(text: string): boolean {
  for (const sentence of text.split(/[.!?…]\s+|\s[—–]\s/u)) {
    for (const w of firstTwoWords(sentence)) if (NON_LATIN.test(w) && IMPERATIVE_WORD.test(w.replace(/[^\p{L}]/gu, '').toLowerCase())) return true;
  }
  return false;
}

/** The first two whitespace-separated words of a sentence (without splitting the rest of it). */
function firstTwoWords(sentence: string): string[] {
  const m = /^\s*(\S+)(?:\s+(\S+))?/u.exec(sentence);
  if (!m) return [];
  return m[2] === undefined ? [m[1]!] : [m[1]!, m[2]];
}

/** In how many paragraphs of a body a stem occurs, and the last paragraph that counted it (or, negated, read it). */
interface StemCount {
  paragraphs: number;
  last: number;
}

/** Feature vectors of the paragraphs of one body, in FEATURE_NAMES order. */
export function boilerplateFeatures(paragraphs: readonly ParagraphInfo[], ctx: PageContext): number[][] {
  let base: URL | null = null;
  try {
    base = new URL(ctx.url);
  } catch {
    base = null;
  }
  const pageHost = base ? base.hostname.toLowerCase().replace(/^www\./, '') : null;
  const needles = outletNeedles(outletNames(ctx, base));
  const titleStems = new Set(ctx.title ? contentStems(words(ctx.title)) : []);
  const texts = paragraphs.map((p, i) => {
    if (i === 0 && ctx.dateline) {
      const m = ctx.dateline.exec(p.text);
      if (m && m.index === 0) return p.text.slice(m[0].length).trim();
    }
    return p.text;
  });
  // Each paragraph's lower-case words, read once: every signal below works on them.
  const lowers = texts.map(words);
  const stems = lowers.map(contentStems);
  // In how many paragraphs each stem occurs (`last`: the last paragraph that counted it, so that each counts once).
  const counts = new Map<string, StemCount>();
  for (let i = 0; i < stems.length; i++) {
    for (const s of stems[i]!) {
      const c = counts.get(s);
      if (c === undefined) counts.set(s, { paragraphs: 1, last: i });
      else if (c.last !== i) {
        c.paragraphs++;
        c.last = i;
      }
    }
  }
  const n = paragraphs.length;
  // The body's head and tail: the paragraphs before its first and after its last long one (promos, bylines
  // and disclaimers gather there, often several in a row).
  const long = lowers.map((w) => w.length >= LONG_WORDS);
  const firstLong = long.indexOf(true);
  const lastLong = long.lastIndexOf(true);
  const hintMarks = new Map<string, boolean>();

  return paragraphs.map((p, i) => {
    const text = texts[i]!;
    const w = lowers[i]!;
    const joined = ` ${w.join(' ')} `;
    const own = stems[i]!;
    let inTitle = 0;
    for (const s of own) if (titleStems.has(s)) inTitle++;
    const titleOverlap = own.length === 0 ? 0 : inTitle / own.length;
    // Share of the paragraph's distinct stems that some other paragraph also has (`last` marks those seen here).
    let distinct = 0;
    let shared = 0;
    for (const s of own) {
      const c = counts.get(s)!;
      if (c.last === -1 - i) continue;
      c.last = -1 - i;
      distinct++;
      if (c.paragraphs > 1) shared++;
    }
    const textOverlap = distinct === 0 ? 0 : shared / distinct;
    const len = Math.max(1, p.len);
    let social = false;
    let ownSite = false;
    for (const href of p.hrefs) {
      const h = href.trim();
      if (h === '' || h.startsWith('#') || /^javascript:/i.test(h)) continue;
      if (/^(?:tg|viber|whatsapp):/i.test(h)) {
        social = true;
        continue;
      }
      const host = hostOf(h, base);
      if (host === null) continue;
      if (SOCIAL_HOSTS.test(host)) social = true;
      else if (pageHost !== null && (host === pageHost || host.endsWith(`.${pageHost}`) || pageHost.endsWith(`.${host}`))) ownSite = true;
    }
    // The first two words of each sentence ("Нашли ошибку? Выделите её…", "Также читайте — …"), read only when the
    // text has a character of a script the imperative endings are written in (Cyrillic, Armenian and beyond).
    const unmarked = text.replace(LEADING_MARKER, '');
    const imperative = NON_LATIN.test(unmarked) && imperativeOpener(unmarked);
    // Paragraphs of one body often share their hints: each distinct one is read once.
    let hinted = hintMarks.get(p.hints);
    if (hinted === undefined) {
      hinted = hintWords(p.hints).some((x) => HINT_WORDS.has(x));
      hintMarks.set(p.hints, hinted);
    }
    const addressOrHandle = ADDRESS_OR_HANDLE.test(text);
    return [
      Math.log1p(w.length),
      w.length <= 12 ? 1 : 0,
      commasUpTo3(text),
      Math.min(1, p.linkLen / len),
      p.linkLen / len >= 0.8 && !addressOrHandle ? 1 : 0,
      p.emphLen / len >= 0.8 ? 1 : 0,
      social ? 1 : 0,
      ownSite ? 1 : 0,
      namesPlatform(text, joined) ? 1 : 0,
      namesOutlet(text, needles, joined) ? 1 : 0,
      w.some((x) => SECOND_PERSON.has(x)) || (text.includes('Sie') && /\S\s+Sie\b/u.test(text)) ? 1 : 0,
      w.some((x) => FIRST_PLURAL.has(x)) ? 1 : 0,
      imperative || GERMAN_IMPERATIVE.test(unmarked) ? 1 : 0,
      questionThenCall(text) ? 1 : 0,
      LEADING_MARKER.test(text) ? 1 : 0,
      /[:：]\s*$/u.test(text) ? 1 : 0,
      LABEL_COLON.test(text) ? 1 : 0,
      SENTENCE_END.test(text) ? 0 : 1,
      i === 0 || (firstLong >= 0 && i < firstLong) ? 1 : 0,
      i === n - 1 || (lastLong >= 0 && i > lastLong) ? 1 : 0,
      i >= n - 2 ? 1 : 0,
      p.nearRemoved ? 1 : 0,
      hinted ? 1 : 0,
      titleOverlap,
      textOverlap,
      addressOrHandle ? 1 : 0,
    ];
  });
}

/** How many signal families (SIGNAL_FAMILIES) a feature vector shows. */
export function signalCount(vector: readonly number[]): number {
  let n = 0;
  for (const members of Object.values(SIGNAL_FAMILIES)) if (members.some((f) => (vector[FEATURE_INDEX[f]] ?? 0) >= 0.5)) n++;
  return n;
}

export const FEATURE_INDEX = Object.fromEntries(FEATURE_NAMES.map((f, i) => [f, i])) as Record<FeatureName, number>;

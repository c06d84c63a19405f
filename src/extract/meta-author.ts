/**
 * Author names as bylines and metadata write them, reduced to person names: "By TOM KRISHER, AP Auto Writer" →
 * "Tom Krisher"; "By Mike Wuerthele and Malcolm Owen" → two names; "Текст: Венера Ерофеева·24 сентября 2018" →
 * "Венера Ерофеева". A URL, an organisation ("Associated Press", "The Water Coolest", "CBSNews.com"), an account
 * name ("jdadmin", "ddish81"), a role ("Staff Writer", "Admin") or interface text ("View Profile") is not a
 * person. A single word counts only where a blog byline writes a first name beside the date ("by John on July 7,
 * 2012"): metadata and bare bylines name people in full, and a bare one-word byline is usually an agency. Pure
 * functions over strings; which text to read is meta.ts's business.
 */

import { monthNumber } from './meta-dates.js';

/** Words that make a byline part an organisation rather than a person's name. */
const ORG_WORDS = new Set([
  'press', 'news', 'newsroom', 'agency', 'agencies', 'media', 'staff', 'team', 'editorial', 'editors', 'desk', 'group',
  'network', 'inc', 'ltd', 'llc', 'corp', 'corporation', 'company', 'service', 'services', 'wire', 'wires', 'times',
  'post', 'daily', 'weekly', 'magazine', 'journal', 'online', 'radio', 'tv', 'television', 'channel', 'bureau',
  'office', 'department', 'publishing', 'publications', 'association', 'institute', 'university', 'foundation',
  'blog', 'official', 'sports', 'report', 'reports', 'international', 'gazette', 'herald', 'tribune', 'chronicle',
  'review', 'reviews', 'redaktion', 'редакция',
]);

/** Words that trail a name in a byline without being part of it: roles, interface text. */
const TRAILING_WORDS = new Set([
  'writer', 'reporter', 'correspondent', 'editor', 'contributor', 'columnist', 'author', 'admin', 'administrator',
  'webmaster', 'guest', 'moderator', 'producer', 'photographer', 'senior', 'chief', 'contributing', 'special',
  'managing', 'associate', 'freelance', 'analyst', 'anonymous', 'unknown', 'корреспондент', 'manager', 'director',
  'president', 'officer', 'engineer', 'specialist', 'coordinator', 'intern', 'host', 'anchor', 'staff',
  'view', 'profile', 'posts', 'follow', 'email', 'e-mail', 'contact', 'twitter', 'facebook', 'google', 'linkedin',
  'instagram', 'more', 'read', 'all', 'articles', 'stories', 'share', 'comments', 'comment', 'subscribe', 'bio',
  'discuss', 'books', 'photo', 'photos', 'about',
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'today', 'yesterday', 'updated',
  'published', 'posted',
]);

/** An organisation, role, interface or date word ("Writer", "Nov.", "Tuesday"). */
function isNotNameWord(word: string): boolean {
  const w = word.toLowerCase().replace(/[.,]$/, '');
  return ORG_WORDS.has(w) || TRAILING_WORDS.has(w);
}

function isTrailingWord(word: string): boolean {
  const w = word.toLowerCase().replace(/[.,]$/, '');
  return TRAILING_WORDS.has(w) || isDateWord(w);
}

/** A month or weekday name or abbreviation ("Nov.", "Tue"): trails bylines, never a name on its own. */
function isDateWord(word: string): boolean {
  const w = word.toLowerCase().replace(/[.,]$/, '');
  return monthNumber(w) !== null || /^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)$/.test(w);
}

/** Lower-case words that may sit inside a name ("Ludwig van Beethoven", "Maria da Silva"). */
const PARTICLES = new Set(['de', 'da', 'das', 'do', 'dos', 'di', 'del', 'della', 'van', 'von', 'der', 'den', 'ter', 'la', 'le', 'du', 'des', 'al', 'el', 'bin', 'ibn', 'y', 'e']);

/** The most of a byline or author field that is read (patterns here run on short texts only). */
export const MAX_BYLINE_CHARS = 200;

/** What a byline starts with before the name: "By", "Posted by:", "Written by", "Von", "Por", "Текст:", "Author:". */
export const BYLINE_PREFIX = /^(?:(?:posted|written|reported|words|story|text|photos?|compiled|edited|submitted)\s+by|by|von|por|par|di|door|av|från|автор(?:ы)?|текст|author(?:s)?|autor(?:in|en)?|auteur)(?![\p{L}])\s*:?\s*/iu;

/** Where the names in a byline end: a date, "on", "in", a separator, a handle, a sentence. */
const NAME_END = /\s+(?:on|in|at|am|le|el|il|em|от|publiziert|[Pp]ublished|[Uu]pdated|[Pp]osted)\s.*$|\s*(?:[|·●•—–]|\s-\s|\(|@|\bhttps?:).*$|\s*\d.*$/u;

/** Splits a byline into the parts that may each be one person. */
function nameParts(s: string): string[] {
  return s
    .split(/,|;|&|\band\b|\bund\b|\bet\b|(?<!\p{L})и(?!\p{L})/iu)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** `s` without the given characters at either end (a loop: a `[…]+$` pattern is quadratic on long runs). */
export function trimChars(s: string, lead: string, trail: string = lead): string {
  let a = 0;
  let b = s.length;
  while (a < b && lead.includes(s[a]!)) a++;
  while (b > a && trail.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

const SPACE = ' \t\n\r\f\v\u00a0';

/** Re-cases a name written in capitals ("KAREN CROUSE" → "Karen Crouse"); leaves mixed case alone. */
function recase(name: string): string {
  if (name !== name.toUpperCase() || name === name.toLowerCase()) return name;
  return name.toLowerCase().replace(/(^|[\s'’-])(\p{L})/gu, (_, pre: string, c: string) => pre + c.toUpperCase());
}

/**
 * Whether a cleaned string is a person's name: 1–5 words, letters with hyphens, apostrophes and initials'
 * periods, each word capitalised (or a name particle), no organisation, role or interface word, no leading "The".
 * One word only when `single` allows it, and then only a capitalised given-name shape ("Sofia", not "BellaSugar").
 */
export function isPersonName(name: string, single: boolean): boolean {
  if (name.length < 2 || name.length > 60) return false;
  if (/[\d@/\\:;!?=+<>{}[\]"“”#$%*_]|\.\w{2,}$|www\./u.test(name)) return false;
  const words = name.split(/\s+/);
  if (words.length > 5) return false;
  if (/^the$/i.test(words[0]!)) return false;
  if (words.some(isNotNameWord)) return false;
  if (words.some((w) => /['’]s$/u.test(w))) return false;
  const capitalised = words.filter((w) => /^\p{Lu}/u.test(w));
  if (words.some((w) => !/^\p{Lu}/u.test(w) && !PARTICLES.has(w.toLowerCase()))) return false;
  if (words.some((w) => !/^[\p{L}][\p{L}\p{M}'’.-]*$/u.test(w))) return false;
  // An acronym among ordinary words ("AP Auto", "Smith MBA") is not part of a name; a name all in capitals is.
  const caps = (w: string) => /^\p{Lu}{2,3}$/u.test(w);
  if (words.some(caps) && !words.every((w) => w === w.toUpperCase())) return false;
  if (capitalised.length >= 2) return true;
  if (words.length !== 1 || !single) return false;
  // A single given name: capitalised, then lower case ("Kathy"), not an acronym or a joined-up handle.
  return /^\p{Lu}\p{Ll}{2,}$/u.test(words[0]!) && !isDateWord(words[0]!);
}

/**
 * The person names in a byline or an author field, in the page's order and spelling ("Tom Krisher"), or [] when
 * it names no person. `singleOk` lets one-word names through (a blog byline with a date beside it).
 */
export function personNames(raw: string, opts: { singleOk?: boolean } = {}): string[] {
  // Bylines are short; a longer text is cut before any pattern runs on it.
  let s = raw.slice(0, MAX_BYLINE_CHARS).replace(/\s+/g, ' ').trim();
  if (/^(?:https?:)?\/\/|^www\.|^\S+\.(?:com|net|org|ru|de|co|io)(?:\/|$)/i.test(s)) return [];
  // Glued texts ("Meg JamesStaff Writer") come apart where a lower-case letter meets a capital.
  s = s.replace(/(\p{Ll})(\p{Lu}\p{Ll}+)/gu, (m: string, a: string, b: string) => (isNotNameWord(b) ? `${a}, ${b}` : m));
  for (let i = 0; i < 2; i++) s = s.replace(BYLINE_PREFIX, '');
  s = s.replace(NAME_END, '').trim();
  const out: string[] = [];
  const parts = nameParts(s);
  for (let p = 0; p < parts.length; p++) {
    let part = trimChars(parts[p]!, `${SPACE}.,:;–—-`, `${SPACE},:;–—-`);
    // A full stop after the last word ("Leo Babauta."), not an initial's ("J.").
    if (part.endsWith('.') && (/\s\.$/.test(part) || /\p{L}{3}\.$/u.test(part))) part = part.slice(0, -1).trimEnd();
    part = part.replace(BYLINE_PREFIX, '');
    const words = part.split(/\s+/);
    // The first part may trail a role or a date ("Meg James Staff Writer", "Spencer Rascoff Nov."); a later part
    // with such a word is a job title or an outlet ("Tom Krisher, AP Auto Writer") and names nobody.
    const single = words.length === 1 && (opts.singleOk ?? false);
    if (p === 0) while (words.length > 1 && isTrailingWord(words[words.length - 1]!)) words.pop();
    const name = words.join(' ');
    if (isPersonName(name, single)) out.push(recase(name));
    else if (words.length > 3) {
      // "Trevor J. Mitchell Sioux Falls Argus Leader": a name followed by the outlet's.
      // Two words first (most names), three when the second is an initial ("Trevor J. Mitchell").
      const head = [2, 3].map((n) => words.slice(0, n).join(' ')).find((h) => isPersonName(h, false) && !/^\p{Lu}\.$/u.test(h.split(' ').pop()!));
      if (head) out.push(recase(head));
    }
  }
  return [...new Set(out)];
}

/** Normalised form for comparing names from two sources ("Troy L. Smith" and "Troy Smith" share first and last word). */
export function nameKey(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((w) => w.length > 1);
  return words.length === 0 ? '' : `${words[0]} ${words[words.length - 1]}`;
}

/**
 * Dates as pages show them to readers: "November 18, 2019 11:03 PM", "18 NOV 2019", "Mon 18 Nov 2019 18.54 GMT",
 * "24 сентября 2018", "25. September 2018", "22 de outubro de 2010", "27/09/2018", "11/19/19 06:56 AM EST",
 * "Monday, 11.05.2012". Month names in English, Russian, German, French, Spanish, Portuguese, Italian and
 * Indonesian; a numeric date is read day-first or month-first by the part over 12, else by a weekday named beside
 * it, else by the page's language (English: month first). A time and a zone abbreviation or offset next to the date
 * are read too. Pure functions over strings.
 */

export interface VisibleDate {
  y: number;
  m: number;
  d: number;
  /** Local time of day when the text gives one. */
  time: { h: number; mi: number } | null;
  /** UTC offset in minutes when the text names a zone or an offset. */
  offsetMin: number | null;
  /** Characters of the text the date (and time) took. */
  span: number;
  /** Where the date starts in the text. */
  index: number;
}

const MONTH_NAMES: Record<number, string[]> = {
  1: ['january', 'januar', 'janvier', 'enero', 'janeiro', 'gennaio', 'januari', 'января', 'январь'],
  2: ['february', 'februar', 'février', 'fevrier', 'febrero', 'fevereiro', 'febbraio', 'februari', 'февраля', 'февраль'],
  3: ['march', 'märz', 'maerz', 'mars', 'marzo', 'março', 'marco', 'maret', 'марта', 'март'],
  4: ['april', 'avril', 'abril', 'aprile', 'апреля', 'апрель'],
  5: ['may', 'mai', 'mayo', 'maio', 'maggio', 'mei', 'мая', 'май'],
  6: ['june', 'juni', 'juin', 'junio', 'junho', 'giugno', 'июня', 'июнь'],
  7: ['july', 'juli', 'juillet', 'julio', 'julho', 'luglio', 'июля', 'июль'],
  8: ['august', 'août', 'aout', 'agosto', 'agustus', 'августа', 'август'],
  9: ['september', 'septembre', 'septiembre', 'setembro', 'settembre', 'сентября', 'сентябрь'],
  10: ['october', 'oktober', 'octobre', 'octubre', 'outubro', 'ottobre', 'октября', 'октябрь'],
  11: ['november', 'novembre', 'noviembre', 'novembro', 'ноября', 'ноябрь'],
  12: ['december', 'dezember', 'décembre', 'decembre', 'diciembre', 'dezembro', 'dicembre', 'desember', 'декабря', 'декабрь'],
};

/** Every month name, and every 3–5 letter abbreviation that only one month's names start with → its number. */
const MONTHS = (() => {
  const map = new Map<string, number>();
  const clash = new Set<string>();
  for (const [num, names] of Object.entries(MONTH_NAMES)) {
    for (const n of names) {
      for (let len = 3; len <= Math.min(5, n.length); len++) {
        const pre = n.slice(0, len);
        if (map.has(pre) && map.get(pre) !== +num) clash.add(pre);
        else map.set(pre, +num);
      }
      map.set(n, +num);
    }
  }
  for (const c of clash) map.delete(c);
  return map;
})();

/** Month number of a month name or an abbreviation of 3+ letters ("Nov", "Sept", "févr", "сент"); null otherwise. */
export function monthNumber(word: string): number | null {
  return MONTHS.get(word.toLowerCase().replace(/\.$/, '')) ?? null;
}

const WEEKDAYS: [RegExp, number][] = [
  [/\b(?:sun(?:day)?|sonntag|domingo|dimanche|domenica)\b|воскресень/i, 0],
  [/\b(?:mon(?:day)?|montag|lundi|lunes|segunda|lunedì)\b|понедельник/i, 1],
  [/\b(?:tue(?:s(?:day)?)?|dienstag|mardi|martes|terça)\b|вторник/i, 2],
  [/\b(?:wed(?:nesday)?|mittwoch|mercredi|miércoles|quarta)\b|сред[аы]/i, 3],
  [/\b(?:thu(?:r(?:s(?:day)?)?)?|donnerstag|jeudi|jueves|quinta)\b|четверг/i, 4],
  [/\b(?:fri(?:day)?|freitag|vendredi|viernes|sexta)\b|пятниц/i, 5],
  [/\b(?:sat(?:urday)?|samstag|samedi|sábado|sabato)\b|суббот/i, 6],
];

/** Common zone abbreviations (standard and summer time) → offset in minutes. */
const ZONES: Record<string, number> = {
  utc: 0, gmt: 0, z: 0, ut: 0, wet: 0, bst: 60, cet: 60, cest: 120, met: 60, mest: 120, eet: 120, eest: 180, msk: 180,
  ist: 330, pkt: 300, wib: 420, sgt: 480, hkt: 480, jst: 540, kst: 540, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
  est: -300, edt: -240, et: -300, cst: -360, cdt: -300, ct: -360, mst: -420, mdt: -360, mt: -420, pst: -480, pdt: -420, pt: -480,
  akst: -540, akdt: -480, hst: -600, ast: -240, adt: -180,
};

const L = '\\p{L}';
const MONTH_WORD = `([${L}]{3,10})\\.?`;
const ORD = '(?:st|nd|rd|th|er|º)?';
const DAY_MONTH_YEAR = new RegExp(`(?<![\\p{L}\\d])(\\d{1,2})${ORD}\\.?\\s*(?:de\\s+)?${MONTH_WORD},?\\s+(?:de\\s+)?(\\d{4})(?!\\d)`, 'giu');
const MONTH_DAY_YEAR = new RegExp(`(?<![\\p{L}])${MONTH_WORD}\\s+(\\d{1,2})${ORD},?\\s+(\\d{4})(?!\\d)`, 'giu');
const ISO_DATE = /(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/;
const FOUR_DIGITS = /\d{4}/;
/** What MONTH_DAY and DAY_MONTH need at least: a letter, a space and a digit; a digit, a space and a letter. */
const WORD_NUMBER = /\p{L}\.?\s+\d/u;
const NUMBER_WORD = new RegExp(`\\d${ORD}\\.?\\s+\\p{L}`, 'iu');
const DIGIT_SEPARATOR = /\d[./]\d/;
const NUMERIC = /(?<![\d.\/])(\d{1,2})([./])(\d{1,2})\2(\d{4}|\d{2})(?![\d.\/]|\.\d)/;
const MONTH_DAY = new RegExp(`(?<![\\p{L}])${MONTH_WORD}\\s+(\\d{1,2})${ORD}(?![\\d:])`, 'giu');
const DAY_MONTH = new RegExp(`(?<![\\p{L}\\d])(\\d{1,2})${ORD}\\.?\\s+${MONTH_WORD}(?![\\p{L}])`, 'giu');
const TIME = /(?<![\d.:])(\d{1,2})(?::(\d{2})(?::\d{2})?|\.(\d{2})(?=\s*(?:[ap]\.?m\b|[a-z]{2,4}\b)))(?:\s*([ap])\.?m\.?(?![a-z]))?(?:\s*\(?\s*([a-z]{1,5})\b\)?)?(?:\s*([+-]\d{1,2}(?::?\d{2})?))?/i;

/** The matches of a global regex, without the copy that String.prototype.matchAll makes of it on every call. */
function* allMatches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    yield m;
    if (m[0] === '') re.lastIndex++;
  }
  re.lastIndex = 0;
}

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
}

function fullYear(y: string): number {
  const n = +y;
  return y.length === 2 ? (n < 70 ? 2000 + n : 1900 + n) : n;
}

/** The weekday a text names (0 = Sunday), or null. */
export function weekdayIn(text: string): number | null {
  for (const [re, n] of WEEKDAYS) if (re.test(text)) return n;
  return null;
}

/** The most of a line that is searched for a date. */
export const MAX_DATE_LINE = 300;

/**
 * The first date a text shows, with the time and zone written next to it. `monthFirst` reads an ambiguous numeric
 * date as month/day (English pages); `refYear` lets a date without a year ("Nov 19, 6:51 AM") count, in that year.
 */
export function findVisibleDate(input: string, opts: { monthFirst?: boolean; refYear?: number } = {}): VisibleDate | null {
  // Date lines are short; the patterns run on the first MAX_DATE_LINE characters only.
  const text = input.slice(0, MAX_DATE_LINE);
  const candidates: { index: number; len: number; y: number; m: number; d: number }[] = [];
  // Cheap tests first: the patterns with a year need four digits in a row, the numeric one a digit, a dot or a
  // slash and a digit; most lines near a headline have neither.
  const withYear = FOUR_DIGITS.test(text);
  if (withYear) {
    for (const mm of allMatches(DAY_MONTH_YEAR, text)) {
      const mo = monthNumber(mm[2]!);
      if (mo && validDate(+mm[3]!, mo, +mm[1]!)) {
        candidates.push({ index: mm.index, len: mm[0].length, y: +mm[3]!, m: mo, d: +mm[1]! });
        break;
      }
    }
    for (const mm of allMatches(MONTH_DAY_YEAR, text)) {
      const mo = monthNumber(mm[1]!);
      if (mo && validDate(+mm[3]!, mo, +mm[2]!)) {
        candidates.push({ index: mm.index, len: mm[0].length, y: +mm[3]!, m: mo, d: +mm[2]! });
        break;
      }
    }
    const iso = ISO_DATE.exec(text);
    if (iso && validDate(+iso[1]!, +iso[2]!, +iso[3]!)) candidates.push({ index: iso.index, len: iso[0].length, y: +iso[1]!, m: +iso[2]!, d: +iso[3]! });
  }
  const mm = DIGIT_SEPARATOR.test(text) ? NUMERIC.exec(text) : null;
  if (mm) {
    const a = +mm[1]!;
    const b = +mm[3]!;
    const y = fullYear(mm[4]!);
    const dayFirst = { m: b, d: a };
    const monthFirst = { m: a, d: b };
    let pick: { m: number; d: number } | null = null;
    if (a > 12) pick = dayFirst;
    else if (b > 12) pick = monthFirst;
    else {
      const wd = weekdayIn(text);
      const fits = (p: { m: number; d: number }) => validDate(y, p.m, p.d) && new Date(Date.UTC(y, p.m - 1, p.d)).getUTCDay() === wd;
      if (wd !== null && fits(monthFirst) !== fits(dayFirst)) pick = fits(monthFirst) ? monthFirst : dayFirst;
      else pick = opts.monthFirst ? monthFirst : dayFirst;
    }
    if (validDate(y, pick.m, pick.d)) candidates.push({ index: mm.index, len: mm[0].length, y, m: pick.m, d: pick.d });
  }
  if (candidates.length === 0 && opts.refYear !== undefined) {
    const y = opts.refYear;
    for (const m2 of WORD_NUMBER.test(text) ? allMatches(MONTH_DAY, text) : []) {
      const mo = monthNumber(m2[1]!);
      if (mo && validDate(y, mo, +m2[2]!)) {
        candidates.push({ index: m2.index, len: m2[0].length, y, m: mo, d: +m2[2]! });
        break;
      }
    }
    for (const m2 of NUMBER_WORD.test(text) ? allMatches(DAY_MONTH, text) : []) {
      const mo = monthNumber(m2[2]!);
      if (mo && validDate(y, mo, +m2[1]!)) {
        candidates.push({ index: m2.index, len: m2[0].length, y, m: mo, d: +m2[1]! });
        break;
      }
    }
  }
  if (candidates.length === 0) return null;
  candidates.sort((x, y) => x.index - y.index);
  const c = candidates[0]!;
  const rest = text.slice(0, c.index) + ' '.repeat(c.len) + text.slice(c.index + c.len);
  const t = findTime(rest);
  return { y: c.y, m: c.m, d: c.d, time: t ? { h: t.h, mi: t.mi } : null, offsetMin: t?.offsetMin ?? null, span: c.len + (t?.len ?? 0), index: c.index };
}

function findTime(text: string): { h: number; mi: number; offsetMin: number | null; len: number } | null {
  const m = TIME.exec(text);
  if (!m) return null;
  let h = +m[1]!;
  const mi = +(m[2] ?? m[3]!);
  const ampm = m[4]?.toLowerCase();
  if (ampm === 'p' && h < 12) h += 12;
  if (ampm === 'a' && h === 12) h = 0;
  if (h > 23 || mi > 59) return null;
  let offsetMin: number | null = null;
  const zone = m[5]?.toLowerCase();
  if (zone && zone in ZONES) offsetMin = ZONES[zone]!;
  if (m[6]) {
    const o = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(m[6]);
    if (o) offsetMin = (o[1] === '-' ? -1 : 1) * (+o[2]! * 60 + +(o[3] ?? 0));
  }
  return { h, mi, offsetMin, len: m[0].length };
}

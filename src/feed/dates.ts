/**
 * Dates as real feeds write them → ISO 8601 with the source's offset (`2022-03-05T18:20:00+06:00`, `Z` for UTC),
 * or null when the text is not a date we can read with confidence.
 *
 * Forms read: RFC 822/1123/2822 (`Sat, 05 Mar 2022 18:20:00 +0600`, two-digit years, no seconds, no weekday,
 * zone names such as GMT, EST, MSK, CEST, `GMT+3`, `UTC+06:00`, `+3`), full English month names, Russian month
 * names in any case (`5 марта 2022 18:20 +0300`, `05 мар 2022`), ISO 8601 (`2022-03-05T18:20:00.123+06:00`,
 * `2022-03-05 18:20`, `2022-03-05`), the compact form of the Sputnik engine (`20220305T1820+0600`), and Unix
 * epochs in seconds (10 digits) or milliseconds (13 digits). A date without a zone is taken as UTC.
 */

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
  янв: 1, фев: 2, мар: 3, апр: 4, май: 5, мая: 5, июн: 6, июл: 7, авг: 8, сен: 9, окт: 10, ноя: 11, дек: 12,
};

/** Zone abbreviations seen in feeds, as minutes east of UTC. Ambiguous ones (IST, CST in Asia) read as US/EU. */
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, WET: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600,
  BST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180,
  MSK: 180, MSD: 240, SAMT: 240, YEKT: 300, OMST: 360, KRAT: 420, IRKT: 480, YAKT: 540, VLAT: 600,
  KGT: 360, ALMT: 360, UZT: 300, TJT: 300, AMT: 240, GET: 240, AZT: 240,
  JST: 540, KST: 540, HKT: 480, SGT: 480, AEST: 600, AEDT: 660, NZST: 720, NZDT: 780,
};

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC. */
  offset: number;
}

/** Normalise one date string; null when unreadable or out of range. */
export function normalizeDate(input: string | null | undefined): string | null {
  if (input === null || input === undefined) return null;
  const s = input.trim().replace(/\s+/g, ' ');
  if (s === '' || s.length > 100) return null;
  const parts = parseEpoch(s) ?? parseCompact(s) ?? parseIso(s) ?? parseRfc822(s);
  return parts && valid(parts) ? format(parts) : null;
}

function parseEpoch(s: string): Parts | null {
  const m = /^(\d{10}|\d{13})$/.exec(s);
  if (!m) return null;
  const ms = m[1]!.length === 10 ? Number(m[1]) * 1000 : Number(m[1]);
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), offset: 0,
  };
}

/** `20220305`, `20220305T1820+0600`, `20220305T182000Z`. */
function parseCompact(s: string): Parts | null {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(s);
  if (!m) return null;
  return {
    year: +m[1]!, month: +m[2]!, day: +m[3]!,
    hour: +(m[4] ?? 0), minute: +(m[5] ?? 0), second: +(m[6] ?? 0),
    offset: m[7] ? numericOffset(m[7])! : 0,
  };
}

/** `2022-03-05T18:20:00.123+06:00`, `2022-03-05 18:20`, `2022-03-05`, `2022-03-05T18:20:00 MSK`. */
function parseIso(s: string): Parts | null {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?)? ?(Z|[+-]\d{1,2}(?::?\d{2})?|[A-Z]{2,5})?$/i.exec(s);
  if (!m) return null;
  const offset = m[7] ? zoneOffset(m[7]) : 0;
  if (offset === null) return null;
  return {
    year: +m[1]!, month: +m[2]!, day: +m[3]!,
    hour: +(m[4] ?? 0), minute: +(m[5] ?? 0), second: +(m[6] ?? 0), offset,
  };
}

/**
 * RFC 822 and its relatives: `[Weekday,] D Mon YYYY [HH:MM[:SS]] [zone]`, also `Mon D, YYYY HH:MM` and a zone
 * written as `GMT+3`. Month names in English or Russian, abbreviated or full, in any case.
 */
function parseRfc822(s: string): Parts | null {
  // Drop a leading weekday ("Sat,", "Saturday", "суббота,") and a trailing comment ("(MSK)").
  const t = s
    .replace(/^(?:\p{L}+\.?,|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?) ?/iu, '')
    .replace(/ ?\([^)]*\)$/, '');
  const time = '(?:,? (\\d{1,2}):(\\d{2})(?::(\\d{2}))?(?:\\.\\d+)?)?';
  const zone = '(?: ?([A-Za-z]{1,5}(?: ?[+-]\\d{1,2}(?::?\\d{2})?)?|[+-]\\d{1,2}(?::?\\d{2})?))?';
  const dayFirst = new RegExp(`^(\\d{1,2})[ -]([\\p{L}]+)\\.?,?[ -](\\d{2}|\\d{4})${time}${zone}$`, 'u').exec(t);
  const monthFirst = dayFirst ? null : new RegExp(`^([\\p{L}]+)\\.? (\\d{1,2}),? (\\d{4})${time}${zone}$`, 'u').exec(t);
  const m = dayFirst ?? monthFirst;
  if (!m) return null;
  const [dayText, monthText] = dayFirst ? [m[1]!, m[2]!] : [m[2]!, m[1]!];
  const month = monthNumber(monthText);
  if (month === null) return null;
  let year = +m[3]!;
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  const offset = m[7] ? zoneOffset(m[7]) : 0;
  if (offset === null) return null;
  return { year, month, day: +dayText, hour: +(m[4] ?? 0), minute: +(m[5] ?? 0), second: +(m[6] ?? 0), offset };
}

function monthNumber(name: string): number | null {
  // The first three letters name the month in both languages ("March", "Sept", "марта", "мая").
  return MONTHS[name.toLowerCase().slice(0, 3)] ?? null;
}

/** `+0300`, `+03:00`, `-5`, `Z`, `GMT`, `MSK`, `GMT+3`, `UTC+06:00`; null for an unknown name. */
function zoneOffset(z: string): number | null {
  const zone = z.trim().toUpperCase().replace(/ /g, '');
  const numeric = numericOffset(zone);
  if (numeric !== null) return numeric;
  const named = /^([A-Z]{1,5})([+-]\d{1,2}(?::?\d{2})?)?$/.exec(zone);
  if (!named) return null;
  const base = ZONES[named[1]!];
  if (base === undefined) {
    // RFC 822 military zones: RFC 2822 says to read them as -0000 (their signs were published inverted).
    return named[1]!.length === 1 && !named[2] ? 0 : null;
  }
  return named[2] ? base + numericOffset(named[2])! : base;
}

function numericOffset(z: string): number | null {
  if (z.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(z);
  if (!m) return null;
  const minutes = +m[2]! * 60 + +(m[3] ?? 0);
  if (+m[2]! > 14 || +(m[3] ?? 0) > 59) return null;
  return m[1] === '-' ? -minutes : minutes;
}

function valid(p: Parts): boolean {
  if (p.year < 1970 || p.year > 2200 || p.month < 1 || p.month > 12) return false;
  const daysInMonth = new Date(Date.UTC(p.year, p.month, 0)).getUTCDate();
  if (p.day < 1 || p.day > daysInMonth) return false;
  if (p.hour === 24 && p.minute === 0 && p.second === 0) return true;
  return p.hour <= 23 && p.minute <= 59 && p.second <= 60;
}

function format(p: Parts): string {
  // Through Date.UTC so that 24:00 and a leap second roll over instead of producing an impossible string.
  const second = Math.min(p.second, 59);
  const local = new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, second));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  if (p.offset === 0) return `${date}T${time}Z`;
  const sign = p.offset < 0 ? '-' : '+';
  const abs = Math.abs(p.offset);
  return `${date}T${time}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

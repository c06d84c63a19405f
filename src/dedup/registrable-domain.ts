/**
 * A small registrable-domain ("eTLD+1") helper: "ru.sputnik.kg" → "sputnik.kg", "www.bbc.co.uk" → "bbc.co.uk".
 * Used only to ask "is this URL on the same site as that one?" (a page's <link rel=canonical>, AMP and mobile
 * host prefixes), so it covers the common cases instead of carrying the whole Public Suffix List:
 *   - a country-code TLD whose second label is a generic one (co, com, net, org, gov, edu, ac, or, ne, go, gob, mil,
 *     nic, ltd, plc, sch) is a two-label suffix: co.uk, com.au, co.jp, com.br, org.kg, com.ru...;
 *   - a short list of other two-label public suffixes (regional Russian and Ukrainian zones, shared hosting);
 *   - anything else is a one-label suffix.
 * A host missing from these rules can only make two sites of a shared suffix look like one site, which at worst
 * lets one of them name the other as its canonical URL.
 */

const GENERIC_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'mil', 'nic', 'ltd', 'plc', 'sch']);

/** Two-label public suffixes not covered by the generic rule (from the Public Suffix List). */
const OTHER_SUFFIXES = new Set([
  'msk.ru', 'spb.ru', 'pp.ru', 'kiev.ua', 'in.ua', 'me.uk',
  'blogspot.com', 'github.io', 'appspot.com', 'herokuapp.com', 'netlify.app', 'vercel.app', 'pages.dev',
]);

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** The registrable domain of a host name (lower-cased, trailing dot removed). IPs and single labels return as is. */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') || IPV4.test(h)) return h;
  const labels = h.split('.');
  if (labels.length <= 2) return h;
  const last2 = labels.slice(-2).join('.');
  const second = labels[labels.length - 2] ?? '';
  const tld = labels[labels.length - 1] ?? '';
  const twoLabelSuffix = OTHER_SUFFIXES.has(last2) || (tld.length === 2 && GENERIC_SECOND_LEVEL.has(second));
  return labels.slice(twoLabelSuffix ? -3 : -2).join('.');
}

/** Whether two host names belong to the same registrable domain. */
export function sameSite(hostA: string, hostB: string): boolean {
  return registrableDomain(hostA) === registrableDomain(hostB);
}

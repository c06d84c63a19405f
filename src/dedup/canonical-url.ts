/**
 * URL canonicalization for deduplication: every address under which the same article circulates (tracking
 * parameters, AMP and mobile editions, http/https, www, fragments, parameter order) maps to one identity key.
 * The key identifies; it is not an address to fetch (the sighting keeps the URL as seen). `articleLink` applies
 * rules 1, 2, 6 and 7 only, for an address to show and open (alert links).
 *
 * Rules, in order:
 *   1. The page's own <link rel=canonical> replaces the URL when it is an http(s) URL on the same site (same
 *      registrable domain, registrable-domain.ts), and does not point a deeper page at the site's home page
 *      (a common CMS misconfiguration).
 *   2. Google AMP cache addresses (*.cdn.ampproject.org/c/s/host/path) are unwrapped to the publisher's URL.
 *   3. Scheme: http becomes https. User name, password and the ports 80 and 443 are dropped.
 *   4. Host: lower case, no trailing dot; the prefixes "www.", "m.", "mobile.", "amp." are dropped while the host is
 *      longer than its registrable domain (m.ria.ru → ria.ru, but amp.dev stays).
 *   5. Path: "amp" path segments are dropped (/amp/20201216/x.html, /slug/amp/), a ".amp" before the extension or
 *      at the end too (x.amp.html, x.amp); a last segment "index.html"/"index.htm" is dropped (the directory URL
 *      serves it: /news/index.html = /news/); a trailing slash is dropped (except the root); percent-escapes are
 *      upper-cased.
 *   6. Query: tracking parameters are dropped (TRACKING_PREFIXES, TRACKING_PARAMS; `ref`, `from` and `source` only
 *      when their value names a referrer: a host name or a REFERRER_TAGS value), AMP and mobile switches too
 *      (`amp`, `outputType=amp`, Blogger's `m=0|1`); the rest is sorted.
 *   7. The fragment is dropped, except a "#!" hash-bang, which addresses content on old script-driven sites.
 */
import { FeedwatchError } from '../errors.js';
import { registrableDomain, sameSite } from './registrable-domain.js';

/**
 * Query parameters that only track a click, a campaign or a mailing, never select content. Sources: miniflux's
 * urlcleaner list (Facebook, Google, Yandex, Microsoft, Twitter, Mailchimp, HubSpot, Marketo, Matomo...) plus
 * Instagram's igshid, Yandex's _openstat, Piwik's pk_*.
 */
export const TRACKING_PREFIXES: readonly string[] = ['utm_', 'mtm_', 'pk_', 'hsa_', 'itm_', 'hmb_', 'campaign_'];
export const TRACKING_PARAMS: ReadonlySet<string> = new Set([
  'fbclid', 'fb_action_ids', 'fb_action_types', 'fb_ref', 'fb_source', 'fb_comment_id',
  'gclid', 'dclid', 'gbraid', 'wbraid', 'gclsrc', 'srsltid',
  'yclid', 'ysclid', '_openstat',
  'msclkid', 'twclid', 'igshid',
  'mc_cid', 'mc_eid', 'mc_tc',
  '_hsenc', '_hsmi', '__hssc', '__hstc', '__hsfp', 'hsctatracking',
  'mkt_tok', 'sc_cid', 'vero_id', 'vero_conv', 'oly_anon_id', 'oly_enc_id', 'rb_clickid', 'wickedid',
  '_bhlid', '_branch_match_id', '_branch_referrer', '__readwiselocation',
]);
/** Parameters that carry a referrer on some sites and select content on others: dropped only for referrer values. */
export const REFERRER_PARAMS: ReadonlySet<string> = new Set(['ref', 'from', 'source']);
export const REFERRER_TAGS: ReadonlySet<string> = new Set([
  'rss', 'rss2', 'feed', 'atom', 'newsletter', 'email', 'mail', 'push', 'twitter', 'x', 'facebook', 'fb', 'vk',
  'telegram', 'tg', 'ok', 'yandex', 'zen', 'dzen', 'google', 'gnews', 'smi2', 'mirtesen', 'whatsapp', 'share',
]);

const HOST_PREFIXES = new Set(['www', 'm', 'mobile', 'amp']);

function isTracking(key: string, value: string): boolean {
  const k = key.toLowerCase();
  if (TRACKING_PARAMS.has(k) || TRACKING_PREFIXES.some((p) => k.startsWith(p))) return true;
  if (REFERRER_PARAMS.has(k)) {
    const v = value.toLowerCase();
    return REFERRER_TAGS.has(v) || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v);
  }
  if (k === 'amp' || (k === 'outputtype' && value.toLowerCase() === 'amp')) return true;
  return k === 'm' && (value === '0' || value === '1');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The query without tracking parameters, the rest sorted (`sort`, for the key) or in their order (for a link). */
function cleanQuery(search: string, sort = true): string {
  const parts = search.replace(/^\?/, '').split('&').filter((p) => p !== '');
  const kept = parts.filter((p) => {
    const eq = p.indexOf('=');
    const key = safeDecode(eq < 0 ? p : p.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(p.slice(eq + 1));
    return !isTracking(key, value);
  });
  if (sort) kept.sort();
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

function cleanHost(hostname: string): string {
  let host = hostname.toLowerCase().replace(/\.$/, '');
  for (;;) {
    const dot = host.indexOf('.');
    if (dot < 0 || !HOST_PREFIXES.has(host.slice(0, dot)) || host === registrableDomain(host)) return host;
    host = host.slice(dot + 1);
  }
}

function cleanPath(pathname: string): string {
  const segments = pathname.split('/').filter((s, i) => !(i > 0 && s.toLowerCase() === 'amp'));
  let path = segments.join('/').replace(/\.amp(?=\.[a-z0-9]+$|$)/i, '');
  path = path.replace(/\/index\.html?$/i, '/');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  if (path === '') path = '/';
  return path.replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase());
}

function parse(url: string, base?: string): URL | null {
  try {
    return new URL(url, base);
  } catch {
    return null;
  }
}

/** Unwrap a Google AMP cache URL (https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a.html). */
function unwrapAmpCache(u: URL): URL {
  if (!u.hostname.endsWith('.cdn.ampproject.org')) return u;
  const m = /^\/[cvi]\/(s\/)?(.+)$/.exec(u.pathname);
  if (!m?.[2]) return u;
  return parse(`${m[1] ? 'https' : 'http'}://${m[2]}${u.search}${u.hash}`) ?? u;
}

function build(u: URL): string {
  const web = u.protocol === 'http:' || u.protocol === 'https:';
  const protocol = web ? 'https:' : u.protocol;
  const port = u.port === '' || (web && (u.port === '80' || u.port === '443')) ? '' : `:${u.port}`;
  const host = web ? cleanHost(u.hostname) : u.hostname.toLowerCase();
  const hash = u.hash.startsWith('#!') ? u.hash : '';
  return `${protocol}//${host}${port}${cleanPath(u.pathname)}${cleanQuery(u.search)}${hash}`;
}

/**
 * The identity key of an article URL. `pageCanonical` is the href of the page's <link rel=canonical>, if any
 * (resolved against `url` when relative). Throws FeedwatchError('bad-url') for a URL that does not parse.
 */
export function canonicalUrl(url: string, opts: { pageCanonical?: string | null } = {}): string {
  const parsed = parse(url.trim());
  if (!parsed) throw new FeedwatchError('bad-url', `not a URL: ${url}`, { url }, { retryable: false });
  const u = unwrapAmpCache(parsed);
  return build(trustedCanonical(u, opts.pageCanonical) ?? u);
}

/** Rule 1: the page's <link rel=canonical> as a URL, when it is http(s) on the same site and not a deeper page's home. */
function trustedCanonical(u: URL, pageCanonical: string | null | undefined): URL | null {
  const canon = pageCanonical ? parse(pageCanonical.trim(), u.href) : null;
  if (
    canon &&
    (canon.protocol === 'http:' || canon.protocol === 'https:') &&
    sameSite(canon.hostname, u.hostname) &&
    !(cleanPath(canon.pathname) === '/' && cleanPath(u.pathname) !== '/')
  ) {
    return canon;
  }
  return null;
}

/**
 * The address to show for an article (alert links, search results): the page's own canonical URL when rule 1
 * trusts it, else the URL as fetched (an AMP cache address unwrapped), with the tracking parameters and the fragment
 * (rules 6 and 7) removed. Unlike the identity key it is meant to be opened, so scheme, host, path and the order of
 * the other parameters stay as the publisher wrote them. A URL that does not parse is returned as it is.
 */
export function articleLink(url: string, opts: { pageCanonical?: string | null } = {}): string {
  const parsed = parse(url.trim());
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return url;
  const u = unwrapAmpCache(parsed);
  const chosen = trustedCanonical(u, opts.pageCanonical) ?? u;
  const hash = chosen.hash.startsWith('#!') ? chosen.hash : '';
  return `${chosen.protocol}//${chosen.host}${chosen.pathname}${cleanQuery(chosen.search, false)}${hash}`;
}

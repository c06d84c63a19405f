/**
 * Bytes → text: choose the charset of a fetched feed or page and decode it, never throwing.
 *
 * Order of trust: the HTTP header, the BOM, the XML declaration — with every claim checked against the bytes.
 * A byte-order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE) is a fact about the bytes, so a header that names another
 * charset than the BOM is proven wrong (windows-1251 over bytes that start with FF FE can only give garbage), and
 * a header that agrees with it says nothing more; either way the BOM's encoding decodes, as browsers do (WHATWG
 * Encoding, "decode"). Hence, in code order (first usable source wins):
 *   1. a byte-order mark;
 *   2. the charset parameter of the HTTP Content-Type header;
 *   3. the XML declaration's encoding (kind 'xml'), or `<meta charset>` / `<meta http-equiv>` in the first 4 KB
 *      (kind 'html'). A UTF-16/32 signature without BOM (`<\0?\0`...) counts as 'sniffed' before the declaration;
 *   4. UTF-8.
 * A label TextDecoder does not know (bogus, or one that maps to "replacement") is skipped for the next source.
 * A UTF-8 claim is checked: when the bytes are not valid UTF-8, the next source is tried, and at the end a small
 * sniffer picks windows-1251, koi8-r or windows-1252 (source 'sniffed'): Russian feeds that lie about UTF-8 are
 * common. A header without a charset (text/xml) is no claim: RFC 7303 replaced RFC 3023's us-ascii default.
 */
import type { DecodedText } from '../model.js';

type Source = DecodedText['charsetSource'];
type Encoding = string;

const HTML_PRESCAN_BYTES = 4096;

/** Decode a response body to text. `kind` says where an in-document charset may be declared. */
export function decodeBody(body: Uint8Array, contentType: string | null, kind: 'xml' | 'html'): DecodedText {
  const bom = detectBom(body);
  if (bom) {
    return { text: decodeWith(bom.encoding, body.subarray(bom.length)), charset: bom.encoding, charsetSource: 'bom' };
  }

  const candidates: { label: string; source: Source }[] = [];
  const headerLabel = charsetFromContentType(contentType);
  if (headerLabel) candidates.push({ label: headerLabel, source: 'header' });
  const signature = kind === 'xml' ? sniffXmlSignature(body) : null;
  if (signature) candidates.push({ label: signature, source: 'sniffed' });
  const inDoc = kind === 'xml' ? charsetFromXmlDeclaration(body) : charsetFromHtmlMeta(body);
  if (inDoc) candidates.push({ label: inDoc, source: kind === 'xml' ? 'declaration' : 'meta' });

  for (const { label, source } of candidates) {
    const encoding = resolveLabel(label);
    if (!encoding) continue;
    // A UTF-16/32 label over bytes that carry no BOM and no UTF-16/32 signature is a lie left over from
    // transcoding: the bytes are ASCII-compatible (WHATWG treats a utf-16 meta as utf-8 for the same reason).
    if (isWide(encoding) && source !== 'sniffed' && !sniffXmlSignature(body)) continue;
    if (encoding === 'utf-8') {
      const text = tryUtf8(body);
      if (text === null) continue;
      return { text, charset: 'utf-8', charsetSource: source };
    }
    return { text: decodeWith(encoding, body), charset: encoding, charsetSource: source };
  }

  const utf8 = tryUtf8(body);
  if (utf8 !== null) return { text: utf8, charset: 'utf-8', charsetSource: 'default' };
  const sniffed = sniffSingleByte(body);
  return { text: decodeWith(sniffed, body), charset: sniffed, charsetSource: 'sniffed' };
}

/** The charset parameter of a Content-Type value, tolerating quotes and spaces around `=`; null when absent. */
export function charsetFromContentType(contentType: string | null): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*("([^"]*)"|'([^']*)'|([^\s;,]+))/i.exec(contentType);
  if (!m) return null;
  const label = (m[2] ?? m[3] ?? m[4] ?? '').trim();
  return label === '' ? null : label;
}

/** The encoding named by an XML declaration at the start of the bytes (read as ASCII), or null. */
export function charsetFromXmlDeclaration(body: Uint8Array): string | null {
  const head = asciiView(body, 512).replace(/\0/g, '');
  const m = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return m?.[1] ?? null;
}

/** The charset named by `<meta charset>` or `<meta http-equiv="Content-Type" content="...charset=...">`. */
export function charsetFromHtmlMeta(body: Uint8Array): string | null {
  const head = asciiView(body, HTML_PRESCAN_BYTES);
  const metaTags = head.match(/<meta\b[^>]*>/gi) ?? [];
  for (const tag of metaTags) {
    const direct = /\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i.exec(tag);
    if (direct?.[1]) return direct[1];
  }
  return null;
}

/** WHATWG label → canonical encoding name, or null when unknown or unusable. */
export function resolveLabel(label: string): Encoding | null {
  const l = label.trim().toLowerCase();
  if (l === 'utf-32' || l === 'utf32' || l === 'ucs-4' || l === 'utf-32be') return 'utf-32be';
  if (l === 'utf-32le') return 'utf-32le';
  // gb2312 and gbk name subsets of gb18030; the WHATWG gbk decoder is the gb18030 decoder anyway.
  try {
    const encoding = new TextDecoder(l).encoding;
    if (encoding === 'replacement') return null;
    if (encoding === 'gbk') return 'gb18030';
    return encoding;
  } catch {
    return null;
  }
}

function isWide(encoding: Encoding): boolean {
  return encoding.startsWith('utf-16') || encoding.startsWith('utf-32');
}

function detectBom(b: Uint8Array): { encoding: Encoding; length: number } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'utf-32be', length: 4 };
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return { encoding: 'utf-32le', length: 4 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  return null;
}

/** XML 1.0 Appendix F: a document without BOM that starts with `<` or `<?` in a wide encoding. */
function sniffXmlSignature(b: Uint8Array): Encoding | null {
  if (b.length < 4) return null;
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]];
  if (b0 === 0x00 && b1 === 0x00 && b2 === 0x00 && b3 === 0x3c) return 'utf-32be';
  if (b0 === 0x3c && b1 === 0x00 && b2 === 0x00 && b3 === 0x00) return 'utf-32le';
  if (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && (b3 === 0x3f || b3 === 0x21)) return 'utf-16be';
  if (b0 === 0x3c && b1 === 0x00 && (b2 === 0x3f || b2 === 0x21) && b3 === 0x00) return 'utf-16le';
  return null;
}

function asciiView(b: Uint8Array, max: number): string {
  return Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, max)).toString('latin1');
}

function tryUtf8(b: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return null;
  }
}

/** Decode with a resolved encoding; invalid sequences become U+FFFD, never an exception. */
function decodeWith(encoding: Encoding, b: Uint8Array): string {
  if (encoding === 'utf-32be' || encoding === 'utf-32le') return decodeUtf32(b, encoding === 'utf-32le');
  if (encoding === 'windows-1252') return decodeWindows1252(b);
  try {
    // ignoreBOM: true keeps a U+FEFF that is not at the start of the bytes we pass (we cut a detected BOM off).
    return new TextDecoder(encoding, { ignoreBOM: true }).decode(b);
  } catch {
    return new TextDecoder('utf-8').decode(b);
  }
}

/** WHATWG index-windows-1252 for bytes 80–9F (the rest is Latin-1). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/**
 * Node 20.18.3+ decodes windows-1252 (and the labels mapped to it: latin1, iso-8859-1, us-ascii) as Latin-1,
 * turning smart quotes and € into C1 controls (nodejs/node#60888, #56542). Decode it by table instead.
 */
function decodeWindows1252(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80]!));
}

/** TextDecoder has no UTF-32: four bytes per code point, invalid ones become U+FFFD. */
function decodeUtf32(b: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const parts: string[] = [];
  let chunk: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) {
    const cp = view.getUint32(i, littleEndian);
    chunk.push(cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp);
    if (chunk.length === 8192) {
      parts.push(String.fromCodePoint(...chunk));
      chunk = [];
    }
  }
  if (b.length % 4 !== 0) chunk.push(0xfffd);
  parts.push(String.fromCodePoint(...chunk));
  return parts.join('');
}

/**
 * Bytes that are not UTF-8 and name no charset: Cyrillic in windows-1251 or koi8-r, else windows-1252.
 * Cyrillic words are runs of bytes C0–FF (both charsets put the letters there), while accented Latin letters
 * mostly stand alone between ASCII ones and CJK or Thai text is full of bytes 80–BF too.
 * Russian prose is mostly lower case: windows-1251 puts lower-case letters at E0–FF, koi8-r at C0–DF, so the
 * reading that yields more lower-case (weighted to the commonest letters) wins.
 */
function sniffSingleByte(b: Uint8Array): Encoding {
  let high = 0;
  let inRuns = 0;
  let mid = 0;
  for (let i = 0; i < b.length; i++) {
    if ((b[i] ?? 0) >= 0x80 && (b[i] ?? 0) < 0xc0) mid++;
    if ((b[i] ?? 0) < 0xc0) continue;
    high++;
    if ((b[i - 1] ?? 0) >= 0xc0 || (b[i + 1] ?? 0) >= 0xc0) inRuns++;
  }
  if (high === 0 || inRuns / high < 0.6 || mid / high > 0.15) return 'windows-1252';
  const score = (enc: string): number => {
    let s = 0;
    for (const ch of new TextDecoder(enc).decode(b)) {
      if (ch >= 'а' && ch <= 'я') s += 'оеаинтсрвл'.includes(ch) ? 2 : 1;
      else if (ch >= 'А' && ch <= 'Я') s -= 1;
    }
    return s;
  };
  return score('windows-1251') >= score('koi8-r') ? 'windows-1251' : 'koi8-r';
}

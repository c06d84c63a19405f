/**
 * Bytes → text: choose the charset of a fetched feed or page, check every claim against the bytes, decode, and
 * say why. Never throws.
 *
 * Sources, in order of trust (each claim is checked against the bytes before it is believed):
 *   1. a byte-order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE): a fact about the bytes, so it beats any label, as
 *      browsers do (WHATWG Encoding, "decode");
 *   2. the charset parameter of the HTTP Content-Type header;
 *   3. for XML a UTF-16/32 signature without BOM (`<\0?\0`..., XML 1.0 Appendix F, source 'sniffed'), then the
 *      XML declaration's encoding ('declaration'); for HTML `<meta charset>` / `<meta http-equiv>` in the first
 *      4 KB ('meta');
 *   4. no usable claim: UTF-8 when the bytes are UTF-8 ('default'), else a detector (chardet) picks the
 *      single-byte charset ('sniffed').
 *
 * The checks, in both directions:
 *   - a UTF-8 claim over bytes with a few invalid sequences among many valid multi-byte characters stays UTF-8,
 *     the bad sequences becoming U+FFFD (one stray byte must not turn a Cyrillic feed into mojibake); over bytes
 *     that are not UTF-8 at all, the claim is overruled and the next source is tried;
 *   - any other (8-bit) claim over bytes that are UTF-8 with multi-byte characters is overruled in favour of
 *     UTF-8: a windows-1251 page is never valid UTF-8 once it holds two Cyrillic letters in a row;
 *   - a Latin claim (windows-1252, which WHATWG also reads iso-8859-1 and us-ascii as) over bytes that the
 *     detector reads as Cyrillic, with high bytes in runs as Cyrillic words are, is overruled (servers that say
 *     iso-8859-1 by default in front of windows-1251 pages);
 *   - a UTF-16/32 label over bytes with no BOM and no UTF-16/32 signature is a leftover of transcoding, ignored.
 * Unknown labels (or ones that map to WHATWG "replacement") are skipped. Every skipped or overruled claim is
 * written into `charsetReason` with the reason for the final choice.
 *
 * Decoding is iconv-lite's (TextDecoder on Node 20.18.3+ reads windows-1252 as Latin-1, nodejs/node#56542, and
 * has no UTF-32); labels are resolved the WHATWG way through TextDecoder, which is what browsers do.
 */
import iconv from 'iconv-lite';
import chardet from 'chardet';
import type { DecodedText } from '../model.js';

type Source = DecodedText['charsetSource'];
type Encoding = string;

const HTML_PRESCAN_BYTES = 4096;
/** Bytes the detector reads: enough text for a sure answer, bounded work on a 10 MB body. */
const DETECT_SAMPLE_BYTES = 64 * 1024;
/** A UTF-8 claim survives at most one invalid sequence per this many valid multi-byte characters. */
const UTF8_TOLERANCE = 20;
const CYRILLIC_DETECTED = new Set(['windows-1251', 'koi8-r', 'iso-8859-5', 'ibm866', 'x-mac-cyrillic']);

/** How the bytes read as UTF-8: multi-byte characters and invalid sequences (U+FFFD in a lenient decode). */
interface Utf8Reading {
  text: string;
  multiByte: number;
  invalid: number;
}

/** Decode a response body to text. `kind` says where an in-document charset may be declared. */
export function decodeBody(body: Uint8Array, contentType: string | null, kind: 'xml' | 'html'): DecodedText {
  const bom = detectBom(body);
  if (bom) {
    return {
      text: decodeWith(bom.encoding, body.subarray(bom.length)),
      charset: bom.encoding,
      charsetSource: 'bom',
      charsetReason: `byte-order mark of ${bom.encoding}${contentType && charsetFromContentType(contentType) ? ` (beats the header's ${charsetFromContentType(contentType)})` : ''}`,
    };
  }

  const candidates: { label: string; source: Source }[] = [];
  const headerLabel = charsetFromContentType(contentType);
  if (headerLabel) candidates.push({ label: headerLabel, source: 'header' });
  const signature = kind === 'xml' ? sniffXmlSignature(body) : null;
  if (signature) candidates.push({ label: signature, source: 'sniffed' });
  const inDoc = kind === 'xml' ? charsetFromXmlDeclaration(body) : charsetFromHtmlMeta(body);
  if (inDoc) candidates.push({ label: inDoc, source: kind === 'xml' ? 'declaration' : 'meta' });

  let reading: Utf8Reading | null = null;
  const utf8 = (): Utf8Reading => (reading ??= readUtf8(body));
  const notes: string[] = [];
  const done = (text: string, charset: string, source: Source, why: string): DecodedText => ({
    text,
    charset,
    charsetSource: source,
    charsetReason: [...notes, why].join('; '),
  });

  for (const { label, source } of candidates) {
    const encoding = resolveLabel(label);
    if (!encoding) {
      notes.push(`${source} names unknown charset "${label}"`);
      continue;
    }
    if (isWide(encoding)) {
      if (source !== 'sniffed' && !sniffXmlSignature(body)) {
        notes.push(`${source} says ${encoding} but the bytes have no ${encoding} signature`);
        continue;
      }
      return done(decodeWith(encoding, body), encoding, source, `${source} says ${encoding}`);
    }
    if (encoding === 'utf-8') {
      const r = utf8();
      if (r.invalid === 0) return done(r.text, 'utf-8', source, `${source} says utf-8; the bytes are valid UTF-8`);
      if (mostlyUtf8(r)) {
        return done(r.text, 'utf-8', source, `${source} says utf-8; ${r.invalid} invalid byte sequence(s) among ${r.multiByte} multi-byte characters replaced by U+FFFD`);
      }
      notes.push(`${source} says utf-8 but the bytes are not UTF-8 (${r.invalid} invalid sequences, ${r.multiByte} valid multi-byte characters)`);
      continue;
    }
    const r = utf8();
    if (r.multiByte > 0 && (r.invalid === 0 || mostlyUtf8(r))) {
      return done(r.text, 'utf-8', source, `${source} says ${encoding}, overruled: the bytes are UTF-8 (${r.multiByte} multi-byte characters, ${r.invalid} invalid sequences)`);
    }
    if (encoding === 'windows-1252') {
      const detected = detectSingleByte(body);
      if (CYRILLIC_DETECTED.has(detected) && highBytesInRuns(body)) {
        notes.push(`${source} says ${label}, overruled: the bytes read as Cyrillic (${detected} by detection)`);
        continue;
      }
    }
    return done(decodeWith(encoding, body), encoding, source, `${source} says ${encoding}`);
  }

  const r = utf8();
  if (r.invalid === 0) return done(r.text, 'utf-8', 'default', r.multiByte > 0 ? 'no usable claim; the bytes are valid UTF-8' : 'no usable claim; the bytes are ASCII, read as UTF-8');
  if (mostlyUtf8(r)) {
    return done(r.text, 'utf-8', 'default', `no usable claim; the bytes are UTF-8 with ${r.invalid} invalid sequence(s) among ${r.multiByte} multi-byte characters, replaced by U+FFFD`);
  }
  const sniffed = detectSingleByte(body);
  return done(decodeWith(sniffed, body), sniffed, 'sniffed', `no usable claim and not UTF-8; detected ${sniffed}`);
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
  const metaTags = head.match(/<meta\b[^<>]*>/gi) ?? [];
  for (const tag of metaTags) {
    const direct = /\bcharset\s*=[\s"']*([A-Za-z0-9._:-]+)/i.exec(tag);
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

/** The byte-order mark at the start of `b`, if any. */
export function detectBom(b: Uint8Array): { encoding: Encoding; length: number } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'utf-32be', length: 4 };
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return { encoding: 'utf-32le', length: 4 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  return null;
}

/** XML 1.0 Appendix F: a document without BOM that starts with `<` or `<?` in a wide encoding. */
export function sniffXmlSignature(b: Uint8Array): Encoding | null {
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

/**
 * The bytes read as UTF-8. Valid bytes (the common case) cost one fatal decode; the characters are counted only
 * when a reason needs the figure. Invalid bytes are decoded leniently, and the replacements counted.
 */
function readUtf8(b: Uint8Array): Utf8Reading {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
    let counted: number | null = null;
    return {
      text,
      invalid: 0,
      get multiByte() {
        return (counted ??= countNonAscii(text));
      },
    };
  } catch {
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(b);
    let replaced = 0;
    let nonAscii = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) continue;
      if (c === 0xfffd) replaced++;
      else if (c < 0xdc00 || c > 0xdfff) nonAscii++; // a surrogate pair is one character
    }
    // A U+FFFD written in the source (EF BF BD) is valid UTF-8, not a replacement.
    const literal = countLiteralReplacement(b);
    const invalid = Math.max(1, replaced - literal);
    return { text, invalid, multiByte: nonAscii + (replaced - invalid) };
  }
}

function countNonAscii(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 && (c < 0xdc00 || c > 0xdfff)) n++;
  }
  return n;
}

function countLiteralReplacement(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(0xef); i >= 0 && i + 2 < b.length; i = b.indexOf(0xef, i + 1)) {
    if (b[i + 1] === 0xbf && b[i + 2] === 0xbd) n++;
  }
  return n;
}

function mostlyUtf8(r: Utf8Reading): boolean {
  return r.multiByte > 0 && r.invalid * UTF8_TOLERANCE <= r.multiByte;
}

/**
 * Cyrillic words are runs of high bytes (both windows-1251 and koi8-r put the letters at C0–FF); accented Latin
 * letters mostly stand alone between ASCII ones. True when most high bytes have a high neighbour.
 */
function highBytesInRuns(b: Uint8Array): boolean {
  const end = Math.min(b.length, DETECT_SAMPLE_BYTES);
  let high = 0;
  let inRuns = 0;
  for (let i = 0; i < end; i++) {
    if ((b[i] ?? 0) < 0xc0) continue;
    high++;
    if ((b[i - 1] ?? 0) >= 0xc0 || (b[i + 1] ?? 0) >= 0xc0) inRuns++;
  }
  return high > 0 && inRuns / high >= 0.6;
}

/** Encodings of Latin script: what high bytes in Cyrillic-shaped runs cannot be. */
const LATIN = new Set(['windows-1252', 'iso-8859-2', 'windows-1250', 'iso-8859-3', 'iso-8859-4', 'iso-8859-10', 'iso-8859-13', 'iso-8859-14', 'iso-8859-15', 'iso-8859-16', 'windows-1254', 'windows-1257', 'windows-1258']);

/**
 * The single-byte (or legacy multi-byte) charset of bytes that are not UTF-8: chardet over the text outside
 * markup (tags are ASCII and would drown a short title), answers read the WHATWG way (ISO-8859-1 →
 * windows-1252). When the high bytes come in runs, as the letters of Cyrillic (or Greek, Arabic...) words do,
 * a Latin answer is passed over for the first non-Latin one. windows-1252 when nothing usable is said.
 */
export function detectSingleByte(b: Uint8Array): Encoding {
  const sample = textOutsideMarkup(b, DETECT_SAMPLE_BYTES);
  const runs = highBytesInRuns(b);
  const answers = chardet
    .analyse(sample)
    .map((a) => resolveLabel(a.name))
    .filter((e): e is Encoding => e !== null && e !== 'utf-8' && !isWide(e));
  const pick = runs ? (answers.find((e) => !LATIN.has(e)) ?? 'windows-1251') : (answers[0] ?? 'windows-1252');
  return pick;
}

/** Up to `max` bytes of `b` with `<...>` markup left out, from the first high byte's neighbourhood on. */
function textOutsideMarkup(b: Uint8Array, max: number): Buffer {
  const out = Buffer.alloc(Math.min(b.length, max));
  let n = 0;
  let inTag = false;
  for (let i = Math.max(0, firstHighByte(b) - 256); i < b.length && n < out.length; i++) {
    const c = b[i]!;
    if (c === 0x3c) inTag = true;
    else if (c === 0x3e && inTag) {
      inTag = false;
      out[n++] = 0x20;
    } else if (!inTag) out[n++] = c;
  }
  return out.subarray(0, n);
}

function firstHighByte(b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) if ((b[i] ?? 0) >= 0x80) return i;
  return 0;
}

/** Decode with a resolved encoding; invalid sequences become U+FFFD, never an exception. */
function decodeWith(encoding: Encoding, b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  // TextDecoder for UTF-16 (a cut-off final code unit becomes U+FFFD, where iconv-lite drops it).
  if (!encoding.startsWith('utf-16') && iconv.encodingExists(encoding)) return iconv.decode(buf, encoding, { stripBOM: false });
  try {
    // ignoreBOM: true keeps a U+FEFF that is not at the start of the bytes we pass (we cut a detected BOM off).
    return new TextDecoder(encoding, { ignoreBOM: true }).decode(b);
  } catch {
    return new TextDecoder('utf-8').decode(b);
  }
}

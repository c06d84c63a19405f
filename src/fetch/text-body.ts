/**
 * A fetched body → text for the feed parser or the extractor, or FeedwatchError 'not-text'.
 *
 * Binary bodies are refused whatever their Content-Type says: first by magic number (images, PDF, archives,
 * compressed data, media, executables: see MAGIC), then, after decoding, by the density of control characters
 * in the first 64 K characters (NUL above 1 %, or C0/C1 controls and U+FFFD together above 5 %: random or
 * compressed bytes give 20 % and more, real text under 0.1 %). What passes is decoded (charset.ts) and has its
 * control characters and escape sequences stripped (control-chars.ts).
 */
import { FeedwatchError } from '../errors.js';
import type { DecodedText } from '../model.js';
import { stripControls } from '../control-chars.js';
import { decodeBody, detectBom, sniffXmlSignature } from './charset.js';

const SAMPLE_CHARS = 64 * 1024;
const MAX_NUL_RATIO = 0.01;
const MAX_CONTROL_RATIO = 0.05;

/** Signatures at offset 0 (or at `at`), with the name given in the error. */
const MAGIC: { name: string; bytes: (number | null)[]; at?: number }[] = [
  { name: 'PNG image', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { name: 'JPEG image', bytes: [0xff, 0xd8, 0xff] },
  { name: 'GIF image', bytes: [...'GIF8'].map((c) => c.charCodeAt(0)) },
  { name: 'WebP image', bytes: [...'WEBP'].map((c) => c.charCodeAt(0)), at: 8 },
  { name: 'RIFF media', bytes: [...'RIFF'].map((c) => c.charCodeAt(0)) },
  { name: 'TIFF image', bytes: [0x49, 0x49, 0x2a, 0x00] },
  { name: 'TIFF image', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { name: 'ICO image', bytes: [0x00, 0x00, 0x01, 0x00] },
  { name: 'AVIF/HEIC/MP4 media', bytes: [...'ftyp'].map((c) => c.charCodeAt(0)), at: 4 },
  { name: 'PDF document', bytes: [...'%PDF-'].map((c) => c.charCodeAt(0)) },
  { name: 'ZIP archive', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'ZIP archive', bytes: [0x50, 0x4b, 0x05, 0x06] },
  { name: 'gzip data', bytes: [0x1f, 0x8b] },
  { name: 'bzip2 data', bytes: [0x42, 0x5a, 0x68, null, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59] },
  { name: 'xz data', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'zstd data', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: '7z archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'RAR archive', bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { name: 'Ogg media', bytes: [...'OggS'].map((c) => c.charCodeAt(0)) },
  { name: 'FLAC audio', bytes: [...'fLaC'].map((c) => c.charCodeAt(0)) },
  { name: 'MP3 audio', bytes: [...'ID3'].map((c) => c.charCodeAt(0)) },
  { name: 'Matroska/WebM media', bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { name: 'WOFF font', bytes: [...'wOF'].map((c) => c.charCodeAt(0)) },
  { name: 'ELF executable', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { name: 'WebAssembly module', bytes: [0x00, 0x61, 0x73, 0x6d] },
  { name: 'SQLite database', bytes: [...'SQLite format 3\0'].map((c) => c.charCodeAt(0)) },
];

/** The kind of binary file `b` starts like, or null. */
export function binarySignature(b: Uint8Array): string | null {
  for (const m of MAGIC) {
    const at = m.at ?? 0;
    if (b.length < at + m.bytes.length) continue;
    if (m.bytes.every((x, i) => x === null || b[at + i] === x)) return m.name;
  }
  return null;
}

/** Control-character density of the start of a decoded text: null when it reads as text, else why not. */
export function controlDensity(text: string): string | null {
  const n = Math.min(text.length, SAMPLE_CHARS);
  if (n === 0) return null;
  let nul = 0;
  let junk = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) nul++;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) junk++;
  }
  if (nul / n > MAX_NUL_RATIO) return `${nul} NUL characters in the first ${n}`;
  if (junk / n > MAX_CONTROL_RATIO) return `${junk} control or undecodable characters in the first ${n}`;
  return null;
}

/**
 * Decode a feed or page body, refusing binary ones with FeedwatchError 'not-text' (not retryable: the same URL
 * will serve the same file), and strip control characters from the text.
 */
export function decodeText(body: Uint8Array, contentType: string | null, kind: 'xml' | 'html', url: string): DecodedText {
  const wide = detectBom(body)?.encoding.startsWith('utf-') === true && detectBom(body)?.encoding !== 'utf-8';
  const signature = wide || sniffXmlSignature(body) ? null : binarySignature(body);
  if (signature) throw notText(url, contentType, `starts like a ${signature}`);
  const decoded = decodeBody(body, contentType, kind);
  const dense = controlDensity(decoded.text);
  if (dense) throw notText(url, contentType, `${dense} (read as ${decoded.charset})`);
  return { ...decoded, text: stripControls(decoded.text) };
}

function notText(url: string, contentType: string | null, why: string): FeedwatchError {
  const type = contentType ? contentType.split(';')[0]!.trim() : 'no Content-Type';
  return new FeedwatchError('not-text', `the body is not text (${type}): it ${why}`, { url, contentType }, { retryable: false });
}

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBody as decodeWithReason, charsetFromContentType, resolveLabel } from '../../src/fetch/charset.js';

/** The choice without its reason (reasons are checked in charset-table.test.ts). */
function decodeBody(...args: Parameters<typeof decodeWithReason>) {
  const { text, charset, charsetSource } = decodeWithReason(...args);
  return { text, charset, charsetSource };
}
import { encodeSingleByte } from './single-byte.js';

const cyr = 'Лавров рассказал о важных моментах отношений России и Кыргызстана';
const xml = (decl: string, body: string) => `<?xml version="1.0"${decl}?><rss version="2.0"><channel><title>${body}</title></channel></rss>`;

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const le = Buffer.from(text, 'utf16le');
  if (bigEndian) le.swap16();
  return bom ? Buffer.concat([bigEndian ? Buffer.from([0xfe, 0xff]) : Buffer.from([0xff, 0xfe]), le]) : le;
}

function utf32(text: string, littleEndian: boolean, bom: boolean): Uint8Array {
  const cps = [...(bom ? '\uFEFF' : '') + text].map((c) => c.codePointAt(0)!);
  const out = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => (littleEndian ? out.writeUInt32LE(cp, i * 4) : out.writeUInt32BE(cp, i * 4)));
  return out;
}

describe('decodeBody', () => {
  test('the HTTP charset decodes windows-1251 and koi8-r, and beats the XML declaration', () => {
    const doc = xml(' encoding="utf-8"', cyr);
    for (const charset of ['windows-1251', 'koi8-r']) {
      const r = decodeBody(encodeSingleByte(doc, charset), `application/rss+xml; charset=${charset}`, 'xml');
      assert.deepEqual(r, { text: doc, charset, charsetSource: 'header' });
    }
  });

  test('the XML declaration is used when the header names no charset', () => {
    const doc = xml(' encoding="windows-1251"', cyr);
    const r = decodeBody(encodeSingleByte(doc, 'windows-1251'), 'text/xml', 'xml');
    assert.deepEqual(r, { text: doc, charset: 'windows-1251', charsetSource: 'declaration' });
    const koi = xml(" encoding='KOI8-R'", cyr);
    assert.equal(decodeBody(encodeSingleByte(koi, 'koi8-r'), null, 'xml').text, koi);
  });

  test('a BOM is decisive, even against a header that names another charset', () => {
    const doc = xml('', cyr);
    const le = decodeBody(utf16(doc, false, true), 'application/xml; charset=windows-1251', 'xml');
    assert.deepEqual(le, { text: doc, charset: 'utf-16le', charsetSource: 'bom' });
    const be = decodeBody(utf16(doc, true, true), null, 'xml');
    assert.deepEqual(be, { text: doc, charset: 'utf-16be', charsetSource: 'bom' });
    const u8 = decodeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(doc)]), 'text/xml; charset=koi8-r', 'xml');
    assert.deepEqual(u8, { text: doc, charset: 'utf-8', charsetSource: 'bom' });
  });

  test('UTF-32 with and without BOM, and UTF-16 without BOM, are recognised from the first bytes', () => {
    const doc = xml(' encoding="utf-32"', 'emoji 😀 ' + cyr);
    assert.deepEqual(decodeBody(utf32(doc, false, true), null, 'xml'), { text: doc, charset: 'utf-32be', charsetSource: 'bom' });
    assert.deepEqual(decodeBody(utf32(doc, true, true), null, 'xml'), { text: doc, charset: 'utf-32le', charsetSource: 'bom' });
    assert.equal(decodeBody(utf32(doc, true, false), null, 'xml').text, doc);
    const d16 = xml(' encoding="utf-16"', cyr);
    assert.deepEqual(decodeBody(utf16(d16, false, false), null, 'xml'), { text: d16, charset: 'utf-16le', charsetSource: 'sniffed' });
    assert.deepEqual(decodeBody(utf16(d16, true, false), null, 'xml'), { text: d16, charset: 'utf-16be', charsetSource: 'sniffed' });
  });

  test('a utf-16 declaration over 8-bit bytes is ignored', () => {
    const doc = xml(' encoding="utf-16"', cyr);
    assert.deepEqual(decodeBody(Buffer.from(doc), null, 'xml'), { text: doc, charset: 'utf-8', charsetSource: 'default' });
  });

  test('bogus labels fall through to the next source without throwing', () => {
    const doc = xml(' encoding="windows-1251"', cyr);
    const bytes = encodeSingleByte(doc, 'windows-1251');
    assert.deepEqual(decodeBody(bytes, 'text/xml; charset=bogus-9', 'xml'), { text: doc, charset: 'windows-1251', charsetSource: 'declaration' });
    const plain = xml(' encoding="no-such-thing"', 'plain');
    assert.deepEqual(decodeBody(Buffer.from(plain), 'text/xml; charset=also-bogus', 'xml'), { text: plain, charset: 'utf-8', charsetSource: 'default' });
  });

  test('a UTF-8 claim over bytes that are not UTF-8 gives way to the declaration, then to sniffing', () => {
    const declared = xml(' encoding="windows-1251"', cyr);
    const r1 = decodeBody(encodeSingleByte(declared, 'windows-1251'), 'application/xml; charset=utf-8', 'xml');
    assert.equal(r1.text, declared);
    assert.equal(r1.charsetSource, 'declaration');

    const bare = xml('', cyr);
    const r2 = decodeBody(encodeSingleByte(bare, 'windows-1251'), 'application/xml; charset=utf-8', 'xml');
    assert.deepEqual(r2, { text: bare, charset: 'windows-1251', charsetSource: 'sniffed' });
    const r3 = decodeBody(encodeSingleByte(bare, 'koi8-r'), null, 'xml');
    assert.deepEqual(r3, { text: bare, charset: 'koi8-r', charsetSource: 'sniffed' });
    const latin = xml('', 'Café crème à la française, déjà vu');
    const r4 = decodeBody(encodeSingleByte(latin, 'windows-1252'), null, 'xml');
    assert.deepEqual(r4, { text: latin, charset: 'windows-1252', charsetSource: 'sniffed' });
  });

  test('HTML: <meta charset> and http-equiv in the first 4 KB', () => {
    const page = `<!doctype html><html><head><meta charset="windows-1251"><title>${cyr}</title></head></html>`;
    assert.deepEqual(decodeBody(encodeSingleByte(page, 'windows-1251'), 'text/html', 'html'), {
      text: page,
      charset: 'windows-1251',
      charsetSource: 'meta',
    });
    const equiv = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head><body>${cyr}</body></html>`;
    const r = decodeBody(encodeSingleByte(equiv, 'koi8-r'), null, 'html');
    assert.equal(r.text, equiv);
    assert.equal(r.charsetSource, 'meta');
    // An XML declaration means nothing to the HTML path.
    const html = `<?xml version="1.0" encoding="koi8-r"?><html><body>plain</body></html>`;
    assert.equal(decodeBody(Buffer.from(html), null, 'html').charsetSource, 'default');
  });

  test('never throws, whatever the bytes and labels', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const labels = [null, 'text/xml', 'text/xml; charset=', 'text/xml; charset="utf-32"', 'text/html; charset=x-user-defined', 'a; charset=iso-2022-kr'];
    for (let i = 0; i < 60; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256));
      for (const ct of labels) {
        for (const kind of ['xml', 'html'] as const) {
          const r = decodeBody(bytes, ct, kind);
          assert.equal(typeof r.text, 'string');
        }
      }
    }
    assert.equal(decodeBody(new Uint8Array(0), null, 'xml').text, '');
    assert.equal(decodeBody(Uint8Array.of(0xff, 0xfe, 0x41), null, 'xml').text, '\uFFFD');
  });
});

describe('charsetFromContentType', () => {
  const cases: [string | null, string | null][] = [
    ['text/xml; charset=windows-1251', 'windows-1251'],
    ['text/xml;charset = us-ascii', 'us-ascii'],
    ['text/xml;charset= "us-ascii"', 'us-ascii'],
    ["application/atom+xml; charset='gb2312'", 'gb2312'],
    ['text/xml; qs=0.9', null],
    ['text/xml; charset:iso-8859-1', null],
    ['text/xml;', null],
    ['text/xml', null],
    [null, null],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(charsetFromContentType(input), expected);
    });
  }
});

describe('resolveLabel', () => {
  test('maps WHATWG labels, UTF-32 and GB names; refuses unknown and replacement labels', () => {
    assert.equal(resolveLabel('CP1251'), 'windows-1251');
    assert.equal(resolveLabel('KOI8-R'), 'koi8-r');
    assert.equal(resolveLabel('big5'), 'big5');
    assert.equal(resolveLabel('windows-1255'), 'windows-1255');
    assert.equal(resolveLabel('gb2312'), 'gb18030');
    assert.equal(resolveLabel('UTF-32'), 'utf-32be');
    assert.equal(resolveLabel('iso-8859-1'), 'windows-1252');
    assert.equal(resolveLabel('bogus'), null);
    assert.equal(resolveLabel('iso-2022-kr'), null);
  });
});

describe('windows-1252', () => {
  test('bytes 80–9F decode to the windows-1252 characters (Node 20.18.3+ TextDecoder gives C1 controls); its five undefined bytes to U+FFFD', () => {
    const bytes = Uint8Array.from([0x80, 0x85, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x99, 0x81, 0xa3, 0xe9]);
    const r = decodeBody(bytes, 'text/plain; charset=windows-1252', 'xml');
    assert.equal(r.text, '€…‘’“”–—™\uFFFD£é');
    assert.equal(decodeBody(bytes, 'text/xml; charset=iso-8859-1', 'xml').text, r.text, 'latin1 labels mean windows-1252');
  });
});

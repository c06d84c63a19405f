/**
 * The charset table: where the charset is said (header, XML declaration, HTML meta, BOM, nowhere) × the charsets
 * Russian media use (utf-8, windows-1251, koi8-r) and the Latin ones (windows-1252, iso-8859-1); then every claim
 * checked against the bytes in both directions, with the reason recorded.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { decodeBody } from '../../src/fetch/charset.js';

const RUSSIAN = [
  'Правительство обсудило с губернаторами подготовку к зиме и ремонт теплосетей в северных регионах.',
  'В Новосибирске открылся новый мост через Обь; движение по нему запустят в субботу утром.',
].join(' ');
const LATIN = 'Le théâtre municipal a rouvert ses portes après trois années de travaux, a annoncé la mairie à Lyon.';

const CHARSETS = [
  { label: 'utf-8', text: RUSSIAN, expect: 'utf-8' },
  { label: 'windows-1251', text: RUSSIAN, expect: 'windows-1251' },
  { label: 'koi8-r', text: RUSSIAN, expect: 'koi8-r' },
  { label: 'windows-1252', text: LATIN, expect: 'windows-1252' },
  // WHATWG reads the iso-8859-1 label as windows-1252 (the same letters, plus € and smart quotes at 80–9F).
  { label: 'iso-8859-1', text: LATIN, expect: 'windows-1252' },
] as const;

const feed = (decl: string, title: string) =>
  `<?xml version="1.0"${decl}?>\n<rss version="2.0"><channel><title>News</title><item><title>${title}</title><description>${title}</description></item></channel></rss>`;
const page = (meta: string, title: string) => `<!doctype html><html><head>${meta}<title>x</title></head><body><article><p>${title}</p></article></body></html>`;

type Where = 'header' | 'declaration' | 'meta' | 'bom' | 'none';

function build(where: Where, label: string, text: string): { bytes: Uint8Array; contentType: string | null; kind: 'xml' | 'html'; doc: string } {
  switch (where) {
    case 'header': {
      const doc = feed('', text);
      return { bytes: iconv.encode(doc, label), contentType: `application/rss+xml; charset=${label}`, kind: 'xml', doc };
    }
    case 'declaration': {
      const doc = feed(` encoding="${label}"`, text);
      return { bytes: iconv.encode(doc, label), contentType: 'application/xml', kind: 'xml', doc };
    }
    case 'meta': {
      const doc = page(`<meta charset="${label}">`, text);
      return { bytes: iconv.encode(doc, label), contentType: 'text/html', kind: 'html', doc };
    }
    case 'bom': {
      // A UTF-8 BOM in front of UTF-8 bytes, whatever the header claims (here: the column's charset).
      const doc = feed('', text);
      return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(doc)]), contentType: `text/xml; charset=${label}`, kind: 'xml', doc };
    }
    case 'none': {
      const doc = page('', text);
      return { bytes: iconv.encode(doc, label), contentType: null, kind: 'html', doc };
    }
  }
}

describe('charset table: where it is said × which charset', () => {
  const sourceOf: Record<Where, string> = { header: 'header', declaration: 'declaration', meta: 'meta', bom: 'bom', none: 'sniffed' };
  for (const where of ['header', 'declaration', 'meta', 'bom', 'none'] as const) {
    for (const { label, text, expect } of CHARSETS) {
      test(`${where} × ${label}`, () => {
        const { bytes, contentType, kind, doc } = build(where, label, text);
        const r = decodeBody(bytes, contentType, kind);
        assert.equal(r.text, doc);
        const charset = where === 'bom' ? 'utf-8' : expect;
        assert.equal(r.charset, charset);
        // UTF-8 with no claim is the default reading, not a guess.
        const source = where === 'none' && label === 'utf-8' ? 'default' : sourceOf[where];
        assert.equal(r.charsetSource, source);
        assert.ok(r.charsetReason.length > 0);
        if (where === 'bom' && label !== 'utf-8') assert.match(r.charsetReason, new RegExp(`byte-order mark of utf-8 \\(beats the header's ${label}\\)`));
      });
    }
  }
});

describe('claims checked against the bytes, both ways', () => {
  const utf8Doc = feed('', RUSSIAN);
  const utf8Bytes = Buffer.from(utf8Doc);

  test('a single-byte claim over valid multi-byte UTF-8 is overruled, wherever it is made', () => {
    const cases: [string | null, 'xml' | 'html', Uint8Array, string][] = [
      ['application/rss+xml; charset=windows-1251', 'xml', utf8Bytes, utf8Doc],
      ['application/rss+xml; charset=koi8-r', 'xml', utf8Bytes, utf8Doc],
      ['text/xml; charset=ISO-8859-1', 'xml', utf8Bytes, utf8Doc],
      ['text/xml', 'xml', Buffer.from(feed(' encoding="windows-1251"', RUSSIAN)), feed(' encoding="windows-1251"', RUSSIAN)],
      [null, 'html', Buffer.from(page('<meta charset="koi8-r">', RUSSIAN)), page('<meta charset="koi8-r">', RUSSIAN)],
    ];
    for (const [ct, kind, bytes, doc] of cases) {
      const r = decodeBody(bytes, ct, kind);
      assert.equal(r.charset, 'utf-8', String(ct));
      assert.equal(r.text, doc);
      assert.match(r.charsetReason, /overruled: the bytes are UTF-8 \(\d+ multi-byte characters, 0 invalid sequences\)/);
    }
  });

  test('UTF-8 with a few stray bytes stays UTF-8, each bad sequence one U+FFFD', () => {
    const sentences = RUSSIAN.split(' ');
    for (const [ct, strays] of [['application/rss+xml; charset=utf-8', 1], [null, 3], ['text/xml; charset=windows-1251', 2]] as const) {
      const parts: Buffer[] = [];
      const expected: string[] = [];
      sentences.forEach((w, i) => {
        parts.push(Buffer.from(`${w} `));
        expected.push(`${w} `);
        if (i % Math.floor(sentences.length / strays) === 1 && expected.filter((e) => e === '\uFFFD').length < strays) {
          parts.push(Buffer.from([i % 2 ? 0xff : 0xc0])); // never valid in UTF-8
          expected.push('\uFFFD');
        }
      });
      const r = decodeBody(Buffer.concat(parts), ct, 'xml');
      assert.equal(r.charset, 'utf-8', `${ct}: ${r.charsetReason}`);
      assert.equal(r.text, expected.join(''));
      assert.match(r.charsetReason, new RegExp(`${strays} invalid`));
    }
    // A UTF-8 character cut off at the end of the body (a truncated response).
    const whole = RUSSIAN.slice(0, -1); // ends with a Cyrillic letter, two bytes in UTF-8
    const cut = Buffer.from(whole).subarray(0, Buffer.byteLength(whole) - 1);
    const r = decodeBody(cut, 'text/xml; charset=utf-8', 'xml');
    assert.equal(r.charset, 'utf-8');
    assert.equal(r.text, `${whole.slice(0, -1)}\uFFFD`);
  });

  test('a UTF-8 claim over single-byte Cyrillic gives way to detection (windows-1251 and koi8-r told apart)', () => {
    for (const enc of ['windows-1251', 'koi8-r']) {
      const doc = feed('', RUSSIAN);
      const r = decodeBody(iconv.encode(doc, enc), 'application/rss+xml; charset=utf-8', 'xml');
      assert.deepEqual([r.charset, r.charsetSource, r.text], [enc, 'sniffed', doc]);
      assert.match(r.charsetReason, /header says utf-8 but the bytes are not UTF-8.*detected/);
    }
  });

  test('windows-1251 text whose letter pairs happen to be valid UTF-8 ("Р»" is D0 BB) is not overruled', () => {
    const doc = feed('', 'Агентства «ТАСС» и «ИНТЕРФАКС» сообщили о визите делегации ПИР» в Казань.');
    const r = decodeBody(iconv.encode(doc, 'windows-1251'), 'text/xml; charset=windows-1251', 'xml');
    assert.deepEqual([r.charset, r.text], ['windows-1251', doc]);
  });

  test('a Latin-1 header in front of a windows-1251 page: the meta is believed, else detection', () => {
    const withMeta = page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', RUSSIAN);
    const r1 = decodeBody(iconv.encode(withMeta, 'windows-1251'), 'text/html; charset=ISO-8859-1', 'html');
    assert.deepEqual([r1.charset, r1.charsetSource, r1.text], ['windows-1251', 'meta', withMeta]);
    assert.match(r1.charsetReason, /header says ISO-8859-1, overruled: the bytes read as Cyrillic/);
    const bare = page('', RUSSIAN);
    const r2 = decodeBody(iconv.encode(bare, 'koi8-r'), 'text/html; charset=iso-8859-1', 'html');
    assert.deepEqual([r2.charset, r2.charsetSource, r2.text], ['koi8-r', 'sniffed', bare]);
  });

  test('a true Latin claim stays: French and German in windows-1252 are not taken for Cyrillic', () => {
    for (const text of [LATIN, 'Die Straßenbahn fährt ab Montag wieder über die Brücke, teilte die Stadtverwaltung mit.']) {
      const doc = page('', text);
      const r = decodeBody(iconv.encode(doc, 'windows-1252'), 'text/html; charset=iso-8859-1', 'html');
      assert.deepEqual([r.charset, r.charsetSource, r.text], ['windows-1252', 'header', doc]);
    }
  });
});

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bodyText, contentHash, fingerprintBody, MIN_TOKENS, normalizeText, stripDateline, tokenize } from '../../src/dedup/fingerprint.js';
import { hamming, simhash64, simhashToBigInt } from '../helpers/simhash.js';
import { jaccardEstimate, minhashSignature, shingleSet, signatureHex } from '../../src/dedup/minhash.js';
import { mulberry32 } from '../helpers/prng.js';

const SPUTNIK = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sputnik');
const lavrov = JSON.parse(readFileSync(join(SPUTNIK, 'sputnik-kg-20220305-lavrov.expected.json'), 'utf8')) as {
  lead: string; dateline: string; paragraphs: string[];
};
const LAVROV = [lavrov.lead, `${lavrov.dateline} ${lavrov.paragraphs.join('\n')}`].join('\n');

describe('stripDateline', () => {
  const table: Array<[string, string]> = [
    ['БИШКЕК, 5 мар — Sputnik. Министр рассказал.', 'Министр рассказал.'],
    ['МОСКВА, 14 фев - РИА Новости. Текст.', 'Текст.'],
    ['МОСКВА, 14 фев — РИА Новости, Анна Иванова. Текст.', 'Текст.'],
    ['НЬЮ-ЙОРК, 3 янв – Sputnik. Текст.', 'Текст.'],
    ['МОСКВА, 5 марта. /ТАСС/. Текст.', 'Текст.'],
    ['WASHINGTON (AP) — The Senate voted.', 'The Senate voted.'],
    ['LOS ANGELES, Calif. (AP) — Text.', 'Text.'],
    ['COLUMBIA, S.C. (AP) — Text.', 'Text.'],
    ['LONDON, Nov 19 (Reuters) - Text.', 'Text.'],
    ['PARIS — Text.', 'Text.'],
    ['LONDON (Reuters) - WASHINGTON (AP) — Stacked datelines.', 'Stacked datelines.'],
    ['Lead sentence.\nБИШКЕК, 5 мар — Sputnik. Body.', 'Lead sentence.\nBody.'],
  ];
  for (const [input, want] of table) test(input.slice(0, 40), () => assert.equal(stripDateline(input), want));

  test('leaves ordinary openings alone', () => {
    for (const s of ['Министр иностранных дел России Сергей Лавров рассказал.', 'NASA announced a mission — again.', 'A — B', 'I — me.']) {
      assert.equal(stripDateline(s), s);
    }
  });
  test('only looks at the first three paragraphs', () => {
    const text = 'One.\nTwo.\nThree.\nPARIS — Four.';
    assert.equal(stripDateline(text), text);
  });

  test('place names split into words at spaces only: the same datelines as when a hyphen could split them too', () => {
    // The patterns as they were (a hyphen both inside a word and between words: polynomial backtracking), as the
    // reference: the two accept the same place names, as a hyphen was always allowed inside a word.
    const word = String.raw`[\p{Lu}][\p{Lu}\p{M}'’.\-]*`;
    const oldPlace = String.raw`${word}(?:[ \-]${word}){0,3}`;
    const date = String.raw`(?:\d{1,2}\s+\p{L}{3,9}\.?(?:\s+\d{4})?|\p{L}{3,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)`;
    const dash = String.raw`[—–‒―−-]`;
    const old = [
      new RegExp(String.raw`^${oldPlace},\s*${date}\s*${dash}\s*[^.\n]{1,60}?\.(?=\s|$)`, 'u'),
      new RegExp(String.raw`^${oldPlace},\s*${date}\.?\s*/[^/\n]{1,30}/\.?`, 'u'),
      new RegExp(String.raw`^${oldPlace}(?:,\s*(?:${date}|\p{Lu}[\p{L}.]{1,14}))*\s*\([^()\n]{1,40}\)\s*${dash}`, 'u'),
      new RegExp(String.raw`^[\p{Lu}][\p{Lu}\p{M}]+(?:[ \-][\p{Lu}][\p{Lu}\p{M}]+){0,3}\s+${dash}\s`, 'u'),
    ];
    const oldStrip = (line: string): string => {
      let rest = line.trimStart();
      for (let round = 0; round < 2; round++) {
        const m = old.map((re) => re.exec(rest)).find((x) => x !== null);
        if (!m) break;
        rest = rest.slice(m[0].length).trimStart();
      }
      return rest;
    };
    // Lines built slot by slot (place words, separator, date, dash, agency, rest), each slot sometimes noise.
    const pick = <T,>(xs: readonly T[]): T => xs[next() % xs.length]!;
    const words = ['НЬЮ', 'ЙОРК', 'ST.', 'A', 'Б', "O'HARE", 'LOS', 'ANGELES', 'É', 'x'];
    const slots: string[][] = [
      [',', ', ', ' ', '', ',  '],
      ['5 мар', '14 февраля 2024', 'Nov. 19', 'November 19, 2019', 'Calif.', 'S.C.', '5', ''],
      [' — ', ' - ', '–', ' ', '. ', '.', ''],
      ['Sputnik. ', 'РИА Новости, Анна Иванова. ', '/ТАСС/. ', '(AP) — ', '(Reuters) - ', '   . ', ' ', ''],
      ['Text.', 'The Senate voted.', 'PARIS — Four.', '', '.', ' x'],
    ];
    const next = mulberry32(2026);
    let differ = 0;
    let stripped = 0;
    for (let i = 0; i < 40_000; i++) {
      const place = Array.from({ length: 1 + (next() % 5) }, () => pick(words)).reduce((a, w) => `${a}${pick([' ', '-', ' '])}${w}`);
      const line = [place, ...slots.map(pick)].join('');
      const want = oldStrip(line);
      const got = stripDateline(line).trimStart();
      if (want !== line.trimStart()) stripped++;
      // The one intended difference: an "agency" of spaces only ("МОСКВА, 5 мар —   .") is no dateline now.
      const removed = line.trimStart().slice(0, line.trimStart().length - want.length);
      if (got !== want && !/[—–‒―−-]\s+\.(?:\s|$)/u.test(removed)) differ++;
    }
    assert.ok(stripped > 500, `${stripped} generated lines had a dateline`);
    assert.equal(differ, 0);
  });

  test('hostile lines: 5,000 characters of hyphenated capitals, spaces or dashes leave the line as it was', () => {
    const lines = [
      `${'A-'.repeat(2_500)}A, 5 мар — x`,
      `${'A-A '.repeat(1_250)}(AP) x`,
      `МОСКВА, 5 мар —${' '.repeat(5_000)}x`,
      `${'A '.repeat(2_500)}— x`,
      `${'НЬЮ-'.repeat(1_250)}ЙОРК, 3 янв – Sputnik. Текст.`,
    ];
    for (const line of lines) assert.equal(stripDateline(line), line, line.slice(0, 30));
    // A dateline further in than the patterns look (400 characters) is not one.
    const far = `${'Б'.repeat(500)}, 5 мар — Sputnik. Текст.`;
    assert.equal(stripDateline(far), far);
  });
});

describe('normalizeText', () => {
  test('unifies quotes, dashes, ё, case and whitespace', () => {
    const a = '«Мы констатировали», — подчеркнул   Лавров.\n\nЕщё  абзац…';
    const b = '"Мы констатировали", - подчеркнул Лавров. Еще абзац...';
    const c = '“Мы констатировали”,\u00a0— ПОДЧЕРКНУЛ Лавров.\nЕщё абзац\u2026';
    assert.equal(normalizeText(a), normalizeText(b));
    assert.equal(normalizeText(a), normalizeText(c));
    assert.equal(normalizeText(a), 'мы констатировали, - подчеркнул лавров. еще абзац...');
  });
  test('apostrophes: don’t = don\'t', () => assert.equal(normalizeText('Don’t'), normalizeText("don't")));
  test('removes invisible characters', () => assert.equal(normalizeText('co\u00adope\u200bration'), 'cooperation'));
  test('keeps hyphens inside words', () => assert.equal(normalizeText('30-летия'), '30-летия'));
  test('the dateline is not part of the text', () => {
    assert.equal(normalizeText('БИШКЕК, 5 мар — Sputnik. Текст.'), normalizeText('МИНСК, 6 мар — Sputnik Беларусь. Текст.'));
  });
});

describe('contentHash', () => {
  test('sha256 hex of the normalized text', () => {
    assert.match(contentHash('x'), /^[0-9a-f]{64}$/);
    assert.equal(contentHash(LAVROV), contentHash(LAVROV.replace('БИШКЕК, 5 мар — Sputnik.', 'МОСКВА, 5 мар - РИА Новости.')));
    assert.notEqual(contentHash(LAVROV), contentHash(LAVROV.replace('Лавров', 'Шойгу')));
  });
});

describe('tokenize', () => {
  test('runs of letters and digits', () => assert.deepEqual(tokenize('30-летия, ЕАЭС 2022.'), ['30', 'летия', 'ЕАЭС', '2022']));
});

describe('simhash64 and hamming', () => {
  test('16 hex digits; equal texts are 0 apart', () => {
    const h = simhash64(LAVROV);
    assert.ok(h);
    assert.match(h, /^[0-9a-f]{16}$/);
    assert.equal(hamming(h, simhash64(LAVROV.toUpperCase()) ?? ''), 0);
  });
  test('a small edit is close, another story is far', () => {
    const h = simhash64(LAVROV) ?? '';
    const edited = simhash64(LAVROV.replace('товарищеские', 'дружеские').replace('30-летия', '31-летия')) ?? '';
    const other = simhash64(readFileSync(join(SPUTNIK, 'snanews-de-20201216.expected.json'), 'utf8')) ?? '';
    assert.ok(hamming(h, edited) <= 6, `edit distance ${hamming(h, edited)}`);
    assert.ok(hamming(h, other) >= 16, `other-story distance ${hamming(h, other)}`);
  });
  test('hamming counts differing bits', () => {
    assert.equal(hamming('0000000000000000', 'ffffffffffffffff'), 64);
    assert.equal(hamming('8000000000000001', '0000000000000000'), 2);
    assert.equal(hamming('00000000f0000000', '0000000000000000'), 4);
  });
  test('as bigint', () => assert.equal(simhashToBigInt('00000000000000ff'), 255n));
  test('null without a full shingle', () => assert.equal(simhash64('one'), null));
});

describe('MinHash', () => {
  test('estimates the Jaccard similarity of shingle sets', () => {
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
    const other = [...words.slice(0, 300), ...Array.from({ length: 100 }, (_, i) => `v${i}`)];
    const a = shingleSet(words, 2);
    const b = shingleSet(other, 2);
    let inter = 0;
    for (const x of a) if (b.has(x)) inter++;
    const truth = inter / (a.size + b.size - inter);
    const est = jaccardEstimate(signatureHex(minhashSignature(words) ?? new Uint32Array()), signatureHex(minhashSignature(other) ?? new Uint32Array()));
    assert.ok(Math.abs(est - truth) < 0.12, `estimate ${est} vs true ${truth}`);
  });
  test('identical texts estimate 1, disjoint ones about 0', () => {
    const s = signatureHex(minhashSignature(tokenize('a b c d e f g h i j k')) ?? new Uint32Array());
    const t = signatureHex(minhashSignature(tokenize('l m n o p q r s t u v')) ?? new Uint32Array());
    assert.equal(s.length, 512);
    assert.equal(jaccardEstimate(s, s), 1);
    assert.ok(jaccardEstimate(s, t) < 0.05);
    assert.equal(jaccardEstimate(s, s.slice(4)), 0, 'signatures of different sizes do not compare');
  });
});

describe('fingerprintBody and bodyText', () => {
  test('hash, signature and 32 bands; deterministic', () => {
    const f = fingerprintBody(LAVROV);
    assert.deepEqual(fingerprintBody(LAVROV), f);
    assert.equal(f.textHash, contentHash(LAVROV));
    assert.equal(f.minhash?.length, 512);
    assert.equal(f.bands.length, 32);
    assert.ok(f.bands.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32));
    assert.deepEqual(JSON.parse(JSON.stringify(f)), f, 'JSON round trip');
  });
  test(`no near-duplicate fingerprint under ${MIN_TOKENS} words`, () => {
    const f = fingerprintBody('Фото дня: закат');
    assert.equal(f.minhash, null);
    assert.deepEqual(f.bands, []);
    assert.equal(f.tokenCount, 3);
  });
  test('the body text is lead and paragraphs, without the title', () => {
    assert.equal(bodyText({ lead: 'Lead.', paragraphs: ['One.', 'Two.'] }), 'Lead.\nOne.\nTwo.');
    assert.equal(bodyText({ lead: null, paragraphs: ['One.'] }), 'One.');
  });
});

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bodyText, contentHash, fingerprintBody, MIN_TOKENS, normalizeText, stripDateline, tokenize } from '../../src/dedup/fingerprint.js';
import { hamming, simhash64, simhashToBigInt } from '../helpers/simhash.js';
import { jaccardEstimate, minhashSignature, shingleSet, signatureHex } from '../../src/dedup/minhash.js';

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

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, lemmaKeys, lemmaText, loadMorphology, LruCache, StemOnly, type Morphology } from '../../src/alerts/morphology.js';
import { foldKeepingOffsets, foldWord, tokenize } from '../../src/alerts/tokenize.js';

let lem: Morphology;
before(async () => {
  lem = await loadMorphology();
});

const meets = (a: readonly string[], b: readonly string[]): boolean => a.some((k) => b.includes(k));
/** Does rule word `rule` find text word `word`? */
const finds = (rule: string, word: string): boolean => meets(lem.queryKeys(rule), lem.tokenKeys(word));

describe('tokenize and fold', () => {
  test('tokens are runs of letters and digits with raw offsets', () => {
    const text = 'Лавров: «Нью-Йорк», COVID-19 и 2022 г.';
    const toks = tokenize(text);
    assert.deepEqual(
      toks.map((t) => t.text),
      ['Лавров', 'Нью', 'Йорк', 'COVID', '19', 'и', '2022', 'г'],
    );
    for (const t of toks) assert.equal(text.slice(t.start, t.end), t.text);
  });
  test('stress marks and soft hyphens stay inside a token and are folded away', () => {
    const [t] = tokenize('Лавро\u0301в и мини\u00ADстр');
    assert.equal(t!.text, 'Лавро\u0301в');
    assert.equal(foldWord(t!.text), 'лавров');
    assert.equal(foldWord('мини\u00ADстр'), 'министр');
  });
  test('ё folds to е, case folds, offsets are kept for regex text', () => {
    assert.equal(foldWord('Ёлка'), 'елка');
    const s = 'İstanbul Ёж';
    const f = foldKeepingOffsets(s);
    assert.equal(f.length, s.length);
    assert.equal(f.slice(9), 'еж');
  });
});

describe('az lemmas', () => {
  test('a surname matches its own cases, not look-alikes', () => {
    for (const form of ['Лавров', 'Лаврова', 'Лавровым', 'Лаврову', 'Лаврове', 'ЛАВРОВА', 'лаврова']) assert.ok(finds('Лавров', form), form);
    for (const form of ['лавра', 'лавры', 'лавровый', 'лаврового', 'Лаврово', 'Лаврентий']) assert.ok(!finds('Лавров', form), form);
  });
  test('a text word carries every possible lemma; a rule word written as a lemma asks only for itself', () => {
    assert.deepEqual([...lem.tokenKeys('Лавров')].sort(), ['лавр', 'лавров']);
    assert.deepEqual(lem.queryKeys('Лавров'), ['лавров']);
    assert.deepEqual([...lem.tokenKeys('стали')].sort(), ['сталь', 'стать']);
    assert.deepEqual([...lem.queryKeys('стали')].sort(), ['сталь', 'стать']);
    assert.ok(finds('сталь', 'стали') && finds('стать', 'стали'));
  });
  test('first names and places by lemma (Snowball alone splits them)', () => {
    assert.ok(finds('Сергей', 'Сергея'));
    assert.ok(finds('Кыргызстан', 'Кыргызстана'));
    assert.ok(finds('Бишкек', 'Бишкеке'));
    assert.ok(!finds('Россия', 'российского'));
    const stem = new StemOnly();
    assert.notDeepEqual(stem.tokenKeys('Сергей'), stem.tokenKeys('Сергея'));
    assert.notDeepEqual(stem.tokenKeys('Лавров'), stem.tokenKeys('Лаврова'));
  });
  test('ё and е are one letter', () => {
    assert.ok(finds('елка', 'Ёлки'));
    assert.ok(finds('ёлка', 'елке'));
    assert.ok(finds('кремлевский', 'Кремлёвского'));
  });
  test('unknown Russian words: stem, the word itself and az guesses from the ending', () => {
    const keys = lem.tokenKeys('Казакбаева');
    assert.ok(keys.includes('казакбаев'), keys.join(' '));
    assert.ok(keys.some((k) => k.startsWith('_')));
    assert.ok(finds('Казакбаев', 'Казакбаева'));
    assert.ok(finds('Казакбаев', 'Казакбаевым'));
    assert.ok(finds('Зеленский', 'Зеленского'));
    assert.ok(!finds('Лавров', 'Лаврово'));
  });
  test('English and other scripts fall back to Snowball stems or the folded token', () => {
    assert.deepEqual(lem.tokenKeys('Vehicles'), ['_vehicl']);
    assert.ok(finds('vehicle', 'vehicles'));
    assert.deepEqual(lem.tokenKeys('2022'), ['2022']);
    assert.deepEqual(lem.tokenKeys('G20'), ['g20']);
    assert.deepEqual(lem.tokenKeys('北京'), ['北京']);
  });
  test('keys are FTS-safe: letters, digits and "_" only', () => {
    const text = 'Лавров, Сергей Викторович; Нью-Йорк — COVID-19, 北京, naïve café, ёж Ёлкин.';
    for (const t of tokenize(text)) for (const k of lem.tokenKeys(t.text)) assert.match(k, /^[\p{L}\p{N}_]+$/u, k);
  });
});

describe('analyzeText', () => {
  test('is plain data whose offsets point at the tokens and whose keys are the token keys', () => {
    const text = 'Лавров принял Казакбаева в Москве.';
    const a = analyzeText(text, lem);
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
    assert.equal(a.by, lem.id);
    assert.equal(a.keys.length, 5);
    assert.equal(text.slice(a.starts[4]!, a.ends[4]!), 'Москве');
    assert.equal(a.keys[4], 'москва');
    assert.equal(a.keys[0], lemmaKeys('Лавров', lem));
    assert.equal(lemmaText(a), a.keys.join(' '));
  });
  test('the dictionaries load once per process; each lemmatizer has its own bounded cache', async () => {
    const other = await loadMorphology({ cacheSize: 2 });
    assert.equal(other.loadStats, lem.loadStats);
    assert.ok(lem.loadStats.ms > 0 && lem.loadStats.rssBytes > 0);
    other.tokenKeys('один');
    other.tokenKeys('два');
    other.tokenKeys('три');
    assert.equal(other.cache.size, 2);
    other.tokenKeys('три');
    assert.equal(other.cache.hits, 1);
  });
});

describe('LruCache', () => {
  test('evicts the least recently used entry', () => {
    const c = new LruCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    assert.equal(c.get('a'), 1);
    c.set('c', 3);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
  });
});

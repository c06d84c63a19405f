import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildAlertDoc, compileRule, matchRule, type AlertDoc } from '../../src/alerts/match.js';
import { analyzeText, loadMorphology, type Morphology } from '../../src/alerts/morphology.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/alerts/lavrov-article.json', import.meta.url), 'utf8')) as {
  title: string;
  lead: string;
  paragraphs: string[];
  tags: string[];
};

let lem: Morphology;
let doc: AlertDoc;
before(async () => {
  lem = await loadMorphology();
  doc = buildAlertDoc({ title: fixture.title, lead: fixture.lead, body: fixture.paragraphs.join('\n\n'), feed: 'sputnik-kg', tags: fixture.tags }, lem);
});

const run = (rule: string, d: AlertDoc = doc) => matchRule(compileRule(rule, lem), d);

describe('matchRule on the Lavrov article', () => {
  const cases: [string, boolean][] = [
    ['Лавров', true],
    ['лавров', true],
    // "Лавров" is also the genitive plural of "лавр" (laurel): a homograph no dictionary can tell apart.
    ['лавр', true],
    ['лавра', false],
    ['Казакбаев', true],
    ['Сергей', true],
    ['"Сергей Лавров"', true],
    ['"Лавров Сергей"', false],
    ['"министр иностранных дел"', true],
    ['"министры иностранного дела"', true],
    ['Лавров AND Кыргызстан', true],
    ['Лавров -Кыргызстан', false],
    ['Лавров NOT Путин', true],
    ['Путин OR Казакбаев', true],
    ['Путин OR Байден', false],
    ['title:Казакбаев', false],
    ['body:Казакбаев', true],
    ['lead:российский', true],
    ['title:российский', false],
    ['title:Россия', true],
    ['tag:Политика', true],
    ['tag:Лавров', true],
    ['tag:"Политика Сергей"', false],
    ['feed:sputnik', true],
    ['feed:ria', false],
    ['Политика', false],
    ['/кыргызстан\\p{L}*/u', true],
    ['/КЫРГЫЗСТАН/', true],
    ['/^лавров рассказал/', true],
    ['body:/^лавров рассказал/', false],
    ['body:/^министр иностранных/', true],
    ['(Лавров OR Шойгу) (Бишкек OR Москва) -ЕАЭС', false],
    ['(Лавров OR Шойгу) (Бишкек OR Москва) -Зимбабве', true],
    ['ЕАЭС', true],
    ['"30 летия"', true],
  ];
  for (const [rule, expected] of cases) test(`${rule} → ${expected}`, () => assert.equal(run(rule).match, expected));

  test('spans point at the matched words in each field, sorted', () => {
    const r = run('Лавров');
    assert.ok(r.match);
    const title = r.spans.filter((s) => s.field === 'title');
    assert.deepEqual(title, [{ field: 'title', start: 0, end: 6, term: 'Лавров', text: 'Лавров' }]);
    const texts = new Set(r.spans.map((s) => s.text));
    assert.deepEqual([...texts].sort(), ['Лавров', 'Лаврова']);
    assert.equal(r.spans.length, 8); // Лавров ×7 (title and body), Лаврова ×1
    for (const s of r.spans) assert.equal(doc.text[s.field].slice(s.start, s.end), s.text);
    const order = r.spans.map((s) => `${['title', 'lead', 'body', 'feed', 'tag'].indexOf(s.field)}:${String(s.start).padStart(6, '0')}`);
    assert.deepEqual(order, [...order].sort());
  });

  test('a phrase span covers all its words; NOT contributes no spans', () => {
    const r = run('"Сергей Лавров" -Путин');
    assert.equal(r.spans.length, 1);
    assert.equal(r.spans[0]!.text, 'Сергей Лавров');
    assert.equal(r.spans[0]!.term, 'Сергей Лавров');
  });

  test('an OR collects the spans of every branch that matched', () => {
    const r = run('Бишкек OR Москва OR Зимбабве');
    const terms = new Set(r.spans.map((s) => s.term));
    assert.deepEqual([...terms].sort(), ['Бишкек', 'Москва']);
  });
});

describe('matchRule details', () => {
  test('a phrase does not run across a paragraph or tag boundary', () => {
    const d = buildAlertDoc({ body: 'Встреча прошла в Москве\n\nСергей Лавров сказал', tags: ['Москва', 'Сергей'] }, lem);
    assert.equal(run('"Москве Сергей"', d).match, false);
    assert.equal(run('"Москве сергей"', buildAlertDoc({ body: 'в Москве, Сергей' }, lem)).match, true);
    assert.equal(run('tag:"Москва Сергей"', d).match, false);
  });
  test('stored analyses are reused when made by the same lemmatizer, redone otherwise', () => {
    const stored = analyzeText('Лавров', lem);
    const d = buildAlertDoc({ title: 'Лавров', analyzed: { title: stored } }, lem);
    assert.equal(d.analyzed.title, stored);
    const stale = { ...stored, by: 'old/0' };
    const d2 = buildAlertDoc({ title: 'Лавров', analyzed: { title: stale } }, lem);
    assert.notEqual(d2.analyzed.title, stale);
    assert.equal(d2.analyzed.title.by, lem.id);
  });
  test('regex runs on ё-folded, lower-cased text and reports raw offsets', () => {
    const d = buildAlertDoc({ body: 'Ёлки и ЁЖИКИ' }, lem);
    const r = run('/ежик/', d);
    assert.ok(r.match);
    assert.equal(r.spans[0]!.text, 'ЁЖИК');
    assert.ok(run('/ёлки/', d).match);
  });
  test('a zero-length regex match does not loop', () => {
    const d = buildAlertDoc({ body: 'абв' }, lem);
    assert.equal(run('/x*/', d).match, false);
  });
  test('empty fields never match', () => {
    const d = buildAlertDoc({}, lem);
    assert.equal(run('Лавров', d).match, false);
    assert.equal(run('/./', d).match, false);
  });
});

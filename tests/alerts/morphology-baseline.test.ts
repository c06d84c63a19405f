import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluateWordForms, type WordFormsEntry, type WordFormsReport } from '../helpers/morph-eval.js';
import { loadMorphology, StemOnly } from '../../src/alerts/morphology.js';

const read = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/alerts/${name}`, import.meta.url), 'utf8'));
const forms = (read('word-forms.json') as { words: WordFormsEntry[] }).words;
interface Figures {
  recall: number;
  falseMatchRate: number;
  ru: { recall: number; falseMatchRate: number };
  en: { recall: number; falseMatchRate: number };
}
const baseline = read('morphology-baseline.json') as { az: Figures & { rules: number; forms: number }; snowball: Figures };
// Figures in the baseline file are rounded to 4 decimals.
const EPS = 5e-5;

let az: WordFormsReport;
let snowball: WordFormsReport;
before(async () => {
  az = evaluateWordForms(forms, await loadMorphology());
  snowball = evaluateWordForms(forms, new StemOnly());
});

describe('word-form matching quality (tests/fixtures/alerts/word-forms.json)', () => {
  test('the list is the one the baseline was measured on, and big enough to mean something', () => {
    assert.ok(forms.length >= 100, `${forms.length} rule words`);
    assert.equal(az.rules, baseline.az.rules);
    assert.equal(az.should + az.shouldNot, baseline.az.forms);
    for (const kind of ['surname', 'first-name', 'place', 'noun', 'adjective']) assert.ok(az.byKind[kind]!.should >= 10, kind);
  });

  test('recall does not drop below the pinned baseline', () => {
    assert.ok(az.recall >= baseline.az.recall - EPS, `recall ${az.recall} < ${baseline.az.recall}; missed: ${JSON.stringify(az.missed)}`);
    assert.ok(az.byLang.ru!.recall >= baseline.az.ru.recall - EPS, `ru recall ${az.byLang.ru!.recall}`);
    assert.ok(az.byLang.en!.recall >= baseline.az.en.recall - EPS, `en recall ${az.byLang.en!.recall}`);
  });

  test('the false-match rate does not rise above the pinned baseline', () => {
    const msg = `false-match rate ${az.falseMatchRate} > ${baseline.az.falseMatchRate}; false matches: ${JSON.stringify(az.falselyMatched)}`;
    assert.ok(az.falseMatchRate <= baseline.az.falseMatchRate + EPS, msg);
    assert.ok(az.byLang.ru!.falseMatchRate <= baseline.az.ru.falseMatchRate + EPS, `ru false-match rate ${az.byLang.ru!.falseMatchRate}`);
    assert.ok(az.byLang.en!.falseMatchRate <= baseline.az.en.falseMatchRate + EPS, `en false-match rate ${az.byLang.en!.falseMatchRate}`);
  });

  test('the dictionary beats Snowball alone on Russian in both figures', () => {
    assert.ok(Math.abs(snowball.recall - baseline.snowball.recall) < EPS, `snowball recall moved: ${snowball.recall}`);
    assert.ok(az.byLang.ru!.recall > snowball.byLang.ru!.recall);
    assert.ok(az.byLang.ru!.falseMatchRate < snowball.byLang.ru!.falseMatchRate);
  });
});

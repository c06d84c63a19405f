/**
 * Metadata against labels written by reading the pages (tests/fixtures/meta-labels.json): the match rules of
 * bench/meta-score.ts, the labels' own shape, and accuracy floors per field on the dev-corpus pages (kept in
 * tests/fixtures/extract-dev). The dragnet part of the labels is measured by `npm run bench -- meta` only.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMetaLabels, runMetaLabels, META_LABELS_FILE } from '../../bench/meta.js';
import { accuracy, authorMatches, dateMatches, titleMatches, type MetaLabel } from '../../bench/meta-score.js';

const label = (over: Partial<MetaLabel>): MetaLabel => ({ key: 'k', corpus: 'dev', headline: 'A headline', author: null, date: null, ...over });

describe('match rules', () => {
  test('titles match after normalising case, quotes, dashes and spacing, not when words differ', () => {
    const l = label({ headline: 'Star Wars: “Fallen Order” review – shoots for the moon' });
    assert.ok(titleMatches('star wars: "Fallen Order" review - shoots for the moon', l));
    assert.ok(!titleMatches('Star Wars: Fallen Order review – shoots for the moon | Site', l));
    assert.ok(!titleMatches(null, l));
  });

  test('authors match as sets of names, without case, diacritics or a leading "by"; null only matches null', () => {
    const l = label({ author: 'Mike Wuerthele, Malcolm Owen' });
    assert.ok(authorMatches('By Malcolm Owen and MIKE WUERTHELE', l));
    assert.ok(!authorMatches('Mike Wuerthele', l));
    assert.ok(authorMatches('Renée Müller', label({ author: 'Renee Muller' })));
    assert.ok(authorMatches(null, label({ author: null })));
    assert.ok(!authorMatches('Reuters', label({ author: null })));
    assert.ok(!authorMatches(null, l));
  });

  test("dates match on the calendar day the page's own offset gives", () => {
    const l = label({ date: '2019-11-18' });
    assert.ok(dateMatches('2019-11-18T23:30:00-05:00', l));
    assert.ok(!dateMatches('2019-11-19T04:30:00+00:00', l));
    assert.ok(dateMatches(null, label({ date: null })));
    assert.ok(!dateMatches('2019-11-18T00:00:00+00:00', label({ date: null })));
  });
});

describe('the labelled set', () => {
  const labels = loadMetaLabels();

  test('has 80+ pages from both corpora, each key once, dates as YYYY-MM-DD', () => {
    assert.ok(labels.length >= 80, `${labels.length} labels`);
    assert.ok(labels.filter((l) => l.corpus === 'dev').length >= 40);
    assert.ok(labels.filter((l) => l.corpus === 'dragnet').length >= 40);
    assert.equal(new Set(labels.map((l) => `${l.corpus}/${l.key}`)).size, labels.length);
    for (const l of labels) {
      assert.ok(l.headline.trim() !== '', l.key);
      assert.ok(l.date === null || /^\d{4}-\d{2}-\d{2}$/.test(l.date), l.key);
      assert.ok(l.author === null || l.author.trim() !== '', l.key);
    }
  });

  test('dev-corpus accuracy per field stays at or above the pinned floors', () => {
    const baseline = JSON.parse(readFileSync(join(META_LABELS_FILE, '..', 'meta-baseline.json'), 'utf8')) as { floors: Record<string, number> };
    const { results, missing } = runMetaLabels(labels.filter((l) => l.corpus === 'dev'));
    assert.equal(missing.length, 0, 'every dev-corpus page is in tests/fixtures/extract-dev');
    const acc = accuracy(results);
    for (const [field, floor] of Object.entries(baseline.floors)) {
      const got = acc[field as keyof typeof acc];
      const misses = results.filter((r) => !r.ok[field as keyof typeof acc]).map((r) => `${r.label.key.slice(0, 8)}: ${JSON.stringify(r.got[field as keyof typeof acc])}`);
      assert.ok(got >= floor, `${field}: ${got.toFixed(3)} < floor ${floor}; misses:\n${misses.join('\n')}`);
    }
  });
});

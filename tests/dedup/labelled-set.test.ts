import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sideText } from '../fixtures/dedup/edits.js';
import { loadLabelledSet, scoreSet } from './labelled-set.js';

// The quality gate: precision and recall of "same story" on the labelled set must stay at or above the targets.
const MIN_PRECISION = 0.98;
const MIN_RECALL = 0.95;

describe('labelled dedup set', () => {
  const set = loadLabelledSet();
  const score = scoreSet(set);

  test('the set is what the generator wrote: real sources, both labels, every edit script replays', () => {
    const same = set.pairs.filter((p) => p.same).length;
    assert.ok(same >= 800, `${same} same-story pairs`);
    assert.ok(set.pairs.length - same >= 400, `${set.pairs.length - same} different-story pairs`);
    assert.ok(Object.keys(set.sources).length >= 110);
    for (const p of set.pairs) for (const side of [p.a, p.b]) assert.ok(sideText(set, side).length > 0, p.id);
  });

  test(`precision >= ${MIN_PRECISION} and recall >= ${MIN_RECALL}`, () => {
    const misses = score.results.filter((r) => r.pair.same !== r.predictedSame).map((r) => `${r.pair.id} ${r.pair.kind} → ${r.decision}`);
    assert.ok(score.precision >= MIN_PRECISION, `precision ${score.precision.toFixed(4)}; wrong: ${misses.join(', ')}`);
    assert.ok(score.recall >= MIN_RECALL, `recall ${score.recall.toFixed(4)}; wrong: ${misses.join(', ')}`);
  });

  test('a new dateline and typographic restyling leave the normalized text identical (duplicate-text)', () => {
    for (const r of score.results.filter((x) => x.pair.kind === 'new-dateline' || x.pair.kind === 'restyled')) {
      assert.equal(r.decision, 'duplicate-text', r.pair.id);
    }
  });

  test('every kind of edit is recognized in at least 95% of its pairs; no different-story kind above 2%', () => {
    for (const [kind, k] of Object.entries(score.byKind)) {
      const sameKind = set.pairs.find((p) => p.kind === kind)?.same;
      const rate = k.predictedSame / k.pairs;
      if (sameKind) assert.ok(rate >= 0.95, `${kind}: ${k.predictedSame}/${k.pairs}`);
      else assert.ok(rate <= 0.02, `${kind}: ${k.predictedSame}/${k.pairs}`);
    }
  });
});

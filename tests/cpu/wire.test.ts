/**
 * A CPU task's result across the thread edge (src/cpu/wire.ts): an analysis crosses packed and comes out as it went
 * in, field by field and property by property; one the pack cannot restore (cut, or a key with a line break), and
 * every other task's result, cross as they are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResult, encodeResult } from '../../src/cpu/wire.js';
import { analyzeText, loadMorphology } from '../../src/alerts/morphology.js';

const cross = (type: Parameters<typeof encodeResult>[0], value: unknown) => decodeResult(type, structuredClone(encodeResult(type, value)));

test('an article analysis crosses packed and comes back equal; a cut one and other results cross as they are', async () => {
  const lem = await loadMorphology();
  const texts = {
    title: 'Депутаты обсудили бюджет на 2027 год',
    lead: 'Parliament debated the 2027 budget; ministers answered questions.',
    body: Array.from({ length: 40 }, (_, i) => `Абзац ${i}: министры отвечали на вопросы депутатов о налогах и расходах.`).join('\n\n'),
    feed: 'news-feed',
    tag: '',
  };
  const analyses = Object.fromEntries(Object.entries(texts).map(([f, t]) => [f, analyzeText(t, lem, 100_000)]));
  const sent = encodeResult('analyse', analyses) as Record<string, unknown>;
  assert.ok('packedAnalyses' in sent, 'packed for the crossing');
  const back = cross('analyse', analyses);
  assert.deepEqual(back, analyses);
  assert.deepEqual(Object.keys(back as object), Object.keys(analyses), 'fields in the same order');

  const cut = { body: analyzeText(texts.body, lem, 5) };
  assert.equal(cut.body.cut, true);
  assert.deepEqual(cross('analyse', cut), cut);
  assert.ok(!('packedAnalyses' in (encodeResult('analyse', cut) as object)), 'a cut analysis crosses as it is');

  const article = { title: 't', paragraphs: ['a', 'b'] };
  assert.equal(encodeResult('extract', article), article);
  assert.deepEqual(cross('page', { article, charset: 'utf-8', charsetReason: 'header' }), { article, charset: 'utf-8', charsetReason: 'header' });
});

/**
 * The morphology budget (`budgets.analyzedTokens`): a field keys at most that many tokens, the analysis says it was
 * cut, rule words see only the analysed tokens while regexes still see the whole text, and the alert stage indexes
 * the cut analysis, logs it and counts it. An analysis the pool ends over its budget keeps the article matchable.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { alertsSchema } from '../../src/alerts/config-schema.js';
import { buildAlertDoc, compileRule, matchRule } from '../../src/alerts/match.js';
import { analyzeText, StemOnly } from '../../src/alerts/morphology.js';
import { ManualClock } from '../../src/clock.js';
import { FeedwatchError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { FeedItem } from '../../src/model.js';
import { createAlertEngine, matchAlerts } from '../../src/pipeline/alert-stage.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { testArticle } from '../helpers/store-fixtures.js';
import { jsonLogLines } from '../helpers/log-lines.js';

const lem = new StemOnly();
const dir = mkdtempSync(join(tmpdir(), 'feedwatch-analysis-cap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const words = (n: number, last = 'финал') => [...Array.from({ length: n - 1 }, (_, i) => `слово${i % 7 === 0 ? '' : 'а'}`), last].join(' ');
const item: FeedItem = { feedName: 'kg', guid: 'g', link: 'https://example.org/1', title: 'Визит', description: null, author: null, publishedAt: null, categories: [], enclosures: [], extra: {} };

describe('analyzeText with a token budget', () => {
  test('keys the first maxTokens tokens and marks the analysis cut; a text within the budget is not marked', () => {
    const text = words(100);
    const cut = analyzeText(text, lem, 10);
    assert.equal(cut.keys.length, 10);
    assert.equal(cut.cut, true);
    assert.deepEqual(cut.starts, analyzeText(text, lem).starts.slice(0, 10));
    const whole = analyzeText(text, lem, 100);
    assert.equal(whole.keys.length, 100);
    assert.ok(!('cut' in whole));
  });

  test('rule words see the analysed tokens only; a regex sees the whole text', () => {
    const doc = buildAlertDoc({ title: 'визит', body: words(50, 'финал') }, lem, 20);
    assert.equal(doc.analyzed.body.cut, true);
    assert.equal(doc.analyzed.title.cut, undefined);
    assert.equal(matchRule(compileRule('финал', lem), doc).match, false);
    assert.equal(matchRule(compileRule('/финал/', lem), doc).match, true);
    assert.equal(matchRule(compileRule('визит', lem), doc).match, true);
  });
});

describe('the alert stage and the budget', () => {
  test('a cut body is indexed up to the cut, logged and counted', async () => {
    const store = await openSqliteStore(join(dir, 'cut.db'));
    const { logger, lines } = jsonLogLines();
    const registry = new Registry();
    const analysisCut = new Counter({ name: 'cut_total', help: 'x', registers: [registry] });
    try {
      const alerts = await createAlertEngine(alertsSchema.parse({ channels: {}, rules: [{ name: 'visit', query: 'визит', channels: ['log'] }] }), {
        env: {}, logger: silentLogger, userAgent: 'ua', lemmatizer: lem, maxTokens: 30,
      });
      const deps = { store, clock: new ManualClock(Date.parse('2026-03-05T12:00:00Z')), logger, alerts, metrics: { analysisCut } };
      const summary = await matchAlerts({ articleId: 1, clusterId: 1, article: testArticle('Визит министра', [words(200)]), item, fresh: true }, deps);
      assert.deepEqual(summary.matched, ['visit']);
      // The search index holds the analysed tokens only: the body's last word (token 200) is not in it.
      const indexed = async (q: string) => (await store.searchCandidates(compileRule(q, lem), { limit: 5, lemmatizer: lem.id })).map((d) => d.articleId);
      assert.deepEqual(await indexed('слово'), [1]);
      assert.deepEqual(await indexed('финал'), []);
      assert.deepEqual(await indexed('министра'), [1]);
      assert.equal((await registry.getSingleMetric('cut_total')!.get()).values[0]?.value, 1);
      assert.deepEqual(lines.filter((l) => String(l['msg']).startsWith('analysis cut')).map((l) => l['fields']), [['body']]);
    } finally {
      await store.close();
    }
  });

  test('analysis ended over the pool budget: the fields are kept unanalysed and cut, the title still matches a regex', async () => {
    const store = await openSqliteStore(join(dir, 'slow.db'));
    try {
      const alerts = await createAlertEngine(alertsSchema.parse({ channels: {}, rules: [{ name: 'visit', query: '/визит/', channels: ['log'] }] }), {
        env: {}, logger: silentLogger, userAgent: 'ua', lemmatizer: lem,
        analyse: () => Promise.reject(new FeedwatchError('too-slow', 'analyse ran over its budget', {})),
      });
      const deps = { store, clock: new ManualClock(Date.parse('2026-03-05T12:00:00Z')), logger: silentLogger, alerts };
      const summary = await matchAlerts({ articleId: 2, clusterId: 2, article: testArticle('Визит министра', ['Текст.']), item, fresh: true }, deps);
      assert.deepEqual(summary.matched, ['visit']);
      // Stored, with no index keys for its unanalysed fields.
      assert.equal((await store.getAlertDoc(2))?.title, 'Визит министра');
      assert.deepEqual(await store.searchCandidates(compileRule('министра', lem), { limit: 5, lemmatizer: lem.id }), []);
    } finally {
      await store.close();
    }
  });
});

/**
 * The alert stage skips the stored-document lookup for an article whose row the store call just created (`fresh`):
 * no document can exist under a new id. The document is stored all the same, and an article that is not fresh (a
 * sighting of a stored one, a retried job) is still looked up, so its stored analyses are reused.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertsSchema } from '../../src/alerts/config-schema.js';
import { StemOnly } from '../../src/alerts/morphology.js';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import type { Article, FeedItem } from '../../src/model.js';
import { testArticle } from '../helpers/store-fixtures.js';
import { createAlertEngine, matchAlerts } from '../../src/pipeline/alert-stage.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-alert-fresh-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const article: Article = testArticle('Визит Лаврова', ['Министр прилетел утром.']);
const item: FeedItem = {
  feedName: 'kg', guid: 'g1', link: 'https://example.org/1', title: 'Визит', description: null, author: null,
  publishedAt: null, categories: [], enclosures: [], extra: {},
};

describe('matchAlerts and fresh articles', () => {
  test('a fresh article is not looked up, and its document is stored; one that is not fresh is looked up', async () => {
    const store = await openSqliteStore(join(dir, 'a.db'));
    let lookups = 0;
    const counting = Object.create(store, {
      getAlertDoc: { value: (id: number) => (lookups++, store.getAlertDoc(id)) },
    }) as SqliteStore;
    try {
      const alerts = await createAlertEngine(alertsSchema.parse({ channels: {}, rules: [{ name: 'visit', query: 'визит', channels: ['log'] }] }), {
        env: {}, logger: silentLogger, userAgent: 'ua', lemmatizer: new StemOnly(),
      });
      const deps = { store: counting, clock: new ManualClock(Date.parse('2026-03-05T12:00:00Z')), logger: silentLogger, alerts };

      const first = await matchAlerts({ articleId: 1, clusterId: 1, article, item, fresh: true }, deps);
      assert.equal(lookups, 0);
      assert.deepEqual(first.matched, ['visit']);
      assert.equal(first.analyzedFields, 5);
      assert.equal((await store.getAlertDoc(1))?.title, 'Визит Лаврова');

      // The same article again (a sighting from another feed): looked up; its fields analysed for the rules (the
      // store keeps no analyses), its document kept.
      const again = await matchAlerts({ articleId: 1, clusterId: 1, article, item: { ...item, feedName: 'ru' } }, deps);
      assert.equal(lookups, 1);
      assert.deepEqual([again.analyzedFields, again.matched], [5, ['visit']]);
      assert.equal((await store.getAlertDoc(1))?.feed, 'kg', 'the document of the first sighting stays');
    } finally {
      await store.close();
    }
  });
});

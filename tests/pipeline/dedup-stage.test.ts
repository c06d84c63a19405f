/**
 * The dedup stage on its own: what an article brings to deduplication (canonical URL from the final URL and the
 * page's rel=canonical, fingerprints of lead and body), and a retried article job that stores nothing twice when
 * the item was deduplicated but could not be marked done.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../src/clock.js';
import { bodyText, fingerprintBody } from '../../src/dedup/fingerprint.js';
import type { Article } from '../../src/model.js';
import { dedupInput } from '../../src/pipeline/dedup-stage.js';
import { pollFeed, processArticle } from '../../src/pipeline/stages.js';
import type { Store } from '../../src/store/store.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startServer, send, type TestServer } from '../helpers/http-server.js';
import { testArticle } from '../helpers/store-fixtures.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sputnik/${name}`, import.meta.url), 'utf8');
const expected = JSON.parse(fixture('sputnik-kg-20220305-lavrov.expected.json')) as { title: string; lead: string; paragraphs: string[] };

const article = (over: Partial<Article> = {}): Article =>
  testArticle(expected.title, expected.paragraphs, { lead: expected.lead, dateline: 'БИШКЕК, 5 мар — Sputnik.', place: 'БИШКЕК', extractor: 'sputnik', ...over });

const item = { feedName: 'kg', guid: 'g-1' };
const KG = 'https://ru.sputnik.kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html';

describe('dedupInput', () => {
  test('fingerprints lead and body, and keeps the feed, guid and URL as seen', () => {
    const a = article();
    const input = dedupInput(item, a, `${KG}?utm_source=rss#comments`);
    const fp = fingerprintBody(bodyText(a));
    assert.deepEqual(input, {
      feedName: 'kg',
      guid: 'g-1',
      url: `${KG}?utm_source=rss#comments`,
      canonicalUrl: KG,
      textHash: fp.textHash,
      minhash: fp.minhash,
      bands: fp.bands,
      tokenCount: fp.tokenCount,
    });
    assert.equal(input.bands.length, 32);
    assert.equal(input.minhash?.length, 512);
    assert.notEqual(dedupInput(item, article({ lead: null }), KG).textHash, input.textHash, 'the lead is part of the text');
    assert.equal(dedupInput(item, article({ title: 'Другой заголовок' }), KG).textHash, input.textHash, 'the title is not');
  });

  test('the canonical URL: the final URL, or the page\'s rel=canonical when it is on the same site', () => {
    const amp = 'http://m.ru.sputnik.kg/amp/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html';
    assert.equal(dedupInput(item, article(), amp).canonicalUrl, KG);
    assert.equal(dedupInput(item, article({ canonicalUrl: KG }), 'https://ru.sputnik.kg/print/1054780123').canonicalUrl, KG);
    assert.equal(dedupInput(item, article({ canonicalUrl: '/20220305/x.html' }), 'https://ru.sputnik.kg/print/1').canonicalUrl, 'https://ru.sputnik.kg/20220305/x.html');
    // Another site's canonical (a syndication partner claiming the text) does not make it the same URL.
    assert.equal(dedupInput(item, article({ canonicalUrl: KG }), 'https://sputnik.by/20220305/lavrov.html').canonicalUrl, 'https://sputnik.by/20220305/lavrov.html');
  });
});

describe('a retried article job', () => {
  let srv: TestServer;
  let app: TestApp;
  const clock = new ManualClock(Date.parse('2026-03-05T12:00:00.000Z'));

  before(async () => {
    srv = await startServer({
      '/kg/lavrov.html': send(fixture('sputnik-kg-20220305-lavrov.html'), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
    });
    srv.route(
      '/kg.xml',
      send(`<?xml version="1.0"?><rss version="2.0"><channel><title>kg</title><link>${srv.url}/</link><description>d</description>
        <item><title>Лавров</title><link>${srv.url}/kg/lavrov.html</link><guid>kg-1</guid></item></channel></rss>`, { headers: { 'content-type': 'application/rss+xml' } }),
    );
    app = await startTestApp(`feeds:\n  - name: kg\n    url: ${srv.url}/kg.xml\n`, { clock });
  });

  after(async () => {
    await app?.dispose();
    await srv?.close();
  });

  test('stores nothing twice when the first attempt deduplicated the article but could not mark the item done', async () => {
    const [feed] = app.config.feeds;
    const { newItems } = await pollFeed(feed!, app.deps);
    const [stored] = newItems;
    assert.ok(stored);
    // The first attempt: dedup stores the article, then marking the item done fails.
    let failSave = true;
    const flaky: Store = Object.create(app.store, {
      saveArticle: {
        value: (...args: Parameters<Store['saveArticle']>) => {
          if (failSave && args[1].ok) {
            failSave = false;
            return Promise.reject(new Error('connection lost'));
          }
          return app.store.saveArticle(...args);
        },
      },
    }) as Store;
    // A storage error is the driver's to retry, not a failed page attempt.
    await assert.rejects(processArticle(stored, { ...app.deps, store: flaky }), /connection lost/);
    const pending = await app.store.getItem(stored.id);
    assert.equal(pending?.articleState, 'pending');
    assert.equal(pending?.articleAttempts, 0, 'no page attempt counted');

    clock.advance(3_600_000);
    const second = await processArticle(pending!, app.deps);
    assert.equal(second.ok, true);
    assert.equal(second.stored?.repeated, true, 'the retry found the item already stored');
    assert.equal(second.stored?.kind, 'new', 'and reports what the first attempt stored');
    const story = await app.store.story(second.stored.clusterId);
    assert.equal(story?.articles.length, 1);
    assert.equal(story?.articles[0]?.revisions.length, 1);
    assert.equal(story?.sightings.length, 1);
    assert.equal((await app.store.getItem(stored.id))?.articleState, 'done');
  });
});

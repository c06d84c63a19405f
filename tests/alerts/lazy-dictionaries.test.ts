/**
 * The morphology dictionaries (~0.3 s, ~50 MB) load on the first word looked up, counted by `dictionaryLoads()`
 * (this file runs in a process of its own): a daemon with no alert rules polls, stores items and runs its delivery
 * passes without them; an alert rule needs them (its words are keyed when it is compiled), and they load once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dictionaryLoads, loadMorphology } from '../../src/alerts/morphology.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { startTestApp } from '../helpers/app.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';

let srv: TestServer;
before(async () => {
  const items = Array.from({ length: 3 }, (_, i) => `<item><title>Новость ${i}</title><link>https://example.org/${i}</link><guid>g${i}</guid><description>Москва и Бишкек ${i}</description></item>`);
  srv = await startServer({ '/feed.xml': send(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${items.join('')}</channel></rss>`, { headers: { 'content-type': 'application/rss+xml' } }) });
});
after(() => srv.close());

test('no rules: polling, storing items and delivery passes never load the dictionaries', async () => {
  const app = await startTestApp(`pipeline:\n  fetchArticles: false\nfeeds:\n  - name: f\n    url: ${srv.url}/feed.xml\n`);
  try {
    const result = await new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 2, articleConcurrency: 2 }).runOnce();
    assert.equal(result.polls[0]?.newItems.length, 3, 'the items were stored');
    assert.ok(app.deps.alerts, 'the alert engine is there, with its lemmatizer');
    await loadMorphology(); // a lemmatizer made but not asked anything
    assert.equal(dictionaryLoads(), 0);
  } finally {
    await app.dispose();
  }
});

test('a rule loads them when it is compiled, once per process', async () => {
  const rules = `alerts:\n  rules:\n    - { name: r, query: 'Москва', channels: [log] }\n`;
  const one = await startTestApp(`feeds: []\n${rules}`);
  const two = await startTestApp(`feeds: []\n${rules}`);
  try {
    assert.equal(one.deps.alerts?.rules.length, 1);
    assert.equal(dictionaryLoads(), 1);
    assert.deepEqual(one.deps.alerts?.lemmatizer.queryKeys('Москвы'), ['москва']);
  } finally {
    await one.dispose();
    await two.dispose();
  }
});

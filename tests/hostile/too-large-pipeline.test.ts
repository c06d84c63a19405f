/**
 * A task input over a quarter of `budgets.taskMemory` never reaches a worker (src/cpu/pool.ts): through the pipeline,
 * a feed and a page whose text is over it (32 MB workers: 8 MB, counted as UTF-16) are recorded against the feed and
 * the item as `too-large`, the page with a retry like other page failures, and the healthy page beside them is
 * stored.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, send, type TestServer } from '../helpers/http-server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { storyPage } from '../helpers/story-pages.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';

const RSS = { 'content-type': 'application/rss+xml; charset=utf-8' };
const HTML = { 'content-type': 'text/html; charset=utf-8' };

let srv: TestServer;
let app: TestApp;

before(async () => {
  srv = await startServer();
  const rss = (inner: string) => `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>${inner}</channel></rss>`;
  const item = (guid: string, path: string) => `<item><guid>${guid}</guid><link>${srv.url}${path}</link><title>${guid}</title></item>`;
  // 4.5 M characters: 9 MB as UTF-16, over the 8 MB a task may bring to a 32 MB worker; under http.maxFeedSize.
  srv.route('/big.xml', send(Buffer.from(rss(`${item('one', '/story.html')}<!--${'x'.repeat(4_500_000)}-->`)), { headers: RSS }));
  srv.route('/pages.xml', send(rss(item('big', '/big.html') + item('story', '/story.html')), { headers: RSS }));
  srv.route('/big.html', send(Buffer.from(`<html><body><article><p>${'word '.repeat(900_000)}</p></article></body></html>`), { headers: HTML }));
  srv.route('/story.html', send(storyPage(77), { headers: HTML }));
  app = await startTestApp(
    `budgets:\n  threads: 1\n  taskMemory: 32MB\nfeeds:\n  - name: big\n    url: ${srv.url}/big.xml\n  - name: pages\n    url: ${srv.url}/pages.xml\n`,
  );
});

after(async () => {
  await app?.dispose();
  await srv?.close();
});

test('a feed and a page over the task input limit are recorded as too-large; the healthy page is stored', async () => {
  const { polls, articles } = await new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 2, articleConcurrency: 2 }).runOnce();
  const big = (await app.store.feedState('big'))?.lastError ?? '';
  assert.match(big, /^too-large: feed: its input \(9 MB as text\) is over 8 MB/);
  const pages = polls.find((p) => p.feed === 'pages')!;
  assert.equal(pages.newItems.length, 2);
  const byGuid = new Map(pages.newItems.map((i) => [i.guid, i.id]));
  const bigPage = await app.store.getItem(byGuid.get('big')!);
  assert.match(bigPage?.articleError ?? '', /^too-large: page: its input \(9 MB as text\) is over 8 MB/);
  assert.equal(bigPage?.articleState, 'pending', 'retried later, like other page failures');
  assert.ok(articles.find((a) => a.itemId === bigPage!.id)?.willRetry);
  assert.equal((await app.store.getItem(byGuid.get('story')!))?.articleState, 'done');
});

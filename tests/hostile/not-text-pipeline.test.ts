/**
 * Through the pipeline on a loopback server: a feed that serves an image and article pages that serve binary
 * files (labelled text/html, or with no type) are recorded as 'not-text'; escape sequences in a feed title and a
 * page never reach storage.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { startServer, send, type TestServer } from '../helpers/http-server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';

const ESC = '\x1b';
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 0x41)]);
const PARA = 'Городские власти объявили о продлении ремонта набережной до конца октября, сообщила пресс-служба мэрии.';

let srv: TestServer;
let app: TestApp;

before(async () => {
  srv = await startServer();
  const items = [
    ['png-html', '/a/png.html'],
    ['png-untyped', '/a/png-untyped'],
    ['gzip-body', '/a/gz.html'],
    ['escapes', '/a/escapes.html'],
  ];
  const feed = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Город</title>
    ${items.map(([g, p]) => `<item><title>Новость ${g}${ESC}]0;pwned${'\x07'}${ESC}[2J</title><link>${srv.url}${p}</link><guid>${g}</guid><description>Описание ${g}</description></item>`).join('\n')}
    </channel></rss>`;
  srv.route('/city.xml', send(feed, { headers: { 'content-type': 'application/rss+xml; charset=utf-8' } }));
  srv.route('/logo.xml', send(PNG, { headers: { 'content-type': 'application/rss+xml' } }));
  srv.route('/a/png.html', send(PNG, { headers: { 'content-type': 'text/html; charset=utf-8' } }));
  srv.route('/a/png-untyped', send(PNG, { headers: {} }));
  srv.route('/a/gz.html', send(zlib.gzipSync(`<html><body><article><p>${PARA}</p></article></body></html>`), { headers: { 'content-type': 'text/html' } }));
  const page = `<!doctype html><html><head><title>Набережная${ESC}[31m</title></head><body><article><h1>Набережная${ESC}]2;x${'\x07'} закрыта</h1>
    <p>${PARA}${ESC}[2J</p><p>Работы ведутся &#x1b;[5m в три смены, уточнили в администрации города.\u009b31m</p><p>${PARA.replace('октября', 'ноября')}</p></article></body></html>`;
  srv.route('/a/escapes.html', send(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }));
  app = await startTestApp(`feeds:\n  - name: city\n    url: ${srv.url}/city.xml\n  - name: logo\n    url: ${srv.url}/logo.xml\n`);
});

after(async () => {
  await app?.dispose();
  await srv?.close();
});

test('binary bodies are recorded as not-text; escape sequences are stripped before storage', async () => {
  const { polls } = await new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 2, articleConcurrency: 2 }).runOnce();
  const states = new Map((await app.store.feedStates()).map((s) => [s.name, s]));
  assert.match(states.get('logo')?.lastError ?? '', /^not-text: .*PNG image/);
  const city = polls.find((p) => p.feed === 'city')!;
  assert.equal(city.newItems.length, 4);
  for (const item of city.newItems) {
    assert.doesNotMatch(item.title ?? '', CONTROL, 'feed title stored without controls');
    const stored = await app.store.getItem(item.id);
    if (item.guid === 'escapes') {
      const article = await app.store.getArticle(item.id);
      assert.ok(article, 'the page with escape sequences is stored');
      // JSON.stringify writes C0 controls as \u00XX escapes and leaves C1 ones raw: neither may appear.
      assert.doesNotMatch(JSON.stringify(article.article), /\\u00[01][0-9a-f]|[\x7f-\x9f]/i);
      assert.ok(article.article.paragraphs.some((p) => p.includes('в три смены')), 'the text around the escapes is kept');
      for (const p of article.article.paragraphs) assert.doesNotMatch(p, CONTROL, p);
      assert.doesNotMatch(article.article.title ?? '', CONTROL);
    } else {
      assert.match(stored?.articleError ?? '', /^not-text: /, `${item.guid}: ${stored?.articleError}`);
    }
  }
});

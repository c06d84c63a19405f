/**
 * The walking skeleton end to end in one process: feeds served by a real loopback server are polled,
 * decoded, parsed and stored; article pages are fetched and extracted; every broken feed is recorded
 * against itself while the others are stored.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { startServer, send, redirect, stall, type TestServer } from '../helpers/http-server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { encodeSingleByte } from '../fetch/single-byte.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sputnik/${name}`, import.meta.url), 'utf8');
const expected = JSON.parse(fixture('sputnik-kg-20220305-lavrov.expected.json')) as { paragraphs: string[]; title: string };

const CYRILLIC_TITLE = 'Лавров: Москва и Бишкек обсудили сотрудничество';

describe('embedded pipeline over a loopback feed server', () => {
  let srv: TestServer;
  let app: TestApp;
  let feedBody: string;
  let feedItemCount: number;

  before(async () => {
    srv = await startServer();
    feedBody = fixture('sputnik-kg-rss.xml').replaceAll('https://ru.sputnik.kg/', `${srv.url}/kg/`);
    feedItemCount = (feedBody.match(/<item>/g) ?? []).length;
    srv.route('/kg.xml', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: '"v1"' }).end(feedBody);
    });
    // Same feed, no validators: a re-poll gets a full 200 and must still store nothing twice.
    srv.route('/kg-no-etag.xml', send(feedBody.replaceAll(`${srv.url}/kg/`, `${srv.url}/kg2/`), { headers: { 'content-type': 'application/rss+xml' } }));
    const cp1251 = `<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>Тест</title>
      <item><title>${CYRILLIC_TITLE}</title><link>${srv.url}/cp/1.html</link><guid>cp-1</guid><description>Ёжик в тумане — «цитата»</description></item>
      </channel></rss>`;
    srv.route('/cp1251.xml', send(encodeSingleByte(cp1251, 'windows-1251'), { headers: { 'content-type': 'text/xml; charset=windows-1251' } }));
    srv.route('/missing.xml', send('gone', { status: 404 }));
    srv.route('/stall.xml', stall());
    srv.route('/huge.xml', send(gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20)), { headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' } }));
    srv.route('/loop-a.xml', redirect('/loop-b.xml'));
    srv.route('/loop-b.xml', redirect('/loop-a.xml'));
    srv.route('/kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html', send(fixture('sputnik-kg-20220305-lavrov.html'), { headers: { 'content-type': 'text/html; charset=utf-8' } }));
    srv.route('/cp/1.html', send('%PDF-1.4', { headers: { 'content-type': 'application/pdf' } }));

    const feeds = [
      ['kg', '/kg.xml'],
      ['kg-no-etag', '/kg-no-etag.xml'],
      ['cp1251', '/cp1251.xml'],
      ['missing', '/missing.xml'],
      ['stall', '/stall.xml'],
      ['huge', '/huge.xml'],
      ['loop', '/loop-a.xml'],
    ];
    app = await startTestApp(
      `http:\n  timeout: 10s\n  idleTimeout: 3s\n  maxFeedSize: 1MB\nfeeds:\n${feeds.map(([n, p]) => `  - name: ${n}\n    url: ${srv.url}${p}\n`).join('')}`,
    );
  });

  after(async () => {
    await app?.dispose();
    await srv?.close();
  });

  const pipeline = () => new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 4, articleConcurrency: 2 });

  test('the first poll stores every item, records each broken feed, and extracts the article page', async () => {
    const { polls, articles } = await pipeline().runOnce();
    const by = new Map(polls.map((p) => [p.feed, p]));
    assert.equal(by.get('kg')?.newItems.length, feedItemCount);
    assert.equal(by.get('kg-no-etag')?.newItems.length, feedItemCount);
    assert.equal(by.get('cp1251')?.newItems[0]?.title, CYRILLIC_TITLE);
    assert.equal(by.get('cp1251')?.newItems[0]?.description, 'Ёжик в тумане — «цитата»');

    const states = new Map((await app.store.feedStates()).map((s) => [s.name, s]));
    const expectError = (feed: string, kind: string) => {
      const s = states.get(feed)!;
      assert.equal(s.errorCount, 1, `${feed} error count`);
      assert.match(s.lastError ?? '', new RegExp(kind), `${feed}: ${s.lastError}`);
      assert.equal(s.itemCount, 0);
    };
    expectError('missing', 'http-status');
    assert.equal(states.get('missing')?.lastStatus, 404);
    expectError('stall', 'timeout');
    expectError('huge', 'too-large');
    expectError('loop', 'redirect-loop');
    assert.equal(states.get('kg')?.errorCount, 0);
    assert.equal(states.get('kg')?.etag, '"v1"');
    assert.equal(states.get('kg')?.itemCount, feedItemCount);

    // The Sputnik article came back clean; the others are kept with the feed's description and a reason.
    const lavrov = by.get('kg')!.newItems.find((i) => i.link?.includes('lavrov-kyrgyzstan'))!;
    const stored = await app.store.getArticle(lavrov.id);
    assert.ok(stored, 'article stored');
    assert.deepEqual(stored.article.paragraphs, expected.paragraphs);
    assert.equal(stored.article.extractor, 'sputnik');
    const pdfItem = await app.store.getItem(by.get('cp1251')!.newItems[0]!.id);
    assert.equal(pdfItem?.articleState, 'pending', 'kept, to be retried');
    assert.match(pdfItem?.articleError ?? '', /not-html/);
    assert.equal(pdfItem?.description, 'Ёжик в тумане — «цитата»', 'the feed description stands in');
    const missing = articles.filter((a) => !a.ok && a.error?.startsWith('http-status'));
    assert.ok(missing.length > 0 && missing.every((a) => a.willRetry), 'a missing page is retried later');
  });

  test('a second poll with the same ETag gets a 304, parses nothing and stores nothing', async () => {
    const before = srv.requests.length;
    const { polls } = await pipeline().runOnce();
    const by = new Map(polls.map((p) => [p.feed, p]));
    assert.equal(by.get('kg')?.notModified, true);
    assert.equal(by.get('kg')?.itemsSeen, 0, 'nothing parsed');
    assert.equal(by.get('kg')?.newItems.length, 0);
    const kgRequest = srv.requests.slice(before).find((r) => r.path === '/kg.xml');
    assert.equal(kgRequest?.headers['if-none-match'], '"v1"');
    // Without validators the body is parsed again, but nothing is stored twice.
    assert.equal(by.get('kg-no-etag')?.itemsSeen, feedItemCount);
    assert.equal(by.get('kg-no-etag')?.newItems.length, 0);
    const states = new Map((await app.store.feedStates()).map((s) => [s.name, s]));
    assert.equal(states.get('kg')?.itemCount, feedItemCount);
    assert.equal(states.get('missing')?.errorCount, 2, 'errors count up');
  });
});

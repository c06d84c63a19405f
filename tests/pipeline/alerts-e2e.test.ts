/**
 * Alerts end to end in the embedded pipeline, against real loopback servers: a feed server with article pages,
 * an HTTP server standing in for the webhook, another for the Telegram Bot API (apiBase), and an SMTP server from
 * `smtp-server`. Time is a ManualClock; the restart is a new app on the same SQLite file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { compileRule } from '../../src/alerts/match.js';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { searchArticles } from '../../src/store/alerts.js';
import { json, startHttpServer, startSmtpServer, type TestHttpServer, type TestSmtpServer } from '../alerts/servers.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { WEATHER_PAGE } from '../helpers/story-pages.js';

const lavrovPage = readFileSync(new URL('../fixtures/sputnik/sputnik-kg-20220305-lavrov.html', import.meta.url), 'utf8');
const html = { 'content-type': 'text/html; charset=utf-8' };

function rss(base: string, items: Array<{ guid: string; path: string; title: string; description?: string }>): string {
  const body = items
    .map((i) => `<item><title>${i.title}</title><link>${base}${i.path}</link><guid>${i.guid}</guid><description><![CDATA[${i.description ?? ''}]]></description></item>`)
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>KG</title><link>${base}/</link>${body}</channel></rss>`;
}

describe('alerts in the embedded pipeline', () => {
  let dir: string;
  let feeds: TestServer;
  let hook: TestHttpServer;
  let telegram: TestHttpServer;
  let smtp: TestSmtpServer;
  let telegramUp = false;
  const apps: App[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-alerts-e2e-'));
    feeds = await startServer({
      '/a/1.html': send(lavrovPage, { headers: html }),
      '/a/1-copy.html': send(lavrovPage, { headers: html }),
      '/a/2.html': send('gone', { status: 410 }),
      '/a/3.html': send(WEATHER_PAGE, { headers: html }),
    });
    // The webhook fails twice, then accepts everything.
    hook = await startHttpServer((_r, res, i) => json(res, i < 2 ? 503 : 200, {}));
    telegram = await startHttpServer((_r, res) => (telegramUp ? json(res, 200, { ok: true, result: { message_id: 1 } }) : json(res, 502, { ok: false, description: 'Bad Gateway' })));
    smtp = await startSmtpServer();
  });
  after(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await Promise.all([feeds.close(), hook.close(), telegram.close(), smtp.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  function setFeed(items: Parameters<typeof rss>[1]): void {
    feeds.route('/feed.xml', send(rss(feeds.url, items), { headers: { 'content-type': 'application/rss+xml; charset=utf-8' } }));
  }

  /** An app on the test's SQLite file: the same database every time, as a restarted daemon sees it. */
  async function openApp(clock: ManualClock): Promise<{ app: App; pipeline: EmbeddedPipeline }> {
    const yaml = `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'feedwatch.db'))}
server:\n  port: 0
http:\n  allowPrivateNetworks: true
pipeline:\n  articleAttempts: 3
feeds:\n  - name: kg\n    url: ${feeds.url}/feed.xml\n    tags: [kyrgyzstan]
alerts:
  channels:
    hook: { type: webhook, url: "${hook.url}/hook" }
    tg: { type: telegram, chatId: "42", apiBase: "${telegram.url}", timeout: 5s }
    mail: { type: email, host: 127.0.0.1, port: ${smtp.port}, from: bot@example.org, to: me@example.org, timeout: 5s }
  rules:
    - { name: lavrov, query: 'Лавров', channels: [hook, tg, mail] }
    - { name: weather, query: 'title:погода', channels: [log] }
  delivery: { backoff: 10s, maxBackoff: 1m, maxAttempts: 5 }
`;
    const config = parseConfig(yaml, join(dir, 'feedwatch.yaml'));
    const app = await createApp(config, { logger: silentLogger, clock, env: { TELEGRAM_BOT_TOKEN: '123:secret' } });
    apps.push(app);
    return { app, pipeline: new EmbeddedPipeline(app.deps, config.feeds, { pollConcurrency: 2, articleConcurrency: 2 }) };
  }

  test('matches stored articles and feed entries, delivers on every channel with retries, survives a restart, alerts once per story', async () => {
    const clock = new ManualClock(Date.parse('2026-03-05T12:00:00.000Z'));
    setFeed([
      { guid: 'a1', path: '/a/1.html', title: 'Лавров рассказал о важных моментах отношений' },
      { guid: 'a2', path: '/a/2.html', title: 'Визит Лаврова в Бишкек', description: '<p>Министр прилетел утром.</p>' },
      { guid: 'a3', path: '/a/3.html', title: 'Погода в Бишкеке' },
    ]);

    // Run 1: Telegram is down and the webhook fails. Ingestion and e-mail go on regardless.
    const first = await openApp(clock);
    const run1 = await first.pipeline.runOnce();
    assert.deepEqual(run1.articles.map((a) => a.ok).sort(), [false, true, true], 'two pages stored, one gone for good (410)');
    assert.deepEqual(run1.deliveries, { delivered: 3, retrying: 2, failed: 0, deferred: 2 }, 'mail ×2 and the weather log line; hook and tg each failed once and deferred one');
    assert.equal(smtp.mails.length, 2);
    assert.equal(hook.requests.length, 1);
    assert.equal(telegram.requests.length, 1);
    const rows1 = await first.app.store.deliveries({ rule: 'lavrov' });
    assert.equal(rows1.length, 6, 'two stories × three channels');
    const feedOnly = rows1.find((r) => r.articleId < 0)!;
    assert.ok(feedOnly, 'the 410 page: its feed entry ("Визит Лаврова") matched');
    assert.deepEqual(feedOnly.item.terms, ['Лаврова']);
    for (const m of smtp.mails) {
      const subject = /^Subject: =\?UTF-8\?B\?([^?]+)\?=/m.exec(m.raw)?.[1] ?? '';
      assert.ok(Buffer.from(subject, 'base64').toString('utf8').startsWith('[feedwatch] lavrov: '), m.raw.slice(0, 300));
      assert.deepEqual(m.to, ['me@example.org']);
    }
    await first.app.close();

    // Run 2, a new process 6 minutes later (past the claims of the first): Telegram is back, the webhook fails once more.
    telegramUp = true;
    clock.advance(6 * 60_000);
    const second = await openApp(clock);
    const run2 = await second.pipeline.runOnce();
    assert.deepEqual(run2.articles, [], 'nothing new to fetch');
    assert.deepEqual(run2.deliveries, { delivered: 2, retrying: 1, failed: 0, deferred: 1 });
    assert.equal(telegram.requests.length, 3);
    assert.match(telegram.requests[2]!.path, /^\/bot123:secret\/sendMessage$/);
    assert.equal(smtp.mails.length, 2, 'delivered mails are not sent again');

    // Run 3: the webhook is back. The same story republished at another URL (same cluster) alerts no one.
    clock.advance(60_000);
    setFeed([
      { guid: 'a1', path: '/a/1.html', title: 'Лавров рассказал о важных моментах отношений' },
      { guid: 'a2', path: '/a/2.html', title: 'Визит Лаврова в Бишкек', description: '<p>Министр прилетел утром.</p>' },
      { guid: 'a3', path: '/a/3.html', title: 'Погода в Бишкеке' },
      { guid: 'a4', path: '/a/1-copy.html', title: 'Лавров рассказал о важных моментах отношений (копия)' },
    ]);
    const run3 = await second.pipeline.runOnce();
    assert.equal(run3.articles.length, 1);
    assert.notEqual(run3.articles[0]!.stored?.isNewStory, true, 'the copy joins the first story');
    assert.deepEqual(run3.deliveries, { delivered: 2, retrying: 0, failed: 0, deferred: 0 });
    clock.advance(3_600_000);
    assert.deepEqual((await second.pipeline.runOnce()).deliveries, { delivered: 0, retrying: 0, failed: 0, deferred: 0 });

    assert.equal(hook.requests.length, 4, '503, 503, then one 200 per story');
    const hookTitles = hook.requests.slice(2).map((r) => (JSON.parse(r.body) as { items: { title: string }[] }).items[0]!.title).sort();
    assert.equal(new Set(hookTitles).size, 2, 'each story exactly once');
    const rows = await second.app.store.deliveries({ rule: 'lavrov' });
    assert.equal(rows.length, 6, 'the republished copy added no delivery');
    assert.ok(rows.every((r) => r.status === 'delivered'));
    // Each pass tries the oldest due first and defers the rest of a failing channel: each story failed once.
    const hookRows = rows.filter((r) => r.channel === 'hook');
    assert.deepEqual(hookRows.map((r) => r.attempts), [2, 2]);
    assert.ok(hookRows.every((r) => /HTTP 503/.test(r.lastError ?? '')));
    assert.deepEqual(rows.filter((r) => r.channel === 'tg').map((r) => r.attempts).sort(), [1, 2]);
    assert.deepEqual(rows.filter((r) => r.channel === 'mail').map((r) => r.attempts), [1, 1]);

    // `search` finds exactly the articles the rule alerted on.
    const lem = second.app.deps.alerts!.lemmatizer;
    const found = await searchArticles(second.app.store, compileRule('Лавров', lem), lem, { limit: 100 });
    const alerted = [...new Set(rows.map((r) => r.articleId))].sort((a, b) => a - b);
    assert.deepEqual(found.map((h) => h.doc.articleId).sort((a, b) => a - b), alerted);
    const weather = await searchArticles(second.app.store, compileRule('tag:kyrgyzstan погода', lem), lem, { limit: 100 });
    assert.equal(weather.length, 1, 'feed tags are searchable');
  });
});

/**
 * Deduplication end to end, in one process: feeds and Sputnik-engine pages served by a real loopback server are
 * polled, fetched, extracted, deduplicated and stored by the embedded pipeline. The same Lavrov story arrives under
 * two feeds, with utm parameters, on its AMP address, in a print view naming it as canonical, under a new guid,
 * verbatim on a wire site with its own dateline, and republished by a sister site with a new dateline and a
 * paragraph cut: one story cluster, two articles (the original and the sister's text), a sighting each. Then the
 * page is edited (revision 2 of the same article), and a different story founds its own cluster.
 * `feedwatch story ID` prints the cluster.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { jsonLogLines } from '../helpers/log-lines.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import type { ArticleSummary } from '../../src/pipeline/stages.js';
import type { Story } from '../../src/store/articles.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { runFeedwatch, type CommandResult } from '../helpers/feedwatch-process.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sputnik/${name}`, import.meta.url), 'utf8');
const LAVROV_HTML = fixture('sputnik-kg-20220305-lavrov.html');
const WIND_HTML = fixture('snanews-de-20201216.html');
const LAVROV_TITLE = 'Лавров рассказал о важных моментах отношений России и Кыргызстана';

const DATELINE = '<strong>БИШКЕК, 5 мар — Sputnik.</strong>';
const CUT = '<div class="article__block" data-type="text"><div class="article__text">Лавров сказал, что Россия с энтузиазмом ждет реализации совместных программ в Кыргызстане.</div></div>';
const LAST = '<div class="article__text">Он выразил уверенность';

/** A sister site's republication: its own dateline, one paragraph cut. */
const SISTER_HTML = LAVROV_HTML.replace(DATELINE, '<strong>МИНСК, 5 мар — Sputnik.</strong>').replace(CUT, '');
/** A wire site's verbatim copy under its own dateline. */
const WIRE_HTML = LAVROV_HTML.replace(DATELINE, '<strong>МОСКВА, 5 мар — РИА Новости.</strong>');
/** The original page after an edit: one sentence added to the last paragraph. */
const EDITED_HTML = LAVROV_HTML.replace(LAST, '<div class="article__text">Министры договорились встретиться снова в апреле. Он выразил уверенность');

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const T0 = Date.parse('2026-03-05T12:00:00.000Z');

interface FeedEntry {
  guid: string;
  link: string;
  title: string;
}

const xmlEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

function rss(entries: FeedEntry[]): string {
  const items = entries
    .map((e) => `<item><title>${xmlEscape(e.title)}</title><link>${xmlEscape(e.link)}</link><guid>${xmlEscape(e.guid)}</guid><pubDate>Sat, 05 Mar 2022 18:20:00 +0600</pubDate></item>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title><link>https://example.com/</link><description>d</description>${items}</channel></rss>`;
}

function feedwatch(args: string[]): Promise<CommandResult> {
  return runFeedwatch(args, { timeoutMs: 300_000 });
}

describe('dedup in the embedded pipeline over a loopback server', () => {
  let srv: TestServer;
  let app: TestApp;
  let configFile: string;
  const clock = new ManualClock(T0);
  const log = jsonLogLines('debug');
  const logLines = log.lines;
  const feeds: Record<string, FeedEntry[]> = { kg: [], 'kg-mirror': [], by: [], ria: [], de: [] };
  const pages: Record<string, string> = {};
  let kgUrl: string;
  let clusterId = 0;
  let firstArticleId = 0;

  before(async () => {
    srv = await startServer({}, (_req, res, url) => {
      const feed = /^\/feeds\/([\w-]+)\.xml$/.exec(url.pathname)?.[1];
      if (feed !== undefined && feeds[feed]) {
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(feeds[feed]));
        return;
      }
      const page = pages[url.pathname];
      if (page === undefined) res.writeHead(404).end('not found');
      else res.writeHead(200, HTML).end(page);
    });
    kgUrl = `${srv.url}/kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html`;
    pages['/kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html'] = LAVROV_HTML;
    pages['/kg/amp/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html'] = LAVROV_HTML;
    // A print view that names the article page as its canonical URL (relative: the same site).
    pages['/kg/print/1054780123'] = LAVROV_HTML.replace(/<link rel="canonical" href="[^"]*">/, '<link rel="canonical" href="/kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html">');
    pages['/by/20220305/lavrov-1061234567.html'] = SISTER_HTML;
    pages['/ria/20220305/lavrov-1776543210.html'] = WIRE_HTML;
    pages['/de/20201216/windkraft-184985.html'] = WIND_HTML;

    const yaml = `feeds:\n${Object.keys(feeds).map((n) => `  - name: ${n}\n    url: ${srv.url}/feeds/${n}.xml\n`).join('')}`;
    app = await startTestApp(yaml, { clock, logger: log.logger });
    configFile = join(app.dir, 'feedwatch.yaml');
    writeFileSync(configFile, `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(app.dir, 'feedwatch.db'))}\n${yaml}`);
  });

  after(async () => {
    await app?.dispose();
    await srv?.close();
  });

  /** One pass of the pipeline, a minute after the last one. */
  async function runOnce(): Promise<ArticleSummary[]> {
    clock.advance(60_000);
    const { articles } = await new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 2, articleConcurrency: 2 }).runOnce();
    assert.deepEqual(articles.filter((a) => !a.ok), [], 'every page was stored');
    return articles;
  }

  const kinds = (articles: ArticleSummary[]) => articles.map((a) => a.stored?.kind).sort();

  test('the first sighting of a story founds its cluster, and the debug log names the cluster', async () => {
    feeds.kg!.push({ guid: 'kg-1', link: kgUrl, title: LAVROV_TITLE });
    const articles = await runOnce();
    assert.equal(articles.length, 1);
    const stored = articles[0]!.stored!;
    assert.deepEqual([stored.kind, stored.isNewStory, stored.revision], ['new', true, 1]);
    clusterId = stored.clusterId;
    firstArticleId = stored.articleId;
    const line = logLines.find((l) => l.msg === 'article stored');
    assert.ok(line, 'an "article stored" debug line');
    assert.equal(line.cluster_id, clusterId);
    assert.equal(line.decision, 'new');
    assert.equal(line.article_id, firstArticleId);
  });

  test('the same story under another feed, utm parameters, AMP, a print view, a wire copy and a sister site stays one story', async () => {
    feeds['kg-mirror']!.push({ guid: 'kg-1', link: kgUrl, title: LAVROV_TITLE });
    feeds.kg!.push(
      { guid: 'kg-1-utm', link: `${kgUrl}?utm_source=telegram&utm_medium=social`, title: LAVROV_TITLE },
      { guid: 'kg-1-amp', link: `${srv.url}/kg/amp/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html`, title: LAVROV_TITLE },
      { guid: 'kg-1-print', link: `${srv.url}/kg/print/1054780123`, title: LAVROV_TITLE },
    );
    feeds.ria!.push({ guid: 'ria-1', link: `${srv.url}/ria/20220305/lavrov-1776543210.html`, title: 'Лавров о союзе с Кыргызстаном' });
    feeds.by!.push({ guid: 'by-1', link: `${srv.url}/by/20220305/lavrov-1061234567.html`, title: 'Лавров назвал важные моменты' });
    const articles = await runOnce();
    assert.deepEqual(kinds(articles), ['duplicate-text', 'duplicate-url', 'duplicate-url', 'duplicate-url', 'duplicate-url', 'near-duplicate']);
    for (const a of articles) {
      assert.equal(a.stored?.clusterId, clusterId);
      assert.equal(a.stored?.isNewStory, false);
    }
    const sister = articles.find((a) => a.stored?.kind === 'near-duplicate')!.stored!;
    assert.notEqual(sister.articleId, firstArticleId, 'the sister site\'s text is an article of its own');
    assert.ok(sister.similarity !== null && sister.similarity >= 0.3, `similarity ${sister.similarity}`);
    for (const a of articles.filter((x) => x.stored?.kind !== 'near-duplicate')) assert.equal(a.stored?.articleId, firstArticleId);
  });

  test('an edited text at the same URL under a new guid is revision 2 of the same article', async () => {
    pages['/kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html'] = EDITED_HTML;
    feeds.kg!.push({ guid: 'kg-1-updated', link: kgUrl, title: LAVROV_TITLE });
    const articles = await runOnce();
    assert.equal(articles.length, 1);
    assert.deepEqual(articles[0]!.stored, {
      articleId: firstArticleId,
      clusterId,
      revision: 2,
      kind: 'revision',
      similarity: null,
      isNewStory: false,
      isNewArticle: false,
      repeated: false,
    });
  });

  test('a different story founds a new cluster; a pass with nothing new stores nothing', async () => {
    feeds.de!.push({ guid: 'de-1', link: `${srv.url}/de/20201216/windkraft-184985.html`, title: 'Windkraft' });
    const articles = await runOnce();
    assert.equal(articles.length, 1);
    const wind = articles[0]!.stored!;
    assert.equal(wind.kind, 'new');
    assert.notEqual(wind.clusterId, clusterId);
    assert.equal((await app.store.story(wind.clusterId))?.articles.length, 1);
    const before = await app.store.story(clusterId);
    assert.deepEqual(await runOnce(), []);
    assert.deepEqual(await app.store.story(clusterId), before);
  });

  test('the story: two articles, the original at revision 2, a sighting per item with its feed, URL and time', async () => {
    const story = await app.store.story(clusterId);
    assert.ok(story);
    assert.equal(story.firstSeenAt, new Date(T0 + 60_000).toISOString());
    assert.deepEqual(story.articles.map((a) => [a.articleId === firstArticleId, a.revision, a.revisions.length]), [
      [true, 2, 2],
      [false, 1, 1],
    ]);
    assert.equal(story.articles[0]?.canonicalUrl, kgUrl.replace('http://', 'https://'));
    assert.deepEqual(
      story.sightings.map((s) => [s.feedName, s.kind]).sort(),
      [
        ['by', 'near-duplicate'],
        ['kg', 'duplicate-url'],
        ['kg', 'duplicate-url'],
        ['kg', 'duplicate-url'],
        ['kg', 'new'],
        ['kg', 'revision'],
        ['kg-mirror', 'duplicate-url'],
        ['ria', 'duplicate-text'],
      ],
    );
    const utm = story.sightings.find((s) => s.url.includes('utm_source'));
    assert.equal(utm?.canonicalUrl, story.articles[0]?.canonicalUrl, 'the sighting keeps the URL as seen, and its canonical form');
    assert.equal(story.sightings[0]?.seenAt, story.firstSeenAt);
    assert.equal(story.sightings.at(-1)?.kind, 'revision');
    assert.equal(story.sightings.at(-1)?.revision, 2);
  });

  test('feedwatch story ID prints the cluster; --json gives the same story as the store', async () => {
    const json = await feedwatch(['story', String(clusterId), '--json', '--config', configFile]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout) as Story, await app.store.story(clusterId));

    const text = await feedwatch(['story', String(clusterId), '--config', configFile]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^story ${clusterId}: ${LAVROV_TITLE}$`, 'm'));
    assert.match(text.stdout, /2 articles, 8 sightings in 4 feeds on 1 site \(127\.0\.0\.1:\d+\)/);
    assert.match(text.stdout, /near-duplicate 0\.\d\d/);
    assert.match(text.stdout, /\/ria\/20220305\/lavrov-1776543210\.html/);

    const missing = await feedwatch(['story', '99999', '--config', configFile]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no story with cluster id 99999/);
    const bad = await feedwatch(['story', 'abc', '--config', configFile]);
    assert.equal(bad.code, 2);
  });
});

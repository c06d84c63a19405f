/**
 * Boilerplate learned per site, end to end in the embedded pipeline: a loopback news site whose stories all carry
 * one line no built-in rule knows (written here), one recurring line the config protects with `keepParagraphs`,
 * and one line two stories share. After `boilerplate.minStories` stories the shared line is gone from the stored
 * articles (item copies, current revisions, dedup fingerprint, search index) and from new ones; no story alerts a
 * second time; the protected line and the twice-seen line stay; `feedwatch boilerplate` lists what was learned.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../../src/app.js';
import { compileRule } from '../../src/alerts/match.js';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { paragraphKey } from '../../src/extract/learned.js';
import { silentLogger } from '../../src/log.js';
import { dedupInput } from '../../src/pipeline/dedup-stage.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import { searchArticles } from '../../src/store/alerts.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { mulberry32, uniform } from '../helpers/prng.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';
import { bullmqYaml, doneCount, nodeStarter, waitFor, type NodeStarter } from './bullmq-fixture.js';

/** The site's own line, in every story, in the middle of the body. */
const HOUSE_LINE = 'Архив номеров за прошлые годы по-прежнему хранится в читальном зале библиотеки имени Горького.';
/** A recurring line the user wants kept (`keepParagraphs: ["^Курс валют"]`). */
const KEPT_LINE = 'Курс валют на утро: данные Национального банка обновляются ежедневно к девяти часам.';
/** A line only two stories share: under the threshold, it stays. */
const TWICE_LINE = 'Очевидцы рассказали, что движение по набережной перекрывали почти на два часа.';

const WORDS = (
  'мост ремонт подрядчик улица район жители депутат бюджет смета проект дорога асфальт трамвай остановка ' +
  'мэрия совет комиссия проверка нарушение срок график весна лето осень зима школа больница парк сквер ' +
  'фонтан площадь рынок торговля цены тариф вода отопление котельная сеть авария бригада водитель автобус ' +
  'маршрут пассажир билет вокзал поезд станция склад завод цех рабочий зарплата профсоюз собрание решение'
).split(' ');

function sentence(rand: () => number): string {
  const words = Array.from({ length: 12 + Math.floor(rand() * 6) }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  const text = words.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

interface Story {
  title: string;
  paragraphs: string[];
}

/** Story n: three paragraphs of its own around the site's lines; stories 1 and 2 also share TWICE_LINE. */
function story(n: number): Story {
  const rand = uniform(mulberry32(n * 2654435761 + 7));
  const own = Array.from({ length: 3 }, () => `${sentence(rand)} ${sentence(rand)} ${sentence(rand)}`);
  const paragraphs = [own[0]!, KEPT_LINE, own[1]!, HOUSE_LINE, own[2]!];
  if (n <= 2) paragraphs.splice(3, 0, TWICE_LINE);
  return { title: `Мост на улице номер ${n}: ${sentence(rand).slice(0, 40)}`, paragraphs };
}

function page(s: Story): string {
  const body = s.paragraphs.map((p) => `<p>${p}</p>`).join('\n');
  return `<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>${s.title}</title></head>
<body><header><nav><a href="/">Главная</a> <a href="/city">Город</a></nav></header>
<main><article><h1>${s.title}</h1>
${body}
</article></main><footer>© Городская газета</footer></body></html>`;
}

const html = { 'content-type': 'text/html; charset=utf-8' };

/** The site: story pages 1…8, and a feed of the stories `setFeed` lists. */
async function startSite(): Promise<{ site: TestServer; setFeed(ns: number[]): void }> {
  const site = await startServer({});
  for (let n = 1; n <= 8; n++) site.route(`/city/${n}.html`, send(page(story(n)), { headers: html }));
  return {
    site,
    setFeed(ns) {
      const items = ns.map((n) => `<item><title>${story(n).title}</title><link>${site.url}/city/${n}.html</link><guid>s${n}</guid></item>`).join('');
      const xml = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Город</title><link>${site.url}/</link>${items}</channel></rss>`;
      site.route('/feed.xml', send(xml, { headers: { 'content-type': 'application/rss+xml; charset=utf-8' } }));
    },
  };
}

const SITE_RULES = `boilerplate:\n  minStories: 3\n  window: 7d
sites:
  - name: city-paper
    hosts: [127.0.0.1]
    keepParagraphs: ["^Курс валют"]
alerts:
  rules:
    - { name: bridges, query: 'мост', channels: [log] }
`;

describe('boilerplate learned per site, embedded pipeline', () => {
  let dir: string;
  let site: TestServer;
  let setFeed: (ns: number[]) => void;
  const apps: App[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-boilerplate-e2e-'));
    ({ site, setFeed } = await startSite());
  });
  after(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const yaml = () => `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'feedwatch.db'))}
server:\n  port: 0
http:\n  allowPrivateNetworks: true
feeds:\n  - name: city\n    url: ${site.url}/feed.xml
${SITE_RULES}`;

  test('the shared line is learned, dropped from stored and new articles, and nothing alerts twice', async () => {
    const clock = new ManualClock(Date.parse('2026-05-04T06:00:00.000Z'));
    const config = parseConfig(yaml(), join(dir, 'feedwatch.yaml'));
    writeFileSync(join(dir, 'feedwatch.yaml'), yaml());
    const app = await createApp(config, { logger: silentLogger, clock });
    apps.push(app);
    const pipeline = new EmbeddedPipeline(app.deps, config.feeds, { pollConcurrency: 1, articleConcurrency: 2 });
    const { store } = app;
    const lem = app.deps.alerts!.lemmatizer;
    const host = `127.0.0.1:${site.port}`;

    setFeed([1, 2, 3, 4]);
    const run1 = await pipeline.runOnce();
    assert.deepEqual(run1.articles.map((a) => a.ok), [true, true, true, true]);
    assert.equal(new Set(run1.articles.map((a) => a.stored!.clusterId)).size, 4, 'four distinct stories');

    const learned = await store.boilerplateEntries({ host });
    assert.ok(learned.some((e) => e.hash === paragraphKey(HOUSE_LINE) && e.stories === 4 && e.learnedAt !== null), JSON.stringify(learned));
    assert.ok(!learned.some((e) => e.hash === paragraphKey(TWICE_LINE)), 'two stories are under the threshold');

    /** Story n's stored text: the item's copy, and its article's current revision (as `feedwatch story` shows it). */
    const storedTexts = async (a: (typeof run1.articles)[number]) => {
      const copy = (await store.getArticle(a.itemId))!.article;
      const revision = (await store.story(a.stored!.clusterId))!.articles.find((x) => x.articleId === a.stored!.articleId)!;
      return { copy, revision };
    };
    for (const a of run1.articles) {
      const { copy, revision } = await storedTexts(a);
      assert.ok(!copy.paragraphs.includes(HOUSE_LINE), `item ${a.itemId}: the learned line is gone`);
      assert.ok(copy.paragraphs.includes(KEPT_LINE), `item ${a.itemId}: the protected line stays`);
      // The dedup fingerprint is the clean text's: the clean text finds the article by its hash.
      const input = dedupInput({ feedName: 'city', guid: 'probe' }, copy, `${site.url}/city/x.html`);
      const found = await store.findDuplicates(input);
      assert.equal(found.byHash?.articleId, a.stored!.articleId, `item ${a.itemId}: text hash renewed`);
      assert.equal(revision.textHash, input.textHash);
    }
    const twice = await Promise.all(run1.articles.map(async (a) => (await store.getArticle(a.itemId))!.article.paragraphs.includes(TWICE_LINE)));
    assert.equal(twice.filter(Boolean).length, 2, 'the line two stories share stays in both');

    // Search: the learned line is no longer in the index; the stories still are.
    const search = async (rule: string) => (await searchArticles(store, compileRule(rule, lem), lem, { limit: 100 })).length;
    assert.equal(await search('"читальном зале" Горького'), 0);
    assert.equal(await search('"курс валют"'), 4);
    assert.equal(await search('мост'), 4);

    // One alert per story, sent once; re-cleaning sent none.
    const delivered1 = await store.deliveries({ rule: 'bridges' });
    assert.equal(delivered1.length, 4);
    assert.ok(delivered1.every((d) => d.status === 'delivered' && d.attempts === 1));

    // New stories: the line is dropped at extraction; the old stories do not alert again.
    clock.advance(3_600_000);
    setFeed([1, 2, 3, 4, 5, 6]);
    const run2 = await pipeline.runOnce();
    assert.equal(run2.articles.length, 2);
    for (const a of run2.articles) {
      const copy = (await store.getArticle(a.itemId))!.article;
      assert.ok(!copy.paragraphs.includes(HOUSE_LINE), 'new articles come without it');
      assert.ok(copy.paragraphs.includes(KEPT_LINE));
    }
    const delivered2 = await store.deliveries({ rule: 'bridges' });
    assert.equal(delivered2.length, 6, 'one per story: the re-cleaned ones added none');
    assert.equal(await search('"читальном зале" Горького'), 0);
    assert.equal((await store.boilerplateEntries({ host })).find((e) => e.hash === paragraphKey(HOUSE_LINE))!.stories, 6, 'still counted');

    // The command lists it (a separate process on the same database).
    const cli = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)), 'boilerplate', host, '--json', '--config', join(dir, 'feedwatch.yaml')], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    assert.equal(cli.status, 0, cli.stderr);
    const rows = cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as { hash: string; sample: string; stories: number; firstSeenAt: string; lastSeenAt: string });
    const house = rows.find((r) => r.hash === paragraphKey(HOUSE_LINE));
    assert.ok(house, cli.stdout);
    assert.equal(house.sample, HOUSE_LINE);
    assert.equal(house.stories, 6);
    assert.equal(house.firstSeenAt, '2026-05-04T06:00:00.000Z');
    assert.equal(house.lastSeenAt, '2026-05-04T07:00:00.000Z');
  });
});

describe('boilerplate learned per site, bullmq workers sharing one store', () => {
  let rp: RedisTestPrefix;
  let dir: string;
  let nodes: NodeStarter;
  let site: TestServer;
  let setFeed: (ns: number[]) => void;

  before(async () => {
    rp = await redisTestPrefix();
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-boilerplate-bullmq-'));
    nodes = nodeStarter(dir, rp.url);
    ({ site, setFeed } = await startSite());
  });
  after(async () => {
    await nodes?.closeAll();
    await site?.close();
    await rp?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('two workers count into one store: the line is learned once and gone from every stored article', async () => {
    setFeed([1, 2, 3, 4, 5, 6]);
    const dbPath = join(dir, 'feedwatch.db');
    const yaml = bullmqYaml({ dbPath, prefix: rp.prefix, feedUrls: [`${site.url}/feed.xml`], extra: `pipeline:\n  articleConcurrency: 2\n${SITE_RULES}` });
    await nodes.start(yaml, 'scheduler', 'scheduler');
    await nodes.start(yaml, 'worker', 'w1');
    await nodes.start(yaml, 'worker', 'w2');
    await waitFor(() => doneCount(dbPath) === 6, 60_000, 'six articles stored');
    const store = await openSqliteStore(dbPath);
    try {
      const host = `127.0.0.1:${site.port}`;
      // Counting and re-cleaning follow the store step in the same job: wait for the jobs to finish them.
      const copies = async () => Promise.all([1, 2, 3, 4, 5, 6].map(async (id) => (await store.getArticle(id))!.article.paragraphs));
      await waitFor(async () => (await copies()).every((p) => !p.includes(HOUSE_LINE)), 30_000, 'the learned line gone from all six');
      assert.ok((await copies()).every((p) => p.includes(KEPT_LINE)), 'the protected line stays in all six');
      // The line can be learned (and re-cleaned out of all six) before the last story's count lands: wait for it.
      const counted = async () => (await store.boilerplateEntries({ host })).find((e) => e.hash === paragraphKey(HOUSE_LINE))?.stories;
      await waitFor(async () => (await counted()) === 6, 30_000, 'six stories counted by two workers');
      assert.equal(await counted(), 6, 'counted once each: not more than six');
      assert.equal((await store.deliveries({ rule: 'bridges' })).length, 6, 'one alert per story');
    } finally {
      await store.close();
    }
  });
});

/**
 * Hot reload of site rules and alert rules in running daemons, through the real reload path (an edit of the watched
 * config file), counted from the loopback site's requests, the stored texts and the log lines, never timed:
 *  - embedded (`feedwatch run`): a page stored before the edit keeps a paragraph and alerts nothing; after the edit
 *    adds a site rule dropping that paragraph and an alert rule on a word of every story, the next story is stored
 *    without it and alerts on the log channel, and the story stored before is not alerted (no replay). A feed added
 *    by `feedwatch import-opml` (which replaces the file by a rename) is then polled, its story cleaned and alerted,
 *    with no restart;
 *  - BullMQ (`run --role scheduler` and `run --role worker`, two processes): the same edit, plus a feed added, reaches
 *    both: the scheduler re-syncs its job schedulers and the new feed is polled, the worker applies the new site and
 *    alert rules to the pages of the old feed and of the new one.
 * The pages are generated stories (pseudo-words from a seeded PRNG), so deduplication keeps them apart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bodyText, unpackArticle } from '../../src/store/sqlite/packed.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { runFeedwatch, spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import { mulberry32, uniform } from '../helpers/prng.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';
import { waitFor } from './bullmq-fixture.js';

const LONG = 240_000;
const SYLLABLES = ['ka', 'lo', 'mi', 'ter', 'van', 'sul', 'dor', 'pe', 'ri', 'gan', 'tu', 'mel', 'bro', 'sen', 'fa', 'nok', 'zi', 'har', 'wel', 'qua'];
/** The paragraph the site rule drops: a standing line of the site, in every story. */
const DESK_LINE = 'Editor on duty this week is Martin Osgood, who answers letters from readers about the harbour at desk three every weekday morning.';
const DESK_RULE = '^Editor on duty this week';
/** A word every story carries, which the alert rule added by the edit looks for. */
const KEYWORD = 'lighthouse';

function words(rand: () => number, n: number): string {
  return Array.from({ length: n }, () => {
    const k = 2 + Math.floor(rand() * 2);
    return Array.from({ length: k }, () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)]).join('');
  }).join(' ');
}

/** Story `slug`: a title and five paragraphs of pseudo-words, one naming the keyword; the desk line in the middle. */
function storyOf(slug: string): { title: string; paragraphs: string[] } {
  let seed = 7;
  for (const c of slug) seed = (seed * 31 + c.charCodeAt(0)) >>> 0;
  const rand = uniform(mulberry32(seed));
  const sentence = () => {
    const s = words(rand, 14 + Math.floor(rand() * 6));
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const para = () => `${sentence()} ${sentence()} ${sentence()}`;
  const paragraphs = [para(), `${sentence()} The ${KEYWORD} ${words(rand, 8)} stood. ${sentence()}`, DESK_LINE, para(), para()];
  return { title: `${words(rand, 5)} ${slug}`, paragraphs };
}

const page = (slug: string) => {
  const s = storyOf(slug);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${s.title}</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article class="harbour-story"><h1>${s.title}</h1>
${s.paragraphs.map((p) => `<p>${p}</p>`).join('\n')}
</article><footer>Harbour Gazette</footer></body></html>`;
};

/** A loopback site: /f/NAME.xml lists the stories published on feed NAME, /p/SLUG is a story's page. */
class Site {
  readonly published = new Map<string, string[]>();
  constructor(readonly server: TestServer) {}
  static async start(): Promise<Site> {
    const site: Site = new Site(await startServer({}, (_req, res, url) => site.answer(url, res)));
    return site;
  }
  private answer(url: URL, res: import('node:http').ServerResponse): void {
    const feed = /^\/f\/([a-z0-9-]+)\.xml$/.exec(url.pathname)?.[1];
    if (feed !== undefined) {
      const items = (this.published.get(feed) ?? [])
        .map((slug) => `<item><title>${storyOf(slug).title}</title><link>${this.server.url}/p/${slug}</link><guid>${slug}</guid></item>`)
        .join('');
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(`<?xml version="1.0"?><rss version="2.0"><channel><title>${feed}</title>${items}</channel></rss>`);
      return;
    }
    const slug = /^\/p\/([a-z0-9-]+)$/.exec(url.pathname)?.[1];
    if (slug !== undefined) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(slug));
    else res.writeHead(404).end();
  }
  publish(feed: string, slug: string): void {
    this.published.set(feed, [...(this.published.get(feed) ?? []), slug]);
  }
  feedUrl(feed: string): string {
    return `${this.server.url}/f/${feed}.xml`;
  }
  polls(feed: string): number {
    return this.server.requests.filter((r) => r.path === `/f/${feed}.xml`).length;
  }
}

/** The stored body of the article fetched from /p/SLUG, or null while it is not stored. */
function storedBody(dbPath: string, slug: string): string | null {
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch {
    return null;
  }
  try {
    // The body is stored once (0012_text_once.sql): in the alert document, or as the paragraphs of the revision it names.
    const row = db
      .prepare<[string], { body: string | null; packed: Buffer | null }>(
        `SELECT d.body, r.packed FROM alert_docs d
           LEFT JOIN article_revisions r ON d.body IS NULL AND r.article_id = d.article_id AND r.revision = d.body_revision
         WHERE d.url LIKE ?`,
      )
      .get(`%/p/${slug}`);
    if (!row) return null;
    return row.body ?? (row.packed ? bodyText(unpackArticle(row.packed)) : null);
  } catch {
    return null; // the tables are not made yet
  } finally {
    db.close();
  }
}

const alertsFor = (procs: FeedwatchProcess[], slug: string) =>
  procs.flatMap((p) => p.logs).filter((l) => String(l.msg).startsWith('alert: beacon:') && String(l.msg).endsWith(slug));
const anyAlert = (procs: FeedwatchProcess[]) => procs.flatMap((p) => p.logs).filter((l) => String(l.msg).startsWith('alert'));
const reloaded = (p: FeedwatchProcess) => p.logs.filter((l) => l.msg === 'config reloaded').length;

/** The rules the edit adds: a site rule (found by the page's markup) dropping the desk line, an alert rule on the keyword. */
const RULES = `sites:
  - name: harbour-desk
    detect: "article.harbour-story"
    dropParagraphs: [${JSON.stringify(DESK_RULE)}]
alerts:
  rules:
    - { name: beacon, query: '${KEYWORD}', channels: [log] }
`;

function assertStoredWithDeskLine(body: string | null, slug: string): void {
  assert.ok(body !== null, `${slug} stored`);
  assert.ok(body.includes(DESK_LINE), `${slug}: stored with the desk line (no site rule yet)`);
  assert.ok(body.includes(KEYWORD), `${slug}: the keyword is in the stored text`);
}

function assertStoredWithoutDeskLine(body: string | null, slug: string): void {
  assert.ok(body !== null, `${slug} stored`);
  assert.ok(!body.includes('Editor on duty'), `${slug}: the reloaded site rule dropped the desk line`);
  const kept = storyOf(slug).paragraphs.filter((p) => p !== DESK_LINE);
  for (const p of kept) assert.ok(body.includes(p), `${slug}: every other paragraph kept`);
}

describe('embedded daemon: a file edit applies site rules and alert rules; import-opml adds a polled feed', () => {
  let dir: string;
  let site: Site;
  let daemon: FeedwatchProcess;
  const config = () => join(dir, 'feedwatch.yaml');
  const db = () => join(dir, 'feedwatch.db');
  const write = (feeds: string[], rules: string) =>
    writeFileSync(
      config(),
      `# feeds of the harbour site
storage: { driver: sqlite, path: ${JSON.stringify(db())} }
log: { format: json, level: info }
server: { port: 0 }
http: { allowPrivateNetworks: true }
boilerplate: { enabled: false }
defaults: { interval: 1s, minInterval: 1s, jitter: 0 }
${rules}feeds:
${feeds.map((f) => `  - { name: ${f}, url: "${site.feedUrl(f)}" }\n`).join('')}`,
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-reload-rules-'));
    site = await Site.start();
  });
  after(async () => {
    await daemon?.kill();
    await site?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('before the edit: stored with the line, no alert; after it: the next story without the line and alerted', { timeout: 600_000 }, async () => {
    site.publish('harbour', 'first-story');
    write(['harbour'], '');
    daemon = spawnFeedwatch(['run', '--config', config()], {}, 'reload-rules');
    await waitFor(() => storedBody(db(), 'first-story') !== null, LONG, 'the first story stored');
    assertStoredWithDeskLine(storedBody(db(), 'first-story'), 'first-story');

    const pid = daemon.process.pid;
    const seen = reloaded(daemon);
    write(['harbour'], RULES);
    await waitFor(() => reloaded(daemon) > seen, LONG, 'the edit reloaded');
    site.publish('harbour', 'second-story');
    await waitFor(() => storedBody(db(), 'second-story') !== null, LONG, 'the second story stored');
    assertStoredWithoutDeskLine(storedBody(db(), 'second-story'), 'second-story');
    await waitFor(() => alertsFor([daemon], 'second-story').length > 0, LONG, 'the reloaded alert rule alerted');
    assert.equal(alertsFor([daemon], 'first-story').length, 0, 'the story stored before the rule existed is not alerted');
    assert.equal(daemon.process.pid, pid, 'no restart');
    assert.ok(daemon.running());
  });

  test('import-opml into the running daemon\'s config: the new feed is polled, cleaned and alerted without a restart', { timeout: 600_000 }, async () => {
    site.publish('pier', 'pier-story');
    const opml = join(dir, 'pier.opml');
    writeFileSync(
      opml,
      `<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>x</title></head><body><outline text="Port"><outline type="rss" text="pier" xmlUrl="${site.feedUrl('pier')}"/></outline></body></opml>`,
    );
    const seen = reloaded(daemon);
    const r = await runFeedwatch(['import-opml', opml, '--config', config()], { env: { FEEDWATCH_CONFIG: undefined }, timeoutMs: LONG });
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => reloaded(daemon) > seen, LONG, 'the import reloaded the daemon');
    await waitFor(() => site.polls('pier') > 0, LONG, 'the imported feed polled');
    await waitFor(() => storedBody(db(), 'pier-story') !== null, LONG, 'its story stored');
    assertStoredWithoutDeskLine(storedBody(db(), 'pier-story'), 'pier-story');
    await waitFor(() => alertsFor([daemon], 'pier-story').length > 0, LONG, 'its story alerted');
    assert.ok(daemon.running());
    assert.equal((await daemon.stop()).code, 0);
  });
});

describe('BullMQ scheduler and worker: a file edit adds a feed (polled) and rules (applied by the worker)', () => {
  let dir: string;
  let site: Site;
  let rp: RedisTestPrefix;
  const procs: FeedwatchProcess[] = [];
  const config = () => join(dir, 'feedwatch.yaml');
  const db = () => join(dir, 'feedwatch.db');
  const write = (feeds: string[], rules: string) =>
    writeFileSync(
      config(),
      `storage: { driver: sqlite, path: ${JSON.stringify(db())} }
log: { format: json, level: info }
server: { port: 0 }
http: { allowPrivateNetworks: true }
boilerplate: { enabled: false }
queue: { driver: bullmq, prefix: ${rp.prefix}, lockDuration: 10s, stalledInterval: 1s, sweepInterval: 500ms, sweepAfter: 1500ms }
defaults: { interval: 2s, minInterval: 1s, jitter: 0 }
${rules}feeds:
${feeds.map((f) => `  - { name: ${f}, url: "${site.feedUrl(f)}" }\n`).join('')}`,
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-reload-rules-bullmq-'));
    site = await Site.start();
    rp = await redisTestPrefix();
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await site?.server.close();
    await rp?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the scheduler polls the added feed and the worker applies the new site and alert rules', { timeout: 600_000 }, async () => {
    site.publish('quay', 'quay-one');
    write(['quay'], '');
    const worker = spawnFeedwatch(['run', '--role', 'worker', '--config', config()], { REDIS_URL: rp.url }, 'worker');
    procs.push(worker);
    await waitFor(() => worker.logged('feedwatch started'), LONG, 'worker started');
    const scheduler = spawnFeedwatch(['run', '--role', 'scheduler', '--config', config()], { REDIS_URL: rp.url }, 'scheduler');
    procs.push(scheduler);
    await waitFor(() => storedBody(db(), 'quay-one') !== null, LONG, 'the first story stored');
    assertStoredWithDeskLine(storedBody(db(), 'quay-one'), 'quay-one');
    assert.equal(anyAlert(procs).length, 0, 'no alert rule yet');
    assert.equal(site.polls('dock'), 0);

    const seen = procs.map(reloaded);
    write(['quay', 'dock'], RULES);
    await waitFor(() => procs.every((p, i) => reloaded(p) > seen[i]!), LONG, 'scheduler and worker reloaded');
    const line = scheduler.logs.filter((l) => l.msg === 'config reloaded').at(-1)!;
    assert.equal(line.feeds_added, 1);
    site.publish('dock', 'dock-one');
    site.publish('quay', 'quay-two');
    await waitFor(() => site.polls('dock') > 0, LONG, 'the added feed polled');
    await waitFor(() => storedBody(db(), 'dock-one') !== null && storedBody(db(), 'quay-two') !== null, LONG, 'both new stories stored');
    assertStoredWithoutDeskLine(storedBody(db(), 'dock-one'), 'dock-one');
    assertStoredWithoutDeskLine(storedBody(db(), 'quay-two'), 'quay-two');
    await waitFor(() => alertsFor(procs, 'dock-one').length > 0 && alertsFor(procs, 'quay-two').length > 0, LONG, 'both new stories alerted');
    assert.equal(alertsFor(procs, 'quay-one').length, 0, 'the story stored before the rule is not alerted');
    assert.ok(procs.every((p) => p.running()), 'no process ended');
    for (const p of procs) assert.equal((await p.stop()).code, 0, `${p.name} exits 0`);
  });
});

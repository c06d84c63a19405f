/**
 * The status page as a person sees it, in real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core: no browser is downloaded): a real daemon (`feedwatch run`, embedded, SQLite) fed from a loopback
 * site with one failing feed and a hostile item title. Checks that the failing feed is flagged with its reason, a
 * story is listed with its sighting, the chart is drawn, a search in the alert language is answered, and that the
 * hostile title shows as text and runs nothing. Saves a screenshot under tests/output/ (not in git).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { spawnFeedwatch, type FeedwatchProcess } from '../helpers/feedwatch-process.js';
import type { TestServer } from '../helpers/http-server.js';
import { waitFor } from '../pipeline/bullmq-fixture.js';
import type { FeedView, StoriesPage } from '../../src/api/views.js';
import { HOSTILE_TITLE, siteConfig, startNewsSite } from './site.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = new URL('../output/', import.meta.url);

let dir: string;
let site: TestServer;
let daemon: FeedwatchProcess;
let browser: Browser;
let base: string;

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  dir = mkdtempSync(join(tmpdir(), 'feedwatch-browser-'));
  site = await startNewsSite();
  const config = join(dir, 'feedwatch.yaml');
  writeFileSync(config, `log:\n  level: info\n  format: json\nstorage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'feedwatch.db'))}\n${siteConfig(site)}`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  daemon = spawnFeedwatch(['run', '--config', config, '--port', String(port)], { FEEDWATCH_API_TOKEN: '' }, 'daemon');
  await waitFor(() => daemon.logged('feedwatch started') || !daemon.running(), 120_000, 'the daemon started');
  assert.ok(daemon.running(), daemon.stderr());
  // The first pass: the failing feed recorded, and all three items of the other stored (two pages, one gone).
  await waitFor(
    async () => {
      const feeds = ((await (await fetch(`${base}/api/feeds`)).json()) as { feeds: FeedView[] }).feeds;
      const stories = ((await (await fetch(`${base}/api/stories`)).json()) as StoriesPage).stories;
      return feeds.some((f) => f.name === 'broken' && f.health === 'failing') && stories.length === 3;
    },
    120_000,
    'the first pass stored',
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
});

after(async () => {
  await browser?.close();
  await daemon?.stop();
  await site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a person sees the failing feed, a story, the chart, and a search answered; the hostile title is inert text', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  const res = await page.goto(`${base}/`);
  assert.equal(res?.status(), 200);
  assert.equal(await page.title(), 'feedwatch status', 'no injected script changed the title');

  const broken = page.locator('tr[data-feed="broken"]');
  assert.equal(await broken.locator('.badge').innerText(), 'failing');
  assert.match(await broken.locator('.reason').first().innerText(), /the last poll failed: .*500/);
  assert.equal(await page.locator('tr[data-feed="kg"] .badge').innerText(), 'ok');
  assert.match(await page.locator('#summary').innerText(), /2 feeds: 1 ok, 0 stale, 1 failing/);

  const stories = page.locator('#stories tr.story');
  assert.equal(await stories.count(), 3);
  const lavrov = stories.filter({ hasText: 'Лавров рассказал о важных моментах отношений' });
  assert.equal(await lavrov.count(), 1, 'the stored story is listed');
  assert.match(await lavrov.locator('ul.sightings li').first().innerText(), /kg · new · http:\/\/127\.0\.0\.1:\d+\/a\/1\.html/);
  assert.equal(await page.locator('#stories').getByText(HOSTILE_TITLE, { exact: true }).count(), 1, 'the hostile title is shown as its text');
  assert.equal(await page.locator('#alerts').getByText(HOSTILE_TITLE, { exact: true }).count(), 1, 'also in the alert it raised');
  assert.equal(await page.locator('img').count(), 0, 'and made no element');

  const bars = page.locator('#hourly-chart rect.bar');
  assert.equal(await bars.count(), 48);
  const drawn = await bars.evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height > 0).length);
  assert.equal(drawn, 1, 'one hour has items: its bar has a height on screen');
  assert.ok(((await page.locator('#hourly-chart').boundingBox())?.width ?? 0) > 600, 'the chart is laid out');

  await page.locator('input[name="q"]').fill('Лавров -погода');
  await Promise.all([page.waitForURL(/\?q=/), page.locator('button[type="submit"]').click()]);
  const hits = page.locator('#search tr.story');
  assert.equal(await hits.count(), 2, 'the stored article and the entry whose page is gone');
  assert.match(await page.locator('#search h2').innerText(), /Search: Лавров -погода/);
  assert.match(await hits.first().innerText(), /matched: лавров/i);

  await page.locator('input[name="q"]').fill('(Лавров');
  await Promise.all([page.waitForURL(/q=%28/), page.locator('button[type="submit"]').click()]);
  assert.match(await page.locator('#search .err').innerText(), /does not parse: column/);

  await page.goto(`${base}/`);
  mkdirSync(OUTPUT, { recursive: true });
  const shot = new URL('status-page.png', OUTPUT);
  await page.screenshot({ path: shot.pathname, fullPage: true });
  assert.ok(statSync(shot).size > 10_000, 'a screenshot was saved');
  assert.deepEqual(errors, [], 'no script ran, no dialog opened');
});

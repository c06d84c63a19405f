/**
 * One id per story, with the real CLI: `search` prints a story id and an article id for every hit, and `story ID`,
 * `story ID --text` and `article ID` open each, including the item whose page failed (item:N). The database is
 * filled by one embedded pipeline pass over the loopback site of the API tests.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { EmbeddedPipeline } from '../../src/pipeline/embedded.js';
import type { TestServer } from '../helpers/http-server.js';
import { runFeedwatch } from '../helpers/feedwatch-process.js';
import { HOSTILE_TITLE, siteConfig, startNewsSite } from '../api/site.js';

let dir: string;
let site: TestServer;
let config: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedwatch-story-cli-'));
  site = await startNewsSite();
  config = join(dir, 'feedwatch.yaml');
  const text = `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'feedwatch.db'))}\n${siteConfig(site)}`;
  writeFileSync(config, text);
  const app = await createApp(parseConfig(text, config), { logger: silentLogger, clock: new ManualClock(Date.parse('2026-03-05T12:00:00.000Z')) });
  try {
    await new EmbeddedPipeline(app.deps, app.config.feeds, { pollConcurrency: 2, articleConcurrency: 2 }).runOnce();
  } finally {
    await app.close();
  }
});
after(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runFeedwatch([...args, '--config', config], { timeoutMs: 120_000 });

test('search names each hit by story and article id, and story and article open both kinds', async () => {
  const search = await cli('search', 'Лавров');
  assert.equal(search.code, 0, search.stderr);
  const rows = search.stdout.split('\n').filter((l) => /^(item:)?\d+ +(item:)?\d+ /.test(l)).map((l) => l.trim().split(/\s+/));
  assert.equal(rows.length, 2, search.stdout);
  const ids = rows.map((r) => ({ story: r[0]!, article: r[1]! }));
  const failed = ids.find((i) => i.story.startsWith('item:'))!;
  const stored = ids.find((i) => !i.story.startsWith('item:'))!;
  assert.ok(failed && stored, search.stdout);
  assert.equal(failed.article, failed.story, 'the failed page: item:N names both');
  assert.match(stored.article, /^\d+$/);

  const story = await cli('story', stored.story, '--text');
  assert.equal(story.code, 0, story.stderr);
  assert.match(story.stdout, new RegExp(`^story ${stored.story}: Лавров рассказал`));
  assert.match(story.stdout, new RegExp(`--- article ${stored.article}, revision 1: `));
  const paragraphs = story.stdout.slice(story.stdout.indexOf('--- article')).split('\n\n').slice(1).filter((p) => p.length > 80);
  assert.ok(paragraphs.length >= 3, 'the stored paragraphs follow');
  const plain = await cli('story', stored.story);
  assert.ok(!plain.stdout.includes('--- article'), 'without --text, no text');

  const asJson = JSON.parse((await cli('story', stored.story, '--text', '--json')).stdout) as { articles: Array<{ text: { paragraphs: string[] } }> };
  assert.ok(asJson.articles[0]!.text.paragraphs.length >= 3);

  const article = await cli('article', stored.article);
  assert.equal(article.code, 0, article.stderr);
  assert.match(article.stdout, new RegExp(`^article ${stored.article} of story ${stored.story} · feed kg`));
  assert.match(article.stdout, /\n\nЛавров рассказал о важных моментах отношений/);
  for (const p of paragraphs.slice(0, 3)) assert.ok(article.stdout.includes(p), 'the same stored text as story --text');

  const item = await cli('story', failed.story, '--text');
  assert.equal(item.code, 0, item.stderr);
  assert.ok(item.stdout.startsWith(`story ${failed.story}: ${HOSTILE_TITLE}`));
  assert.match(item.stdout, /page failed: http-status: HTTP 410/);
  assert.match(item.stdout, /Министр прилетел утром\./);
  const itemArticle = await cli('article', failed.article, '--json');
  assert.equal(itemArticle.code, 0, itemArticle.stderr);
  assert.deepEqual(JSON.parse(itemArticle.stdout).lead, 'Министр прилетел утром.');
});

test('unknown and malformed ids', async () => {
  assert.equal((await cli('story', '999999')).code, 1);
  assert.equal((await cli('article', 'item:999999')).code, 1);
  for (const bad of ['0', 'item:-1']) assert.equal((await cli('story', '--', bad)).code, 2, bad);
  for (const bad of ['-3', 'abc']) assert.equal((await cli('article', '--', bad)).code, 2, bad);
  const alerts = await cli('alerts', 'test', 'Лавров', '--text', 'Лавров прилетел');
  assert.equal(alerts.code, 0, 'alerts test still takes --text with a value');
});

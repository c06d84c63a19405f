/**
 * `feedwatch export` as a user runs it, on a SQLite file: each format to stdout or --output, narrowed by --query (the
 * alert language), --feed and --since; nothing on stderr when it is not a terminal (no progress bar); bad arguments
 * exit 2 with the reason.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAlertDoc } from '../../src/alerts/match.js';
import { loadMorphology } from '../../src/alerts/morphology.js';
import { parseFeed } from '../../src/feed/parse.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { runFeedwatch } from '../helpers/feedwatch-process.js';

const DOCS = [
  { feed: 'ria', title: 'Лавров прибыл в Бишкек', lead: 'Визит', body: 'Первый.\n\nВторой.', tags: ['ЕАЭС'], storedAt: '2026-03-01T00:00:00.000Z' },
  { feed: 'tass', title: '=SUM(A1:A9) и Лавров', lead: 'Формула, "кавычки"', body: '', tags: [], storedAt: '2026-03-02T00:00:00.000Z' },
  { feed: 'ria', title: 'Погода в Оше', lead: 'Дождь', body: 'Холодно.', tags: [], storedAt: '2026-03-03T00:00:00.000Z' },
];

let dir: string;
let configFile: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-export-'));
  configFile = join(dir, 'feedwatch.yaml');
  const dbPath = join(dir, 'feedwatch.db');
  writeFileSync(configFile, `storage:\n  driver: sqlite\n  path: ${JSON.stringify(dbPath)}\n`);
  const store = await openSqliteStore(dbPath);
  const lem = await loadMorphology();
  for (const [i, d] of DOCS.entries()) {
    const { storedAt, ...texts } = d;
    await store.saveAlertDoc({ articleId: i + 1, clusterId: String(i + 1), url: `https://example.org/${i + 1}`, publishedAt: null, storedAt, ...texts, analyzed: buildAlertDoc(texts, lem).analyzed });
  }
  await store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

const feedwatch = (args: string[]) => runFeedwatch([...args, '--config', configFile], { timeoutMs: 120_000 });

test('export --format csv --query RULE: the matches, newest first, quoted and formula-guarded; stderr quiet off a terminal', async () => {
  const r = await feedwatch(['export', '--format', 'csv', '--query', 'Лавров']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');
  const lines = r.stdout.split('\r\n');
  assert.equal(lines[0], 'story_id,article_id,feed,published_at,stored_at,url,title,lead,body,tags');
  assert.equal(lines[1], `2,2,tass,,2026-03-02T00:00:00.000Z,https://example.org/2,'=SUM(A1:A9) и Лавров,"Формула, ""кавычки""",,`);
  assert.match(lines[2]!, /^1,1,ria,.*,Лавров прибыл в Бишкек,Визит,"Первый\.\n\nВторой\.",ЕАЭС$/);
  assert.deepEqual(lines.slice(3), ['']);
});

test('export --format jsonl --feed --since --output FILE writes the file and says how many', async () => {
  const out = join(dir, 'out.jsonl');
  const r = await feedwatch(['export', '--format', 'jsonl', '--feed', 'ria', '--since', '2026-03-01T12:00:00Z', '--output', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `1 article written to ${out}\n`);
  const recs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(recs, [
    { storyId: '3', articleId: 3, feed: 'ria', url: 'https://example.org/3', title: 'Погода в Оше', lead: 'Дождь', paragraphs: ['Холодно.'], tags: [], publishedAt: null, storedAt: '2026-03-03T00:00:00.000Z' },
  ]);
});

test('export --format rss: every stored article as RSS the feed parser reads back', async () => {
  const r = await feedwatch(['export', '--format', 'rss']);
  assert.equal(r.code, 0, r.stderr);
  const items = await parseFeed(r.stdout, 'export');
  assert.deepEqual(
    items.map((i) => [i.title, i.link, i.guid]),
    [3, 2, 1].map((n) => [DOCS[n - 1]!.title, `https://example.org/${n}`, `feedwatch:story:${n}:article:${n}`]),
  );
  assert.match(r.stdout, /<title>feedwatch: all stored articles<\/title>/);
});

test('bad arguments exit 2 with the reason: no or unknown --format, a --since that is not a date, a rule that does not parse', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['export'], /--format must be one of jsonl, csv, rss/],
    [['export', '--format', 'xml'], /--format must be one of jsonl, csv, rss/],
    [['export', '--format', 'csv', '--since', 'yesterday'], /--since must be an ISO 8601 date/],
    [['export', '--format', 'csv', '--query', '(Лавров'], /column/],
  ];
  for (const [args, message] of cases) {
    const r = await feedwatch(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});

/** `feedwatch alerts test` and `feedwatch search` as a user runs them: child processes, exit codes, output. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAlertDoc } from '../../src/alerts/match.js';
import { loadMorphology } from '../../src/alerts/morphology.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { pgTestSchemas } from '../helpers/postgres.js';
import { runFeedwatch, type CommandResult } from '../helpers/feedwatch-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const lavrovJson = join(root, 'tests/fixtures/alerts/lavrov-article.json');

function feedwatch(args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return runFeedwatch(args, { env, timeoutMs: 300_000 });
}

const pg = pgTestSchemas();
after(() => pg.dropAll());

/** Three stored articles, as the pipeline would have stored them. */
const DOCS = [
  { title: 'Визит Лаврова в Бишкек', lead: 'Министр прилетел утром.', body: 'Переговоры продлятся два дня.', feed: 'kg', tags: ['Политика'] },
  { title: 'Погода в Бишкеке', lead: 'Синоптики обещают снег.', body: 'Ночью похолодает.', feed: 'kg', tags: [] },
  { title: 'Лавров и Казакбаев', lead: 'Встреча министров.', body: 'Сергей Лавров провел переговоры.', feed: 'ria', tags: [] },
];

async function saveDocs(store: Pick<Store, 'saveAlertDoc'>): Promise<void> {
  const lem = await loadMorphology();
  for (const [i, d] of DOCS.entries()) {
    await store.saveAlertDoc({
      articleId: i + 1,
      clusterId: String(i + 1),
      url: `https://example.org/${i + 1}`,
      publishedAt: `2026-03-0${i + 1}T10:00:00+06:00`,
      storedAt: '2026-03-05T00:00:00.000Z',
      ...d,
      analyzed: buildAlertDoc(d, lem).analyzed,
    });
  }
}

let dir: string;
let configFile: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-alerts-'));
  configFile = join(dir, 'feedwatch.yaml');
  const dbPath = join(dir, 'feedwatch.db');
  writeFileSync(configFile, `storage:\n  driver: sqlite\n  path: ${JSON.stringify(dbPath)}\n`);
  const store = await openSqliteStore(dbPath);
  await saveDocs(store);
  await store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('alerts test --json: one object with match and the matched spans; exit 0 on a match', async () => {
  const r = await feedwatch(['alerts', 'test', 'Лавров AND (Кыргызстан OR Бишкек)', '--title', 'Визит Лаврова', '--text', 'Министр прибыл в Бишкек.', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    match: true,
    spans: [
      { field: 'title', start: 6, end: 13, term: 'Лавров', text: 'Лаврова' },
      { field: 'body', start: 17, end: 23, term: 'Бишкек', text: 'Бишкек' },
    ],
  });
});

test('alerts test says where a rule matches a JSON article file, and exits 1 when it does not match', async () => {
  const yes = await feedwatch(['alerts', 'test', 'title:Лавров tag:ЕАЭС', '--file', lavrovJson]);
  assert.equal(yes.code, 0, yes.stderr);
  assert.match(yes.stdout, /^match\n/);
  assert.match(yes.stdout, /title 0-6 +"Лавров" +\(Лавров\)/);
  assert.match(yes.stdout, /tag \d+-\d+ +"ЕАЭС"/);
  const no = await feedwatch(['alerts', 'test', 'лавровый', '--text', 'Сергей Лавров и лавры победителя', '--json']);
  assert.equal(no.code, 1);
  assert.deepEqual(JSON.parse(no.stdout), { match: false, spans: [] });
});

test('alerts test: a rule that does not parse names the column and exits 2; so do bad arguments', async () => {
  const bad = await feedwatch(['alerts', 'test', 'Лавров AND (Бишкек', '--text', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /does not parse: column \d+: .*\n  Лавров AND \(Бишкек\n +\^/);
  const both = await feedwatch(['alerts', 'test', 'x', '--text', 'a', '--file', lavrovJson]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--text or --file, not both/);
  const none = await feedwatch(['alerts', 'frobnicate']);
  assert.equal(none.code, 2);
});

test('search runs the rule language over stored articles, newest first', async () => {
  const r = await feedwatch(['search', 'Лавров', '--json', '--config', configFile]);
  assert.equal(r.code, 0, r.stderr);
  const hits = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { articleId: number; title: string; spans: { text: string }[] });
  assert.deepEqual(hits.map((h) => h.articleId), [3, 1]);
  assert.deepEqual(hits[1]!.spans.map((s) => s.text), ['Лаврова']);

  const table = await feedwatch(['search', 'Бишкек -Лавров', '--config', configFile]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^story +article +published \(UTC\) +feed +title +matched$/m);
  assert.match(table.stdout, /^2 +2 +2026-03-02 04:00 +kg +Погода в Бишкеке +бишкеке$/m);
  assert.match(table.stdout, /\n1 article\n$/);

  const limited = await feedwatch(['search', 'feed:kg OR feed:ria', '--json', '--limit', '2', '--config', configFile]);
  assert.deepEqual(limited.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { articleId: number }).articleId), [3, 2]);

  const none = await feedwatch(['search', 'Шойгу', '--config', configFile]);
  assert.equal(none.code, 1);
  assert.match(none.stdout, /no stored article matches/);
  const badLimit = await feedwatch(['search', 'x', '--limit', 'ten', '--config', configFile]);
  assert.equal(badLimit.code, 2);
});

test('search on PostgreSQL (storage.driver postgres, DATABASE_URL): the same rule language, the same answers', async () => {
  const schema = await pg.create();
  const store = await openPostgresStore(pg.url, { schema });
  await saveDocs(store);
  await store.close();
  const pgConfig = join(dir, 'postgres.yaml');
  writeFileSync(pgConfig, 'storage:\n  driver: postgres\n');
  const env = { DATABASE_URL: pg.urlFor(schema) };
  const r = await feedwatch(['search', 'Лавров', '--json', '--config', pgConfig], env);
  assert.equal(r.code, 0, r.stderr);
  const hits = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { articleId: number; spans: { text: string }[] });
  assert.deepEqual(hits.map((h) => h.articleId), [3, 1]);
  assert.deepEqual(hits[1]!.spans.map((s) => s.text), ['Лаврова']);
  const table = await feedwatch(['search', 'Бишкек -Лавров', '--config', pgConfig], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^2 +2 +2026-03-02 04:00 +kg +Погода в Бишкеке +бишкеке$/m);
  const none = await feedwatch(['search', 'Шойгу', '--config', pgConfig], env);
  assert.equal(none.code, 1);
});

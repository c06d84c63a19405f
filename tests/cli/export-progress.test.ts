/**
 * `feedwatch export` on a terminal: a real pseudo-terminal (util-linux `script`) gets the progress count on stderr,
 * counting up to the number of articles written, across more than one keyset page of storage (500 per read); the
 * export itself goes to --output and holds the same number of records. Off a terminal the same command prints no
 * progress (tests/cli/export.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAlertDoc } from '../../src/alerts/match.js';
import { loadMorphology } from '../../src/alerts/morphology.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { runFeedwatch } from '../helpers/feedwatch-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
/** More than one page of the export's keyset reads (500). */
const ARTICLES = 1_234;

let dir: string;
let configFile: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-export-tty-'));
  configFile = join(dir, 'feedwatch.yaml');
  const dbPath = join(dir, 'feedwatch.db');
  writeFileSync(configFile, `storage:\n  driver: sqlite\n  path: ${JSON.stringify(dbPath)}\n`);
  const store = await openSqliteStore(dbPath);
  const lem = await loadMorphology();
  for (let i = 1; i <= ARTICLES; i++) {
    const texts = { feed: i % 2 ? 'harbour' : 'valley', title: `Notice ${i} from the harbour office`, lead: `Lead ${i}`, body: `Paragraph one of notice ${i}.\n\nParagraph two.`, tags: [] };
    const storedAt = new Date(Date.UTC(2026, 2, 1) + i * 60_000).toISOString();
    await store.saveAlertDoc({ articleId: i, clusterId: String(i), url: `https://example.org/${i}`, publishedAt: null, storedAt, ...texts, analyzed: buildAlertDoc(texts, lem).analyzed });
  }
  await store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs feedwatch on a new pseudo-terminal; stdout and stderr both land on it. Resolves with its exit code and text. */
function onTerminal(args: string[]): Promise<{ code: number | null; text: string }> {
  const quoted = [process.execPath, '--import', 'tsx', MAIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // -q: no start/end lines; -e: script exits with the command's status; -c: the command; /dev/null: no typescript file.
  const child = spawn('script', ['-qec', quoted, '/dev/null'], { cwd: ROOT, env: { ...process.env, TERM: 'xterm', FEEDWATCH_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, text: out })));
}

test('on a terminal: the progress count runs up to the number of articles written, across keyset pages', { timeout: 300_000 }, async () => {
  const out = join(dir, 'all.jsonl');
  const r = await onTerminal(['export', '--format', 'jsonl', '--output', out, '--config', configFile]);
  assert.equal(r.code, 0, r.text);
  const counts = [...r.text.matchAll(/exporting: (\d+) articles written/g)].map((m) => Number(m[1]));
  assert.ok(counts.length >= 1, `a progress line on the terminal: ${JSON.stringify(r.text.slice(0, 500))}`);
  assert.equal(counts.at(-1), ARTICLES, 'the last count shown is every article written');
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, `the count never goes back: ${counts.join(', ')}`);
  assert.match(r.text, new RegExp(`${ARTICLES} articles written to ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  const records = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(records.length, ARTICLES);
  assert.equal((JSON.parse(records[0]!) as { articleId: number }).articleId, ARTICLES, 'newest first');
});

test('the same export off a terminal shows no progress, only the count of what was written', { timeout: 300_000 }, async () => {
  const out = join(dir, 'quiet.jsonl');
  const r = await runFeedwatch(['export', '--format', 'jsonl', '--output', out, '--config', configFile], { timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `${ARTICLES} articles written to ${out}\n`);
  assert.doesNotMatch(r.stderr, /exporting:/);
});

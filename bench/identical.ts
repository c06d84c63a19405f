/**
 * Identical-output check for work on the extractor's speed: every page of the dev and dragnet corpora (and the
 * Sputnik fixtures of tests/fixtures) goes through extractArticle, and each field of its Article is hashed
 * (SHA-256 of the field's JSON). `--write FILE` records the hashes; `--check FILE` compares a run with them and
 * lists each page and field that differs (exit 1 when any does). Run it on the tree before a change with
 * --write and after it with --check.
 *
 *   npx tsx bench/identical.ts --write /tmp/before.json
 *   npx tsx bench/identical.ts --check /tmp/before.json
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractArticle } from '../src/extract/index.js';
import type { Article } from '../src/model.js';
import { DEFAULT_CORPUS_DIR, DRAGNET_CORPUS_DIR, corpusExists, loadCorpus, type CorpusPage } from './corpus.js';

/** Field name → hash of its JSON, per page key. */
export type OutputHashes = Record<string, Record<string, string>>;

const FIXTURES = join(DEFAULT_CORPUS_DIR, '..');

/** The Sputnik fixtures with the addresses their tests give them. */
const FIXTURE_PAGES: { file: string; url: string }[] = [
  { file: 'sputnik/sputnik-kg-20220305-lavrov.html', url: 'https://ru.sputnik.kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html' },
  { file: 'sputnik/snanews-de-20201216.html', url: 'https://snanews.de/a.html' },
  { file: 'extract/sputnik-by-b-article.html', url: 'https://sputnik.by/a.html' },
  { file: 'extract/sputniknews-com-20191118-b-article.html', url: 'https://sputniknews.com/a.html' },
];

function allPages(): { name: string; pages: CorpusPage[] }[] {
  const sets = [{ name: 'dev', pages: loadCorpus(DEFAULT_CORPUS_DIR) }];
  if (corpusExists(DRAGNET_CORPUS_DIR)) sets.push({ name: 'dragnet', pages: loadCorpus(DRAGNET_CORPUS_DIR, 'sniff') });
  else console.error(`dragnet corpus not found in ${DRAGNET_CORPUS_DIR}: checked without it`);
  sets.push({
    name: 'fixtures',
    pages: FIXTURE_PAGES.map((f) => ({ key: f.file, url: f.url, html: readFileSync(join(FIXTURES, f.file), 'utf8'), truth: '' })),
  });
  return sets;
}

function hashFields(a: Article): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(a).sort()) out[k] = createHash('sha256').update(JSON.stringify(a[k as keyof Article])).digest('hex').slice(0, 24);
  return out;
}

/** Hashes of every output field of every page; a page whose extraction throws records the error's message. */
export function outputHashes(): OutputHashes {
  const out: OutputHashes = {};
  for (const set of allPages()) {
    for (const p of set.pages) {
      const key = `${set.name}/${p.key}`;
      try {
        out[key] = hashFields(extractArticle(p.html, p.url, { rules: [] }));
      } catch (err) {
        out[key] = { error: String((err as Error).message) };
      }
    }
  }
  return out;
}

function compare(before: OutputHashes, after: OutputHashes): string[] {
  const diffs: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[key];
    const a = after[key];
    if (!b || !a) {
      diffs.push(`${key}: ${b ? 'missing now' : 'new page'}`);
      continue;
    }
    for (const f of new Set([...Object.keys(b), ...Object.keys(a)])) if (b[f] !== a[f]) diffs.push(`${key}: ${f} differs`);
  }
  return diffs;
}

const [mode, file] = process.argv.slice(2);
if ((mode !== '--write' && mode !== '--check') || !file) {
  console.error('usage: tsx bench/identical.ts --write FILE | --check FILE');
  process.exit(2);
}
const hashes = outputHashes();
const pages = Object.keys(hashes).length;
if (mode === '--write') {
  writeFileSync(file, JSON.stringify(hashes, null, 0));
  console.log(`${pages} pages hashed into ${file}`);
} else {
  const diffs = compare(JSON.parse(readFileSync(file, 'utf8')) as OutputHashes, hashes);
  for (const d of diffs) console.log(d);
  console.log(`${pages} pages checked: ${diffs.length === 0 ? 'identical' : `${diffs.length} difference(s)`}`);
  process.exit(diffs.length === 0 ? 0 : 1);
}

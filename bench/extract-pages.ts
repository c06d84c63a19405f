/**
 * Per-page extraction scores of feedwatch alone (no Readability, so a run takes a minute, not five) on the dev
 * corpus and, when present, the dragnet corpus: for iterating on the extractor. `npx tsx bench/extract-pages.ts
 * [--save FILE] [--against FILE] [--top N]` prints F1/P/R per corpus (the body, and headline + body: see
 * bench/extract.ts shownText); `--save` writes each page's precision,
 * recall and text length to FILE; `--against` compares with a file saved earlier and lists the pages that got
 * better or worse (largest F1 change first), with counts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { extractArticle } from '../src/extract/index.js';
import { DEFAULT_CORPUS_DIR, DRAGNET_CORPUS_DIR, corpusExists, loadCorpus } from './corpus.js';
import { articleText, shownText } from './extract.js';
import { aggregate, pageCounts, type PageCounts } from './score.js';

interface PageScore {
  p: number;
  r: number;
  chars: number;
}

type Saved = Record<string, Record<string, PageScore>>;

function pageScore(c: PageCounts, chars: number): PageScore {
  const p = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const r = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  return { p, r, chars };
}

function f1(s: PageScore): number {
  return s.p + s.r > 0 ? (2 * s.p * s.r) / (s.p + s.r) : 0;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const saved: Saved = {};
const against = arg('--against');
const before: Saved | null = against ? (JSON.parse(readFileSync(against, 'utf8')) as Saved) : null;
const top = Number(arg('--top') ?? 15);
const corpora: [string, string, 'utf8' | 'sniff'][] = [['dev', DEFAULT_CORPUS_DIR, 'utf8']];
if (corpusExists(DRAGNET_CORPUS_DIR)) corpora.push(['dragnet', DRAGNET_CORPUS_DIR, 'sniff']);
for (const [name, dir, decode] of corpora) {
  const pages = loadCorpus(dir, decode);
  const counts: PageCounts[] = [];
  const shown: PageCounts[] = [];
  const scores: Record<string, PageScore> = {};
  for (const page of pages) {
    const a = extractArticle(page.html, page.url, { rules: [] });
    const text = articleText(a);
    const c = pageCounts(page.truth, text);
    counts.push(c);
    shown.push(pageCounts(page.truth, shownText({ text, title: a.title ?? '' })));
    scores[page.key] = pageScore(c, text.length);
  }
  saved[name] = scores;
  const a = aggregate(counts);
  const h = aggregate(shown);
  console.log(
    `${name}: ${pages.length} pages F1 ${a.f1.toFixed(4)} P ${a.precision.toFixed(4)} R ${a.recall.toFixed(4)}; ` +
      `headline + body F1 ${h.f1.toFixed(4)} P ${h.precision.toFixed(4)} R ${h.recall.toFixed(4)}`,
  );
  const old = before?.[name];
  if (!old) continue;
  const changed = Object.entries(scores)
    .filter(([k, s]) => old[k] && (Math.abs(s.p - old[k]!.p) > 1e-9 || Math.abs(s.r - old[k]!.r) > 1e-9))
    .map(([k, s]) => ({ k, s, o: old[k]!, d: f1(s) - f1(old[k]!) }))
    .sort((x, y) => Math.abs(y.d) - Math.abs(x.d));
  const better = changed.filter((c) => c.d > 0).length;
  const worse = changed.filter((c) => c.d < 0).length;
  console.log(`  changed ${changed.length}: better ${better}, worse ${worse}`);
  for (const c of changed.slice(0, top)) {
    console.log(
      `  ${c.k.padEnd(28)} F1 ${f1(c.o).toFixed(3)} -> ${f1(c.s).toFixed(3)}  P ${c.o.p.toFixed(3)} -> ${c.s.p.toFixed(3)}  R ${c.o.r.toFixed(3)} -> ${c.s.r.toFixed(3)}  chars ${c.o.chars} -> ${c.s.chars}`,
    );
  }
}
const save = arg('--save');
if (save) writeFileSync(save, JSON.stringify(saved));

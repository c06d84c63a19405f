/**
 * `npm run bench -- scale`, alerts part: alert matching with 1,000 rules, and what the morphology dictionaries cost.
 *
 *  - Dictionaries, in a fresh child process (so nothing this process loaded counts): the process's RSS before, the
 *    time (wall and CPU) and memory of the load the first Russian word triggers, and how many loads a process that
 *    only analyses English text makes (none: the dictionaries load only when a rule or a text needs them).
 *  - Matching: 200 dev-corpus articles (bench/scale-store.ts) and the Russian fixture article, each analysed once,
 *    then matched against 1,000 rules of mixed shapes (bench/alerts.ts `benchRules`), beside 1 rule: CPU µs per
 *    article.
 *  - The alert stage as the pipeline runs it (`matchAlerts`: analysis, alert document and index entry, rules, queued
 *    deliveries) on a SQLite store, with no rules beside 1,000 rules: CPU ms per article.
 *
 * Run alone: npx tsx bench/scale-alerts.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildAlertDoc, compileRule, matchRule } from '../src/alerts/match.js';
import { dictionaryLoads, loadMorphology, type Lemmatizer } from '../src/alerts/morphology.js';
import { tokenize } from '../src/alerts/tokenize.js';
import type { Article } from '../src/model.js';
import { alertDocTexts, matchAlerts, type AlertEngine, type AlertRule } from '../src/pipeline/alert-stage.js';
import { openSqliteStore } from '../src/store/sqlite/store.js';
import { testFeed, testItem } from '../tests/helpers/store-fixtures.js';
import { benchRules } from './alerts.js';
import { benchEngine, cpuMs, devArticles, variant } from './scale-store.js';

const ARTICLES = 200;
const RULES = 1000;

export interface DictionaryFigures {
  /** RSS of the child process before the load (the module imported, a lemmatizer made, nothing looked up). */
  rssBeforeMb: number;
  loadMs: number;
  loadCpuMs: number;
  rssAddedMb: number;
  heapAddedMb: number;
  /** Loads made by a process that analysed English text only. */
  loadsForEnglish: number;
}

/** In this process: the figures of `DictionaryFigures`, as JSON on stdout. Run by `dictionaryFigures` in a child. */
async function probeDictionaries(): Promise<void> {
  const lem = await loadMorphology();
  lem.tokenKeys('government');
  buildAlertDoc({ title: 'Minister visits the capital', body: 'Talks on trade and energy went on for two days.' }, lem);
  const loadsForEnglish = dictionaryLoads();
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  const c0 = cpuMs();
  lem.tokenKeys('Лаврова');
  const loadCpuMs = cpuMs() - c0;
  const loadMs = performance.now() - t0;
  const m1 = process.memoryUsage();
  const mb = (b: number) => b / 2 ** 20;
  const out: DictionaryFigures = { rssBeforeMb: mb(m0.rss), loadMs, loadCpuMs, rssAddedMb: mb(m1.rss - m0.rss), heapAddedMb: mb(m1.heapUsed - m0.heapUsed), loadsForEnglish };
  process.stdout.write(JSON.stringify(out));
}

export function dictionaryFigures(): DictionaryFigures {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--probe-dictionaries'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`bench: the dictionary probe failed (${r.status ?? r.signal}): ${r.stderr.slice(0, 500)}`);
  return JSON.parse(r.stdout) as DictionaryFigures;
}

function russianArticle(): Article {
  const a = JSON.parse(readFileSync(fileURLToPath(new URL('../tests/fixtures/alerts/lavrov-article.json', import.meta.url)), 'utf8')) as Article;
  return { ...a, tags: a.tags ?? [] };
}

function compiled(sources: string[], lem: Lemmatizer): AlertRule[] {
  return sources.map((s, i) => ({ name: `r${i}`, channels: ['log'], compiled: compileRule(s, lem, s) }));
}

export interface AlertsScale {
  dictionaries: DictionaryFigures;
  articles: number;
  rules: number;
  /** CPU ms to analyse one article's five fields (once; every rule then reads that analysis). */
  analyseCpuMs: number;
  /** CPU µs to match one analysed article against 1 rule, and against all `rules`. */
  oneRuleCpuUs: number;
  allRulesCpuUs: number;
  matchesPerArticle: number;
  /** matchAlerts per article on a SQLite store: no rules, and `rules` rules. */
  stageNoRulesCpuMs: number;
  stageAllRulesCpuMs: number;
  rssMb: number;
}

export async function runScaleAlertsBench(opts: { print?: boolean } = {}): Promise<AlertsScale> {
  const dictionaries = dictionaryFigures();
  const base = devArticles();
  const articles = [russianArticle(), ...Array.from({ length: ARTICLES }, (_, k) => variant(base, k))];
  const engine = await benchEngine();
  const lem = engine.lemmatizer;
  const words = [...new Set(articles.flatMap((a) => tokenize([a.title ?? '', ...a.paragraphs].join('\n')).map((t) => t.text)).filter((w) => w.length > 3))];
  const rules = compiled(benchRules(RULES, words), lem);
  const item = testItem('wire', 'g');

  let c = cpuMs();
  const docs = articles.map((a) => {
    const t = alertDocTexts({ articleId: 1, clusterId: 1, article: a, item });
    return buildAlertDoc({ ...t }, lem, 10_000);
  });
  const analyseCpuMs = (cpuMs() - c) / docs.length;
  let matches = 0;
  for (const d of docs) for (const r of rules) matchRule(r.compiled, d); // warm-up: compiled code, not first calls
  c = cpuMs();
  for (const d of docs) for (const r of rules) if (matchRule(r.compiled, d).match) matches++;
  const allRulesCpuUs = ((cpuMs() - c) * 1000) / docs.length;
  // One rule: each article against one rule of the set (the first ten in turn), 50 times over.
  c = cpuMs();
  for (let round = 0; round < 50; round++) for (const [i, d] of docs.entries()) matchRule(rules[i % 10]!.compiled, d);
  const oneRuleCpuUs = ((cpuMs() - c) * 1000) / (50 * docs.length);

  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-bench-scale-alerts-'));
  const stage = async (withRules: readonly AlertRule[], name: string): Promise<number> => {
    const store = await openSqliteStore(join(dir, `${name}.db`));
    try {
      await store.syncFeeds([testFeed('wire')]);
      const alerts: AlertEngine = { ...engine, rules: withRules };
      const logger = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined, isLevelEnabled: () => false } as unknown as Parameters<typeof matchAlerts>[1]['logger'];
      const clock = { now: () => Date.parse('2026-03-01T00:00:00.000Z') };
      const t0 = cpuMs();
      for (const [i, article] of articles.entries()) {
        await matchAlerts({ articleId: i + 1, clusterId: i + 1, article, item: testItem('wire', `g${i}`), fresh: true }, { store, clock, logger, alerts });
      }
      return (cpuMs() - t0) / articles.length;
    } finally {
      await store.close();
    }
  };
  let stageNoRulesCpuMs: number;
  let stageAllRulesCpuMs: number;
  try {
    stageNoRulesCpuMs = await stage([], 'none');
    stageAllRulesCpuMs = await stage(rules, 'all');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out: AlertsScale = {
    dictionaries,
    articles: articles.length,
    rules: rules.length,
    analyseCpuMs,
    oneRuleCpuUs,
    allRulesCpuUs,
    matchesPerArticle: matches / docs.length,
    stageNoRulesCpuMs,
    stageAllRulesCpuMs,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
  if (opts.print !== false) printScaleAlerts(out);
  return out;
}

export function printScaleAlerts(r: AlertsScale): void {
  const d = r.dictionaries;
  console.log(`scale alerts: ${r.rules.toLocaleString('en')} rules over ${r.articles} articles (dev corpus + one Russian article)`);
  console.log(`  dictionaries  load ${d.loadMs.toFixed(0)} ms (${d.loadCpuMs.toFixed(0)} ms CPU), RSS +${d.rssAddedMb.toFixed(0)} MB (heap +${d.heapAddedMb.toFixed(0)} MB) on a process of ${d.rssBeforeMb.toFixed(0)} MB; loads for English text only: ${d.loadsForEnglish}`);
  console.log(`  analysis      ${r.analyseCpuMs.toFixed(2)} ms CPU per article (once; the rules share it)`);
  console.log(`  matching      ${r.rules} rules ${(r.allRulesCpuUs / 1000).toFixed(2)} ms CPU per article (${(r.allRulesCpuUs / r.rules).toFixed(2)} µs per rule; 1 rule ${r.oneRuleCpuUs.toFixed(1)} µs); ${r.matchesPerArticle.toFixed(1)} matches per article`);
  console.log(`  alert stage   ${r.stageAllRulesCpuMs.toFixed(2)} ms CPU per article with ${r.rules} rules, ${r.stageNoRulesCpuMs.toFixed(2)} ms with none (×${(r.stageAllRulesCpuMs / r.stageNoRulesCpuMs).toFixed(2)})`);
  console.log(`  RSS           ${r.rssMb.toFixed(0)} MB`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--probe-dictionaries')) await probeDictionaries();
  else await runScaleAlertsBench();
}

/**
 * Alert figures: the dictionary's load time and memory, lemmatization cost per article (cold and warm cache),
 * 1,000 rules against one article (µs), and matching quality on the hand-labelled word forms, dictionary vs
 * Snowball only. `tsx bench/alerts.ts` prints them; `--update-baseline` rewrites
 * tests/fixtures/alerts/morphology-baseline.json from the current figures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildAlertDoc, compileRule, matchRule } from '../src/alerts/match.js';
import { analyzeText, loadMorphology, StemOnly } from '../src/alerts/morphology.js';
import { tokenize } from '../src/alerts/tokenize.js';
import { evaluateWordForms, type WordFormsEntry, type WordFormsReport } from '../tests/helpers/morph-eval.js';
import { mulberry32, uniform } from '../tests/helpers/prng.js';

const FIXTURES = fileURLToPath(new URL('../tests/fixtures/alerts/', import.meta.url));

export interface AlertsBench {
  load: { ms: number; rssMB: number; heapMB: number; arrayBuffersMB: number };
  lemmatize: { tokens: number; coldMs: number; coldMinMs: number; warmMs: number; coldUsPerToken: number };
  rules: { count: number; compileUs: number; matchAllUs: number; perRuleUs: number; matched: number };
  quality: { az: QualityFigures; snowball: QualityFigures };
}

interface QualityFigures {
  rules: number;
  forms: number;
  recall: number;
  falseMatchRate: number;
  ru: { recall: number; falseMatchRate: number };
  en: { recall: number; falseMatchRate: number };
}

function article(): { title: string; lead: string; body: string; tags: string[]; feed: string } {
  const a = JSON.parse(readFileSync(FIXTURES + 'lavrov-article.json', 'utf8')) as { title: string; lead: string; paragraphs: string[]; tags: string[] };
  return { title: a.title, lead: a.lead, body: a.paragraphs.join('\n\n'), tags: a.tags, feed: 'sputnik-kg' };
}

export function wordForms(): WordFormsEntry[] {
  return (JSON.parse(readFileSync(FIXTURES + 'word-forms.json', 'utf8')) as { words: WordFormsEntry[] }).words;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}


/** 1,000 rules of mixed shapes over words of the article and of the word-form list. */
export function benchRules(n: number, words: string[]): string[] {
  const rnd = uniform(mulberry32(12));
  const w = (): string => words[Math.floor(rnd() * words.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.3) out.push(w());
    else if (r < 0.5) out.push(`${w()} ${w()}`);
    else if (r < 0.65) out.push(`${w()} OR ${w()} OR ${w()}`);
    else if (r < 0.75) out.push(`"${w()} ${w()}"`);
    else if (r < 0.85) out.push(`title:${w()} OR lead:(${w()} ${w()})`);
    else if (r < 0.95) out.push(`(${w()} OR ${w()}) -${w()}`);
    else if (r < 0.99) out.push(`tag:${w()} body:${w()}`);
    else out.push(`/${w().toLowerCase()}\\p{L}*/u`);
  }
  return out;
}

function quality(r: WordFormsReport): QualityFigures {
  const pick = (x: { recall: number; falseMatchRate: number } | undefined): { recall: number; falseMatchRate: number } => ({
    recall: round(x?.recall ?? 0),
    falseMatchRate: round(x?.falseMatchRate ?? 0),
  });
  return { rules: r.rules, forms: r.should + r.shouldNot, recall: round(r.recall), falseMatchRate: round(r.falseMatchRate), ru: pick(r.byLang.ru), en: pick(r.byLang.en) };
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export async function runAlertsBench(opts: { print?: boolean } = {}): Promise<AlertsBench> {
  const lem = await loadMorphology();
  const ls = lem.loadStats;
  const mb = (b: number): number => round(b / 1024 / 1024, 1);

  const a = article();
  const fullText = [a.title, a.lead, a.body].join('\n');
  const tokens = tokenize(fullText).length;
  const cold: number[] = [];
  for (let i = 0; i < 15; i++) {
    const fresh = await loadMorphology(); // shares the loaded dictionaries, starts with an empty token cache
    const t0 = performance.now();
    analyzeText(fullText, fresh);
    cold.push(performance.now() - t0);
  }
  const warm: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    analyzeText(fullText, lem);
    warm.push(performance.now() - t0);
  }

  const vocab = [...new Set(tokenize(fullText).map((t) => t.text).filter((t) => t.length > 3))];
  const words = [...vocab, ...wordForms().flatMap((e) => [e.rule, ...e.noMatch])];
  const sources = benchRules(1000, words);
  const t0 = performance.now();
  const rules = sources.map((s) => compileRule(s, lem));
  const compileUs = ((performance.now() - t0) * 1000) / rules.length;
  const doc = buildAlertDoc(a, lem);
  let matched = 0;
  const runs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t1 = performance.now();
    let m = 0;
    for (const r of rules) if (matchRule(r, doc).match) m++;
    runs.push((performance.now() - t1) * 1000);
    matched = m;
  }

  const forms = wordForms();
  const out: AlertsBench = {
    load: { ms: round(ls.ms, 1), rssMB: mb(ls.rssBytes), heapMB: mb(ls.heapBytes), arrayBuffersMB: mb(ls.arrayBufferBytes) },
    lemmatize: { tokens, coldMs: round(median(cold), 2), coldMinMs: round(Math.min(...cold), 2), warmMs: round(median(warm), 3), coldUsPerToken: round((median(cold) * 1000) / tokens, 1) },
    rules: { count: rules.length, compileUs: round(compileUs, 1), matchAllUs: round(median(runs), 0), perRuleUs: round(median(runs) / rules.length, 2), matched },
    quality: { az: quality(evaluateWordForms(forms, lem)), snowball: quality(evaluateWordForms(forms, new StemOnly())) },
  };

  if (opts.print !== false) {
    const q = out.quality;
    console.log('alerts');
    console.log(`  dictionary load          ${out.load.ms} ms, RSS +${out.load.rssMB} MB, heap +${out.load.heapMB} MB, array buffers +${out.load.arrayBuffersMB} MB`);
    console.log(`  lemmatize one article    ${out.lemmatize.tokens} tokens: ${out.lemmatize.coldMs} ms cold cache (median; best ${out.lemmatize.coldMinMs} ms; ${out.lemmatize.coldUsPerToken} µs/token), ${out.lemmatize.warmMs} ms warm`);
    console.log(`  1,000 rules, 1 article   ${out.rules.matchAllUs} µs (${out.rules.perRuleUs} µs/rule, ${out.rules.matched} matched); compile ${out.rules.compileUs} µs/rule`);
    console.log(`  word forms (${q.az.rules} rule words, ${q.az.forms} forms)      recall   false-match`);
    console.log(`    az + snowball fallback   all ${q.az.recall.toFixed(3)}    ${q.az.falseMatchRate.toFixed(3)}   ru ${q.az.ru.recall.toFixed(3)} / ${q.az.ru.falseMatchRate.toFixed(3)}   en ${q.az.en.recall.toFixed(3)} / ${q.az.en.falseMatchRate.toFixed(3)}`);
    console.log(`    snowball only            all ${q.snowball.recall.toFixed(3)}    ${q.snowball.falseMatchRate.toFixed(3)}   ru ${q.snowball.ru.recall.toFixed(3)} / ${q.snowball.ru.falseMatchRate.toFixed(3)}   en ${q.snowball.en.recall.toFixed(3)} / ${q.snowball.en.falseMatchRate.toFixed(3)}`);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const res = await runAlertsBench();
  if (process.argv.includes('--update-baseline')) {
    const baseline = {
      about: 'Matching quality on tests/fixtures/alerts/word-forms.json, pinned by tests/alerts/morphology-baseline.test.ts (fails if recall drops or the false-match rate rises). Regenerate with: npx tsx bench/alerts.ts --update-baseline',
      az: res.quality.az,
      snowball: res.quality.snowball,
    };
    writeFileSync(FIXTURES + 'morphology-baseline.json', JSON.stringify(baseline, null, 2) + '\n');
    console.log('wrote tests/fixtures/alerts/morphology-baseline.json');
  }
}

/**
 * Dedup figures: quality of "same story" on the labelled set (MinHash, as shipped, and the SimHash variants it was
 * chosen over), the cost per article of normalize + hash + fingerprint, and the cost of a near-duplicate lookup in
 * the LSH band index with 1,000,000 stored articles (better-sqlite3 :memory: table shaped as bands.ts documents,
 * and the in-memory index).
 *
 * Run alone: npx tsx bench/dedup.ts   (FEEDWATCH_BENCH_DEDUP_N=200000 for a smaller index)
 */
import Database from 'better-sqlite3';
import { pathToFileURL } from 'node:url';
import { bandValues, candidateProbability, DEFAULT_BANDS } from '../src/dedup/bands.js';
import { DEFAULT_DEDUP } from '../src/dedup/decide.js';
import { fingerprintBody, normalizeText, tokenize } from '../src/dedup/fingerprint.js';
import { DEFAULT_MINHASH, shingleSet } from '../src/dedup/minhash.js';
import { sideText } from '../tests/fixtures/dedup/edits.js';
import { fingerprintSides, loadLabelledSet, scoreSet } from '../tests/dedup/labelled-set.js';
import { MemoryBandIndex } from '../tests/helpers/band-index.js';
import { xorshift32 } from '../tests/helpers/prng.js';
import { hamming, simhashTokens, type SimhashOptions } from '../tests/helpers/simhash.js';

const f3 = (x: number): string => x.toFixed(3);


function quality(): void {
  const set = loadLabelledSet();
  const prints = fingerprintSides(set);
  const same = set.pairs.filter((p) => p.same).length;
  console.log(`labelled set: ${set.pairs.length} pairs (${same} same story, ${set.pairs.length - same} different) over ${Object.keys(set.sources).length} real texts`);

  const s = scoreSet(set, DEFAULT_DEDUP, prints);
  console.log(`MinHash ${DEFAULT_MINHASH.size} x word ${DEFAULT_MINHASH.shingle}-shingles, LSH ${DEFAULT_BANDS.bands}x${DEFAULT_BANDS.rows}, threshold J >= ${DEFAULT_DEDUP.minSimilarity}: precision ${f3(s.precision)} recall ${f3(s.recall)} (tp ${s.tp} fp ${s.fp} fn ${s.fn} tn ${s.tn})`);
  for (const [kind, k] of Object.entries(s.byKind)) console.log(`  ${kind.padEnd(22)} ${String(k.predictedSame).padStart(3)}/${k.pairs} judged same story`);
  const sweep = [0.15, 0.2, 0.3, 0.4, 0.5, 0.6].map((t) => {
    const r = scoreSet(set, { minSimilarity: t }, prints);
    return `J>=${t}: ${f3(r.precision)}/${f3(r.recall)}`;
  });
  console.log(`  threshold sweep (precision/recall): ${sweep.join('  ')}`);

  // SimHash, the alternative: best Hamming threshold per variant (pairs judged on distance alone, no index).
  let minNeeded = 64;
  const texts = set.pairs.map((p) => [tokenize(normalizeText(sideText(set, p.a))), tokenize(normalizeText(sideText(set, p.b)))] as const);
  for (const shingle of [1, 2, 3]) {
    for (const weight of ['tf', 'binary'] as const) {
      const opts: SimhashOptions = { shingle, weight };
      const d = texts.map(([a, b]) => hamming(simhashTokens(a, opts) ?? '', simhashTokens(b, opts) ?? ''));
      let best = { t: 0, p: 0, r: 0 };
      for (let t = 0; t <= 32; t++) {
        const tp = d.filter((x, i) => x <= t && set.pairs[i]?.same).length;
        const fp = d.filter((x, i) => x <= t && !set.pairs[i]?.same).length;
        const p = tp / Math.max(1, tp + fp);
        const r = tp / same;
        if (p >= 0.98 && r > best.r) best = { t, p, r };
      }
      const closest = Math.min(...d.filter((_, i) => !set.pairs[i]?.same));
      const pAt = (t: number): number => {
        const tp = d.filter((x, i) => x <= t && set.pairs[i]?.same).length;
        return tp / Math.max(1, tp + d.filter((x, i) => x <= t && !set.pairs[i]?.same).length);
      };
      const at95 = Array.from({ length: 33 }, (_, t) => t).find((t) => d.filter((x, i) => x <= t && set.pairs[i]?.same).length >= 0.95 * same) ?? 64;
      if (pAt(at95) >= 0.98) minNeeded = Math.min(minNeeded, at95);
      console.log(`SimHash64 word ${shingle}-shingles ${weight.padEnd(6)}: recall 0.95 needs ${at95} bits (precision there ${f3(pAt(at95))}); best threshold ${best.t} bits: precision ${f3(best.p)} recall ${f3(best.r)}; closest different-story pair ${closest} bits`);
    }
  }
  const bits = Math.floor(64 / (minNeeded + 1));
  console.log(`  SimHash cannot be banded at the ${minNeeded}+ bits it needs: the pigeonhole split is ${minNeeded + 1} bands of ~${bits} bits, each band value shared by 1/${2 ** bits} of the stored articles (~${Math.round(((minNeeded + 1) * 1e6) / 2 ** bits).toLocaleString('en')} candidates per lookup at 1M).`);

  // How many unrelated stored articles a lookup meets, from the Jaccard of real different-article pairs.
  const keys = Object.keys(set.sources).filter((k) => !k.endsWith('as-seen'));
  const sets = keys.map((k) => shingleSet(tokenize(normalizeText(set.sources[k]?.paragraphs.join('\n\n') ?? '')), DEFAULT_MINHASH.shingle));
  let sum = 0;
  let n = 0;
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      const a = sets[i] ?? new Set<number>();
      const b = sets[j] ?? new Set<number>();
      let inter = 0;
      for (const x of a) if (b.has(x)) inter++;
      sum += candidateProbability(inter / (a.size + b.size - inter || 1));
      n++;
    }
  }
  console.log(`unrelated candidates per lookup, expected from ${n} real different-article pairs: ${(sum / n).toExponential(2)} per stored article = ${((sum / n) * 1e6).toFixed(1)} at 1,000,000 stored`);
}

function costPerArticle(): void {
  const set = loadLabelledSet();
  const texts = Object.values(set.sources).map((s) => s.paragraphs.join('\n\n'));
  const words = texts.reduce((acc, t) => acc + tokenize(normalizeText(t)).length, 0);
  // The fastest of several rounds: the machine is shared, and a slower round measures the neighbours.
  const time = (f: (t: string) => unknown, rounds: number): number => {
    for (const t of texts) f(t);
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t0 = process.hrtime.bigint();
      for (const t of texts) f(t);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e3 / texts.length);
    }
    return best;
  };
  const norm = time(normalizeText, 5);
  const full = time(fingerprintBody, 5);
  const sim = time((t) => simhashTokens(tokenize(normalizeText(t))), 5);
  console.log(`cost per article (${texts.length} real texts, mean ${Math.round(words / texts.length)} words): normalize ${norm.toFixed(0)} µs; normalize + sha256 + MinHash + bands ${full.toFixed(0)} µs; normalize + SimHash ${sim.toFixed(0)} µs`);
}

function indexCost(n: number): void {
  const next = xorshift32(20260405);
  const sig = (): Uint32Array => {
    const s = new Uint32Array(DEFAULT_MINHASH.size);
    for (let i = 0; i < s.length; i++) s[i] = next();
    return s;
  };
  const near = (s: Uint32Array): Uint32Array => Uint32Array.from(s, (v) => (next() / 2 ** 32 < 0.7 ? v : next()));
  const planted: Array<{ id: number; sig: Uint32Array }> = [];
  // Rows sorted by (band_no, band_value) so the SQLite load appends to its B-tree.
  const bandCount = DEFAULT_BANDS.bands;
  const perBand = Array.from({ length: bandCount }, () => new Float64Array(n));
  const mem = new MemoryBandIndex();
  let t0 = performance.now();
  for (let id = 1; id <= n; id++) {
    const s = sig();
    if (id % (n / 1000) === 0) planted.push({ id, sig: s });
    const v = bandValues(s);
    mem.add(id, v);
    for (let b = 0; b < bandCount; b++) {
      const arr = perBand[b];
      if (arr) arr[id - 1] = (v[b] ?? 0) * 2 ** 21 + id;
    }
  }
  const built = performance.now() - t0;
  const rss = process.memoryUsage().rss / 2 ** 20;

  const queries = planted.map((p) => ({ id: p.id, bands: bandValues(near(p.sig)) }));
  const strays = Array.from({ length: 1000 }, () => bandValues(sig()));
  const lookup = (f: (bands: number[]) => number[]): { us: number; found: number; others: number } => {
    let found = 0;
    let others = 0;
    const start = performance.now();
    for (const q of queries) {
      const c = f(q.bands);
      if (c.includes(q.id)) found++;
      others += c.length - (c.includes(q.id) ? 1 : 0);
    }
    for (const q of strays) others += f(q).length;
    return { us: ((performance.now() - start) * 1000) / (queries.length + strays.length), found, others };
  };
  const m = lookup((b) => mem.candidates(b));
  console.log(`band index, ${n.toLocaleString('en')} stored (${bandCount} bands each): in-memory maps built in ${(built / 1000).toFixed(1)} s, process RSS ${rss.toFixed(0)} MiB; lookup ${m.us.toFixed(1)} µs (${m.found}/${queries.length} planted near duplicates found, ${m.others} other candidates over ${queries.length + strays.length} lookups)`);

  const db = new Database(':memory:');
  db.exec('CREATE TABLE article_band (band_no INTEGER NOT NULL, band_value INTEGER NOT NULL, article_id INTEGER NOT NULL, PRIMARY KEY (band_no, band_value, article_id)) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO article_band (band_no, band_value, article_id) VALUES (?, ?, ?)');
  t0 = performance.now();
  db.transaction(() => {
    for (let b = 0; b < bandCount; b++) {
      const arr = perBand[b];
      if (!arr) continue;
      arr.sort();
      for (const packed of arr) {
        const id = packed % 2 ** 21;
        insert.run(b, (packed - id) / 2 ** 21, id);
      }
      perBand[b] = new Float64Array(0);
    }
  })();
  const loaded = performance.now() - t0;
  const probe = db.prepare('SELECT article_id FROM article_band WHERE band_no = ? AND band_value = ?').pluck();
  const sql = lookup((bands) => {
    const out = new Set<number>();
    for (let b = 0; b < bands.length; b++) for (const id of probe.all(b, bands[b]) as number[]) out.add(id);
    return [...out];
  });
  const rows = (db.prepare('SELECT count(*) FROM article_band').pluck().get() as number).toLocaleString('en');
  console.log(`band index in SQLite (:memory:, WITHOUT ROWID, ${rows} rows, loaded in ${(loaded / 1000).toFixed(1)} s): lookup = ${bandCount} primary-key probes, ${sql.us.toFixed(1)} µs (${sql.found}/${queries.length} found, ${sql.others} other candidates)`);
  db.close();
}

export function runDedupBench(): void {
  console.log('== dedup ==');
  quality();
  costPerArticle();
  indexCost(Number(process.env.FEEDWATCH_BENCH_DEDUP_N ?? 1_000_000));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runDedupBench();

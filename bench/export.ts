/**
 * `npm run bench -- export`: `feedwatch export` memory on 10,000 and 100,000 stored articles (SQLite), JSON Lines to
 * an output that takes one chunk per turn of the event loop. Shows the peak heap growth over the start (after a full collection,
 * every 5,000 articles) and the most articles read but not yet written; with keyset pages and backpressure both
 * stay flat as the number of articles grows tenfold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import { loadMorphology } from '../src/alerts/morphology.js';
import { exportedDocs } from '../src/export/read.js';
import { rendering, writeExport } from '../src/export/write.js';
import type { AlertDocRecord, SearchPage } from '../src/store/alerts.js';
import type { CompiledRule } from '../src/alerts/match.js';
import { openSqliteStore } from '../src/store/sqlite/store.js';

setFlagsFromString('--expose-gc');
/** A full collection, so a heap sample counts what is held, not garbage not yet collected. */
const gc = runInNewContext('gc') as () => void;

async function one(total: number): Promise<{ total: number; heapPeakMb: number; heldMost: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-export-'));
  const path = join(dir, 'f.db');
  const store = await openSqliteStore(path);
  const db = new Database(path);
  const insert = db.prepare(`INSERT INTO alert_docs (article_id, cluster_id, feed, url, title, lead, body, tags, published_at, analyzed_by, stored_at)
    VALUES (?, ?, 'bench', ?, ?, ?, ?, '[]', NULL, 'none', '2026-03-01T00:00:00.000Z')`);
  const body = 'A paragraph of an article, about two hundred characters long, repeated to stand for a real body. '.repeat(20);
  db.transaction(() => {
    for (let i = 1; i <= total; i++) insert.run(i, String(i), `https://example.org/${i}`, `Title ${i}`, `Lead ${i}`, body);
  })();
  db.close();
  const lem = await loadMorphology();
  let read = 0;
  const counting = {
    async searchCandidates(rule: CompiledRule | null, page: SearchPage): Promise<AlertDocRecord[]> {
      const docs = await store.searchCandidates(rule, page);
      read += docs.length;
      return docs;
    },
  };
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  let written = 0;
  let heldMost = 0;
  const sink = new Writable({
    highWaterMark: 16_384,
    write(_chunk, _enc, done) {
      written++;
      heldMost = Math.max(heldMost, read - written);
      if (written % 5000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
      setImmediate(done);
    },
  });
  const t0 = performance.now();
  await writeExport(exportedDocs(counting, lem, { rule: null }), rendering('jsonl', { title: '', link: '', description: '', builtAt: '' }), sink);
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { total, heapPeakMb: peak / 2 ** 20, heldMost, seconds };
}

export async function runExportBench(): Promise<void> {
  console.log('export: JSON Lines of N stored articles (2 KB body each) to a slow output');
  const rows = [];
  for (const n of [10_000, 100_000]) rows.push(await one(n));
  for (const r of rows) {
    console.log(`  ${String(r.total).padStart(7)} articles: peak heap growth ${r.heapPeakMb.toFixed(1)} MB, at most ${r.heldMost} articles read ahead of the output, ${r.seconds.toFixed(1)} s`);
  }
  console.log(`  heap growth 100k / 10k: ${(rows[1]!.heapPeakMb / rows[0]!.heapPeakMb).toFixed(2)}x for 10x the articles`);
}

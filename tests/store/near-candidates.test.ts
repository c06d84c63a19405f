/**
 * The SQLite near-duplicate lookup is one statement (nearCandidatesSql): it must return exactly what one BAND_PROBE
 * per band, counted and sorted in JavaScript, returned (same ids, same order, same limits, ties to the newest), and
 * stay index probes: no scan of article_band or articles.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAND_BUCKET_LIMIT, NEAR_CANDIDATE_LIMIT } from '../../src/store/articles.js';
import { BAND_PROBE, nearCandidatesSql } from '../../src/store/sqlite/articles.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-near-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small deterministic generator: band values drawn from a few buckets, so that buckets overflow their limit. */
function values(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 4;
}

describe('nearCandidatesSql', () => {
  for (const bands of [32, 3, 130]) {
    test(`${bands} bands: the same candidates in the same order as one probe per band`, async () => {
      const store = await openSqliteStore(join(dir, `near-${bands}.db`));
      try {
        const db = store.db;
        db.pragma('foreign_keys = OFF');
        const article = db.prepare(`INSERT INTO articles (id, cluster_id, canonical_url, text_hash, minhash, token_count, first_seen_at, updated_at)
          VALUES (?, ?, 'https://example.com/' || ?, 'hash' || ?, NULL, 10, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`);
        const band = db.prepare('INSERT INTO article_band (band_no, band_value, article_id) VALUES (?, ?, ?)');
        const next = values(bands);
        db.transaction(() => {
          for (let id = 1; id <= 300; id++) {
            article.run(id, id, id, id);
            for (let b = 0; b < bands; b++) band.run(b, next(), id);
          }
        })();
        const probe = db.prepare<[number, number, number], number>(BAND_PROBE).pluck();
        const near = db.prepare<number[], { id: number }>(nearCandidatesSql(bands));
        for (let trial = 0; trial < 4; trial++) {
          const sig = Array.from({ length: bands }, next);
          const shared = new Map<number, number>();
          sig.forEach((v, b) => {
            for (const id of probe.all(b, v, BAND_BUCKET_LIMIT)) shared.set(id, (shared.get(id) ?? 0) + 1);
          });
          const want = [...shared.entries()].sort((x, y) => y[1] - x[1] || y[0] - x[0]).slice(0, NEAR_CANDIDATE_LIMIT).map(([id]) => id);
          assert.equal(want.length, NEAR_CANDIDATE_LIMIT, 'the fixture fills the candidate limit');
          assert.deepEqual(near.all(...sig).map((r) => r.id), want);
        }
      } finally {
        await store.close();
      }
    });
  }

  test('every band is a primary-key probe; neither article_band nor articles is scanned', async () => {
    const store = await openSqliteStore(join(dir, 'plan.db'));
    try {
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${nearCandidatesSql(32)}`).all(...Array.from({ length: 32 }, () => 1)) as Array<{ detail: string }>).map((r) => r.detail);
      assert.equal(plan.filter((d) => /^SEARCH article_band USING PRIMARY KEY \(band_no=\? AND band_value=\?\)$/.test(d)).length, 32);
      assert.ok(plan.some((d) => /^SEARCH a USING INTEGER PRIMARY KEY \(rowid=\?\)$/.test(d)), plan.join('; '));
      assert.deepEqual(plan.filter((d) => /^SCAN (article_band|articles|a)\b/.test(d)), []);
    } finally {
      await store.close();
    }
  });
});

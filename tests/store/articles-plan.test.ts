/**
 * Duplicate lookups are index probes, never scans, on both drivers: the query plans of the statements the stores
 * run, read from each database's planner (SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN over a few thousand
 * seeded articles, statistics gathered, so the planner could pick a scan if it wanted one).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAND_BUCKET_LIMIT, NEAR_CANDIDATE_LIMIT } from '../../src/store/articles.js';
import { FIND } from '../../src/store/postgres/articles.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { BAND_PROBE } from '../../src/store/sqlite/articles.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { pgTestSchemas } from '../helpers/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-plan-'));
const pg = pgTestSchemas();
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pg.dropAll();
});

describe('duplicate lookups use the indexes', () => {
  test('SQLite: a band probe, and the URL, hash and guid lookups, each search an index', async () => {
    const store = await openSqliteStore(join(dir, 'plan.db'));
    try {
      const plan = (sql: string) =>
        (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 1)) as Array<{ detail: string }>)
          .map((r) => r.detail)
          .join('; ');
      assert.match(plan(BAND_PROBE), /^SEARCH article_band USING PRIMARY KEY \(band_no=\? AND band_value=\?\)$/);
      assert.match(plan('SELECT id FROM articles a WHERE a.canonical_url = ?'), /SEARCH a USING (COVERING )?INDEX sqlite_autoindex_articles_\d \(canonical_url=\?\)/);
      assert.match(plan('SELECT id FROM articles a WHERE a.text_hash = ?'), /SEARCH a USING (COVERING )?INDEX sqlite_autoindex_articles_\d \(text_hash=\?\)/);
      const guid = plan('SELECT a.id FROM items i JOIN articles a ON a.id = i.article_id WHERE i.feed_name = ? AND i.guid = ?');
      assert.match(guid, /SEARCH i USING INDEX sqlite_autoindex_items_1 \(feed_name=\? AND guid=\?\)/);
      assert.match(guid, /SEARCH a USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      assert.doesNotMatch(guid, /SCAN/);
    } finally {
      await store.close();
    }
  });

  test('PostgreSQL: findDuplicates scans neither articles nor article_band', async () => {
    const schema = await pg.create();
    const store = await openPostgresStore(pg.url, { schema });
    try {
      await pg.query(`INSERT INTO ${schema}.articles (id, cluster_id, canonical_url, text_hash, token_count, first_seen_at, updated_at)
        SELECT g, g, 'https://example.com/' || g, md5(g::text), 100, now(), now() FROM generate_series(1, 5000) g`);
      await pg.query(`INSERT INTO ${schema}.article_band (band_no, band_value, article_id)
        SELECT b, (hashint4(g * 32 + b)), g FROM generate_series(1, 5000) g, generate_series(0, 31) b`);
      await pg.query(`ANALYZE ${schema}.articles`);
      await pg.query(`ANALYZE ${schema}.article_band`);
      const bands = Array.from({ length: 32 }, (_, i) => i);
      const params = ['kg', 'g', 'https://example.com/7', 'x', bands, bands.map((b) => b * 7919), BAND_BUCKET_LIMIT, NEAR_CANDIDATE_LIMIT];
      const client = await store.pool.connect();
      let plan: unknown;
      try {
        const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${FIND}`, params);
        plan = rows[0]?.['QUERY PLAN'];
      } finally {
        client.release();
      }
      const nodes: Array<{ type: string; relation: string | null; index: string | null }> = [];
      const walk = (n: Record<string, unknown>) => {
        nodes.push({ type: String(n['Node Type']), relation: (n['Relation Name'] as string | undefined) ?? null, index: (n['Index Name'] as string | undefined) ?? null });
        for (const child of (n.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
      };
      walk((plan as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
      const scans = nodes.filter((n) => n.type === 'Seq Scan' && (n.relation === 'articles' || n.relation === 'article_band'));
      assert.deepEqual(scans, [], JSON.stringify(nodes));
      const used = new Set(nodes.map((n) => n.index).filter((x) => x !== null));
      for (const index of ['article_band_pkey', 'articles_canonical_url', 'articles_text_hash_key', 'articles_pkey']) {
        assert.ok(used.has(index), `${index} used: ${JSON.stringify(nodes)}`);
      }
    } finally {
      await store.close();
    }
  });
});

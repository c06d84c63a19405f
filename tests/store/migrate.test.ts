/** The migration runner: file naming and order, one transaction per file, refusing an unknown schema. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { FeedwatchError } from '../../src/errors.js';
import { migrateSqlite, readMigrations } from '../../src/store/migrate.js';
import { sqliteMigrationsDir } from '../../src/store/sqlite/store.js';

const root = mkdtempSync(join(tmpdir(), 'feedwatch-migrate-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A folder holding `files`, as the file: URL the runner takes (with its trailing slash). */
function folder(files: Record<string, string>): URL {
  const path = join(root, `m${++n}`);
  mkdirSync(path);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
  return pathToFileURL(`${path}/`);
}

const now = () => '2026-01-01T00:00:00.000Z';
const isStorageError = (pattern: RegExp) => (err: unknown) => err instanceof FeedwatchError && err.kind === 'storage' && pattern.test(err.message);
const tables = (db: Database.Database): string[] =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];

describe('migration runner', () => {
  test('lists NNNN_name.sql files in numeric order and ignores other files', () => {
    const dir = folder({ '10_ten.sql': 'SELECT 10;', '0002_two.sql': 'SELECT 2;', 'README.md': '# notes' });
    assert.deepEqual(
      readMigrations(dir).map((m) => [m.version, m.name, m.sql]),
      [
        [2, 'two', 'SELECT 2;'],
        [10, 'ten', 'SELECT 10;'],
      ],
    );
  });

  test('a misnamed .sql file, a repeated number or a missing folder is an error', () => {
    assert.throws(() => readMigrations(folder({ 'init.sql': '' })), isStorageError(/not named NNNN_name\.sql/));
    assert.throws(() => readMigrations(folder({ '0001_a.sql': '', '1_b.sql': '' })), isStorageError(/same number 1/));
    assert.throws(() => readMigrations(pathToFileURL(join(root, 'missing/'))), isStorageError(/must copy src\/store\/migrations/));
  });

  test('a failing migration is rolled back whole and not recorded; the earlier ones stay; a fixed file applies', () => {
    const dir = folder({
      '0001_one.sql': 'CREATE TABLE one (x INTEGER);',
      '0002_two.sql': 'CREATE TABLE two (x INTEGER); INSERT INTO one VALUES (1); THIS IS NOT SQL;',
    });
    const db = new Database(':memory:');
    try {
      assert.throws(() => migrateSqlite(db, dir, now), isStorageError(/0002_two\.sql failed and was rolled back/));
      assert.deepEqual(tables(db), ['one', 'schema_migrations']);
      assert.equal(db.prepare('SELECT count(*) FROM one').pluck().get(), 0);
      assert.deepEqual(db.prepare('SELECT version, name, applied_at FROM schema_migrations').all(), [{ version: 1, name: 'one', applied_at: now() }]);

      writeFileSync(new URL('0002_two.sql', dir), 'CREATE TABLE two (x INTEGER); INSERT INTO one VALUES (1);');
      const result = migrateSqlite(db, dir, now);
      assert.deepEqual(result.applied.map((m) => m.version), [2]);
      assert.equal(result.version, 2);
      assert.deepEqual(tables(db), ['one', 'schema_migrations', 'two']);
      assert.deepEqual(migrateSqlite(db, dir, now), { applied: [], version: 2 });
    } finally {
      db.close();
    }
  });

  test('a database that records a migration this code lacks is refused', () => {
    const db = new Database(':memory:');
    try {
      migrateSqlite(db, folder({ '0001_one.sql': 'SELECT 1;', '0002_two.sql': 'SELECT 2;' }), now);
      assert.throws(() => migrateSqlite(db, folder({ '0001_one.sql': 'SELECT 1;' }), now), isStorageError(/migration 2 "two".*newer version/));
      assert.throws(() => migrateSqlite(db, folder({ '0001_uno.sql': 'SELECT 1;', '0002_two.sql': '' }), now), isStorageError(/another name/));
    } finally {
      db.close();
    }
  });

  test('the shipped SQLite migrations are found next to the store module', () => {
    const files = readMigrations(sqliteMigrationsDir).map((m) => m.file);
    assert.equal(files[0], '0001_init.sql');
  });
});

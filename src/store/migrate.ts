/**
 * A small migration runner. Migrations are numbered SQL files in one folder per driver
 * (`0001_init.sql`, `0002_dedup.sql`, ...). `readMigrations` lists them and `pendingMigrations` checks what a
 * database records against them (any driver can use both; `migrationFailed` is the error of a file that failed);
 * `migrateSqlite` applies the pending ones to a SQLite database, each file in its own transaction together
 * with its row in `schema_migrations` (version, name, applied_at), so a failing file leaves no trace.
 *
 * The folder is passed as a URL resolved against the calling module (`new URL('../migrations/sqlite/',
 * import.meta.url)`), which works both from src/ under tsx and from dist/ once the build copies the .sql files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { FeedwatchError } from '../errors.js';

export interface Migration {
  version: number;
  /** File name without the number and extension: `0001_init.sql` → `init`. */
  name: string;
  file: string;
  sql: string;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order (empty when the schema was already current). */
  applied: Migration[];
  /** Highest version recorded in the database after this call (0 for none). */
  version: number;
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

/** The folder's migrations, sorted by version. Other files (README...) are ignored; a misnamed .sql is an error. */
export function readMigrations(dir: URL): Migration[] {
  return listMigrations(dir).map((m) => ({ ...m, sql: readFileSync(new URL(m.file, dir), 'utf8') }));
}

/** The folder's migrations without their SQL (what `pendingMigrations` compares), sorted by version. */
export function listMigrations(dir: URL): Array<Omit<Migration, 'sql'>> {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (err) {
    throw new FeedwatchError(
      'storage',
      `cannot read the migrations folder ${dir.pathname}; when running from dist/, the build must copy src/store/migrations there`,
      { dir: dir.pathname },
      { cause: err, retryable: false },
    );
  }
  const byVersion = new Map<number, Omit<Migration, 'sql'>>();
  for (const file of files) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_NAME.exec(file);
    if (!m) {
      throw new FeedwatchError('storage', `migration file "${file}" is not named NNNN_name.sql`, { dir: dir.pathname, file }, { retryable: false });
    }
    const version = Number(m[1]);
    const clash = byVersion.get(version);
    if (clash) {
      throw new FeedwatchError('storage', `migrations "${clash.file}" and "${file}" have the same number ${version}`, { dir: dir.pathname }, { retryable: false });
    }
    byVersion.set(version, { version, name: m[2] ?? '', file });
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

/** A row of `schema_migrations`: a migration the database records as applied. */
export interface AppliedRow {
  version: number;
  name: string;
}

/**
 * The migrations of `migrations` that `applied` (the database's rows) does not record, in order. Throws when the
 * database records a migration this code does not have (a newer feedwatch wrote it, or a file was renamed).
 */
export function pendingMigrations<M extends Omit<Migration, 'sql'>>(migrations: readonly M[], applied: readonly AppliedRow[], dir: URL): M[] {
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = known.get(row.version);
    if (!m || m.name !== row.name) {
      throw new FeedwatchError(
        'storage',
        `the database has migration ${row.version} "${row.name}", which this feedwatch does not know` +
          (m ? ` (its file ${m.file} has another name)` : '; was it written by a newer version?'),
        { dir: dir.pathname, version: row.version },
        { retryable: false },
      );
    }
  }
  const done = new Set(applied.map((r) => r.version));
  return migrations.filter((m) => !done.has(m.version));
}

/** The error of migration `m` that failed (`err`) and was rolled back. */
export function migrationFailed(m: Migration, dir: URL, err: unknown): FeedwatchError {
  return new FeedwatchError(
    'storage',
    `migration ${m.file} failed and was rolled back: ${err instanceof Error ? err.message : String(err)}`,
    { dir: dir.pathname, file: m.file },
    { cause: err, retryable: false },
  );
}

/**
 * Apply the folder's pending migrations to `db`. Each runs in an IMMEDIATE transaction that first re-checks
 * that no other process applied it meanwhile. Refuses a database that records a migration this code does not
 * have (a newer feedwatch wrote it, or a file was renamed).
 */
export function migrateSqlite(db: BetterSqlite3.Database, dir: URL, now: () => string): MigrateResult {
  const migrations = readMigrations(dir);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const appliedRows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as AppliedRow[];
  const pending = pendingMigrations(migrations, appliedRows, dir);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: Migration[] = [];
  for (const m of pending) {
    const apply = db.transaction(() => {
      if (isApplied.get(m.version) !== undefined) return false;
      db.exec(m.sql);
      record.run(m.version, m.name, now());
      return true;
    });
    try {
      if (apply.immediate()) applied.push(m);
    } catch (err) {
      throw migrationFailed(m, dir, err);
    }
  }
  const version = (db.prepare('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() as number) ?? 0;
  return { applied, version };
}

/**
 * Is the SQLite file still the one this connection opened, and can it be written? SQLite keeps writing to an open
 * file that was deleted (in WAL mode without an error: everything goes to a file no one will see again) and to a
 * file or directory made read-only after it was opened (the -wal file is open already; the checkpoint into the
 * database then fails). So the store asks the file system itself: the path must still name the same file (device
 * and inode seen at open), and the file and its directory must be writable by this process (access(2), which also
 * refuses root on an immutable file or a read-only mount). Each check is one stat or access call, a few µs.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FeedwatchError } from '../../errors.js';
import { storageFault } from '../fault.js';

const RESTART = 'restart feedwatch (it then opens the file at that path, or creates an empty one there)';
const WRITABLE = 'make it writable for the user running feedwatch (chmod, chown, chattr -i, remount read-write); feedwatch resumes by itself once it is';

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

export class SqliteFileCheck {
  readonly dir: string;
  private readonly dev: number;
  private readonly ino: number;

  constructor(readonly path: string) {
    this.dir = dirname(path);
    const st = statSync(path);
    this.dev = st.dev;
    this.ino = st.ino;
  }

  /** Whether the path still names the opened file (one stat): a fault when it was deleted, moved or replaced. */
  moved(): FeedwatchError | null {
    let st;
    try {
      st = statSync(this.path);
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') return null;
      let dirGone = false;
      try {
        statSync(this.dir);
      } catch {
        dirGone = true;
      }
      const what = dirGone
        ? `the directory ${this.dir} of the SQLite database was deleted while feedwatch was running (with the database ${this.path})`
        : `the SQLite database ${this.path} was deleted or moved while feedwatch was running`;
      return storageFault('deleted', this.path, what, `nothing written from now on would be kept, so feedwatch stopped taking work; restore it from a backup if you have one and ${RESTART}`, err);
    }
    if (st.dev === this.dev && st.ino === this.ino) return null;
    return storageFault(
      'replaced',
      this.path,
      `${this.path} is no longer the SQLite database feedwatch opened (it was deleted, moved or replaced while feedwatch was running)`,
      `nothing written from now on would be kept there, so feedwatch stopped taking work; ${RESTART}`,
    );
  }

  /** `moved()`, then whether the file and its directory can be written. */
  check(): FeedwatchError | null {
    const moved = this.moved();
    if (moved) return moved;
    for (const [target, what] of [
      [this.path, `the SQLite database ${this.path} cannot be written`],
      [this.dir, `the directory ${this.dir} of the SQLite database ${this.path} cannot be written`],
    ] as const) {
      try {
        accessSync(target, constants.W_OK);
      } catch (err) {
        return storageFault('read-only', this.path, `${what} (${errno(err)}: read-only permissions, an immutable attribute or a read-only file system)`, `feedwatch stopped taking work; ${WRITABLE}`, err);
      }
    }
    return null;
  }
}

/**
 * The fault an SQLite error code means, or null for an error that may pass (busy, full, a constraint): a read-only
 * database (`SQLITE_READONLY*`, e.g. `SQLITE_READONLY_DBMOVED`), an I/O error, corruption, or a file that cannot
 * be opened. These stay until feedwatch is restarted.
 */
export function sqliteCodeFault(code: unknown, path: string, message: string, cause: unknown): FeedwatchError | null {
  if (typeof code !== 'string') return null;
  const fix = `feedwatch stopped taking work; check the disk and the file (sqlite3 ${path} 'PRAGMA integrity_check'), then ${RESTART}`;
  if (code.startsWith('SQLITE_READONLY')) return storageFault('read-only', path, `the SQLite database ${path} refused a write (${code}: ${message})`, `feedwatch stopped taking work; ${WRITABLE.split(';')[0]!}, then ${RESTART}`, cause);
  if (/^SQLITE_(IOERR|CORRUPT|NOTADB|CANTOPEN)/.test(code)) return storageFault('io', path, `the SQLite database ${path} failed (${code}: ${message})`, fix, cause);
  return null;
}

/**
 * SQLite storage faults, on the store in this thread and on the store in its own thread: a database file or
 * directory deleted, replaced or made read-only while open. Every write after it is refused with a storage fault
 * that names the path (nothing is acknowledged that was not stored), the ping fails with it (what /healthz asks),
 * and a file made writable again is written again.
 *
 * Read-only is made with `chattr +i` (immutable): the tests run as root, which chmod does not stop, but the kernel
 * refuses root a write to an immutable file (SQLite's checkpoint then fails with SQLITE_IOERR_WRITE, shown below).
 * chmod is tested too, on a store in a child process that runs as the unprivileged user `nobody`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FeedwatchError } from '../../src/errors.js';
import { isStorageFault } from '../../src/store/fault.js';
import { sqliteCodeFault } from '../../src/store/sqlite/file-check.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { openThreadedSqliteStore } from '../../src/store/sqlite/threaded.js';
import type { Store } from '../../src/store/store.js';
import { okPoll, testFeed, testItem } from '../helpers/store-fixtures.js';

const dirs: string[] = [];
const immutable = new Set<string>();
function chattr(flag: '+i' | '-i', path: string): void {
  execFileSync('chattr', [flag, path]);
  if (flag === '+i') immutable.add(path);
  else immutable.delete(path);
}
after(() => {
  for (const p of immutable) execFileSync('chattr', ['-i', p]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const OPENERS: Array<[string, (path: string) => Promise<Store>]> = [
  ['in this thread', (path) => openSqliteStore(path)],
  ['in its own thread', (path) => openThreadedSqliteStore(path)],
];

async function fresh(open: (path: string) => Promise<Store>): Promise<{ store: Store; dir: string; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-faults-'));
  dirs.push(dir);
  const path = join(dir, 'db', 'feedwatch.db');
  const store = await open(path);
  await store.syncFeeds([testFeed('f')]);
  await store.recordPoll(okPoll('f', '2026-03-01T12:00:00Z'), [testItem('f', 'g1')], '2026-03-01T12:15:00Z');
  return { store, dir: join(dir, 'db'), path };
}

/** The rejection of `p`, which must be a storage fault of `kind` naming `path`. */
async function fault(p: Promise<unknown>, kind: string, path: string): Promise<FeedwatchError> {
  const err = await p.then(
    () => assert.fail('expected a storage fault'),
    (e: unknown) => e,
  );
  assert.ok(isStorageFault(err), `a storage fault, not ${String(err)}`);
  assert.equal(err.context['fault'], kind);
  assert.equal(err.context['path'], path);
  assert.ok(err.message.includes(path), err.message);
  assert.match(err.message, /feedwatch stopped taking work/);
  return err;
}

const poll2 = (store: Store) => store.recordPoll(okPoll('f', '2026-03-01T12:15:00Z'), [testItem('f', 'g2')], '2026-03-01T12:30:00Z');

for (const [where, open] of OPENERS) {
  test(`${where}: the database file deleted: writes, reads and the ping fail with the fault; nothing is acknowledged`, async () => {
    const { store, path } = await fresh(open);
    try {
      if (where === 'in this thread') {
        // Queued in this turn, file gone before the batch runs: refused, not written to the deleted file. (The
        // threaded store's batch may run before the rmSync on this thread, so it is asked after the deletion.)
        const queued = poll2(store);
        rmSync(path);
        await fault(queued, 'deleted', path);
      } else {
        rmSync(path);
        await fault(poll2(store), 'deleted', path);
      }
      const err = await fault(store.saveArticle(1, { ok: false, kind: 'network', reason: 'x' }, '2026-03-01T12:01:00Z', null), 'deleted', path);
      assert.match(err.message, /restart feedwatch/);
      await fault(store.feedStates(), 'deleted', path);
      await fault(store.ping(), 'deleted', path);
    } finally {
      await store.close();
    }
  });

  if (where === 'in this thread') {
    test('the file deleted while a batch runs (after the check before it): the committed batch is not acknowledged', async () => {
      const { store, path } = await fresh(open);
      try {
        // A write of the same batch that deletes the file: the commit goes to the deleted file.
        const internal = store as unknown as { write(op: string, context: object, fn: () => unknown): Promise<unknown> };
        const deleting = internal.write('delete', {}, () => rmSync(path));
        const after = poll2(store);
        await fault(deleting, 'deleted', path);
        await fault(after, 'deleted', path);
      } finally {
        await store.close();
      }
    });
  }

  test(`${where}: the database directory deleted: the fault names the directory`, async () => {
    const { store, dir, path } = await fresh(open);
    try {
      rmSync(dir, { recursive: true });
      const err = await fault(poll2(store), 'deleted', path);
      assert.ok(err.message.includes(`directory ${dir}`), err.message);
      await fault(store.ping(), 'deleted', path);
      await fault(store.pendingArticles(10, '2026-03-01T13:00:00Z'), 'deleted', path);
    } finally {
      await store.close();
    }
  });

  test(`${where}: the file replaced by another at the same path (moved away, a copy put back)`, async () => {
    const { store, path } = await fresh(open);
    try {
      renameSync(path, `${path}.moved`);
      writeFileSync(path, '');
      await fault(poll2(store), 'replaced', path);
      await fault(store.ping(), 'replaced', path);
    } finally {
      await store.close();
    }
  });

  for (const target of ['file', 'directory'] as const) {
    test(`${where}: the database ${target} made read-only (chattr +i): writes refused, then resumed once writable`, async () => {
      const { store, dir, path } = await fresh(open);
      const ro = target === 'file' ? path : dir;
      try {
        chattr('+i', ro);
        const err = await fault(poll2(store), 'read-only', path);
        assert.match(err.message, target === 'file' ? /database .* cannot be written \(EPERM/ : /directory .* cannot be written \(EPERM/);
        assert.match(err.message, /resumes by itself/);
        await fault(store.ping(), 'read-only', path);
        assert.equal((await store.feedState('f'))?.itemCount, 1, 'reads go on, and g2 was not stored');
        chattr('-i', ro);
        await store.ping();
        assert.equal((await poll2(store)).length, 1, 'written once writable again');
        assert.equal((await store.feedState('f'))?.itemCount, 2);
      } finally {
        if (immutable.has(ro)) chattr('-i', ro);
        await store.close();
      }
    });
  }
}

test('chmod a-w on the file, then on the directory, under a store run as nobody: writes refused (EACCES), resumed after chmod u+w', async () => {
  const root = mkdtempSync(join(tmpdir(), 'feedwatch-faults-'));
  dirs.push(root);
  const dir = join(root, 'db');
  mkdirSync(dir);
  for (const p of [root, dir]) chownSync(p, 65534, 65534);
  const path = join(dir, 'feedwatch.db');
  const probe = join(root, 'probe.mts');
  // One write per line read on stdin; one JSON line per outcome on stdout.
  writeFileSync(
    probe,
    `import { createInterface } from 'node:readline';
import { openSqliteStore } from ${JSON.stringify(new URL('../../src/store/sqlite/store.ts', import.meta.url).href)};
const store = await openSqliteStore(${JSON.stringify(path)});
console.log(JSON.stringify({ opened: true }));
let n = 0;
for await (const _ of createInterface({ input: process.stdin })) {
  n++;
  try {
    await store.syncFeeds([{ name: 'f' + n, url: 'https://example.com/' + n, intervalMs: 60000, enabled: true, headers: {}, tags: [] }]);
    console.log(JSON.stringify({ ok: true }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, fault: e.context?.fault ?? null, message: e.message }));
  }
}
await store.close();
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', probe], { cwd: new URL('../../', import.meta.url), uid: 65534, gid: 65534, stdio: ['pipe', 'pipe', 'inherit'] });
  const replies = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await replies.next()).value)) as { ok?: boolean; opened?: boolean; fault?: string; message?: string };
  const write = async () => {
    child.stdin!.write('w\n');
    return next();
  };
  try {
    assert.deepEqual(await next(), { opened: true });
    assert.deepEqual(await write(), { ok: true });
    for (const [target, readOnly, writable, said] of [
      [path, 0o444, 0o644, /database .* cannot be written \(EACCES/],
      [dir, 0o555, 0o755, /directory .* cannot be written \(EACCES/],
    ] as const) {
      chmodSync(target, readOnly);
      const refused = await write();
      assert.equal(refused.fault, 'read-only');
      assert.match(refused.message!, said);
      chmodSync(target, writable);
      assert.deepEqual(await write(), { ok: true });
    }
  } finally {
    chmodSync(dir, 0o755);
    child.stdin!.end();
    await once(child, 'exit');
  }
});

test('chattr +i is an honest read-only for root: SQLite itself then fails to write the database (checkpoint)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-faults-'));
  dirs.push(dir);
  const path = join(dir, 'x.db');
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (a)');
    db.prepare('INSERT INTO t VALUES (1)').run();
    chattr('+i', path);
    assert.throws(() => db.pragma('wal_checkpoint(TRUNCATE)'), (e: { code?: string }) => e.code === 'SQLITE_IOERR_WRITE');
  } finally {
    chattr('-i', path);
    db.close();
  }
});

test('SQLite error codes: read-only, I/O, corruption and cannot-open are faults; busy, full and constraints are not', () => {
  const kinds = Object.fromEntries(
    ['SQLITE_READONLY_DBMOVED', 'SQLITE_READONLY', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_CONSTRAINT_UNIQUE', undefined].map((code) => [
      String(code),
      sqliteCodeFault(code, '/x/f.db', 'm', null)?.context['fault'] ?? null,
    ]),
  );
  assert.deepEqual(kinds, {
    SQLITE_READONLY_DBMOVED: 'read-only',
    SQLITE_READONLY: 'read-only',
    SQLITE_IOERR_WRITE: 'io',
    SQLITE_IOERR: 'io',
    SQLITE_CORRUPT: 'io',
    SQLITE_NOTADB: 'io',
    SQLITE_CANTOPEN: 'io',
    SQLITE_BUSY: null,
    SQLITE_FULL: null,
    SQLITE_CONSTRAINT_UNIQUE: null,
    undefined: null,
  });
});

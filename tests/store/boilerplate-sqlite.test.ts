/** The boilerplate store contract on SQLite: in-process (two connections to one file for the race) and on its thread. */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { openThreadedSqliteStore } from '../../src/store/sqlite/threaded.js';
import { runBoilerplateStoreContract } from './boilerplate-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'feedwatch-boilerplate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `db-${++n}`, 'feedwatch.db');

runBoilerplateStoreContract('sqlite', () => openSqliteStore(freshPath()), async () => {
  const path = freshPath();
  const one = await openSqliteStore(path);
  return [one, await openSqliteStore(path)];
});
runBoilerplateStoreContract('sqlite (thread)', () => openThreadedSqliteStore(freshPath()), async () => {
  const path = freshPath();
  const one = await openThreadedSqliteStore(path);
  return [one, await openThreadedSqliteStore(path)];
});

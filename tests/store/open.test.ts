/** openStore and `storage.thread`: unset, the caller's default decides (feedwatch run asks for the thread in embedded mode). */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { openStore } from '../../src/store/open.js';
import { ThreadedSqliteStore } from '../../src/store/sqlite/threaded.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = (thread: string) =>
  parseConfig(`storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'x.db'))}${thread}\n`, join(dir, 'feedwatch.yaml'));

test('storage.thread unset follows threadByDefault; true or false in the config overrides it', async () => {
  const cases: [string, boolean | undefined, boolean][] = [
    ['', undefined, false],
    ['', true, true],
    ['\n  thread: false', true, false],
    ['\n  thread: true', false, true],
  ];
  for (const [yaml, byDefault, threaded] of cases) {
    const store = await openStore(config(yaml), byDefault === undefined ? {} : { threadByDefault: byDefault });
    try {
      assert.equal(store instanceof ThreadedSqliteStore, threaded, `thread${yaml || ' unset'}, threadByDefault ${byDefault}`);
    } finally {
      await store.close();
    }
  }
});

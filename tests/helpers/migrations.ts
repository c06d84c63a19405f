/** Databases of an earlier layout, for the tests of a migration. */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * A new folder under `root` with the driver's migrations (`dir`) numbered below `before`: migrating a database with it
 * gives the layout a database had before migration `before`.
 */
export function migrationsBefore(root: string, dir: URL, before: number): URL {
  const out = join(root, `old-${readdirSync(root).length}`);
  mkdirSync(out);
  const from = fileURLToPath(dir);
  for (const f of readdirSync(from)) {
    const n = /^(\d{4})_.*\.sql$/.exec(f);
    if (n && Number(n[1]) < before) copyFileSync(join(from, f), join(out, f));
  }
  return pathToFileURL(`${out}/`);
}

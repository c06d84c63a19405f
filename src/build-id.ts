/**
 * The build's identity: a SHA-256 of every file `npm run build` wrote to dist/, which its last step
 * (`node dist/build-id.js`) writes to dist/build-id. Its first step removes the old one, so a build that fails half
 * way (tsc writes its output even with type errors) leaves none. What must change with the code that made it names
 * it (the validated-config cache, config/cache.ts). Running from the sources (tsx) there is none, so nothing is cached.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ID_FILE = 'build-id';

/** This build's id, or null when there is none (running from the sources, or a build that did not stamp it). */
export function buildId(): string | null {
  if (!import.meta.url.endsWith('.js')) return null;
  try {
    const id = readFileSync(new URL(ID_FILE, import.meta.url), 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** Hashes every file under `root` but the id itself (paths sorted, each with its name and size) and writes the id. */
export function stampBuild(root: string): string {
  const hash = createHash('sha256');
  const files = (readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => relative(root, join(d.parentPath, d.name)).split('\\').join('/'))
    .filter((p) => p !== ID_FILE)
    .sort();
  for (const p of files) {
    const bytes = readFileSync(join(root, p));
    hash.update(`${p}\0${bytes.length}\0`).update(bytes);
  }
  const id = hash.digest('hex');
  writeFileSync(join(root, ID_FILE), id + '\n');
  return id;
}

// `node dist/build-id.js`: the build's last step. Never from the sources: an id of src/ would outlive its edits.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!import.meta.url.endsWith('.js')) throw new Error('run the built dist/build-id.js (npm run build), not the source');
  stampBuild(fileURLToPath(new URL('.', import.meta.url)));
}

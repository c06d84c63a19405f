/** Files under a folder, recursively, whose path matches `pattern` (fixtures and sources for table and fuzz tests). */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function listFiles(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p, pattern) : pattern.test(p) ? [p] : [];
  });
}

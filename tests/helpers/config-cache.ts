/** A config file and a validated-config cache of its own, for the cache's tests (src/config/cache.ts, reuse.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigCache } from '../../src/config/cache.js';

/** The code a test cache is keyed by: a build id and the parsing libraries' versions. */
export const TEST_CACHE_CODE = 'build-1\0js-yaml@1 yaml@1 zod@1';

/** `dir` made, holding `feedwatch.yaml` with `text`, and a cache folder (not made yet) beside it. */
export function configWithCache(dir: string, text: string): { file: string; cache: ConfigCache } {
  mkdirSync(dir);
  const file = join(dir, 'feedwatch.yaml');
  writeFileSync(file, text);
  return { file, cache: { dir: join(dir, 'cache'), code: TEST_CACHE_CODE } };
}

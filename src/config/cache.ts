/**
 * The validated-config cache of the read-only commands (`feedwatch feeds`, search, story, export...: cli/cached-config.ts):
 * a config read, parsed and validated once is kept as the Config it gave, so that the next run with the same file
 * skips the YAML reader and zod (about 0.2 s of CPU with 10,000 feeds, most of `feeds`, and neither module is even
 * loaded). The commands that always parse (the daemon at start and on each reload, check-config: cli/config.ts)
 * store what validated too, so the first read-only run after an edit they have seen is a hit.
 *
 * - One entry per config path, a file in the user's cache folder (FEEDWATCH_CACHE_DIR, else
 *   $XDG_CACHE_HOME/feedwatch, else ~/.cache/feedwatch; FEEDWATCH_CACHE_DIR set empty turns the cache off); the 16
 *   most recently written are kept.
 * - An entry is used only when its key is that of the run: a SHA-256 of the config's bytes and absolute path, this
 *   build of feedwatch (./build-id.ts: a hash of dist/, so running from the sources caches nothing) and the versions
 *   of the libraries that turn the text into a Config (js-yaml, yaml, zod). Any change to one of them is a miss, and
 *   a miss parses and validates the file as every other command does. Only a config that validated is stored.
 * - What is stored is what the file says, defaults filled in: the Config holds the NAMES of the variables that
 *   hold secrets (`...Env` keys), never their values, which commands read from the environment when they use them.
 *   A value written in the file itself (a feed's request header, `queue.url`) is in the entry as it is in the file,
 *   so the folder is created 0700 and entries 0600, and an entry is read only if the user running owns it and no one
 *   else may write it. Entries are written to a temporary name and renamed, so a reader never sees half of one.
 * - Everything here is best effort: a cache that cannot be read or written is a miss, never an error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { buildId } from '../build-id.js';
import type { Config } from './load.js';
import { configMaxBytes, readConfigText } from './source.js';

export interface ConfigCache {
  /** The folder of the entries. */
  dir: string;
  /** What the entries depend on besides the file: the build and the parsing libraries' versions. */
  code: string;
}

/** Entries kept; older ones are removed when a new one is written. */
export const MAX_ENTRIES = 16;
/** The libraries whose versions are part of the key: those that make the Config from the text (src/config/load.ts). */
const PARSING_LIBRARIES = ['js-yaml', 'yaml', 'zod'];
const FORMAT = 'feedwatch config cache 1';

/** The cache of this process, or null when it is off: no build id, FEEDWATCH_CACHE_DIR empty, or no folder for it. */
export function configCache(env: NodeJS.ProcessEnv = process.env, build: string | null = buildId()): ConfigCache | null {
  if (build === null) return null;
  const dir = cacheDir(env);
  const libraries = libraryVersions();
  return dir === null || libraries === null ? null : { dir, code: `${build}\0${libraries}` };
}

function cacheDir(env: NodeJS.ProcessEnv): string | null {
  const own = env.FEEDWATCH_CACHE_DIR;
  if (own !== undefined) return own.trim() === '' ? null : resolve(own);
  // XDG: a relative XDG_CACHE_HOME is invalid and ignored.
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'feedwatch');
  let home: string;
  try {
    home = homedir();
  } catch {
    return null;
  }
  return home ? join(home, '.cache', 'feedwatch') : null;
}

function libraryVersions(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return PARSING_LIBRARIES.map((name) => `${name}@${(JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version}`).join(' ');
  } catch {
    return null;
  }
}

/** The key of an entry: everything the Config depends on. */
export function cacheKey(cache: ConfigCache, file: string, text: string): string {
  return createHash('sha256').update(`${FORMAT}\0${cache.code}\0${file}\0`).update(text).digest('hex');
}

/** The entry's file: one per config path. */
function entryPath(cache: ConfigCache, file: string): string {
  return join(cache.dir, `${createHash('sha256').update(file).digest('hex').slice(0, 32)}.json`);
}

/** Owned by the user running, and writable by no one else. */
function trusted(st: Stats): boolean {
  return st.isFile() && (st.mode & 0o022) === 0 && (process.getuid === undefined || st.uid === process.getuid());
}

/** The Config stored for this file and text, or null (no entry, another key, an entry that cannot be trusted or read). */
export function cachedConfig(cache: ConfigCache, file: string, text: string): Config | null {
  let fd: number;
  try {
    fd = openSync(entryPath(cache, file), 'r');
  } catch {
    return null;
  }
  try {
    if (!trusted(fstatSync(fd))) return null;
    // The key on the first line: another key is a miss without parsing the rest.
    const entry = readFileSync(fd, 'utf8');
    const nl = entry.indexOf('\n');
    if (nl < 0 || entry.slice(0, nl) !== cacheKey(cache, file, text)) return null;
    return JSON.parse(entry.slice(nl + 1)) as Config;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stores the Config parsed from this file and text. Only plain JSON data is stored (a value JSON would change — an
 * undefined, a NaN, a Date, a class — leaves the config uncached), so a hit gives back an equal Config.
 * Returns whether it was stored.
 */
export function saveConfig(cache: ConfigCache, file: string, text: string, config: Config): boolean {
  if (!plainJson(config, 0)) return false;
  const target = entryPath(cache, file);
  const temp = join(cache.dir, `.${randomBytes(8).toString('hex')}.tmp`);
  try {
    mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    writeFileSync(temp, `${cacheKey(cache, file, text)}\n${JSON.stringify(config)}`, { mode: 0o600, flag: 'wx' });
    renameSync(temp, target);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Never written.
    }
    return false;
  }
  prune(cache.dir);
  return true;
}

/** Keeps the MAX_ENTRIES newest entries, and removes temporary files an interrupted write left over an hour ago. */
function prune(dir: string): void {
  try {
    const now = Date.now();
    const entries: { path: string; mtime: number }[] = [];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const isEntry = /^[0-9a-f]{32}\.json$/.test(name);
      if (!isEntry && !/^\.[0-9a-f]{16}\.tmp$/.test(name)) continue;
      const mtime = statSync(path).mtimeMs;
      if (isEntry) entries.push({ path, mtime });
      else if (now - mtime > 3_600_000) unlinkSync(path);
    }
    entries.sort((a, b) => b.mtime - a.mtime);
    for (const e of entries.slice(MAX_ENTRIES)) unlinkSync(e.path);
  } catch {
    // Another process pruning at the same time, or a folder that cannot be listed: next time.
  }
}

/** Plain JSON data only: null, booleans, finite numbers, strings, arrays and plain objects of them, nothing undefined. */
function plainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !plainJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || !plainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/**
 * The config at `path` through the cache: a hit when the file is unchanged since a run of this build stored it,
 * else parsed and validated (loading the YAML reader and zod only then) and stored. Errors are those of
 * loadConfigFile: the cache holds only configs that validated.
 */
export async function loadConfigCached(path: string, cache: ConfigCache | null, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const maxBytes = configMaxBytes(env);
  const text = readConfigText(path, maxBytes);
  const hit = cache && cachedConfig(cache, path, text);
  if (hit) return hit;
  const { parseConfig } = await import('./load.js');
  const config = parseConfig(text, path, maxBytes);
  if (cache) saveConfig(cache, path, text, config);
  return config;
}

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
 * - After an edit (a miss), what the previous entry of the same file validated is reused: an entry also keeps a
 *   digest of the value the YAML gave, and the feeds whose value did not change are not validated again (./reuse.ts;
 *   only the changed ones are, and only when the rest of the file is the same value); anything else parses and
 *   validates the whole file.
 * - Everything here is best effort: a cache that cannot be read or written is a miss, never an error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { buildId } from '../build-id.js';
import type { Config } from './load.js';
import { digestOf, plainJson, reuseValidated, type ConfigDigest } from './reuse.js';
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
const FORMAT = 'feedwatch config cache 2';

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

/**
 * An entry is lines of text: its key; the Config as JSON; a JSON object with the code that wrote it, and when the
 * value the YAML gave has a digest (./reuse.ts), the digest's top level and its number of feeds; then that many
 * lines, each feed's JSON text (JSON.stringify writes no line break). A hit reads the first two.
 */
function readEntry(cache: ConfigCache, file: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(entryPath(cache, file), 'r');
  } catch {
    return null;
  }
  try {
    return trusted(fstatSync(fd)) ? readFileSync(fd) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The entry's lines: where the first and the second end (the end of the entry when there is no third). */
function lineEnds(entry: Buffer): [number, number] | null {
  const first = entry.indexOf(10);
  if (first < 0) return null;
  const second = entry.indexOf(10, first + 1);
  return [first, second < 0 ? entry.length : second];
}

/** The Config stored for this file and text, or null (no entry, another key, an entry that cannot be trusted or read). */
export function cachedConfig(cache: ConfigCache, file: string, text: string): Config | null {
  const entry = readEntry(cache, file);
  return entry && hitOf(entry, cacheKey(cache, file, text));
}

/** The entry's Config when its key is `key`. */
function hitOf(entry: Buffer, key: string): Config | null {
  const ends = lineEnds(entry);
  // The key on the first line: another key is a miss without decoding the rest.
  if (!ends || entry.toString('latin1', 0, ends[0]) !== key) return null;
  try {
    return JSON.parse(entry.toString('utf8', ends[0] + 1, ends[1])) as Config;
  } catch {
    return null;
  }
}

/**
 * The entry of this file whatever its text, with its digest, when this code wrote it (the same build and libraries):
 * what an edit of the file may reuse. Null otherwise.
 */
export function previousEntry(cache: ConfigCache, file: string): { config: Config; digest: ConfigDigest } | null {
  const entry = readEntry(cache, file);
  return entry && previousOf(entry, cache.code);
}

function previousOf(entry: Buffer, code: string): { config: Config; digest: ConfigDigest } | null {
  const ends = lineEnds(entry);
  if (!ends || ends[1] === entry.length) return null;
  try {
    const third = entry.indexOf(10, ends[1] + 1);
    const meta = JSON.parse(entry.toString('utf8', ends[1] + 1, third < 0 ? entry.length : third)) as { code?: unknown; top?: unknown; feeds?: unknown } | null;
    if (meta?.code !== code || typeof meta.top !== 'string' || typeof meta.feeds !== 'number') return null;
    const feeds = meta.feeds === 0 || third < 0 ? [] : entry.toString('utf8', third + 1).split('\n');
    const config = JSON.parse(entry.toString('utf8', ends[0] + 1, ends[1])) as Config;
    if (feeds.length !== meta.feeds || !Array.isArray(config.feeds) || config.feeds.length !== feeds.length) return null;
    return { config, digest: { top: meta.top, feeds } };
  } catch {
    return null;
  }
}

/**
 * Stores the Config parsed from this file and text, and the digest of the value its YAML gave (null: none, so that an
 * edit of the file validates it whole). Only plain JSON data is stored (a value JSON would change — an undefined, a
 * NaN, a Date, a class — leaves the config uncached), so a hit gives back an equal Config. Returns whether it was
 * stored. `plainChecked`: the caller knows the Config is plain JSON data (./reuse.ts checks what it adds).
 */
export function saveConfig(cache: ConfigCache, file: string, text: string, config: Config, digest: ConfigDigest | null = null, plainChecked = false): boolean {
  if (!plainChecked && !plainJson(config, 0)) return false;
  const target = entryPath(cache, file);
  const temp = join(cache.dir, `.${randomBytes(8).toString('hex')}.tmp`);
  try {
    mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    // A digest is reused feed by feed against the Config's feeds: one of another length is not stored.
    const kept = digest && digest.feeds.length === config.feeds.length ? digest : null;
    const meta = JSON.stringify(kept ? { code: cache.code, top: kept.top, feeds: kept.feeds.length } : { code: cache.code });
    const feeds = kept && kept.feeds.length > 0 ? `\n${kept.feeds.join('\n')}` : '';
    writeFileSync(temp, `${cacheKey(cache, file, text)}\n${JSON.stringify(config)}\n${meta}${feeds}`, { mode: 0o600, flag: 'wx' });
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

/**
 * The config at `path` through the cache: a hit when the file is unchanged since a run of this build stored it;
 * else read (js-yaml), and when the previous entry of the file holds most of it, made from that entry and the feeds
 * that changed, validated (./reuse.ts); else parsed and validated whole (loading zod only then). Stored either way.
 * Errors are those of loadConfigFile: the cache holds only configs that validated, and a file that fails is always
 * parsed and validated whole.
 */
export async function loadConfigCached(path: string, cache: ConfigCache | null, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const maxBytes = configMaxBytes(env);
  const text = readConfigText(path, maxBytes);
  // One read of the entry: the hit, else what an edit may reuse.
  const entry = cache && readEntry(cache, path);
  const hit = cache && entry && hitOf(entry, cacheKey(cache, path, text));
  if (hit) return hit;
  const previous = cache && entry && previousOf(entry, cache.code);
  const { readQuickly } = await import('./quick-read.js');
  const raw = readQuickly(text);
  // The digest is for the entry: without a cache there is none to store.
  let digest = cache && raw !== undefined ? digestOf(raw) : null;
  // Made of the previous entry's plain JSON and feeds checked as they were validated: no need to check it again.
  let config = previous && digest ? await reuseValidated(raw, digest, previous, path) : null;
  const checked = config !== null;
  if (!config) {
    const { parseConfigRaw } = await import('./load.js');
    const parsed = parseConfigRaw(text, path, maxBytes, { quick: raw });
    config = parsed.config;
    if (cache && raw === undefined) digest = digestOf(parsed.raw);
  }
  if (cache) saveConfig(cache, path, text, config, digest, checked);
  return config;
}

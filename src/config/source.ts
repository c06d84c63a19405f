/**
 * Finding and reading the config file, before any parsing: which path, the first-run copy of the example, the size
 * limit and the read itself. Loads neither zod nor a YAML reader, so a command that finds its config in the
 * validated-config cache (./cache.ts) never pays for them.
 */
import { readFileSync, existsSync, copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseSize } from './duration.js';

export const DEFAULT_CONFIG_PATH = 'config/feedwatch.yaml';
export const EXAMPLE_CONFIG_PATH = 'config/feedwatch.example.yaml';

/** Which file to read: --config, then FEEDWATCH_CONFIG, then config/feedwatch.yaml. */
export function resolveConfigPath(cliPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(cliPath ?? env.FEEDWATCH_CONFIG ?? DEFAULT_CONFIG_PATH);
}

/**
 * On first run, copy the example config to the default path so `npm start` works on a fresh clone.
 * Returns true when it copied.
 */
export function ensureDefaultConfig(path: string, examplePath = resolve(EXAMPLE_CONFIG_PATH)): boolean {
  if (existsSync(path) || path !== resolve(DEFAULT_CONFIG_PATH) || !existsSync(examplePath)) return false;
  mkdirSync(dirname(path), { recursive: true });
  copyFileSync(examplePath, path);
  return true;
}

/** The commands' config path (--config / FEEDWATCH_CONFIG / the default, created from the example on first run). */
export function cliConfigPath(cliPath: string | undefined, notice: (msg: string) => void = (m) => process.stderr.write(m + '\n')): string {
  const path = resolveConfigPath(cliPath);
  if (ensureDefaultConfig(path)) notice(`feedwatch: created ${path} from config/feedwatch.example.yaml; edit it to list your feeds`);
  return path;
}

/** Largest config file read, unless FEEDWATCH_CONFIG_MAX_BYTES says otherwise (10,000 feeds take about 2 MB). */
export const DEFAULT_CONFIG_MAX_BYTES = 8 * 1024 * 1024;

/** The config size limit: FEEDWATCH_CONFIG_MAX_BYTES (bytes or e.g. "32MB"), else DEFAULT_CONFIG_MAX_BYTES. */
export function configMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FEEDWATCH_CONFIG_MAX_BYTES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_CONFIG_MAX_BYTES;
  const n = parseSize(/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw);
  if (n === null) {
    throw new ConfigError(`FEEDWATCH_CONFIG_MAX_BYTES="${raw}" is not a size; write e.g. 16MB or a number of bytes`, { file: '(environment)' });
  }
  return n;
}

/** The config file's text, within the size limit (checked before reading, so a huge file fails at once). */
export function readConfigText(path: string, maxBytes: number): string {
  try {
    const bytes = statSync(path).size;
    if (bytes > maxBytes) throw tooBig(path, bytes, maxBytes);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass --config PATH or set FEEDWATCH_CONFIG`, { file: path });
  }
}

export function tooBig(file: string, bytes: number, limit: number): ConfigError {
  return new ConfigError(
    `${file}: the config file is ${bytes} bytes, over the limit of ${limit}; split the feed list or raise FEEDWATCH_CONFIG_MAX_BYTES`,
    { file },
  );
}

/**
 * Shared by the commands: find and load the config named by --config / FEEDWATCH_CONFIG, parsed and validated.
 * What validated is also stored in the validated-config cache (src/config/cache.ts), best effort, so that the
 * read-only commands that read it through the cache (./cached-config.ts) find it there after `feedwatch run`
 * started or reloaded, `check-config` or any other command that parsed the file.
 */
import { configCache, saveConfig, type ConfigCache } from '../config/cache.js';
import { loadConfigSource, type Config } from '../config/load.js';
import { digestOf } from '../config/reuse.js';
import { cliConfigPath } from '../config/source.js';

/**
 * Reads, parses and validates the file at `path` (never from the cache) and stores the Config it gave in `cache`.
 * Storing is best effort: a cache folder that cannot be written (a read-only home in a container) is no error.
 * Errors are those of loadConfigSource.
 */
export function loadAndStore(path: string, cache: ConfigCache | null): { config: Config; text: string } {
  const loaded = loadConfigSource(path);
  if (cache) saveConfig(cache, path, loaded.text, loaded.config, digestOf(loaded.raw));
  return { config: loaded.config, text: loaded.text };
}

export function loadCliConfig(cliPath: string | undefined, notice?: (msg: string) => void, cache: ConfigCache | null = configCache()): Config {
  return loadAndStore(cliConfigPath(cliPath, notice), cache).config;
}

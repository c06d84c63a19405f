/**
 * The read-only commands' config (feeds, search, story, article, alerts list, export, boilerplate, export-opml):
 * through the validated-config cache (src/config/cache.ts). A file unchanged since a command of this build parsed
 * it (`feedwatch run` at start or on a reload, `check-config`, an earlier read-only run) is read from its entry,
 * loading neither zod nor a YAML reader; anything else is parsed and validated as ./config.ts does, and stored.
 * This module must stay free of config/load.js, which would load zod on every run.
 */
import { configCache, loadConfigCached } from '../config/cache.js';
import type { Config } from '../config/load.js';
import { cliConfigPath } from '../config/source.js';

export function readCliConfig(cliPath: string | undefined): Promise<Config> {
  return loadConfigCached(cliConfigPath(cliPath), configCache());
}

/**
 * `feedwatch check-config`: validate the config file and say what it holds. Exit 2 for an invalid file; exit 1
 * when the file is valid but an environment variable it names (a database URL, a bot token, a webhook secret) is
 * not set, listing each with the key that names it, so that a deployment fails here and not at the first alert.
 */
import { unsetSecrets } from '../config/secrets.js';
import { loadCliConfig } from './config.js';
import { count } from './table.js';

export function checkConfigCommand(configPath: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const config = loadCliConfig(configPath);
  const enabled = config.feeds.filter((f) => f.enabled).length;
  console.log(`${config.file}: OK — ${count(config.feeds.length, 'feed')} (${enabled} enabled), ${count(config.sites.length, 'site rule')}, storage ${config.storage.driver}, queue ${config.queue.driver}`);
  const unset = unsetSecrets(config, env);
  for (const r of unset) process.stderr.write(`${config.file}: ${r.key}: environment variable ${r.variable} is not set; export it before starting feedwatch\n`);
  return unset.length > 0 ? 1 : 0;
}

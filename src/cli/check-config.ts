/** `feedwatch check-config`: validate the config file and say what it holds. */
import { loadCliConfig } from './config.js';

export function checkConfigCommand(configPath: string | undefined): number {
  const config = loadCliConfig(configPath);
  const enabled = config.feeds.filter((f) => f.enabled).length;
  console.log(`${config.file}: OK — ${config.feeds.length} feeds (${enabled} enabled), ${config.sites.length} site rules, storage ${config.storage.driver}, queue ${config.queue.driver}`);
  return 0;
}

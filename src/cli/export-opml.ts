/**
 * `feedwatch export-opml`: the config's feeds as OPML 2.0 on stdout. Read-only, so the config comes through the
 * validated-config cache (./cached-config.ts); kept apart from import-opml, whose config editing loads the YAML
 * readers and zod.
 */
import { writeOpml } from '../opml/write.js';
import { readCliConfig } from './cached-config.js';

export async function exportOpmlCommand(configPath: string | undefined, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const config = await readCliConfig(configPath);
  out(writeOpml(config.feeds, 'feedwatch feeds', new Date()));
  return 0;
}

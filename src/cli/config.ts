/** Shared by the commands: find and load the config named by --config / FEEDWATCH_CONFIG. */
import { loadConfigFile, type Config } from '../config/load.js';
import { cliConfigPath } from '../config/source.js';

export function loadCliConfig(cliPath: string | undefined, notice?: (msg: string) => void): Config {
  return loadConfigFile(cliConfigPath(cliPath, notice));
}

/** Shared by the commands: find and load the config named by --config / FEEDWATCH_CONFIG. */
import { ensureDefaultConfig, loadConfigFile, resolveConfigPath, type Config } from '../config/load.js';

export function loadCliConfig(cliPath: string | undefined, notice: (msg: string) => void = (m) => process.stderr.write(m + '\n')): Config {
  const path = resolveConfigPath(cliPath);
  if (ensureDefaultConfig(path)) notice(`feedwatch: created ${path} from config/feedwatch.example.yaml; edit it to list your feeds`);
  return loadConfigFile(path);
}

/** Builds a feedwatch app for tests: a config from YAML text, a temporary SQLite file, a silent logger. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';

export interface TestApp extends App {
  dir: string;
  dispose(): Promise<void>;
}

/** `yaml` is the config without `storage`; loopback fetching is allowed. */
export async function startTestApp(yaml: string, overrides: AppOverrides = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-test-'));
  const text = `storage:\n  driver: sqlite\n  path: ${JSON.stringify(join(dir, 'feedwatch.db'))}\nserver:\n  port: 0\n${yaml}`;
  const config = parseConfig(text, join(dir, 'feedwatch.yaml'));
  config.http.allowPrivateNetworks = true;
  const app = await createApp(config, { logger: silentLogger, ...overrides });
  return {
    ...app,
    dir,
    dispose: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The environment variables a config needs: every `...Env` key (and each value of a `headersFromEnv` map) names
 * one. `neededSecrets` lists those the config will read, skipping the ones its drivers do not use (the database
 * URL with SQLite, the Redis URL in embedded mode or when `queue.url` is written); `unsetSecrets` keeps those the
 * environment does not set. Only names are handled here, never values, so nothing secret can leak from it.
 */
import { isLoopbackHost } from '../api/auth.js';
import type { Config } from './load.js';

export interface SecretRef {
  /** Key path in the config, e.g. `alerts.channels.tg.tokenEnv`. */
  key: string;
  /** The environment variable it names. */
  variable: string;
}

const MAX_DEPTH = 16;

export function neededSecrets(config: Config): SecretRef[] {
  const refs: SecretRef[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const key = path ? `${path}.${k}` : k;
      if (k.endsWith('Env') && typeof v === 'string') refs.push({ key, variable: v });
      else if (k === 'headersFromEnv' && v && typeof v === 'object') {
        for (const [h, name] of Object.entries(v as Record<string, unknown>)) if (typeof name === 'string') refs.push({ key: `${key}.${h}`, variable: name });
      } else walk(v, key, depth + 1);
    }
  };
  walk({ storage: config.storage, queue: config.queue, alerts: config.alerts, server: config.server }, '', 0);
  return refs.filter((r) => {
    if (r.key === 'storage.urlEnv') return config.storage.driver === 'postgres';
    if (r.key === 'queue.urlEnv') return config.queue.driver === 'bullmq' && !config.queue.url;
    if (r.key === 'server.tokenEnv') return !isLoopbackHost(config.server.host);
    return true;
  });
}

export function unsetSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): SecretRef[] {
  return neededSecrets(config).filter((r) => !env[r.variable]);
}

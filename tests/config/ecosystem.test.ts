/**
 * ecosystem.config.js (PM2), read as PM2 reads it: one scheduler and FEEDWATCH_WORKERS workers from ONE config file,
 * each process with its own health port in FEEDWATCH_PORT (FEEDWATCH_BASE_PORT, then one up per worker), or one
 * embedded process with FEEDWATCH_WORKERS=0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

interface App {
  name: string;
  script: string;
  args: string;
  env: Record<string, string>;
}

/** The file evaluated afresh under `env` (it reads the environment when loaded, as PM2 loads it). */
async function apps(env: Record<string, string>): Promise<App[]> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const url = new URL('../../ecosystem.config.js', import.meta.url);
    url.searchParams.set('env', JSON.stringify(env));
    return ((await import(url.href)) as { apps: App[] }).apps;
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

test('distributed: a scheduler and N workers, one config file, each process its own health port', async () => {
  for (const [workers, base] of [['2', '9464'], ['3', '19000']] as const) {
    const list = await apps({ FEEDWATCH_WORKERS: workers, FEEDWATCH_BASE_PORT: base, FEEDWATCH_CONFIG: 'config/prod.yaml' });
    assert.equal(list.length, Number(workers) + 1);
    assert.deepEqual(list.map((a) => a.args), ['run --role scheduler', ...Array<string>(Number(workers)).fill('run --role worker')]);
    assert.equal(new Set(list.map((a) => a.name)).size, list.length, 'distinct names');
    const ports = list.map((a) => Number(a.env.FEEDWATCH_PORT));
    assert.deepEqual(ports, Array.from({ length: list.length }, (_, i) => Number(base) + i), 'the scheduler on the base port, each worker on its own');
    assert.ok(list.every((a) => a.env.FEEDWATCH_CONFIG === 'config/prod.yaml' && a.script === 'dist/cli/main.js'), 'one config file, the built CLI');
  }
});

test('embedded: FEEDWATCH_WORKERS=0 is one process on the base port', async () => {
  const list = await apps({ FEEDWATCH_WORKERS: '0', FEEDWATCH_BASE_PORT: '9464' });
  assert.deepEqual(list.map((a) => [a.name, a.args, a.env.FEEDWATCH_PORT]), [['feedwatch', 'run', '9464']]);
});

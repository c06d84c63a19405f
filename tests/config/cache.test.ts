/**
 * The validated-config cache (src/config/cache.ts): a hit gives back the Config the file parses to, any change is a
 * miss, only valid plain-JSON configs are stored, entries are private and a loose one is not trusted, no value from
 * the environment is written, the folder keeps a bounded number of entries, and a hit loads neither zod nor js-yaml.
 * The build id (src/build-id.ts) that keys it is a hash of the built files.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedConfig, configCache, loadConfigCached, MAX_ENTRIES, saveConfig, type ConfigCache } from '../../src/config/cache.js';
import { loadConfigFile, type Config } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { configWithCache } from '../helpers/config-cache.js';
import { buildId, stampBuild } from '../../src/build-id.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'feedwatch-config-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const CONFIG = `storage:\n  driver: sqlite\n  path: data/x.db\nalerts:\n  channels:\n    tg: { type: telegram, tokenEnv: FW_TEST_TOKEN, chatId: "-100" }\nfeeds:\n  - name: a\n    url: https://a.example/rss\n    headers: { X-Key: written-in-the-file }\n  - name: b\n    url: https://b.example/rss\n    interval: 5m\n    tags: [x]\n`;

/** A config file and a cache folder of their own. */
function setup(text = CONFIG): { file: string; cache: ConfigCache } {
  return configWithCache(join(root, `t${++n}`), text);
}

const entries = (cache: ConfigCache) => (existsSync(cache.dir) ? readdirSync(cache.dir) : []);

test('a miss parses and stores; the next run with the same file gets the same Config back from the entry', async () => {
  const { file, cache } = setup();
  const parsed = loadConfigFile(file);
  assert.equal(cachedConfig(cache, file, CONFIG), null, 'nothing stored yet');
  assert.deepEqual(await loadConfigCached(file, cache), parsed);
  assert.equal(entries(cache).length, 1);
  assert.deepEqual(cachedConfig(cache, file, CONFIG), parsed);
  assert.deepEqual(await loadConfigCached(file, cache), parsed);
  // The hit is the stored entry itself (what the trust checks below protect): a marker put into it comes back.
  const entry = join(cache.dir, entries(cache)[0]!);
  const [key, json, ...rest] = readFileSync(entry, 'utf8').split('\n') as [string, string, ...string[]];
  writeFileSync(entry, [key, JSON.stringify({ ...(JSON.parse(json) as Config), userAgent: 'marker' }), ...rest].join('\n'));
  assert.equal((await loadConfigCached(file, cache)).userAgent, 'marker');
});

test('any change is a miss: a byte of the file, its path, the build or a parsing library', async () => {
  const { file, cache } = setup();
  await loadConfigCached(file, cache);
  assert.notEqual(cachedConfig(cache, file, CONFIG), null);
  assert.equal(cachedConfig(cache, file, CONFIG.replace('5m', '6m')), null, 'one byte of the text');
  assert.equal(cachedConfig(cache, file + '.other', CONFIG), null, 'another path');
  assert.equal(cachedConfig({ ...cache, code: 'build-2\0js-yaml@1 yaml@1 zod@1' }, file, CONFIG), null, 'another build');
  assert.equal(cachedConfig({ ...cache, code: 'build-1\0js-yaml@1 yaml@1 zod@2' }, file, CONFIG), null, 'another zod');
  // An edit of the file: parsed again (the new interval), and stored in place of the old entry.
  writeFileSync(file, CONFIG.replace('5m', '6m'));
  assert.equal((await loadConfigCached(file, cache)).feeds[1]!.intervalMs, 360_000);
  assert.equal(entries(cache).length, 1);
});

test('an invalid config fails as without the cache and is not stored', async () => {
  const { file, cache } = setup(CONFIG.replace('interval: 5m', 'intervall: 5m'));
  await assert.rejects(loadConfigCached(file, cache), (err) => err instanceof ConfigError && /unknown key "intervall"/.test(err.message));
  assert.deepEqual(entries(cache), []);
});

test('entries are private (folder 0700, file 0600) and one that others may write is not used', async () => {
  const { file, cache } = setup();
  await loadConfigCached(file, cache);
  const entry = join(cache.dir, entries(cache)[0]!);
  assert.equal(statSync(cache.dir).mode & 0o777, 0o700);
  assert.equal(statSync(entry).mode & 0o777, 0o600);
  chmodSync(entry, 0o620);
  assert.equal(cachedConfig(cache, file, CONFIG), null, 'group-writable');
  chmodSync(entry, 0o602);
  assert.equal(cachedConfig(cache, file, CONFIG), null, 'writable by anyone');
  chmodSync(entry, 0o600);
  assert.notEqual(cachedConfig(cache, file, CONFIG), null);
  writeFileSync(entry, 'garbage');
  assert.equal(cachedConfig(cache, file, CONFIG), null, 'an entry that is not one is a miss');
});

test('no value from the environment is stored: the Config names variables, it does not hold them', async () => {
  const { file, cache } = setup();
  const old = process.env.FW_TEST_TOKEN;
  process.env.FW_TEST_TOKEN = 'secret-from-the-environment';
  try {
    await loadConfigCached(file, cache);
  } finally {
    if (old === undefined) delete process.env.FW_TEST_TOKEN;
    else process.env.FW_TEST_TOKEN = old;
  }
  const text = readFileSync(join(cache.dir, entries(cache)[0]!), 'utf8');
  assert.ok(text.includes('"tokenEnv":"FW_TEST_TOKEN"'));
  assert.ok(!text.includes('secret-from-the-environment'));
});

test('only plain JSON data is stored: a value JSON would change leaves the config uncached', () => {
  const { file, cache } = setup();
  const config = loadConfigFile(file);
  for (const odd of [undefined, Number.NaN, new Date(0), /x/, -0]) {
    assert.equal(saveConfig(cache, file, CONFIG, { ...config, userAgent: odd } as unknown as Config), false, String(odd));
  }
  assert.deepEqual(entries(cache), []);
  assert.equal(saveConfig(cache, file, CONFIG, config), true);
});

test(`the folder keeps the ${MAX_ENTRIES} most recently written entries`, () => {
  const { file, cache } = setup();
  const config = loadConfigFile(file);
  const total = MAX_ENTRIES + 3;
  for (let i = 0; i < total; i++) {
    assert.equal(saveConfig(cache, `${file}.${i}`, CONFIG, config), true);
    // Distinct times, oldest first, whatever the file system's clock resolution.
    const written = readdirSync(cache.dir).map((name) => join(cache.dir, name)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    utimesSync(written[0]!, 1_000_000 + i, 1_000_000 + i);
  }
  assert.equal(entries(cache).length, MAX_ENTRIES);
  for (let i = 0; i < total; i++) assert.equal(cachedConfig(cache, `${file}.${i}`, CONFIG) !== null, i >= total - MAX_ENTRIES, `entry ${i}`);
});

test('off when running from the sources (no build id) or with FEEDWATCH_CACHE_DIR empty; else in the XDG cache folder', () => {
  assert.equal(buildId(), null, 'the sources have no build id');
  assert.equal(configCache({ FEEDWATCH_CACHE_DIR: join(root, 'c') }), null);
  const dir = (env: NodeJS.ProcessEnv) => configCache(env, 'b')?.dir ?? null;
  assert.equal(dir({ FEEDWATCH_CACHE_DIR: '' }), null);
  assert.equal(dir({ FEEDWATCH_CACHE_DIR: join(root, 'c'), XDG_CACHE_HOME: '/xdg' }), join(root, 'c'));
  assert.equal(dir({ XDG_CACHE_HOME: '/xdg' }), '/xdg/feedwatch');
  assert.equal(dir({ XDG_CACHE_HOME: 'relative' }), join(homedir(), '.cache', 'feedwatch'), 'a relative XDG_CACHE_HOME is ignored');
  assert.match(configCache({}, 'b')!.code, /^b\0js-yaml@\S+ yaml@\S+ zod@\d/, 'the key names the build and the parsing libraries');
});

test('the build id: a hash of every built file but itself, the same for the same files, another for a changed one', () => {
  const dist = join(root, `dist${++n}`);
  mkdirSync(join(dist, 'cli'), { recursive: true });
  writeFileSync(join(dist, 'cli', 'main.js'), 'console.log(1);\n');
  writeFileSync(join(dist, 'a.js'), 'export {};\n');
  const first = stampBuild(dist);
  assert.match(first, /^[0-9a-f]{64}$/);
  assert.equal(readFileSync(join(dist, 'build-id'), 'utf8'), first + '\n');
  assert.equal(stampBuild(dist), first, 'the id file itself is not hashed');
  writeFileSync(join(dist, 'cli', 'main.js'), 'console.log(2);\n');
  assert.notEqual(stampBuild(dist), first);
});

test('a hit loads neither zod nor js-yaml', () => {
  const { file, cache } = setup();
  const script = `const m = await import(${JSON.stringify(join(repo, 'src/config/cache.ts'))}); await m.loadConfigCached(${JSON.stringify(file)}, ${JSON.stringify(cache)});`;
  const imports = (): string[] => {
    const out = join(root, `imports${++n}.txt`);
    writeFileSync(out, '');
    execFileSync(process.execPath, ['--import', 'tsx', '--import', join(repo, 'tests/helpers/record-imports.mjs'), '--input-type=module', '-e', script], {
      cwd: repo,
      env: { ...process.env, FW_RECORD_IMPORTS: out },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return readFileSync(out, 'utf8').trim().split('\n');
  };
  const libraries = (urls: string[]) => urls.filter((u) => /\/node_modules\/(zod|js-yaml)\//.test(u) || u.endsWith('/src/config/schema.ts'));
  assert.ok(libraries(imports()).length > 0, 'the miss parses: the recorder sees zod and js-yaml');
  assert.equal(entries(cache).length, 1);
  const hit = imports();
  assert.ok(hit.some((u) => u.endsWith('/src/config/cache.ts')), 'the recorder saw the cache module');
  assert.deepEqual(libraries(hit), []);
});

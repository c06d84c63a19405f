/**
 * The commands that parse the config store it in the validated-config cache (src/config/cache.ts), and the
 * read-only commands find it there: after `feedwatch check-config`, after `feedwatch run` starts and after it
 * reloads an edited file, the next `feedwatch feeds` (and `export-opml`) is a hit: it loads neither zod, js-yaml,
 * the full YAML reader nor the config parser. A cache folder that cannot be written changes nothing else:
 * check-config and the daemon (start and reload) work as without it.
 *
 * The commands run from the sources as if built (tests/helpers/as-built.mjs: a build id of the test's own), as
 * separate processes, each recording the modules it loads (tests/helpers/record-imports.mjs).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedConfig, configCache } from '../../src/config/cache.js';
import { loadConfigFile, type Config } from '../../src/config/load.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BUILD = 'b1'.repeat(32);
const work = mkdtempSync(join(tmpdir(), 'fw-config-cache-commands-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

interface Setup {
  file: string;
  db: string;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
}

function setup(cacheDir?: string): Setup {
  const dir = join(work, `t${++n}`);
  mkdirSync(dir);
  const s = { file: join(dir, 'feedwatch.yaml'), db: join(dir, 'db.sqlite'), cacheDir: cacheDir ?? join(dir, 'cache') };
  writeConfig(s, ['a']);
  return { ...s, env: { FEEDWATCH_CACHE_DIR: s.cacheDir } };
}

/** Disabled feeds: listed by `feeds`, never polled by the daemon. */
function writeConfig(s: Pick<Setup, 'file' | 'db'>, feeds: string[]): void {
  writeFileSync(
    s.file,
    [
      'log:\n  level: info\n  format: json',
      `storage:\n  driver: sqlite\n  path: ${JSON.stringify(s.db)}`,
      'reload:\n  watch: false',
      `feeds:\n${feeds.map((f) => `  - name: feed-${f}\n    url: https://${f}.example/rss\n    enabled: false\n`).join('')}`,
    ].join('\n'),
  );
}

/** The CLI from the sources as if built, recording what it loads. */
function nodeArgs(): string[] {
  return ['--import', 'tsx', '--import', join(root, 'tests/helpers/as-built.mjs'), '--import', join(root, 'tests/helpers/record-imports.mjs'), join(root, 'src/cli/main.ts')];
}

function childEnv(env: NodeJS.ProcessEnv, imports: string): NodeJS.ProcessEnv {
  return { ...process.env, FEEDWATCH_CONFIG: '', FEEDWATCH_PORT: '', FW_TEST_BUILD_ID: BUILD, FW_RECORD_IMPORTS: imports, ...env };
}

function feedwatch(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string; imports: string[] } {
  const imports = join(work, `imports${++n}.txt`);
  writeFileSync(imports, '');
  const r = spawnSync(process.execPath, [...nodeArgs(), ...args], { cwd: root, env: childEnv(env, imports), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, imports: readFileSync(imports, 'utf8').trim().split('\n') };
}

/** What parsing the config loads: none of it on a hit. */
const parsing = (urls: string[]) => urls.filter((u) => /\/node_modules\/(zod|js-yaml|yaml)\//.test(u) || /\/src\/config\/(load|schema)\.ts$/.test(u));

/** The entry stored for the file as it is now, read as a command of the test's build would (null: none, or another key). */
function stored(s: Setup): Config | null {
  return cachedConfig(configCache({ FEEDWATCH_CACHE_DIR: s.cacheDir }, BUILD)!, s.file, readFileSync(s.file, 'utf8'));
}

/** `feedwatch feeds` finds the config in the cache: lists `names` and loads nothing that parses. */
function assertFeedsHit(s: Setup, names: string[]): void {
  const r = feedwatch(['feeds', '--config', s.file], s.env);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.imports.some((u) => u.endsWith('/src/cli/feeds.ts')), 'the recorder saw the command');
  assert.deepEqual(parsing(r.imports), [], 'a hit parses nothing');
  for (const name of names) assert.match(r.stdout, new RegExp(`^feed-${name} `, 'm'));
}

/** The daemon, its log lines as they come. */
function daemon(s: Setup): { child: ChildProcess; line: (re: RegExp) => Promise<string>; exit: Promise<number | null> } {
  const imports = join(work, `imports${++n}.txt`);
  const child = spawn(process.execPath, [...nodeArgs(), 'run', '--config', s.file, '--port', '0'], { cwd: root, env: childEnv(s.env, imports), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiting: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  const check = () => {
    for (const w of [...waiting]) {
      const hit = out.split('\n').find((l) => w.re.test(l));
      if (hit !== undefined) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A daemon that ends before the line came fails the wait instead of leaving it hanging.
  const line = (re: RegExp) =>
    Promise.race([
      new Promise<string>((resolve) => {
        waiting.push({ re, resolve });
        check();
      }),
      exit.then((code) => Promise.reject(new Error(`the daemon exited (${code}) before a line matching ${re}: ${out}${err}`))),
    ]);
  return { child, line, exit };
}

/** The daemon stopped: SIGTERM, then its exit status. */
async function stop(d: ReturnType<typeof daemon>): Promise<number | null> {
  d.child.kill('SIGTERM');
  return d.exit;
}

test('check-config stores the config it validated; feeds and export-opml then read it without parsing, also after an edit and another check', () => {
  const s = setup();
  // The database made first with the cache off: the read-only SQLite path of `feeds` is the one measured.
  assert.equal(feedwatch(['feeds', '--config', s.file], { FEEDWATCH_CACHE_DIR: '' }).status, 0);
  assert.equal(existsSync(s.cacheDir), false, 'nothing stored with the cache off');

  const check = feedwatch(['check-config', '--config', s.file], s.env);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /OK — 1 feed/);
  assert.deepEqual(stored(s), loadConfigFile(s.file), 'the entry is the Config the file parses to');
  assertFeedsHit(s, ['a']);

  writeConfig(s, ['a', 'b']);
  assert.equal(stored(s), null, 'an edit leaves the entry stale');
  assert.equal(feedwatch(['check-config', '--config', s.file], s.env).status, 0);
  assert.deepEqual(stored(s), loadConfigFile(s.file));
  assertFeedsHit(s, ['a', 'b']);

  const opml = feedwatch(['export-opml', '--config', s.file], s.env);
  assert.equal(opml.status, 0, opml.stderr);
  assert.match(opml.stdout, /text="feed-b"/);
  assert.deepEqual(parsing(opml.imports), [], 'export-opml reads the cache too');
});

test('feedwatch run stores the config at start and each config it reloads; feeds after the reload is a hit', async () => {
  const s = setup();
  const d = daemon(s);
  try {
    await d.line(/"msg":"feedwatch started"/);
    assert.deepEqual(stored(s), loadConfigFile(s.file), 'stored at start');
    assertFeedsHit(s, ['a']);

    writeConfig(s, ['a', 'b', 'c']);
    assert.equal(stored(s), null);
    d.child.kill('SIGHUP');
    await d.line(/"msg":"config reloaded"/);
    assert.deepEqual(stored(s), loadConfigFile(s.file), 'stored on the reload');
    assertFeedsHit(s, ['a', 'b', 'c']);
  } finally {
    assert.equal(await stop(d), 0);
  }
});

test('a cache folder that cannot be made fails neither check-config nor the daemon, at start or on a reload', async () => {
  const dir = join(work, `t${++n}`);
  mkdirSync(dir);
  // A file where the folder's parent should be: mkdir fails (ENOTDIR) whoever runs the test, root too.
  writeFileSync(join(dir, 'not-a-folder'), '');
  const s = setup(join(dir, 'not-a-folder', 'cache'));

  const check = feedwatch(['check-config', '--config', s.file], s.env);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /OK — 1 feed/);

  const d = daemon(s);
  try {
    await d.line(/"msg":"feedwatch started"/);
    writeConfig(s, ['a', 'b']);
    d.child.kill('SIGHUP');
    const reloaded = await d.line(/"msg":"config reload(ed| failed)/);
    assert.match(reloaded, /"msg":"config reloaded"/);
    assert.match(reloaded, /"feeds":2/);
  } finally {
    assert.equal(await stop(d), 0);
  }
  assert.equal(existsSync(s.cacheDir), false);

  const feeds = feedwatch(['feeds', '--config', s.file], s.env);
  assert.equal(feeds.status, 0, feeds.stderr);
  assert.match(feeds.stdout, /^feed-b /m);
  assert.ok(parsing(feeds.imports).length > 0, 'no cache: feeds parses the file');
});

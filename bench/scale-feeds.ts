/**
 * `npm run bench -- scale`, the `feedwatch feeds` part: the CPU (user + system) of the built command
 * (`node dist/cli/main.js feeds`, what users run) with 10,000 feeds in the config and stored with 10 items each,
 * beside its floors in the same run: Node starting and exiting (`node -e 0`) and the CLI printing its help. Target:
 * under 0.3 s. Each command runs 5 times, interleaved, and the median is printed (the machine is shared).
 * The command's usual case is a config unchanged since its last run, read from the validated-config cache
 * (src/config/cache.ts, in a folder of the bench's own here). Beside it: the first run after an edit of the file
 * (one feed's URL changed, the entry of the file before the edit in the cache: what the cache reuses, see
 * src/config/reuse.ts), after an edit that removes a feed, with no entry at all (the first run after a rebuild),
 * and after an edit that `feedwatch check-config` validated and stored (as the daemon's reload of the file does).
 *
 * Run alone: npx tsx bench/scale-feeds.ts (FEEDWATCH_BENCH_FEEDS=N feeds, default 10,000; --no-build uses dist/ as it is)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseConfig } from '../src/config/load.js';
import { openSqliteStore } from '../src/store/sqlite/store.js';
import { okPoll, testItem } from '../tests/helpers/store-fixtures.js';
import { median } from './stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const RUNS = 5;

/**
 * CPU seconds (user + system) of one process and its threads, output discarded. Bash runs it and reports with `times`
 * what the kernel counted for the children it waited for (the same figures as `/usr/bin/time`): the second line of
 * `times`, its children's user and system time; its first line, bash's own, is not counted.
 */
export function commandCpu(argv: string[], env: NodeJS.ProcessEnv = {}): number {
  const u = commandUsage(argv, env);
  return u.user + u.sys;
}

/** commandCpu's two parts. NaN when bash did not report them. */
export function commandUsage(argv: string[], env: NodeJS.ProcessEnv = {}): { user: number; sys: number } {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${quoted} > /dev/null 2>&1; times`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  // `times`: shell user/sys, then children user/sys, as "XmY.YYYs XmY.YYYs".
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return secs.length === 2 ? { user: secs[0]!, sys: secs[1]! } : { user: NaN, sys: NaN };
}

/** `feedwatch ARGS` through the built entry point (`env` added to this process's environment). */
export const feedwatchCpu = (args: string[], env: NodeJS.ProcessEnv = {}): number => commandCpu([process.execPath, MAIN, ...args], env);

/**
 * The start of a phase script: `step(name)` records the process's CPU since the last step (the first figure is Node's
 * start, before any module); `dist(path)` is a built module's URL. The V8 settings of the command (src/cli/engine-flags.ts)
 * are set first, as the command sets them, and counted with the imports.
 */
const PHASE_STEPS = `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const out = { 'node start': cpu() };
let last = out['node start'];
const step = (name) => { const now = cpu(); out[name] = now - last; last = now; };
const dist = (p) => new URL(p, process.env.FW_DIST).href;
(await import(dist('cli/engine-flags.js'))).tuneForShortCommand(process.env.FW_CONFIG);
`;

/**
 * Where one `feedwatch feeds` spends its CPU: the command's steps run one after the other in a fresh Node process
 * from the built modules, the process's CPU read after each (the first figure is Node's start, before any module).
 */
const PHASES = `${PHASE_STEPS}const { configCache, loadConfigCached } = await import(dist('config/cache.js'));
const { readFeedOverview } = await import(dist('store/open.js'));
const { feedStatuses } = await import(dist('api/feed-health.js'));
const { formatTable, utcMinute } = await import(dist('cli/table.js'));
step('imports (CLI, config cache)');
const config = await loadConfigCached(process.env.FW_CONFIG, configCache());
step('config (cache hit: read, key, JSON.parse)');
await import(dist('store/sqlite/read-only.js'));
step('import better-sqlite3');
const stored = await readFeedOverview(config);
step('open + query');
const rows = feedStatuses(config.feeds, stored, config.defaults.interval, Date.now());
step('health of each feed');
formatTable(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], rows.map(({ state: s, health }) => [s.name, health.health, utcMinute(s.lastFetchedAt), s.lastStatus, s.itemCount, s.errorCount, 0, utcMinute(s.nextDueAt), null]));
step('table');
process.stdout.write(JSON.stringify(out));
`;

/**
 * Where the first `feedwatch feeds` after an edit spends the CPU that a hit does not: the miss's steps
 * (src/config/cache.ts loadConfigCached) one after the other, with the entry of the file before the edit in the cache.
 */
const EDIT_PHASES = `${PHASE_STEPS}const file = process.env.FW_CONFIG;
const cacheModule = await import(dist('config/cache.js'));
const { readConfigText } = await import(dist('config/source.js'));
const reuse = await import(dist('config/reuse.js'));
step('imports (CLI, config cache)');
const cache = cacheModule.configCache();
const text = readConfigText(file, 1 << 30);
const miss = cacheModule.cachedConfig(cache, file, text) === null;
step('read, key, no hit');
const previous = cacheModule.previousEntry(cache, file);
step('previous entry (JSON.parse)');
const { readQuickly } = await import(dist('config/quick-read.js'));
step('import js-yaml');
const raw = readQuickly(text);
step('YAML read');
const digest = reuse.digestOf(raw);
step('digest');
await import(dist('config/feed-schema.js'));
step('import zod + feed schema');
const config = await reuse.reuseValidated(raw, digest, previous, file);
step('reuse + validate the changed feed');
cacheModule.saveConfig(cache, file, text, config, digest, true);
step('store');
if (!miss || !previous || !config) throw new Error('not an edit the cache reuses');
process.stdout.write(JSON.stringify(out));
`;

function phases(dir: string, cfg: string, env: NodeJS.ProcessEnv, script = PHASES): Record<string, number> {
  const file = join(dir, 'phases.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, ...env, FW_DIST: pathToFileURL(join(ROOT, 'dist/')).href, FW_CONFIG: cfg } });
  if (r.status !== 0) throw new Error(`phases: ${r.stderr.slice(0, 500)}`);
  return JSON.parse(r.stdout) as Record<string, number>;
}

const fmt = (n: number) => n.toFixed(3);

export async function runScaleFeedsBench(count = Number(process.env['FEEDWATCH_BENCH_FEEDS'] ?? 10_000)): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'feedwatch-scale-feeds-'));
  try {
    const db = join(dir, 'db.sqlite');
    const cfg = join(dir, 'feedwatch.yaml');
    const feeds = Array.from({ length: count }, (_, n) => `  - name: f${n}\n    url: http://127.0.0.1:${40_000 + (n % 32)}/f/${n}.xml\n`).join('');
    const text = `storage:\n  driver: sqlite\n  path: ${JSON.stringify(db)}\npipeline:\n  fetchArticles: false\nfeeds:\n${feeds}`;
    writeFileSync(cfg, text);
    const store = await openSqliteStore(db);
    try {
      const config = parseConfig(text, cfg);
      await store.syncFeeds(config.feeds);
      const at = new Date(Date.now() - 60_000).toISOString();
      const due = new Date(Date.now() + 15 * 60_000).toISOString();
      await Promise.all(
        config.feeds.map((f) => store.recordPoll(okPoll(f.name, at), Array.from({ length: 10 }, (_, i) => testItem(f.name, `${f.name}-${i}`)), due)),
      );
    } finally {
      await store.close();
    }
    const cacheDir = join(dir, 'cache');
    const cache = { FEEDWATCH_CACHE_DIR: cacheDir };
    // The cache as the previous run of the command left it.
    feedwatchCpu(['feeds', '--config', cfg], cache);
    let current = text;
    /** A cache folder of its own holding the entry of the file as it is now (one entry: one config path). */
    let folders = 0;
    const entryNow = (): NodeJS.ProcessEnv => {
      const own = join(dir, `cache-${++folders}`);
      mkdirSync(own, { mode: 0o700 });
      for (const name of readdirSync(cacheDir)) if (name.endsWith('.json')) copyFileSync(join(cacheDir, name), join(own, name));
      return { FEEDWATCH_CACHE_DIR: own };
    };
    const moved = (t: string, k: number) => t.replace(`/f/${k}.xml\n`, `/f/${k}-moved.xml\n`);
    const removed = (t: string, k: number) => t.replace(`  - name: f${k}\n    url: http://127.0.0.1:${40_000 + (k % 32)}/f/${k}.xml\n`, '');
    /** `feedwatch feeds` after `edit` of the file, with the entry of the file before it; the file is put back after. */
    const afterEdit = (edit: string): number => {
      const env = entryNow();
      writeFileSync(cfg, edit);
      const cpu = feedwatchCpu(['feeds', '--config', cfg], env);
      writeFileSync(cfg, current);
      return cpu;
    };
    const runs: Record<string, number[]> = { node: [], help: [], feeds: [], json: [], edited: [], removed: [], none: [], check: [], checked: [] };
    for (let r = 0; r < RUNS; r++) {
      const k = Math.floor(count / 2) + r;
      runs['node']!.push(commandCpu([process.execPath, '-e', '0']));
      runs['help']!.push(feedwatchCpu(['help']));
      runs['feeds']!.push(feedwatchCpu(['feeds', '--config', cfg], cache));
      runs['json']!.push(feedwatchCpu(['feeds', '--json', '--config', cfg], cache));
      runs['edited']!.push(afterEdit(moved(current, k)));
      runs['removed']!.push(afterEdit(removed(current, k)));
      runs['none']!.push(feedwatchCpu(['feeds', '--config', cfg], { FEEDWATCH_CACHE_DIR: join(dir, `empty-cache-${r}`) }));
      // An edit, then check-config: it stores what it validated, so the next feeds is a hit.
      current = `${text}# edit ${r}\n`;
      writeFileSync(cfg, current);
      runs['check']!.push(feedwatchCpu(['check-config', '--config', cfg], cache));
      runs['checked']!.push(feedwatchCpu(['feeds', '--config', cfg], cache));
    }
    const steps: Record<string, number[]> = {};
    const editSteps: Record<string, number[]> = {};
    for (let r = 0; r < RUNS; r++) {
      for (const [k, v] of Object.entries(phases(dir, cfg, cache))) (steps[k] ??= []).push(v);
      const env = entryNow();
      writeFileSync(cfg, moved(current, r));
      for (const [k, v] of Object.entries(phases(dir, cfg, env, EDIT_PHASES))) (editSteps[k] ??= []).push(v);
      writeFileSync(cfg, current);
    }
    const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) as Record<string, number>;
    console.log(
      `feedwatch feeds, ${count} feeds stored (10 items each), built CLI, median of ${RUNS}: ${fmt(m['feeds']!)} s CPU ` +
        `(target < 0.3; --json ${fmt(m['json']!)} s; the first run after an edit of the config: one feed's URL changed ${fmt(m['edited']!)} s, ` +
        `one feed removed ${fmt(m['removed']!)} s, no entry in the cache ${fmt(m['none']!)} s; ` +
        `after an edit and check-config ${fmt(m['checked']!)} s, check-config itself ${fmt(m['check']!)} s); ` +
        `floors in this run: node -e 0 ${fmt(m['node']!)} s, feedwatch help ${fmt(m['help']!)} s ` +
        `(load ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
    );
    const where = (x: Record<string, number[]>) => Object.entries(x).map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(', ');
    console.log(`  where it goes (ms of CPU, medians of ${RUNS} processes): ${where(steps)}`);
    console.log(`  the config after an edit (one feed's URL changed), the same way: ${where(editSteps)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runScaleFeedsBench();

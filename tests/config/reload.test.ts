import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, loadConfigSource, parseConfig, type Config } from '../../src/config/load.js';
import { configChanges, ConfigReloader, runningConfig, type ConfigChanges, type ReloadResult } from '../../src/config/reload.js';

const feed = (name: string, extra = '') => `  - name: ${name}\n    url: http://127.0.0.1:9/${name}.xml\n${extra}`;
const yaml = (feeds: string[], rest = '') => `storage: { driver: sqlite, path: ":memory:" }\nfeeds:\n${feeds.join('')}${rest}`;
const cfg = (text: string) => parseConfig(text, '/tmp/x.yaml');

test('configChanges names feeds added, removed and changed, and keys that need a restart', () => {
  const before = cfg(yaml([feed('a'), feed('b'), feed('c', '    interval: 5m\n')]));
  const after = cfg(yaml([feed('a'), feed('c', '    interval: 20m\n'), feed('d')], 'storage: { driver: sqlite, path: other.db }\n').replace(/^storage:.*\n/, ''));
  const c = configChanges(before, after);
  assert.deepEqual(c.feedsAdded, ['d']);
  assert.deepEqual(c.feedsRemoved, ['b']);
  assert.deepEqual(c.feedsChanged, ['c']);
  assert.deepEqual(c.restartNeeded, ['storage']);
  assert.equal(c.alertsChanged, false);
  // The running config keeps the old storage until a restart, and takes the new feed list at once.
  const running = runningConfig(before, after);
  assert.equal(running.storage, before.storage);
  assert.deepEqual(running.feeds.map((f) => f.name), ['a', 'c', 'd']);
});

test('configChanges sees site and alert rule edits, and nothing when only the file path differs', () => {
  const base = yaml([feed('a')]);
  assert.equal(configChanges(cfg(base), parseConfig(base, '/elsewhere.yaml')).restartNeeded.length, 0);
  const sites = yaml([feed('a')], 'sites:\n  - name: s\n    hosts: ["example.org"]\n    body: "article"\n');
  assert.equal(configChanges(cfg(base), cfg(sites)).sitesChanged, true);
  const alerts = yaml([feed('a')], 'alerts:\n  channels:\n    log: { type: log }\n  rules:\n    - name: r\n      query: "газ"\n      channels: [log]\n');
  const c = configChanges(cfg(base), cfg(alerts));
  assert.equal(c.alertsChanged, true);
  assert.deepEqual(c.restartNeeded, []);
});

interface Harness {
  dir: string;
  file: string;
  reloader: ConfigReloader;
  applied: Array<{ config: Config; changes: ConfigChanges }>;
  results: ReloadResult[];
  signals: EventEmitter;
  /** Resolves with the next reload result. */
  nextResult(): Promise<ReloadResult>;
}

function harness(initial: string, applyError?: Error): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'fw-reload-'));
  const file = join(dir, 'feedwatch.yaml');
  writeFileSync(file, initial);
  const applied: Harness['applied'] = [];
  const results: ReloadResult[] = [];
  const waiters: Array<(r: ReloadResult) => void> = [];
  const signals = new EventEmitter();
  const reloader = new ConfigReloader({
    file,
    initial: loadConfigFile(file, {}),
    load: (f) => loadConfigSource(f, {}),
    apply: async (config, changes) => {
      if (applyError) throw applyError;
      applied.push({ config, changes });
    },
    onResult: (r) => {
      results.push(r);
      waiters.shift()?.(r);
    },
    debounceMs: 20,
    signals,
  });
  return { dir, file, reloader, applied, results, signals, nextResult: () => new Promise((r) => waiters.push(r)) };
}

test('an edit of the watched file is applied, and the version changes with it', async (t) => {
  const h = harness(yaml([feed('a')]));
  t.after(() => {
    void h.reloader.stop();
    rmSync(h.dir, { recursive: true, force: true });
  });
  h.reloader.start();
  const first = h.reloader.version;
  const result = h.nextResult();
  writeFileSync(h.file, yaml([feed('a'), feed('b')]));
  const r = await result;
  assert.equal(r.ok, true);
  assert.deepEqual(h.applied.at(-1)?.changes.feedsAdded, ['b']);
  assert.notEqual(h.reloader.version.sha256, first.sha256);
  assert.equal(h.reloader.version.feeds, 2);
  assert.deepEqual(h.reloader.config.feeds.map((f) => f.name), ['a', 'b']);
});

test('a file replaced by rename (how editors save) is still watched', async (t) => {
  const h = harness(yaml([feed('a')]));
  t.after(() => {
    void h.reloader.stop();
    rmSync(h.dir, { recursive: true, force: true });
  });
  h.reloader.start();
  for (const names of [['a', 'x'], ['x']]) {
    const result = h.nextResult();
    const tmp = join(h.dir, '.feedwatch.yaml.swp');
    writeFileSync(tmp, yaml(names.map((n) => feed(n))));
    renameSync(tmp, h.file);
    assert.equal((await result).ok, true);
    assert.deepEqual(h.reloader.config.feeds.map((f) => f.name), names);
  }
});

test('a broken edit is reported with its error and the running config stays', async (t) => {
  const h = harness(yaml([feed('a')]));
  t.after(() => rmSync(h.dir, { recursive: true, force: true }));
  const version = h.reloader.version;
  writeFileSync(h.file, yaml([feed('a')]) + '  - name: b\n    url: not a url\n');
  await h.reloader.request('test');
  const r = h.results.at(-1)!;
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.error, /feeds\.1\.url|feeds\[1\]|url/);
  assert.equal(h.applied.length, 0);
  assert.deepEqual(h.reloader.version, version);
  assert.deepEqual(h.reloader.config.feeds.map((f) => f.name), ['a']);
  // YAML that does not parse at all is the same: reported, nothing applied.
  writeFileSync(h.file, 'feeds: [\n');
  await h.reloader.request('test');
  assert.equal(h.results.at(-1)!.ok, false);
  assert.equal(h.applied.length, 0);
});

test('an apply that throws leaves the running config and version as they were', async (t) => {
  const h = harness(yaml([feed('a')]), new Error('scheduler unreachable'));
  t.after(() => rmSync(h.dir, { recursive: true, force: true }));
  const version = h.reloader.version;
  writeFileSync(h.file, yaml([feed('a'), feed('b')]));
  await h.reloader.request('test');
  const r = h.results.at(-1)!;
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.error, /scheduler unreachable/);
  assert.deepEqual(h.reloader.version, version);
  assert.equal(h.reloader.config.feeds.length, 1);
});

test('SIGHUP reloads; an unchanged file applies nothing; stop removes the handler', async (t) => {
  const h = harness(yaml([feed('a')]));
  t.after(() => rmSync(h.dir, { recursive: true, force: true }));
  h.reloader.start();
  const result = h.nextResult();
  h.signals.emit('SIGHUP');
  const r = await result;
  assert.equal(r.ok, true);
  assert.equal(r.reason, 'SIGHUP');
  assert.equal(h.applied.length, 0, 'nothing changed, nothing applied');
  await h.reloader.stop();
  assert.equal(h.signals.listenerCount('SIGHUP'), 0);
});

test('requests during a reload run once more after it, never in parallel and never lost', async (t) => {
  const h = harness(yaml([feed('a')]));
  t.after(() => rmSync(h.dir, { recursive: true, force: true }));
  writeFileSync(h.file, yaml([feed('a'), feed('b')]));
  await Promise.all([h.reloader.request('one'), h.reloader.request('two'), h.reloader.request('three')]);
  // The first request, then one repeat for the two that came while it ran: two attempts, one apply.
  assert.deepEqual(h.results.map((r) => r.reason), ['one', 'three']);
  assert.equal(h.applied.length, 1);
  // A request made as soon as a reload has reported, while it is still ending, is not lost.
  const reported = h.nextResult();
  const first = h.reloader.request('first');
  await reported;
  await h.reloader.request('second');
  await first;
  assert.deepEqual(h.results.slice(2).map((r) => r.reason), ['first', 'second']);
});

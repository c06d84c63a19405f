/**
 * The config file's watch (src/config/file-watch.ts) on a real file system: every way of saving is seen, and
 * writes to other files in the same directory (a SQLite database and its WAL beside the config) reach no watcher.
 * `fs.watch` is wrapped to record what is watched and every raw event, so "nothing woke" is a count, not a wait.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchFile, type FileWatch, type WatchFn } from '../../src/config/file-watch.js';

interface Harness {
  dir: string;
  file: string;
  /** The paths watched, in order (the last one is the watch in force). */
  watched: string[];
  /** Raw events delivered to any of the watchers. */
  raw: number;
  changes: number;
  /** Resolves at the next onChange. */
  nextChange(): Promise<void>;
  /** Resolves at the next raw event (taken for a change or not). */
  nextRaw(): Promise<void>;
  fw: FileWatch;
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

function harness(setup?: (dir: string, file: string) => void): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'fw-file-watch-'));
  const file = join(dir, 'feedwatch.yaml');
  if (setup) setup(dir, file);
  else writeFileSync(file, 'feeds: []\n');
  const waiters: Array<() => void> = [];
  const rawWaiters: Array<() => void> = [];
  const h = { dir, file, watched: [] as string[], raw: 0, changes: 0 } as Harness;
  const recording: WatchFn = (path, listener) => {
    h.watched.push(path);
    return watch(path, (event, name) => {
      h.raw++;
      listener(event, name);
      for (const w of rawWaiters.splice(0)) w();
    });
  };
  h.nextChange = () => new Promise((resolve) => waiters.push(resolve));
  h.nextRaw = () => new Promise((resolve) => rawWaiters.push(resolve));
  h.fw = watchFile(
    file,
    () => {
      h.changes++;
      for (const w of waiters.splice(0)) w();
    },
    recording,
  );
  cleanup.push(() => {
    h.fw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return h;
}

test('a regular file is watched by itself: writes to a database and its WAL beside it reach no watcher', async () => {
  const h = harness();
  assert.deepEqual(h.watched, [h.file], 'the file, not its directory');
  for (let i = 0; i < 20; i++) {
    appendFileSync(join(h.dir, 'feedwatch.db-wal'), 'x'.repeat(4096));
    writeFileSync(join(h.dir, 'feedwatch.db'), `page ${i}`);
  }
  const change = h.nextChange();
  appendFileSync(h.file, '# edited\n');
  await change;
  // inotify delivers one watch's events in order: the 40 sibling writes would have come before the edit's.
  assert.ok(h.raw <= 2, `${h.raw} raw events: the edit's alone`);
  assert.equal(h.changes, 1, 'one change, from the edit');
  assert.deepEqual(h.watched, [h.file], 'still the file itself');
});

test('saved by rename, twice: each save is seen and the watch moves to the new file', async () => {
  const h = harness();
  for (const text of ['feeds: [a]\n', 'feeds: [b]\n']) {
    const change = h.nextChange();
    const tmp = join(h.dir, '.feedwatch.yaml.tmp');
    writeFileSync(tmp, text);
    renameSync(tmp, h.file);
    await change;
  }
  // The watch moved at each rename (on the old file's first event): it is on the newest file, whose edit is seen.
  assert.deepEqual(h.watched, [h.file, h.file, h.file]);
  const change = h.nextChange();
  appendFileSync(h.file, '# edited in place\n');
  await change;
  assert.ok(!h.watched.includes(h.dir), 'the directory was never needed: the new file was there at each rename');
});

test('moved away, then written anew (a backup-then-write editor): the directory stands in until the new file exists', async () => {
  const h = harness();
  const moved = h.nextChange();
  renameSync(h.file, `${h.file}~`);
  await moved;
  assert.equal(h.watched.at(-1), h.dir, 'nothing at the path: its directory is watched');
  const created = h.nextChange();
  writeFileSync(h.file, 'feeds: [c]\n');
  await created;
  assert.equal(h.watched.at(-1), h.file, 'the new file is watched by itself again');
  // The backup beside it changing wakes nothing now; the new file's own edit does.
  const before = h.raw;
  appendFileSync(`${h.file}~`, 'backup written again\n');
  const edited = h.nextChange();
  appendFileSync(h.file, '# edited\n');
  await edited;
  assert.equal(h.raw, before + 1, 'only the edit of the config reached the watch');
});

test('deleted, then created again later: both are seen, and the new file is watched by itself', async () => {
  const h = harness();
  const deleted = h.nextChange();
  unlinkSync(h.file);
  await deleted;
  assert.equal(h.watched.at(-1), h.dir);
  const other = h.nextRaw();
  writeFileSync(join(h.dir, 'other.yaml'), 'not the config\n');
  await other;
  assert.equal(h.changes, 1, 'another file created beside it is not taken for the config');
  const created = h.nextChange();
  writeFileSync(h.file, 'feeds: [d]\n');
  await created;
  assert.equal(h.watched.at(-1), h.file, 'the new file is watched by itself');
});

test('a symlink is watched through its directory, so pointing it elsewhere is seen', async () => {
  const h = harness((dir, file) => {
    mkdirSync(join(dir, 'v1'));
    mkdirSync(join(dir, 'v2'));
    writeFileSync(join(dir, 'v1', 'feedwatch.yaml'), 'feeds: [one]\n');
    writeFileSync(join(dir, 'v2', 'feedwatch.yaml'), 'feeds: [two]\n');
    symlinkSync(join(dir, 'v1', 'feedwatch.yaml'), file);
  });
  assert.deepEqual(h.watched, [h.dir]);
  const change = h.nextChange();
  const tmp = join(h.dir, '.link.tmp');
  symlinkSync(join(h.dir, 'v2', 'feedwatch.yaml'), tmp);
  renameSync(tmp, h.file);
  await change;
  assert.deepEqual(h.watched, [h.dir], 'still a symlink: still the directory');
});

test('the file and its directory removed: the change is reported and the watch ends without throwing', async () => {
  const h = harness();
  const gone = h.nextChange();
  unlinkSync(h.file);
  rmdirSync(h.dir);
  // Moving the watch to the directory fails now; a throw there would end the test process as an uncaught error.
  await gone;
  assert.equal(h.changes, 1);
  assert.deepEqual(h.watched, [h.file, h.dir], 'the directory was tried (and failed) after the file went');
});

test('after close, no change is reported and nothing is watched', async () => {
  const h = harness();
  h.fw.close();
  const before = h.raw;
  // A second, independent watch on the same file tells when the kernel has delivered the edit.
  const seen = new Promise<void>((resolve) => {
    const w = watch(h.file, () => {
      w.close();
      resolve();
    });
  });
  appendFileSync(h.file, '# edited after close\n');
  await seen;
  assert.equal(h.raw, before, 'the closed watch got no event');
  assert.equal(h.changes, 0);
});

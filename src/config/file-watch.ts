/**
 * A watch on one file that reports when it may have changed: written in place, replaced by a rename (how editors
 * and `import-opml` save), moved away, deleted and created again, or (a symlink) pointed elsewhere.
 *
 * A regular file is watched by itself (its inode), not through its directory: a directory watch wakes the process
 * for every write to every file beside it, and the SQLite database and its write-ahead log often sit beside the
 * config (each commit woke the daemon's main thread). After every event the path is looked at again: when it no
 * longer names the watched inode (replaced, moved, deleted) the watch moves to whatever it names now, and while
 * nothing is there the directory is watched until the file comes back. A symlink keeps the directory watch:
 * pointing it elsewhere changes nothing the target's own watch would see.
 *
 * `onChange` may come more than once for one save (the caller debounces); it never comes after `close()`.
 */
import { lstatSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FileWatch {
  close(): void;
}

/** `fs.watch`, or a stand-in that records what is watched (tests). */
export type WatchFn = (path: string, listener: (event: string, filename: string | Buffer | null) => void) => FSWatcher;

/** Starts watching `path`; throws when its directory cannot be watched (it does not exist, say). */
export function watchFile(path: string, onChange: () => void, fsWatch: WatchFn = watch): FileWatch {
  const name = basename(path);
  let watcher: FSWatcher | null = null;
  let closed = false;

  const arm = (): void => {
    watcher?.close();
    watcher = null;
    if (closed) return;
    const inode = regularFileInode(path);
    if (inode !== null) {
      try {
        watcher = fsWatch(path, () => {
          if (closed) return;
          onChange();
          if (regularFileInode(path) !== inode) arm();
        });
        watcher.on('error', () => {
          if (closed) return;
          onChange();
          arm();
        });
        return;
      } catch {
        // Gone between the look and the watch: the directory below until it is back.
      }
    }
    try {
      watcher = fsWatch(dirname(path), (_event, changed) => {
        if (closed || (changed !== null && changed.toString() !== name)) return;
        onChange();
        if (regularFileInode(path) !== null) arm();
      });
      watcher.on('error', () => undefined);
    } catch (err) {
      // At the start the caller hears of it; later (the directory itself removed) the watch ends, as a directory
      // watch's did, and SIGHUP still reloads: an event handler must not throw into the daemon.
      if (!started) throw err;
    }
  };

  let started = false;
  arm();
  started = true;
  return {
    close: () => {
      closed = true;
      watcher?.close();
      watcher = null;
    },
  };
}

/** The path's device and inode when it names a regular file itself (not through a symlink), else null. */
function regularFileInode(path: string): string | null {
  try {
    const st = lstatSync(path);
    return st.isFile() ? `${st.dev}:${st.ino}` : null;
  } catch {
    return null;
  }
}

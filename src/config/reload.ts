/**
 * Hot reload of the config file: what changed between two configs, which of it applies to a running daemon, and
 * the watcher that reloads on an edit of the file or on SIGHUP.
 *
 * The pure part (`configChanges`, `runningConfig`) decides; the watcher (`ConfigReloader`) only owns the fs watch,
 * the signal and the one-at-a-time ordering, and hands a validated config to an `apply` callback. A config that
 * does not load (YAML error, a bad key, a file half written) is reported and the running one stays.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { watchFile, type FileWatch } from './file-watch.js';
import type { Config } from './load.js';

/** Top-level keys a running daemon takes on at once: feed lists, rules and what stages read per call. */
export const RELOADABLE_KEYS = ['feeds', 'defaults', 'sites', 'alerts', 'retention', 'userAgent'] as const;

/** The config's identity as `/api/config` and the logs show it. */
export interface ConfigVersion {
  file: string;
  /** First 16 hex digits of the SHA-256 of the file's bytes. */
  sha256: string;
  loadedAt: string;
  feeds: number;
}

export interface ConfigChanges {
  feedsAdded: string[];
  feedsRemoved: string[];
  /** Feeds present in both whose settings differ (URL, interval, enabled, tags, limits...). */
  feedsChanged: string[];
  sitesChanged: boolean;
  alertsChanged: boolean;
  /** Other reloadable keys that changed (defaults, retention, userAgent). */
  otherChanged: string[];
  /** Top-level keys that changed but only take effect at the next start (storage, queue, server, ...). */
  restartNeeded: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function configChanges(prev: Config, next: Config): ConfigChanges {
  const before = new Map(prev.feeds.map((f) => [f.name, f]));
  const after = new Map(next.feeds.map((f) => [f.name, f]));
  const keys = new Set([...Object.keys(prev), ...Object.keys(next)]);
  keys.delete('file');
  const reloadable = new Set<string>(RELOADABLE_KEYS);
  const changedKeys = [...keys].filter((k) => !same(prev[k as keyof Config], next[k as keyof Config])).sort();
  return {
    feedsAdded: [...after.keys()].filter((n) => !before.has(n)),
    feedsRemoved: [...before.keys()].filter((n) => !after.has(n)),
    feedsChanged: [...after.keys()].filter((n) => before.has(n) && !same(before.get(n), after.get(n))),
    sitesChanged: changedKeys.includes('sites'),
    alertsChanged: changedKeys.includes('alerts'),
    otherChanged: changedKeys.filter((k) => reloadable.has(k) && !['feeds', 'sites', 'alerts'].includes(k)),
    restartNeeded: changedKeys.filter((k) => !reloadable.has(k)),
  };
}

export function hasChanges(c: ConfigChanges): boolean {
  return c.feedsAdded.length + c.feedsRemoved.length + c.feedsChanged.length + c.otherChanged.length + c.restartNeeded.length > 0 || c.sitesChanged || c.alertsChanged;
}

/**
 * The config a running daemon switches to: the new file's reloadable keys over the running config's others
 * (a new storage or queue setting waits for a restart instead of half applying).
 */
export function runningConfig(prev: Config, next: Config): Config {
  const merged: Config = { ...prev };
  for (const key of RELOADABLE_KEYS) (merged as unknown as Record<string, unknown>)[key] = next[key];
  return merged;
}

export function versionOf(file: string, text: string, feeds: number, at: Date): ConfigVersion {
  return { file, sha256: createHash('sha256').update(text).digest('hex').slice(0, 16), loadedAt: at.toISOString(), feeds };
}

export type ReloadResult =
  | { ok: true; reason: string; version: ConfigVersion; changes: ConfigChanges }
  | { ok: false; reason: string; error: string };

export interface ReloaderOptions {
  file: string;
  /** The config running now and the version of the file it came from. */
  initial: Config;
  /** Reads and validates the file (loadConfigSource): the config and the text it came from; throws a ConfigError on a bad file. */
  load(file: string): { config: Config; text: string };
  /** Makes the daemon use `next` (already merged by `runningConfig`). A throw counts as a failed reload. */
  apply(next: Config, changes: ConfigChanges): Promise<void>;
  /** Called after every attempt, for the log. */
  onResult(result: ReloadResult): void;
  /** Quiet time after the last file event before reading: editors write a file in several steps. Default 250 ms. */
  debounceMs?: number;
  now?: () => Date;
  /** The process to take SIGHUP on. Default: process. Pass null for none. */
  signals?: NodeJS.EventEmitter | null;
  /** Watch the file for changes (config `reload.watch`). Default true; SIGHUP works either way. */
  watch?: boolean;
}

/**
 * Watches the config file (./file-watch.ts: saving by rename counts, and writes to other files beside it wake
 * nothing) and reloads on a change of it or on SIGHUP. Reloads never overlap: a request
 * during one runs once more after it.
 */
export class ConfigReloader {
  private current: Config;
  private currentVersion: ConfigVersion;
  private lastResult: ReloadResult | null = null;
  private watcher: FileWatch | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private pending: string | null = null;
  private readonly onSighup = () => this.request('SIGHUP');
  private readonly now: () => Date;

  constructor(private readonly opts: ReloaderOptions) {
    this.now = opts.now ?? (() => new Date());
    this.current = opts.initial;
    let text = '';
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch {
      // The file was read a moment ago to make `initial`; if it is gone now the version is of nothing.
    }
    this.currentVersion = versionOf(opts.file, text, opts.initial.feeds.length, this.now());
  }

  get config(): Config {
    return this.current;
  }

  get version(): ConfigVersion {
    return this.currentVersion;
  }

  /** The last reload attempt (null before any): `/api/config` shows a failed one beside the running version. */
  get last(): ReloadResult | null {
    return this.lastResult;
  }

  start(): void {
    if (this.opts.watch !== false) {
      this.watcher = watchFile(this.opts.file, () => this.schedule());
    }
    (this.opts.signals === undefined ? process : this.opts.signals)?.on('SIGHUP', this.onSighup);
  }

  stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    (this.opts.signals === undefined ? process : this.opts.signals)?.off('SIGHUP', this.onSighup);
    return this.running ?? Promise.resolve();
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.request('file changed');
    }, this.opts.debounceMs ?? 250);
  }

  /** Reload now (also what SIGHUP and the watcher call). Resolves when this request has been handled. */
  request(reason: string): Promise<void> {
    this.pending = reason;
    this.running ??= this.drain();
    return this.running;
  }

  /** Reload until no request is pending; the last check and the end happen in one step, so none is lost. */
  private async drain(): Promise<void> {
    while (this.pending !== null) {
      const reason = this.pending;
      this.pending = null;
      await this.reloadOnce(reason);
    }
    this.running = null;
  }

  private async reloadOnce(reason: string): Promise<void> {
    let result: ReloadResult;
    try {
      // One read: the version is the hash of the very text that was parsed.
      const { config: loaded, text } = this.opts.load(this.opts.file);
      const changes = configChanges(this.current, loaded);
      const next = runningConfig(this.current, loaded);
      if (hasChanges(changes)) await this.opts.apply(next, changes);
      this.current = next;
      this.currentVersion = versionOf(this.opts.file, text, loaded.feeds.length, this.now());
      result = { ok: true, reason, version: this.currentVersion, changes };
    } catch (err) {
      result = { ok: false, reason, error: err instanceof Error ? err.message : String(err) };
    }
    this.lastResult = result;
    this.opts.onResult(result);
  }
}

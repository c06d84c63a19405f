/**
 * Structured logs with pino: JSON lines by default, pino-pretty on a terminal. Field names are snake_case
 * (feed, feed_url, status, new_items, ms). Secrets never reach a log line: the redact list covers the
 * places they could appear, and config values that hold secrets name environment variables, not values.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  format?: 'auto' | 'json' | 'pretty';
  /** Where JSON lines go; defaults to stdout. */
  destination?: NodeJS.WritableStream;
  /**
   * Write to stderr instead of stdout (JSON lines, or pretty when stderr is a terminal): for commands whose stdout
   * is their report (`feedwatch once`).
   */
  stderr?: boolean;
}

/** Pretty log times: UTC, and they say so (a terminal reader may be anywhere). */
export const PRETTY_TIME = "UTC:yyyy-mm-dd HH:MM:ss'Z'";

export const REDACT_PATHS = [
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'token',
  '*.token',
  'password',
  '*.password',
  'pass',
  '*.pass',
  'url_with_credentials',
];

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const fd = opts.stderr ? 2 : 1;
  const terminal = (opts.stderr ? process.stderr : process.stdout).isTTY === true;
  const pretty = opts.format === 'pretty' || (opts.format !== 'json' && !opts.destination && terminal);
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: terminal, translateTime: PRETTY_TIME, ignore: 'pid,hostname', destination: fd } } });
  }
  if (opts.destination) return pino(base, opts.destination);
  return fd === 2 ? pino(base, pino.destination({ fd: 2, sync: true })) : pino(base);
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });

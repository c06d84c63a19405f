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
}

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
  const pretty = opts.format === 'pretty' || (opts.format !== 'json' && !opts.destination && process.stdout.isTTY === true);
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  return opts.destination ? pino(base, opts.destination) : pino(base);
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });

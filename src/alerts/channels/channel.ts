/**
 * The one interface every alert channel implements, and how failures are reported: a FeedwatchError whose
 * `retryable` says whether trying later can help (an HTTP 4xx other than 408/429, an SMTP 5xx or a rejected login
 * cannot) and whose context may carry `retryAfterSeconds` (HTTP 429 / Telegram's retry_after).
 */
import { FeedwatchError, type ErrorKind } from '../../errors.js';
import type { AlertMessage } from '../message.js';

export interface Channel {
  readonly name: string;
  readonly type: 'webhook' | 'telegram' | 'email' | 'log';
  /** Deliver one message; throws FeedwatchError on failure. */
  send(message: AlertMessage): Promise<void>;
  /** Release connections (SMTP pools); optional. */
  close?(): Promise<void>;
}

export function deliveryError(
  kind: ErrorKind,
  message: string,
  context: Record<string, unknown>,
  retryable: boolean,
): FeedwatchError {
  return new FeedwatchError(kind, message, context, { retryable });
}

/** Whether an HTTP status is worth retrying: 5xx, 408 and 429 are; other 4xx and 3xx are not. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Seconds from a Retry-After header (delta-seconds form only), or null. */
export function retryAfterSeconds(value: string | string[] | undefined): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return null;
  return Number(v);
}

/** Read an environment variable a channel needs; a missing one is a config error, named but never echoed. */
export function requireEnv(env: Readonly<Record<string, string | undefined>>, name: string, channel: string, what: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    throw new FeedwatchError('config', `channel "${channel}": environment variable ${name} (${what}) is not set`, { channel, env: name }, { retryable: false });
  }
  return v;
}

/** A network failure as a short code (ECONNREFUSED, UND_ERR_SOCKET...) without the error's own text. */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (err as { cause?: unknown }).cause;
    if (cause && typeof cause === 'object' && typeof (cause as { code?: unknown }).code === 'string') return (cause as { code: string }).code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'unknown';
}

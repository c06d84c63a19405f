/**
 * Who may read the status page and the HTTP API. The server binds to 127.0.0.1 by default; on any other address
 * a token is required (`server.tokenEnv` names the variable holding it) and a process without one does not start.
 * When the variable is set, every request to `/`, `/api/...` and `/feeds/...` must carry the token, on any address:
 * `Authorization: Bearer TOKEN`, or HTTP Basic with the token as the password (what a browser prompts for).
 * /healthz, /readyz and /metrics stay open (probes and Prometheus scrape them); they show no stored content.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';
import type { Config } from '../config/load.js';

/** Shortest token accepted: anything shorter is guessable. */
export const MIN_TOKEN_LENGTH = 16;

/** Whether binding to `host` keeps the server on this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * The token requests must carry, or null when none is needed (loopback address, variable unset). A non-loopback
 * `server.host` without the variable, or with a token shorter than MIN_TOKEN_LENGTH, is a ConfigError: the
 * daemon must not serve stored articles and alerts to the network unauthenticated.
 */
export function apiToken(config: Pick<Config, 'file' | 'server'>, env: NodeJS.ProcessEnv): string | null {
  const { host, tokenEnv } = config.server;
  const token = env[tokenEnv]?.trim() ?? '';
  if (token === '') {
    if (isLoopbackHost(host)) return null;
    throw new ConfigError(
      `server.host is ${host}, not a loopback address, so the status page and HTTP API need a token: set ${tokenEnv} ` +
        `(server.tokenEnv) to a random string of at least ${MIN_TOKEN_LENGTH} characters, e.g. $(openssl rand -hex 32), or bind to 127.0.0.1`,
      { file: config.file, path: 'server.tokenEnv' },
    );
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(`${tokenEnv} (server.tokenEnv) is ${token.length} characters long; use at least ${MIN_TOKEN_LENGTH}, e.g. $(openssl rand -hex 32)`, {
      file: config.file,
      path: 'server.tokenEnv',
    });
  }
  return token;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Whether an Authorization header carries `token` (Bearer, or Basic with it as the password); compared in constant time. */
export function authorized(header: string | undefined, token: string): boolean {
  if (!header || header.length > 4096) return false;
  const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  let given = m[2]!;
  if (m[1]!.toLowerCase() === 'basic') {
    const decoded = Buffer.from(given, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    given = decoded.slice(colon + 1);
  }
  return timingSafeEqual(digest(given), digest(token));
}

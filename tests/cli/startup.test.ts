/**
 * Start-up errors, in every mode and role, with the real CLI as a child process: the process exits by itself,
 * non-zero, with ONE line on stderr that says what failed and how to fix it (no stack trace, no secret), so that
 * PM2, systemd or Docker restart it instead of keeping a process that hangs. Cases: a missing REDIS_URL or
 * DATABASE_URL, a PostgreSQL database that does not exist or cannot be reached, a SQLite file that cannot be
 * opened, a health port in use, a bad --port.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnFeedwatch, type Exit } from '../helpers/feedwatch-process.js';
import { TEST_PG_URL } from '../helpers/postgres.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';

let dir: string;
let rp: RedisTestPrefix;
let busy: Server;
let busyPort: number;
let closedPort: number;

async function listen(): Promise<Server> {
  const s = createServer((_q, r) => r.end());
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return s;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedwatch-startup-'));
  rp = await redisTestPrefix();
  busy = await listen();
  busyPort = (busy.address() as AddressInfo).port;
  const gone = await listen();
  closedPort = (gone.address() as AddressInfo).port;
  await new Promise((r) => gone.close(r));
});
after(async () => {
  await new Promise((r) => busy?.close(r));
  await rp?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function config(kind: 'embedded' | 'bullmq', over: { port?: number; sqlitePath?: string } = {}): string {
  const path = join(dir, `c${++n}.yaml`);
  const lines = [
    'log:\n  level: info\n  format: json',
    `server:\n  port: ${over.port ?? 0}`,
    kind === 'embedded'
      ? `storage:\n  driver: sqlite\n  path: ${JSON.stringify(over.sqlitePath ?? join(dir, `db${n}.sqlite`))}`
      : `storage:\n  driver: postgres\nqueue:\n  driver: bullmq\n  prefix: ${rp.prefix}:s${n}`,
    'feeds: []',
  ];
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Run `feedwatch run ...` until it exits by itself (a process still running after 3 minutes has hung: killed, failed). */
async function runUntilExit(args: string[], env: Record<string, string>): Promise<{ exit: Exit; stderr: string }> {
  const p = spawnFeedwatch(['run', ...args], { REDIS_URL: '', DATABASE_URL: '', FEEDWATCH_PORT: '', ...env }, `startup ${args.join(' ')}`);
  let hung = false;
  const guard = setTimeout(() => {
    hung = true;
    void p.kill();
  }, 180_000);
  const exit = await p.exited;
  clearTimeout(guard);
  assert.equal(hung, false, `the process hung instead of exiting; stderr: ${p.stderr()}`);
  return { exit, stderr: p.stderr() };
}

/** Exited non-zero by itself, with one line on stderr matching `pattern` and no stack trace. */
function assertOneLine(r: { exit: Exit; stderr: string }, role: string, pattern: RegExp, code?: number): void {
  assert.equal(r.exit.signal, null, 'exited by itself');
  assert.notEqual(r.exit.code, 0);
  if (code !== undefined) assert.equal(r.exit.code, code);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0]!.startsWith(`feedwatch: cannot start (role ${role}): `), lines[0]);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

const pgUrl = (database: string, password = '') => {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${database}`;
  if (password) u.password = password;
  return u.href;
};

describe('start-up errors: one line, non-zero exit, never a hang', () => {
  for (const role of ['scheduler', 'worker', 'all']) {
    test(`bullmq ${role}: REDIS_URL not set`, async () => {
      const r = await runUntilExit(['--role', role, '--config', config('bullmq')], { DATABASE_URL: TEST_PG_URL });
      assertOneLine(r, role, /no Redis URL is given: set queue\.url, or the environment variable REDIS_URL/, 2);
    });
    test(`bullmq ${role}: DATABASE_URL not set (Redis already connected)`, async () => {
      const r = await runUntilExit(['--role', role, '--config', config('bullmq')], { REDIS_URL: rp.url });
      assertOneLine(r, role, /the environment variable DATABASE_URL .* is not set/, 2);
    });
  }

  test('bullmq worker: a database that does not exist; the password stays out of the message', async () => {
    const r = await runUntilExit(['--role', 'worker', '--config', config('bullmq')], { REDIS_URL: rp.url, DATABASE_URL: pgUrl('feedwatch_no_such_db', 'sekret-pw') });
    assertOneLine(r, 'worker', /storage: .*feedwatch_no_such_db.* does not exist/);
    assert.doesNotMatch(r.stderr, /sekret-pw/);
  });

  test('bullmq scheduler: a database server that cannot be reached', async () => {
    const url = new URL(TEST_PG_URL);
    url.port = String(closedPort);
    const r = await runUntilExit(['--role', 'scheduler', '--config', config('bullmq')], { REDIS_URL: rp.url, DATABASE_URL: url.href });
    assertOneLine(r, 'scheduler', /storage: .*(ECONNREFUSED|connect)/);
  });

  test('embedded: a SQLite file that cannot be opened', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const r = await runUntilExit(['--config', config('embedded', { sqlitePath: join(file, 'feedwatch.db') })], {});
    assertOneLine(r, 'all', /storage|directory|ENOTDIR/);
  });

  test('embedded, bullmq scheduler and worker: the health port in use', async () => {
    const results = await Promise.all([
      runUntilExit(['--config', config('embedded', { port: busyPort })], {}),
      runUntilExit(['--role', 'scheduler', '--config', config('bullmq', { port: busyPort })], { REDIS_URL: rp.url, DATABASE_URL: TEST_PG_URL }),
      runUntilExit(['--role', 'worker', '--config', config('bullmq')], { REDIS_URL: rp.url, DATABASE_URL: TEST_PG_URL, FEEDWATCH_PORT: String(busyPort) }),
    ]);
    const port = new RegExp(`health port 127\\.0\\.0\\.1:${busyPort} is in use by another process; give each process its own port with --port N or FEEDWATCH_PORT=N`);
    assertOneLine(results[0]!, 'all', port);
    assertOneLine(results[1]!, 'scheduler', port);
    assertOneLine(results[2]!, 'worker', port);
  });

  test('a --port that is not a port number', async () => {
    const r = await runUntilExit(['--port', 'http', '--config', config('embedded')], {});
    assertOneLine(r, 'all', /--port must be a port number from 0 to 65535 .*got "http"/, 2);
  });
});

/**
 * The real CLI as a child process (`node --import tsx src/cli/main.ts ...`), for tests that run feedwatch the way
 * a deployment does: its JSON log lines collected as they come, its stderr kept, its exit awaited, and a stop()
 * that sends SIGTERM and measures how long the process took to exit.
 *
 *   const w = spawnFeedwatch(['run', '--role', 'worker', '--config', path], { REDIS_URL: url }, 'worker-1');
 *   await waitFor(() => w.logged('feedwatch started'), 30_000, 'worker started');
 *   const { code, ms } = await w.stop();
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface FeedwatchProcess {
  name: string;
  process: ChildProcess;
  /** JSON log lines printed on stdout so far (a line that is not JSON is kept as `{ msg: line }`). */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  exited: Promise<Exit>;
  /** Whether a log line with this `msg` was printed. */
  logged(msg: string): boolean;
  /** Still running. */
  running(): boolean;
  /** SIGTERM, then the exit and the ms it took. */
  stop(): Promise<Exit & { ms: number }>;
  /** SIGKILL unless it has exited; resolves on exit. */
  kill(): Promise<Exit>;
}

/**
 * Start `feedwatch <args>` from the repository root. `env` is added to this process's environment, with
 * FEEDWATCH_CONFIG cleared (pass --config); `name` labels its stderr when it exits with a failure.
 */
export function spawnFeedwatch(args: string[], env: Record<string, string>, name: string): FeedwatchProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, FEEDWATCH_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal === null && stderr) process.stderr.write(`${name} stderr: ${stderr}\n`);
      resolve({ code, signal });
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    process: child,
    logs,
    stderr: () => stderr,
    exited,
    logged: (msg) => logs.some((l) => l.msg === msg),
    running,
    async stop() {
      const t0 = Date.now();
      if (running()) child.kill('SIGTERM');
      const exit = await exited;
      return { ...exit, ms: Date.now() - t0 };
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      return exited;
    },
  };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run one command to its end, as a user at a shell would: its exit code (1 when it was killed), stdout and stderr.
 * `env` is added to this process's environment; a value of undefined unsets that variable.
 */
export function runFeedwatch(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs: number }): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env, timeout: opts.timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

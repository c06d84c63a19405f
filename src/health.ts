/**
 * What /healthz and /readyz answer (server.ts serves them; cli/run.ts wires them to the running parts).
 *
 *  - Health (liveness): 503 when something that should answer does not: the scheduler loop has not ticked for
 *    `staleTicks` intervals (at least `minStaleMs`), or a dependency (storage; Redis in queue mode) does not
 *    answer a ping within `pingTimeoutMs` or fails it (a storage fault fails the storage ping with its path and fix:
 *    the SQLite file deleted, replaced or read-only, see src/store/fault.ts); and while shutting down. Each failing
 *    check adds a reason to the body.
 *    A process still starting up is healthy (a long migration must not get it restarted).
 *  - Readiness: 503 until the process has started (storage open and migrated, Redis connected, the pipeline
 *    running), while shutting down, and whenever a dependency does not answer its ping.
 *
 * Time comes from the injected clock, and the ping deadline from `deadline` (a timer by default), so that tests
 * decide what is late without waiting.
 */
import type { Clock } from './clock.js';

export interface Dependency {
  name: string;
  ping(): Promise<unknown>;
}

export interface HealthState {
  /** start-up finished: storage open and migrated, Redis connected, the pipeline started. */
  started: boolean;
  stopping: boolean;
  /** When the scheduler loop last ticked (ms), null before its first tick; undefined when this process has no loop. */
  lastTickAt?: number | null;
  /** When the loop started (ms), for "has not ticked yet" after start-up. */
  loopStartedAt?: number | null;
}

export interface HealthOptions {
  clock: Clock;
  /** The scheduler loop's interval, ms; null when this process runs no scheduler loop (a bullmq worker). */
  tickIntervalMs: number | null;
  dependencies: readonly Dependency[];
  /** Longest wait for a ping. Default 1000. */
  pingTimeoutMs?: number;
  /** Intervals without a tick before the loop counts as stuck. Default 5. */
  staleTicks?: number;
  /** ... and never less than this, ms. Default 30 000. */
  minStaleMs?: number;
  /** Resolves after `ms` (a timer by default; tests pass their own). */
  deadline?: (ms: number) => Promise<void>;
}

export interface HealthReport {
  ok: boolean;
  /** Why not ok, one line each. */
  reasons: string[];
  detail: Record<string, unknown>;
}

const timer = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Ping every dependency at once; the names and reasons of those that failed or did not answer in time. */
async function pingAll(opts: HealthOptions): Promise<{ reasons: string[]; status: Record<string, string> }> {
  const timeoutMs = opts.pingTimeoutMs ?? 1000;
  const deadline = opts.deadline ?? timer;
  const status: Record<string, string> = {};
  const reasons: string[] = [];
  await Promise.all(
    opts.dependencies.map(async (dep) => {
      const late = Symbol('late');
      const outcome = await Promise.race([
        dep.ping().then(
          () => null,
          (err: unknown) => (err instanceof Error ? err.message : String(err)),
        ),
        deadline(timeoutMs).then(() => late),
      ]);
      if (outcome === null) {
        status[dep.name] = 'up';
        return;
      }
      status[dep.name] = 'down';
      reasons.push(typeof outcome === 'string' ? `${dep.name}: ${outcome}` : `${dep.name}: no answer to a ping within ${timeoutMs} ms`);
    }),
  );
  return { reasons: reasons.sort(), status };
}

/** The scheduler loop's reason to be unhealthy, or null. */
function loopReason(state: HealthState, opts: HealthOptions): string | null {
  if (opts.tickIntervalMs === null || !state.started) return null;
  const staleMs = Math.max((opts.staleTicks ?? 5) * opts.tickIntervalMs, opts.minStaleMs ?? 30_000);
  const since = state.lastTickAt ?? state.loopStartedAt ?? null;
  if (since === null) return null;
  const quiet = opts.clock.now() - since;
  if (quiet <= staleMs) return null;
  return state.lastTickAt
    ? `scheduler: last tick ${Math.round(quiet / 1000)} s ago (more than ${Math.round(staleMs / 1000)} s: every ${opts.tickIntervalMs} ms expected)`
    : `scheduler: no tick in ${Math.round(quiet / 1000)} s since start (more than ${Math.round(staleMs / 1000)} s)`;
}

export async function checkHealth(state: HealthState, opts: HealthOptions): Promise<HealthReport> {
  const reasons: string[] = [];
  if (state.stopping) reasons.push('shutting down');
  const loop = loopReason(state, opts);
  if (loop) reasons.push(loop);
  const pings = state.started ? await pingAll(opts) : { reasons: [], status: {} };
  reasons.push(...pings.reasons);
  const detail: Record<string, unknown> = { started: state.started, stopping: state.stopping, checks: pings.status };
  if (state.lastTickAt) detail['lastTickAt'] = new Date(state.lastTickAt).toISOString();
  return { ok: reasons.length === 0, reasons, detail };
}

export async function checkReady(state: HealthState, opts: HealthOptions): Promise<HealthReport> {
  const reasons: string[] = [];
  if (!state.started) reasons.push('starting: storage, queue or pipeline not ready yet');
  if (state.stopping) reasons.push('shutting down');
  const pings = state.started && !state.stopping ? await pingAll(opts) : { reasons: [], status: {} };
  reasons.push(...pings.reasons);
  return { ok: reasons.length === 0, reasons, detail: { started: state.started, stopping: state.stopping, checks: pings.status } };
}

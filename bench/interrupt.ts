/**
 * Clean-up for a bench that is stopped by a signal. `finally` blocks do not run when SIGINT or SIGTERM ends a Node
 * process, so a bench killed mid-run (Ctrl-C, a timeout's kill, a CI job cancelled) would leave its daemons running
 * and its Redis keys behind. A bench registers each clean-up as it takes the resource and drops it when its own
 * `finally` has run; on the first SIGINT, SIGTERM or SIGHUP the registered ones run, newest first, and the process
 * exits 128 + the signal's number.
 */
import { constants } from 'node:os';

type Cleanup = () => unknown;

const pending = new Set<Cleanup>();
let installed = false;

async function runAll(signal: NodeJS.Signals): Promise<never> {
  console.error(`bench: ${signal}, cleaning up ${pending.size} resource(s)`);
  for (const fn of [...pending].reverse()) {
    try {
      await fn();
    } catch (err) {
      console.error(`bench: clean-up failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  process.exit(128 + (constants.signals[signal] ?? 0));
}

/** Runs `fn` if a signal stops the bench before the returned function is called (call it in `finally`). */
export function cleanupOnSignal(fn: Cleanup): () => void {
  if (!installed) {
    installed = true;
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => void runAll(s));
  }
  pending.add(fn);
  return () => pending.delete(fn);
}

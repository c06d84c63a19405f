/**
 * V8 settings for the commands whose work is bounded by the config and one read of storage, that print and exit
 * (main.ts's SHORT_COMMANDS: `feeds`, `check-config`, `export-opml`). They are set from inside the process before
 * the command's modules load (`v8.setFlagsFromString`: Node does not freeze V8's flags after start), only for
 * these commands: the daemon and the commands that work through stored articles keep V8's defaults. This module is
 * imported only then (node:v8 costs a few ms to load).
 *
 * - `--semi-space-growth-factor=1`: the young generation keeps its first size instead of doubling up to 16 MB.
 *   What these commands allocate mostly lives to the end (a config of 10,000 feeds and their stored state are
 *   some 200,000 objects), so a larger young generation only copies the same objects more often before they are
 *   promoted, into memory the process has to fault in first.
 * - `--no-parallel-scavenge`: the scavenges run on the main thread instead of handing work to helper threads that
 *   wait for a core on a small machine. (`--single-threaded-gc` would also stop concurrent marking, which V8 does
 *   not survive being changed under a marking already started: it aborts.)
 * - `--no-opt`: no optimizing compiler. A command that ends within a second spends more CPU compiling its hot
 *   loops on a second thread than the compiled code saves; the baseline compiler still runs.
 *
 * Each flag is read where V8 decides (a scavenge, a growth of the young generation, a function getting hot), so
 * setting it after start is safe. With 10,000 feeds `feedwatch feeds` takes about a fifth less CPU with them
 * (README, "Scale: `feedwatch feeds`").
 */
import { setFlagsFromString } from 'node:v8';

export const SHORT_COMMAND_FLAGS = ['--semi-space-growth-factor=1', '--no-parallel-scavenge', '--no-opt'] as const;

export function tuneForShortCommand(): void {
  for (const flag of SHORT_COMMAND_FLAGS) setFlagsFromString(flag);
}

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
 * - `--no-opt`, when the config file is at most NO_OPT_MAX_CONFIG_BYTES: no optimizing compiler. A command that
 *   ends within a second spends more compiling its hot loops on a second thread than the compiled code saves; the
 *   baseline compiler still runs. With a larger config the validation of its feeds, when the command has to do it,
 *   runs long enough to pay for the compiler. Measured beside the two other flags alone: with 10,000 feeds
 *   (588 KB) it took another 7 % off `feeds` (495 → 461 ms) and `check-config` (620 → 576); with 40,000 (2.4 MB)
 *   `check-config` took 29 % more with it (980 → 1,267 ms).
 *
 * Each flag is read where V8 decides (a scavenge, a growth of the young generation, a function getting hot), so
 * setting it after start is safe. With 10,000 feeds `feedwatch feeds` takes about a fifth less CPU with them
 * (README, "Scale: `feedwatch feeds`").
 */
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { resolveConfigPath } from '../config/source.js';

export const SHORT_COMMAND_FLAGS = ['--semi-space-growth-factor=1', '--no-parallel-scavenge'] as const;

/** The Node major version the flags were measured on. */
const MEASURED_ON = '20';

/** Configs up to this size also run without the optimizing compiler (about 17,000 feeds of two lines each). */
export const NO_OPT_MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Sets the short commands' flags for the config `cliConfigPath` names (as --config does); returns them. Only on the
 * Node major version they were measured on (`MEASURED_ON`): V8's flags change between versions, and one it no
 * longer knows would be reported on stderr at every run.
 */
export function tuneForShortCommand(cliConfigPath: string | undefined, nodeVersion = process.versions.node): string[] {
  if (nodeVersion.split('.')[0] !== MEASURED_ON) return [];
  const flags: string[] = [...SHORT_COMMAND_FLAGS];
  if (configBytes(cliConfigPath) <= NO_OPT_MAX_CONFIG_BYTES) flags.push('--no-opt');
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}

/** The config file's size; 0 when it cannot be read (the command then reports that, or copies the example). */
function configBytes(cliConfigPath: string | undefined): number {
  try {
    return statSync(resolveConfigPath(cliConfigPath)).size;
  } catch {
    return 0;
  }
}

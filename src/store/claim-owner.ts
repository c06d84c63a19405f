/**
 * Who holds a claim on a pending delivery, and whether that holder is still alive.
 *
 * A claim names its owner: the store instance that took it, as `HOST/PID/START/NONCE`:
 *  - HOST: the host name, plus the process-id namespace on Linux (`vm~4026531836`), so that two containers
 *    that share a host name (host networking, a fixed `hostname:`) are never taken for one host;
 *  - PID and START: the process; START tells apart two processes that had the same pid. On Linux it is the boot
 *    id and the process's start time in clock ticks (`2174c061.152829`), read from /proc; elsewhere `-`;
 *  - NONCE: random per store instance, so that two stores in one process hold distinct claims.
 *
 * Any process can tell from a claim of ITS OWN host whether the owner is gone: another boot, no process with that
 * pid, or a process with that pid that started at another time (the pid was reused). Such a claim is released at
 * once, so a daemon restarted after a crash (or killed by the OOM killer, or SIGKILLed by a supervisor) sends its
 * deliveries right away, and so does a sibling worker on the same host. A claim of another host, or of an owner
 * that cannot be checked (no /proc and the pid is taken), is left to its lease: `alerts.delivery.lease` after it
 * was last renewed, any process takes it. Sound for any number of processes on any number of hosts: a live owner
 * is never judged dead (its host, boot, pid and start time all still match); a dead one may only be judged alive
 * when its pid was reused on a system without /proc, and then the lease ends its claim.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** The process that holds claims: plain data, so that it can be given to a storage thread or a test. */
export interface ProcessIdentity {
  /** Host name, with the pid namespace where there is one. */
  host: string;
  pid: number;
  /** `BOOTID.STARTTICKS` on Linux; `-` where the start time cannot be read. */
  start: string;
}

export interface ClaimOwner extends ProcessIdentity {
  nonce: string;
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/** Reads what a liveness check needs; the real /proc and process.kill by default, a fake in unit tests. */
export interface ProcessProbe {
  /** The `stat` line of process `pid` (/proc/PID/stat), or null when there is no such process (or no /proc). */
  stat(pid: number): string | null;
  /** This boot's id, or null without /proc. */
  bootId(): string | null;
  /** Whether a process with this pid exists (signal 0). */
  exists(pid: number): boolean;
}

function readOrNull(read: () => string): string | null {
  try {
    return read();
  } catch {
    return null;
  }
}

export const systemProbe: ProcessProbe = {
  stat: (pid) => readOrNull(() => readFileSync(`/proc/${pid}/stat`, 'utf8')),
  bootId: () => readOrNull(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()),
  exists: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: it exists, owned by someone else.
      return (err as { code?: string }).code === 'EPERM';
    }
  },
};

/** Start time (field 22, clock ticks since boot) from a /proc/PID/stat line; the command name may hold spaces and ")". */
function startTicks(stat: string): string | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[19];
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : null;
}

/** The START part of process `pid`'s owner ids (`BOOTID.STARTTICKS`), or null where it cannot be read. */
export function processStart(pid: number, probe: ProcessProbe = systemProbe): string | null {
  const boot = probe.bootId();
  const stat = probe.stat(pid);
  const ticks = stat === null ? null : startTicks(stat);
  return boot !== null && ticks !== null ? `${boot.slice(0, 8)}.${ticks}` : null;
}

/** This process, as claims name it. */
export function thisProcess(probe: ProcessProbe = systemProbe): ProcessIdentity {
  const ns = readOrNull(() => readlinkSync('/proc/self/ns/pid'))?.match(/\[(\d+)\]/)?.[1];
  return { host: ns ? `${hostname()}~${ns}` : hostname(), pid: process.pid, start: processStart(process.pid, probe) ?? '-' };
}

/** A new owner id for a store instance of process `p`. */
export function newOwner(p: ProcessIdentity): string {
  return formatOwner({ ...p, nonce: randomUUID().slice(0, 8) });
}

export function formatOwner(o: ClaimOwner): string {
  return `${o.host.replace(/\//g, '_')}/${o.pid}/${o.start}/${o.nonce}`;
}

/** The parts of an owner id, or null for one in another form (claims made before owners were named so). */
export function parseOwner(id: string): ClaimOwner | null {
  const m = /^(.+)\/(\d+)\/([^/]+)\/([^/]+)$/.exec(id);
  return m ? { host: m[1]!, pid: Number(m[2]), start: m[3]!, nonce: m[4]! } : null;
}

/**
 * Whether the owner of a claim is alive, as process `me` can tell: 'dead' only when it is certain (see the top of
 * this file); 'unknown' for another host or an unreadable id.
 */
export function ownerLiveness(id: string, me: ProcessIdentity, probe: ProcessProbe = systemProbe): Liveness {
  const o = parseOwner(id);
  if (o === null || o.host !== me.host.replace(/\//g, '_')) return 'unknown';
  if (o.pid === me.pid && o.start === me.start) return 'alive';
  if (o.start !== '-') {
    const boot = probe.bootId();
    if (boot === null) return 'unknown';
    if (!o.start.startsWith(`${boot.slice(0, 8)}.`)) return 'dead';
    const now = processStart(o.pid, probe);
    return now === o.start ? 'alive' : 'dead';
  }
  return probe.exists(o.pid) ? 'unknown' : 'dead';
}

/**
 * Claim owners: how a claim names its process, and when another process of the same host may call it dead. The
 * probe (/proc, signal 0) is faked for the cases a test cannot make happen (another boot, a reused pid, no /proc);
 * a real exited child and this very process check the real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { formatOwner, newOwner, ownerLiveness, parseOwner, processStart, thisProcess, type ProcessProbe } from '../../src/store/claim-owner.js';

/** /proc/PID/stat of a process started at `ticks`, with a command name that has spaces and a ")" in it. */
const statLine = (pid: number, ticks: number) => `${pid} (node (worker) x) S 1 ${pid} ${pid} 0 -1 4194560 ${Array(8).fill(0).join(' ')} 20 0 1 0 ${ticks} 1000 10`;

function fakeProbe(procs: Record<number, number>, boot: string | null = '2174c061-bcc4-4a25-a7e1-974dc03c0adc', hasProc = true): ProcessProbe {
  return {
    stat: (pid) => (hasProc && procs[pid] !== undefined ? statLine(pid, procs[pid]) : null),
    bootId: () => (hasProc ? boot : null),
    exists: (pid) => procs[pid] !== undefined,
  };
}

test('an owner id names host, pid, start and instance, and reads back', () => {
  const me = thisProcess();
  assert.equal(me.pid, process.pid);
  const id = newOwner(me);
  const back = parseOwner(id)!;
  assert.deepEqual({ host: back.host, pid: back.pid, start: back.start }, { ...me, host: me.host.replace(/\//g, '_') });
  assert.notEqual(newOwner(me), id, 'each store instance its own nonce');
  assert.equal(parseOwner(formatOwner({ host: 'a/b', pid: 7, start: '-', nonce: 'n' }))?.host, 'a_b', 'a "/" in a host name cannot shift the fields');
  assert.equal(parseOwner('1b4e28ba-2fa1-11d2-883f-0016d3cca427'), null, 'a claim of the old form');
});

test('a start time is read from the stat line after the command name, whatever the name holds', () => {
  const me = thisProcess(fakeProbe({ [process.pid]: 777 }));
  assert.equal(me.start, '2174c061.777');
});

test('dead only when certain: gone, pid reused, another boot; alive when it matches; unknown for another host or an old id', () => {
  const probe = fakeProbe({ 100: 5000, 200: 6000 });
  const me = { host: 'web1~4026531836', pid: 300, start: '2174c061.9000' };
  const claim = (o: Partial<{ host: string; pid: number; start: string }>) => formatOwner({ host: me.host, pid: 100, start: '2174c061.5000', nonce: 'n1', ...o });
  assert.equal(ownerLiveness(claim({}), me, probe), 'alive');
  assert.equal(ownerLiveness(claim({ pid: 150 }), me, probe), 'dead', 'no such process');
  assert.equal(ownerLiveness(claim({ pid: 200 }), me, probe), 'dead', 'that pid belongs to a process started later');
  assert.equal(ownerLiveness(claim({ start: 'aaaaaaaa.5000' }), me, probe), 'dead', 'claimed before the last boot');
  assert.equal(ownerLiveness(claim({ host: 'web2~4026531836' }), me, probe), 'unknown', 'another host');
  assert.equal(ownerLiveness(claim({ host: 'web1~4026532000' }), me, probe), 'unknown', 'another pid namespace (another container)');
  assert.equal(ownerLiveness(claim({ pid: 300, start: me.start }), me, probe), 'alive', 'this very process (another store instance)');
  assert.equal(ownerLiveness('1b4e28ba-2fa1-11d2-883f-0016d3cca427', me, probe), 'unknown');
  // Without /proc: a pid nobody has is dead; one somebody has may be a reuse, so the lease decides.
  const bare = fakeProbe({ 100: 5000 }, null, false);
  const meBare = { ...me, start: '-' };
  assert.equal(ownerLiveness(claim({ start: '-', pid: 150 }), meBare, bare), 'dead');
  assert.equal(ownerLiveness(claim({ start: '-', pid: 100 }), meBare, bare), 'unknown');
  assert.equal(ownerLiveness(claim({}), meBare, bare), 'unknown', 'a start time this system cannot check');
});

test('on this machine: a child that exited is dead, this process is alive', async () => {
  const me = thisProcess();
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const owner = formatOwner({ host: me.host, pid: child.pid!, start: processStart(child.pid!) ?? '-', nonce: 'c' });
  // Where the start time can be read (Linux), a live child is known alive; elsewhere its pid might be a reuse.
  assert.equal(ownerLiveness(owner, me), me.start === '-' ? 'unknown' : 'alive');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  assert.equal(ownerLiveness(owner, me), 'dead');
  assert.equal(ownerLiveness(newOwner(me), me), 'alive');
});

/**
 * The short commands' V8 settings (src/cli/engine-flags.ts) take effect when set from inside a running process:
 * the young generation stays at its first size while the process keeps what it allocates, and a hot function is
 * not optimized. Each case runs in a process of its own, with and without the settings, the rest the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A process that keeps 300,000 objects and calls one function 5,000 times, with or without the settings. */
function probe(tuned: boolean): { newSpace: number; optimized: boolean } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    if (${tuned}) (await import('./src/cli/engine-flags.ts')).tuneForShortCommand();
    const keep = [];
    for (let i = 0; i < 300000; i++) keep.push({ i, s: 'x' + i });
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const part = keep.slice(0, 1000);
    const sum = (a) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i].i; return s; };
    for (let k = 0; k < 5000; k++) sum(part);
    const status = new Function('f', 'return %GetOptimizationStatus(f)')(sum);
    process.stdout.write(JSON.stringify({ newSpace, optimized: (status & 16) !== 0 }));`;
  // Optimization on the main thread, so that the untuned process has optimized the loop when it asks.
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--no-concurrent-recompilation', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out) as { newSpace: number; optimized: boolean };
}

test('the short commands keep the young generation at its first size and do not optimize', () => {
  const plain = probe(false);
  const tuned = probe(true);
  assert.equal(plain.optimized, true, 'without the settings the hot loop is optimized');
  assert.equal(tuned.optimized, false, 'with them it is not');
  assert.ok(tuned.newSpace * 4 <= plain.newSpace, `young generation ${tuned.newSpace} bytes tuned, ${plain.newSpace} untuned`);
});

/**
 * The short commands' V8 settings (src/cli/engine-flags.ts) take effect when set from inside a running process:
 * the young generation stays at its first size while the process keeps what it allocates, and with a small config
 * a hot function is not optimized (with a large one it is). Each case runs in a process of its own, the rest the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_OPT_MAX_CONFIG_BYTES, tuneForShortCommand } from '../../src/cli/engine-flags.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Probe {
  flags: string[] | null;
  newSpace: number;
  optimized: boolean;
}

/**
 * A process that sets the settings for the config at `config` (none when null), keeps 300,000 objects and calls one
 * function 5,000 times.
 */
function probe(config: string | null): Probe {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const config = ${JSON.stringify(config)};
    const flags = config === null ? null : (await import('./src/cli/engine-flags.ts')).tuneForShortCommand(config);
    const keep = [];
    for (let i = 0; i < 300000; i++) keep.push({ i, s: 'x' + i });
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const part = keep.slice(0, 1000);
    const sum = (a) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i].i; return s; };
    for (let k = 0; k < 5000; k++) sum(part);
    const status = new Function('f', 'return %GetOptimizationStatus(f)')(sum);
    process.stdout.write(JSON.stringify({ flags, newSpace, optimized: (status & 16) !== 0 }));`;
  // Optimization on the main thread, so that a process that may optimize has done it when it asks.
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--no-concurrent-recompilation', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out) as Probe;
}

test('the short commands keep the young generation small, and do not optimize with a small config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-engine-flags-'));
  try {
    const small = join(dir, 'small.yaml');
    writeFileSync(small, 'feeds:\n  - name: a\n    url: https://example.org/feed.xml\n');
    const large = join(dir, 'large.yaml');
    writeFileSync(large, `feeds:\n${'  - name: a\n    url: https://example.org/feed.xml\n'.repeat(Math.ceil(NO_OPT_MAX_CONFIG_BYTES / 40))}`);
    const plain = probe(null);
    const tunedSmall = probe(small);
    const tunedLarge = probe(large);
    assert.equal(plain.optimized, true, 'without the settings the hot function is optimized');
    assert.equal(tunedSmall.optimized, false, 'with a small config it is not');
    assert.ok(tunedSmall.flags?.includes('--no-opt'));
    assert.equal(tunedLarge.optimized, true, 'with a large config the optimizing compiler stays');
    assert.ok(!tunedLarge.flags?.includes('--no-opt'));
    for (const tuned of [tunedSmall, tunedLarge]) {
      assert.ok(tuned.newSpace * 4 <= plain.newSpace, `young generation ${tuned.newSpace} bytes tuned, ${plain.newSpace} untuned`);
    }
    // A config that does not exist counts as small (the command reports it, or copies the example).
    assert.ok(probe(join(dir, 'missing.yaml')).flags?.includes('--no-opt'));
    // Another Node major version than the one they were measured on keeps V8's defaults.
    assert.deepEqual(tuneForShortCommand(small, '22.12.0'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

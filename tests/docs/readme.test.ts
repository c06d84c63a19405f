/** README stays true: the quick start is two commands, and every config key and command is documented. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}`);
  assert.ok(start >= 0, `README has a "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 4);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Every key path of the config schema, e.g. "http.maxFeedSize", "alerts.channels.*.tokenEnv". */
function configKeys(): string[] {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const keys = new Set<string>();
  const walk = (s: Record<string, unknown> | undefined, path: string) => {
    if (!s) return;
    for (const alt of [...((s.anyOf as []) ?? []), ...((s.oneOf as []) ?? [])]) walk(alt, path);
    const props = s.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [k, v] of Object.entries(props ?? {})) {
      keys.add(path + k);
      walk(v, `${path + k}.`);
    }
    if (s.items && typeof s.items === 'object') walk(s.items as Record<string, unknown>, path);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties as Record<string, unknown>, `${path}*.`);
  };
  walk(schema, '');
  return [...keys];
}

test('the README opens with a quick start of exactly two commands', () => {
  const quick = section('Quick start');
  const block = /```sh\n([\s\S]*?)```/.exec(quick)?.[1] ?? '';
  const commands = block.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  assert.equal(commands.length, 2, block);
  assert.match(commands[0]!, /^npm ci && npm start\b/);
  assert.match(commands[1]!, /^npm ci && npm test\b/);
  assert.ok(readme.indexOf('## Quick start') < readme.indexOf('\n## ', readme.indexOf('# feedwatch') + 2) + 2, 'quick start is the first section');
});

test('every config key is documented in README "Configuration"', () => {
  const doc = section('Configuration');
  const missing = configKeys().filter((path) => {
    const leaf = path.split('.').pop()!;
    return !new RegExp(`[\`.\\s]${leaf}[\`.\\[,]`).test(doc);
  });
  assert.deepEqual(missing, [], `undocumented keys: ${missing.join(', ')}`);
});

test('every command of the CLI is in README "Commands"', () => {
  const main = readFileSync(new URL('../../src/cli/main.ts', import.meta.url), 'utf8');
  const commands = [...main.matchAll(/case '([a-z-]+)':/g)].map((m) => m[1]!);
  assert.ok(commands.length >= 8, commands.join());
  const doc = section('Commands');
  for (const c of commands) assert.ok(doc.includes(`feedwatch ${c}`), `README "Commands" lacks feedwatch ${c}`);
});

test('README "Commands" has one row per command form and names every bench section bench/run.ts has', () => {
  const doc = section('Commands');
  const rows = [...doc.matchAll(/^\| `(feedwatch [^`]*)` \|/gm)].map((m) => m[1]!);
  const twice = rows.filter((r, i) => rows.indexOf(r) !== i);
  assert.deepEqual(twice, [], `rows listed twice: ${twice.join(', ')}`);
  const run = readFileSync(new URL('../../bench/run.ts', import.meta.url), 'utf8');
  const table = /const SECTIONS\b[^\n]*\{\n([\s\S]*?)\n\};/.exec(run)?.[1] ?? '';
  const sections = [...table.matchAll(/^ {2}([a-z]+): /gm)].map((m) => m[1]!);
  assert.ok(sections.length >= 8, sections.join());
  const listed = /`npm run bench \[-- SECTION\.\.\.\]` runs the benchmarks \(sections ([^)]*)\)/.exec(doc)?.[1] ?? '';
  assert.deepEqual(
    [...listed.matchAll(/`([a-z]+)`/g)].map((m) => m[1]!).sort(),
    [...sections].sort(),
  );
});

test('README "Dependencies" names each runtime package once', () => {
  const doc = section('Dependencies');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(pkg.dependencies)) {
    // Each dependency is introduced once as `name` followed by its reason in parentheses (or a `+` pair).
    const intro = new RegExp(`\`${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\`( \\d+)? \\((?!\\d)`, 'g');
    assert.ok((doc.match(intro) ?? []).length <= 1, `${name} is introduced more than once`);
  }
});

/**
 * The ReDoS check of the built-in regexes, shared by the shard files (tests/hostile/redos-shard-N.test.ts).
 * Every regular expression built into src/ goes through the ReDoS analyser recheck (its native binary ships in
 * the npm package recheck-linux-x64; without it recheck falls back to its pure-JavaScript build: nothing is
 * downloaded). None may backtrack exponentially; a polynomial one is allowed only where it is listed below with
 * the bound on its input that keeps it cheap.
 */
import assert from 'node:assert/strict';
import { check } from 'recheck';
import { regexLiterals, constructedRegexes, type FoundRegex } from './builtin-regexes.js';
import { builtinPatternList } from '../../src/regex/linear.js';

/** Polynomial (never exponential) patterns accepted, by file and the start of the pattern, with why. */
const BOUNDED: { where: string; starts: string; why: string }[] = [
  { where: 'feed/dates.ts', starts: ' ?\\(', why: 'date strings are refused over 100 characters before any pattern runs' },
  { where: 'dedup/canonical-url.ts', starts: '\\/+$', why: 'URL paths (feed links are cut to 2,000 characters)' },
  { where: 'dedup/canonical-url.ts', starts: '\\.amp(?=', why: 'URL paths (feed links are cut to 2,000 characters)' },
  { where: 'extract/generic-dom.ts', starts: '\\S*__', why: 'class attribute values' },
  { where: 'extract/meta-author.ts', starts: '\\s+(?:on|in|at', why: 'bylines are cut to MAX_BYLINE_CHARS (200) before any pattern runs' },
  { where: 'extract/meta-dates.ts', starts: '(?<![\\d.:])', why: 'date lines are cut to MAX_DATE_LINE (300) characters' },
  { where: 'extract/meta-dates.ts', starts: '(?<![\\p{L}\\d])', why: 'date lines are cut to MAX_DATE_LINE (300) characters' },
  { where: 'extract/meta-dates.ts', starts: '(?<![\\p{L}])', why: 'date lines are cut to MAX_DATE_LINE (300) characters' },
  { where: 'extract/meta-title.ts', starts: '\\s+(?:\\||-', why: 'declared titles are cut to MAX_TITLE_CHARS (500)' },
];
const listed = (r: FoundRegex, list: typeof BOUNDED) => list.find((e) => r.where.startsWith(e.where) && r.source.startsWith(e.starts));

/**
 * Analyses shard `shard` of `shards` of the built-in regexes (every regex lands in exactly one shard, by its place in
 * the sorted list). The analysis of all 294 costs minutes of CPU on a loaded machine, so it is split over files that
 * the test runner runs in parallel, each within its own time limit.
 */
export async function checkShard(shard: number, shards: number): Promise<void> {
  const found = [...regexLiterals(), ...(await constructedRegexes()), ...builtinPatternList().map((source) => ({ source, flags: 'iu', where: 'builtin rule' }))];
  const unique = new Map<string, FoundRegex>();
  for (const r of found) unique.set(`/${r.source}/${r.flags}`, r);
  assert.ok(unique.size >= 150, `found ${unique.size} regexes`);
  const mine = [...unique.keys()].sort().filter((_, i) => i % shards === shard).map((k) => unique.get(k)!);
  const results = await Promise.all(
    // No time budgets (attack and incubation timeouts off): the verdicts depend only on the analyser's step limits
    // and the seed, so a loaded machine gets the same answers as a quiet one.
    mine.map(async (r) => ({ r, d: await check(r.source, r.flags.replace(/[gyd]/g, ''), { timeout: null, attackTimeout: null, incubationTimeout: null, randomSeed: 19 }) })),
  );
  const problems: string[] = [];
  const usedBounded = new Set<object>();
  let safe = 0;
  for (const { r, d } of results) {
    if (d.status === 'safe') {
      safe++;
      continue;
    }
    if (d.status === 'unknown') {
      if (d.error.kind === 'invalid') problems.push(`${r.where}: /${r.source}/${r.flags} does not parse: ${d.error.message}`);
      continue;
    }
    const label = `${r.where}: /${r.source.slice(0, 80)}/${r.flags} is ${d.complexity.type} (attack ${JSON.stringify(d.attack.string.slice(0, 40))}…)`;
    if (d.complexity.type === 'exponential') {
      problems.push(label);
      continue;
    }
    const bounded = listed(r, BOUNDED);
    if (bounded) usedBounded.add(bounded);
    else problems.push(label);
  }
  console.log(`# shard ${shard + 1} of ${shards}: ${mine.length} of ${unique.size} built-in regexes: ${safe} safe, ${usedBounded.size} polynomial on bounded input, ${problems.length} refused`);
  assert.deepEqual(problems, []);
}

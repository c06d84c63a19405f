/**
 * The ReDoS analyser itself, checked on known cases; the built-in regexes are checked in four shards
 * (tests/hostile/redos-shard-N.test.ts, via tests/hostile/redos-check.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from 'recheck';

test('the analyser works here: it finds (a+)+ exponential and a plain pattern safe', async () => {
  const bad = await check('^(a+)+$', '', { timeout: null });
  assert.equal(bad.status, 'vulnerable');
  assert.equal(bad.status === 'vulnerable' ? bad.complexity.type : '', 'exponential');
  assert.equal((await check('^[a-z]+$', '', { timeout: null })).status, 'safe');
});

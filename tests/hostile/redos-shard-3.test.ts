import { test } from 'node:test';
import { checkShard } from './redos-check.js';

test('built-in regexes, shard 3 of 4: free of catastrophic backtracking', () => checkShard(2, 4));

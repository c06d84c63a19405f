import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable, utcMinute, utcSecond } from '../../src/cli/table.js';

test('formatTable pads each column to its widest cell, counts a surrogate pair as one character, trims line ends', () => {
  const out = formatTable(['name', 'n', 'note'], [
    ['a', 1, 'x'],
    ['longer name', 12345, null],
    ['😀😀', null, 'tail  '],
  ]);
  assert.deepEqual(out.split('\n'), [
    'name         n      note',
    '-----------  -----  ------', // 'tail  ' is six wide: its own spaces count, only line ends are trimmed
    'a            1      x',
    'longer name  12345  -',
    '😀😀           -      tail',
  ]);
});

test('formatTable cells are one line without control characters or escape sequences', () => {
  const out = formatTable(['a', 'b'], [['red\x1b[31m!\x1b[0m', 'two\nlines\tand\u202etab']]);
  const lines = out.split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[2], 'red!  two lines andtab');
  assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
});

test('formatTable: a row shorter than the headers leaves its last cells empty', () => {
  assert.equal(formatTable(['a', 'b', 'c'], [['x']]).split('\n')[2], 'x');
});

test('utcMinute cuts what storage writes and converts any other offset', () => {
  assert.equal(utcMinute('2026-03-05T07:08:09.123Z'), '2026-03-05 07:08');
  assert.equal(utcMinute('2026-03-05T07:08Z'), '2026-03-05 07:08');
  assert.equal(utcMinute('2026-03-05T07:08:09+01:00'), '2026-03-05 06:08');
  assert.equal(utcMinute('not a date'), 'not a date');
});

test('utcSecond keeps the seconds of what storage writes (cut, not parsed) and of any other offset', () => {
  assert.equal(utcSecond('2026-03-05T07:08:09.123Z'), '2026-03-05 07:08:09');
  assert.equal(utcSecond('2026-03-05T07:08:09Z'), '2026-03-05 07:08:09');
  assert.equal(utcSecond('2026-03-05T07:08Z'), '2026-03-05 07:08:00');
  assert.equal(utcSecond('2026-03-05T07:08:09.5+01:00'), '2026-03-05 06:08:09');
  assert.equal(utcSecond(new Date(Date.UTC(2026, 2, 5, 7, 8, 9, 999)).toISOString()), '2026-03-05 07:08:09');
  assert.equal(utcSecond(null), null);
});

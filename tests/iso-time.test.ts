import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoTime } from '../src/iso-time.js';

test('parseIsoTime: a date is midnight UTC, a time without a zone is UTC whatever the machine zone, a zone is honoured; anything else is null', () => {
  const zone = process.env.TZ;
  process.env.TZ = 'Asia/Bishkek';
  try {
    assert.equal(new Date(2026, 2, 5).getTimezoneOffset(), -360, 'the machine zone is +06:00 now');
    assert.equal(parseIsoTime('2026-03-05'), '2026-03-05T00:00:00.000Z');
    assert.equal(parseIsoTime('2026-03-05T18:00'), '2026-03-05T18:00:00.000Z');
    assert.equal(parseIsoTime('2026-03-05 18:00:30.5'), '2026-03-05T18:00:30.500Z');
    assert.equal(parseIsoTime('2026-03-05T18:00+06:00'), '2026-03-05T12:00:00.000Z');
    assert.equal(parseIsoTime('2026-03-05T18:00:00Z'), '2026-03-05T18:00:00.000Z');
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
  for (const bad of ['yesterday', '2026-13-05', '2026-03-05T25:00Z', '5 March 2026', '', `2026-03-05T${'0'.repeat(40)}`]) assert.equal(parseIsoTime(bad), null, bad);
});

/** The one classification of a feed's health (status page, /api/feeds, `feedwatch feeds`), with the config's limits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { feedHealth, feedStatuses, staleAfterMs } from '../../src/api/feed-health.js';
import { parseConfig } from '../../src/config/load.js';
import type { FeedState } from '../../src/model.js';

const HOUR = 3_600_000;
const now = Date.parse('2026-12-06T12:00:00.000Z');
const polled = (over: Partial<FeedState> = {}): FeedState => ({
  name: 'f', url: 'https://f.example.net/feed', enabled: true, etag: null, lastModified: null, lastStatus: 200, lastError: null, errorCount: 0, failingSince: null, declaredFeeds: [],
  lastFetchedAt: new Date(now - 5 * 60_000).toISOString(), nextDueAt: new Date(now + 10 * 60_000).toISOString(), movedTo: null, itemCount: 3, ...over,
});
const activity = (lastItemAgoMs: number) => ({ feed: 'f', lastItemAt: new Date(now - lastItemAgoMs).toISOString(), pagesFailed: 0, pagesRetrying: 0, lastPageError: null });

test('staleAfter: a feed\'s own, else the default, else 20 intervals (at least 2 days)', () => {
  const c = parseConfig(
    'defaults: { staleAfter: 3d }\nfeeds:\n  - { name: own, url: "https://a.example.net/f", staleAfter: 90m }\n  - { name: dflt, url: "https://b.example.net/f" }\n',
    'f.yaml',
  );
  assert.deepEqual(c.feeds.map((f) => f.staleAfterMs), [90 * 60_000, 72 * HOUR]);
  const bare = parseConfig('feeds:\n  - { name: x, url: "https://a.example.net/f", interval: 6h }\n', 'f.yaml');
  assert.equal(bare.feeds[0]!.staleAfterMs, undefined);
  assert.equal(staleAfterMs(bare.feeds[0]!.intervalMs), 120 * HOUR);
  assert.throws(() => parseConfig('feeds:\n  - { name: x, url: "https://a.example.net/f", staleAfter: 20s }\n', 'f.yaml'), /staleAfter.*at least 1m/s);
});

test('the same feed is ok or stale by its own staleAfter; failing and overdue win over it', () => {
  const quietFor = activity(5 * HOUR);
  assert.equal(feedHealth(polled(), quietFor, { intervalMs: 15 * 60_000 }, now).health, 'ok', 'derived: 2 days');
  const h = feedHealth(polled(), quietFor, { intervalMs: 15 * 60_000, staleAfterMs: 4 * HOUR }, now);
  assert.equal(h.health, 'stale');
  assert.match(h.reason ?? '', /no new item for 5 h \(stale after 4 h\)/);
  assert.equal(feedHealth(polled({ errorCount: 2, lastError: 'timeout: no answer' }), quietFor, { intervalMs: 15 * 60_000, staleAfterMs: 4 * HOUR }, now).health, 'failing');
});

test('feedStatuses: config order and limits, unlisted stored feeds disabled with the default interval', () => {
  const c = parseConfig('feeds:\n  - { name: f, url: "https://f.example.net/feed", staleAfter: 1h }\n', 'f.yaml');
  const stored = (name: string, lastItemAgoMs: number) => ({ state: polled({ name }), activity: { ...activity(lastItemAgoMs), feed: name } });
  const rows = feedStatuses(c.feeds, [stored('zz-old', HOUR), stored('old', HOUR), stored('f', 2 * HOUR)], c.defaults.interval, now);
  assert.deepEqual(
    rows.map((r) => [r.state.name, r.health.health, r.limits.staleAfterMs ?? null, r.activity?.feed]),
    [['f', 'stale', HOUR, 'f'], ['old', 'disabled', null, 'old'], ['zz-old', 'disabled', null, 'zz-old']],
    'each feed with its own activity; stored feeds the config no longer lists after it, by name',
  );
});

/**
 * Config files are untrusted input too: a size limit checked before reading, a feed-count limit checked on the
 * YAML tree before validation, and alias bombs refused as config errors that point at the file and line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, loadConfigFile, configMaxBytes, DEFAULT_CONFIG_MAX_BYTES } from '../../src/config/load.js';
import { DEFAULT_MAX_FEEDS } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

function feedList(n: number, host = 'news.example.org'): string {
  const lines = ['feeds:'];
  for (let i = 0; i < n; i++) lines.push(`  - { name: f${i}, url: "https://${host}/rss/${i}.xml" }`);
  return `${lines.join('\n')}\n`;
}

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('a 50 MB config fails before it is read, with one line naming the file, its size, the limit and the fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-bigconfig-'));
  const file = join(dir, 'feedwatch.yaml');
  try {
    // 50 MB of ordinary feed entries (about 560k feeds), written in chunks.
    const fd = openSync(file, 'w');
    const chunk = feedList(5_000, 'wire.example.net');
    let written = 0;
    while (written < 50 * 1024 * 1024) written += writeSync(fd, chunk);
    closeSync(fd);
    const err = thrown(() => loadConfigFile(file, {}));
    assert.equal(err.message.split('\n').length, 1);
    assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the config file is ${written} bytes, over the limit of ${DEFAULT_CONFIG_MAX_BYTES}; .*FEEDWATCH_CONFIG_MAX_BYTES`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the size limit comes from FEEDWATCH_CONFIG_MAX_BYTES, in bytes or with a unit, and a bad value is a clear error', () => {
  assert.equal(configMaxBytes({}), DEFAULT_CONFIG_MAX_BYTES);
  assert.equal(configMaxBytes({ FEEDWATCH_CONFIG_MAX_BYTES: '2048' }), 2048);
  assert.equal(configMaxBytes({ FEEDWATCH_CONFIG_MAX_BYTES: '32MB' }), 32 * 1024 * 1024);
  assert.match(thrown(() => configMaxBytes({ FEEDWATCH_CONFIG_MAX_BYTES: 'lots' })).message, /FEEDWATCH_CONFIG_MAX_BYTES="lots" is not a size/);
  const dir = mkdtempSync(join(tmpdir(), 'fw-smallcap-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, feedList(40));
  assert.match(thrown(() => loadConfigFile(file, { FEEDWATCH_CONFIG_MAX_BYTES: '1KB' })).message, /over the limit of 1024/);
  assert.equal(loadConfigFile(file, {}).feeds.length, 40);
  rmSync(dir, { recursive: true, force: true });
});

test('a feed list over maxFeeds fails with the line of the list; maxFeeds raises or lowers the limit', () => {
  const over = feedList(DEFAULT_MAX_FEEDS + 1);
  const err = thrown(() => parseConfig(over, 'feeds.yaml'));
  assert.match(err.message, new RegExp(`^feeds\\.yaml:2:3: feeds: ${DEFAULT_MAX_FEEDS + 1} feeds, over maxFeeds \\(${DEFAULT_MAX_FEEDS}\\); .*raise the top-level key maxFeeds$`));
  assert.equal(parseConfig(`maxFeeds: 20000\n${over}`, 'feeds.yaml').feeds.length, DEFAULT_MAX_FEEDS + 1);
  const small = thrown(() => parseConfig(`maxFeeds: 3\n${feedList(4, 'agency.example.com')}`, 'small.yaml'));
  assert.match(small.message, /^small\.yaml:3:3: feeds: 4 feeds, over maxFeeds \(3\)/);
  assert.equal(parseConfig(`maxFeeds: 4\n${feedList(4)}`, 'small.yaml').maxFeeds, 4);
});

test('a YAML alias bomb is a config error with file and line, not a stack trace', () => {
  // "Billion laughs": each level is nine aliases of the one before.
  const levels = ['l0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha]'];
  for (let i = 1; i < 12; i++) levels.push(`l${i}: &l${i} [${new Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  const bomb = `userAgent: test\n${levels.join('\n')}\n`;
  const err = thrown(() => parseConfig(bomb, 'bomb.yaml'));
  assert.match(err.message, /^bomb\.yaml:3:\d+: YAML aliases expand too far/);
  assert.deepEqual([err.context.file, err.context.line], ['bomb.yaml', 3]);

  // The same attack nested under feeds[] headers.
  const nested = `x: &a [q, q, q, q, q, q, q, q]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nz: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nw: &d [*c, *c, *c, *c, *c, *c, *c, *c]\nfeeds: [*d, *d, *d, *d, *d, *d, *d, *d]\n`;
  assert.match(thrown(() => parseConfig(nested, 'n.yaml')).message, /^n\.yaml:2:\d+: YAML aliases expand too far/);
});

test('ordinary aliases still work: one header block shared by 500 feeds', () => {
  const lines = ['feeds:', '  - { name: s0, url: "https://mirror.example.com/0.rss", headers: &auth { Authorization: Bearer-xyz, X-Client: fw } }'];
  for (let i = 1; i < 500; i++) lines.push(`  - { name: s${i}, url: "https://mirror.example.com/${i}.rss", headers: *auth }`);
  const c = parseConfig(lines.join('\n'), 'aliases.yaml');
  assert.equal(c.feeds.length, 500);
  assert.deepEqual(c.feeds[499]?.headers, { Authorization: 'Bearer-xyz', 'X-Client': 'fw' });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig, loadConfigFile, resolveConfigPath, EXAMPLE_CONFIG_PATH } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const minimal = 'feeds:\n  - name: kg\n    url: https://ru.sputnik.kg/export/rss2/archive/index.xml\n';

function configError(text: string): ConfigError {
  try {
    parseConfig(text, 'feedwatch.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('a minimal config gets every default', () => {
  const c = parseConfig(minimal, 'f.yaml');
  assert.equal(c.feeds[0]?.intervalMs, 15 * 60_000);
  assert.equal(c.http.maxRedirects, 5);
  assert.equal(c.http.maxFeedSize, 10 * 1024 * 1024);
  assert.deepEqual(c.storage, { driver: 'sqlite', path: 'data/feedwatch.db' }, 'storage.thread unset: the caller decides (on for the embedded daemon)');
  assert.equal(c.queue.driver, 'embedded');
});

test('a typo in a feed key names the file, the line, the key path and the key', () => {
  const err = configError(minimal + '    intervall: 5m\n');
  assert.match(err.message, /^feedwatch\.yaml:4:5: feeds\[0\]: unknown key "intervall"/);
  assert.equal(err.context.path, 'feeds[0]');
});

test('a typo in a top-level key is an error too', () => {
  assert.match(configError('userAgen: x\n' + minimal).message, /feedwatch\.yaml:1:1: unknown key "userAgen"/);
});

test('YAML syntax errors give line and column', () => {
  const err = configError('feeds:\n  - name: a\n   url: x\n');
  assert.match(err.message, /^feedwatch\.yaml:3:\d+: YAML syntax error/);
});

test('bad values say what to write instead', () => {
  assert.match(configError('http:\n  timeout: soon\n').message, /feedwatch\.yaml:2:3: http\.timeout: "soon" is not a duration; write e\.g\. 90s/);
  assert.match(configError('feeds:\n  - name: a\n    url: ftp://x/\n').message, /feeds\[0\]\.url: must be an absolute http/);
  assert.match(configError(minimal + minimal.replace('feeds:\n', '')).message, /duplicate feed name "kg"/);
});

test('durations and sizes accept units', () => {
  const c = parseConfig('defaults:\n  interval: 90s\nhttp:\n  maxFeedSize: 512KB\n  timeout: 2m\n' + minimal, 'f.yaml');
  assert.equal(c.feeds[0]?.intervalMs, 90_000);
  assert.equal(c.http.maxFeedSize, 512 * 1024);
  assert.equal(c.http.timeout, 120_000);
});

test('--config wins over FEEDWATCH_CONFIG, which wins over the default path', () => {
  assert.equal(resolveConfigPath('a.yaml', { FEEDWATCH_CONFIG: 'b.yaml' }), resolve('a.yaml'));
  assert.equal(resolveConfigPath(undefined, { FEEDWATCH_CONFIG: 'b.yaml' }), resolve('b.yaml'));
  assert.equal(resolveConfigPath(undefined, {}), resolve('config/feedwatch.yaml'));
});

test('a missing file is a clear error', () => {
  assert.throws(() => loadConfigFile('/nonexistent/feedwatch.yaml'), /cannot read the config file \(ENOENT\); pass --config PATH or set FEEDWATCH_CONFIG/);
});

test('the example config is valid and lists the Sputnik editions and ria.ru', () => {
  const c = loadConfigFile(resolve(EXAMPLE_CONFIG_PATH));
  const urls = c.feeds.map((f) => f.url);
  assert.ok(urls.includes('https://ru.sputnik.kg/export/rss2/archive/index.xml'));
  assert.ok(urls.some((u) => u.startsWith('https://ria.ru/')));
  assert.ok(c.feeds.length >= 5);
});

test('a config file on disk loads with its path in errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-config-'));
  const file = join(dir, 'x.yaml');
  writeFileSync(file, 'feeds: 3\n');
  assert.throws(() => loadConfigFile(file), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${file}:1:1: feeds: Invalid input: expected array`));
  assert.ok(existsSync(file) && readFileSync(file, 'utf8') === 'feeds: 3\n');
});

test('the quick and the full YAML reader give the same Config', () => {
  const texts = [
    readFileSync(resolve(EXAMPLE_CONFIG_PATH), 'utf8'),
    minimal,
    '',
    [
      'defaults: { interval: 90, jitter: 0.25, minInterval: "30s" }',
      'http:\n  maxFeedSize: 2MB\n  perHostRate: 0.5\n  allowPrivateNetworks: yes_is_a_string_here_so_this_fails',
    ].join('\n'),
    [
      'userAgent: "feedwatch test ~ # not a comment"',
      'http:\n  perHostConcurrency: 0x4\n  maxRedirects: 3',
      'log: { level: warn }',
      'feeds:',
      '  - name: "q&a"',
      '    url: https://example.org/rss?a=1&b=*2',
      '    enabled: false',
      '    headers: { Cookie: "x=1; y=2" }',
      '    tags: [one, "two", 3word]',
      '  - { name: short, url: "http://example.net/feed", interval: 1h }',
    ].join('\n'),
  ];
  for (const text of texts) {
    const full = (() => {
      try {
        return parseConfig(text, 'f.yaml', undefined, { fullReader: true });
      } catch (err) {
        return (err as Error).message;
      }
    })();
    const quick = (() => {
      try {
        return parseConfig(text, 'f.yaml');
      } catch (err) {
        return (err as Error).message;
      }
    })();
    assert.deepEqual(quick, full, text.slice(0, 80));
  }
});

test('anchors, aliases and tags go to the full reader, which bounds alias expansion', () => {
  const anchors = `x: &h { User-Agent: a }\nfeeds:\n  - name: a\n    url: https://a.example/rss\n    headers: *h\n`;
  assert.match(configError(anchors).message, /unknown key "x"/, 'read (by the full reader) up to the schema');
  const shared = `defaults: &d { interval: 5m }\nfeeds:\n  - name: a\n    url: https://a.example/rss\n`;
  assert.equal(parseConfig(shared, 'f.yaml').feeds[0]?.intervalMs, 300_000);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
  assert.match(configError(bomb).message, /aliases expand too far/);
});

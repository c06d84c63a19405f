import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isPrivateAddress, guardedLookup } from '../../src/fetch/private-network.js';
import { FeedwatchError } from '../../src/errors.js';
import { fetchUrl } from '../../src/fetch/http.js';

describe('isPrivateAddress', () => {
  const cases: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['8.8.8.8', false],
    ['95.213.4.1', false],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['2001:4860:4860::8888', false],
    ['not-an-ip', false],
  ];
  for (const [address, expected] of cases) {
    test(`${address} → ${expected ? 'private' : 'public'}`, () => assert.equal(isPrivateAddress(address), expected));
  }
});

describe('private addresses in practice', () => {
  test('guardedLookup refuses a name that resolves to loopback, in both callback forms', async () => {
    for (const all of [true, false]) {
      const err = await new Promise<unknown>((resolve) => guardedLookup('localhost', { all }, (e) => resolve(e)));
      assert.ok(err instanceof FeedwatchError);
      assert.equal(err.kind, 'private-network');
    }
  });

  test('IPv4 and IPv6 literals are refused before any connection', async () => {
    for (const url of ['http://[::1]:9/feed', 'http://10.0.0.1:9/feed', 'http://169.254.169.254/latest/meta-data/']) {
      const err = await fetchUrl(url, { userAgent: 't', totalTimeoutMs: 2000 }).catch((e: unknown) => e);
      assert.ok(err instanceof FeedwatchError, url);
      assert.equal(err.kind, 'private-network', url);
    }
  });
});

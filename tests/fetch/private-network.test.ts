import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isPrivateAddress, guardedLookup } from '../../src/fetch/private-network.js';
import { FeedwatchError } from '../../src/errors.js';
import { fetchUrl } from '../../src/fetch/http.js';
import { startServer } from '../helpers/http-server.js';

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
    // IPv4 classes: shared, protocol assignments, documentation, benchmarking, relay, metadata of three clouds.
    ['0.1.2.3', true],
    ['100.127.255.254', true],
    ['100.128.0.1', false],
    ['100.100.100.200', true],
    ['192.0.0.192', true],
    ['192.0.2.10', true],
    ['198.18.0.1', true],
    ['198.19.255.255', true],
    ['198.20.0.1', false],
    ['198.51.100.7', true],
    ['203.0.113.9', true],
    ['192.88.99.1', true],
    ['168.63.129.16', true],
    ['169.254.170.2', true],
    ['239.255.255.250', true],
    // IPv4-mapped ::ffff:0:0/96, in dotted and hex spellings (the URL parser writes the hex one).
    ['::ffff:7f00:1', true],
    ['::ffff:a9fe:a9fe', true],
    ['0:0:0:0:0:ffff:192.168.0.1', true],
    ['::ffff:808:808', false],
    // IPv4-translated ::ffff:0:0:0/96 (RFC 2765).
    ['::ffff:0:127.0.0.1', true],
    ['::ffff:0:a00:1', true],
    ['::ffff:0:808:808', false],
    // IPv4-compatible ::a.b.c.d (deprecated): refused whatever it embeds.
    ['::127.0.0.1', true],
    ['::7f00:1', true],
    ['::169.254.169.254', true],
    ['::8.8.8.8', true],
    // NAT64 well-known prefix: judged by the embedded address; local-use NAT64 refused whole.
    ['64:ff9b::127.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['64:ff9b::10.0.0.1', true],
    ['64:ff9b::8.8.8.8', false],
    ['64:ff9b:1::8.8.8.8', true],
    ['64:ff9b:1:abcd::1', true],
    // 6to4: the IPv4 address is bits 16–48.
    ['2002:7f00:1::', true],
    ['2002:a9fe:a9fe::1', true],
    ['2002:c0a8:101::5', true],
    ['2002:808:808::1', false],
    // Teredo, documentation, discard, benchmarking, ORCHID.
    ['2001::1', true],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true],
    ['2001:db8::1', true],
    ['100::1', true],
    ['2001:2::1', true],
    ['2001:10::1', true],
    // Unique local (AWS IPv6 metadata), site-local, link-local with a zone id, multicast.
    ['fd00:ec2::254', true],
    ['fec0::1', true],
    ['feff::1', true],
    ['fe80::1%eth0', true],
    ['ff05::2', true],
    ['2a00:1450:4010:c0e::64', false],
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
    for (const url of [
      'http://[::1]:9/feed',
      'http://10.0.0.1:9/feed',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:127.0.0.1]:9/feed',
      'http://[64:ff9b::7f00:1]:9/feed',
      'http://[2002:7f00:1::1]:9/feed',
      'http://[::127.0.0.1]:9/feed',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://2130706433:9/feed',
      'http://0x7f.1:9/feed',
      'http://0251.0376.0251.0376/latest/meta-data/',
    ]) {
      const err = await fetchUrl(url, { userAgent: 't', totalTimeoutMs: 2000 }).catch((e: unknown) => e);
      assert.ok(err instanceof FeedwatchError, url);
      assert.equal(err.kind, 'private-network', url);
    }
  });
});

test('a canary on loopback: 17 spellings of a loopback address with its port (and localhost. with a dot) are refused and it sees no request', async () => {
  const canary = await startServer({}, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss/>');
  });
  try {
    const p = canary.port;
    const spellings = [
      `http://127.0.0.1:${p}/`,
      `http://127.1:${p}/`,
      `http://127.0.1:${p}/`,
      `http://2130706433:${p}/`,
      `http://0x7f000001:${p}/`,
      `http://0x7f.0.0.1:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://017700000001:${p}/`,
      `http://127.255.255.254:${p}/`,
      `http://localhost:${p}/`,
      `http://[::1]:${p}/`,
      `http://[0:0:0:0:0:0:0:1]:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      `http://[::127.0.0.1]:${p}/`,
      `http://[64:ff9b::7f00:1]:${p}/`,
      `http://0.0.0.0:${p}/`,
    ];
    for (const url of spellings) {
      const err = await fetchUrl(url, { userAgent: 't', totalTimeoutMs: 5000, allowPrivateNetworks: false }).catch((e: unknown) => e);
      assert.ok(err instanceof FeedwatchError, `${url}: refused`);
      assert.equal(err.kind, 'private-network', url);
    }
    // The absolute name: refused by the guard if the resolver answers, else a failed lookup; never a connection.
    const dotted = await fetchUrl(`http://LOCALHOST.:${p}/`, { userAgent: 't', totalTimeoutMs: 5000, allowPrivateNetworks: false }).catch((e: unknown) => e);
    assert.ok(dotted instanceof FeedwatchError && ['private-network', 'network'].includes(dotted.kind), String(dotted));
    assert.equal(canary.requests.length, 0, 'no request reached the canary');
    // The canary answers when private networks are allowed: the refusals above were the guard, not a dead server.
    const ok = await fetchUrl(`http://127.0.0.1:${p}/`, { userAgent: 't', totalTimeoutMs: 30_000, allowPrivateNetworks: true });
    assert.equal(ok.status, 200);
    assert.equal(canary.requests.length, 1);
  } finally {
    await canary.close();
  }
});

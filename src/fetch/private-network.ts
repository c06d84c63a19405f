/**
 * Refusing loopback, private, link-local and other non-public addresses, so that a feed URL cannot make the
 * daemon probe the network it runs on. The check runs after DNS resolution, inside the socket's `lookup`, so a
 * name that resolves (or re-resolves) to 127.0.0.1 is refused too; IP literals are checked before connecting.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { FeedwatchError } from '../errors.js';

/** IPv4 networks a fetch must not reach: private, loopback, link-local, shared, reserved, documentation. */
const V4_BLOCKED: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (also Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments (Oracle's metadata 192.0.0.192)
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
  ['168.63.129.16', 32], // Azure's platform/metadata endpoint (a public-looking address inside every VNet)
];

/** IPv6 networks refused whole (transition prefixes that embed an IPv4 address are decoded instead, below). */
const V6_BLOCKED: readonly (readonly [string, number])[] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291): never a public destination
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: tunnels to an address we cannot check
  ['2001:2::', 48], // benchmarking
  ['2001:10::', 28], // ORCHID
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (AWS's IPv6 metadata fd00:ec2::254 is in it)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const blocked4 = new BlockList();
for (const [net, prefix] of V4_BLOCKED) blocked4.addSubnet(net, prefix, 'ipv4');
const blocked6 = new BlockList();
for (const [net, prefix] of V6_BLOCKED) blocked6.addSubnet(net, prefix, 'ipv6');

/**
 * True for an address a feed fetch must not reach unless private networks are allowed. IPv6 spellings that carry
 * an IPv4 address (IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16) are judged by the IPv4 address they lead to.
 */
export function isPrivateAddress(address: string): boolean {
  const zone = address.indexOf('%'); // a zone id (fe80::1%eth0) names an interface, not another address
  const bare = zone < 0 ? address : address.slice(0, zone);
  const family = isIP(bare);
  if (family === 4) return blocked4.check(bare, 'ipv4');
  if (family !== 6) return false;
  const bytes = ipv6Bytes(bare);
  const embedded = embeddedIPv4(bytes);
  if (embedded !== null) return blocked4.check(embedded, 'ipv4');
  return blocked6.check(bare, 'ipv6');
}

/** The IPv4 address an IPv6 transition address forwards to, or null when it is not one of those. */
export function embeddedIPv4(b: Uint8Array): string | null {
  const zeros = (from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);
  const v4 = (at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated, RFC 2765)
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return v4(12);
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12);
  // 6to4 2002:AABB:CCDD::/48 (RFC 3056)
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return null;
}

/** The 16 bytes of a valid IPv6 address (checked with isIP first), dotted-quad tail included. */
export function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const q = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  all.slice(0, 8).forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function privateNetworkError(host: string, address: string): FeedwatchError {
  return new FeedwatchError(
    'private-network',
    `${host} resolves to ${address}, a private or loopback address; set http.allowPrivateNetworks to fetch it`,
    { host, address },
    { retryable: false },
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A drop-in `lookup` for net/tls.connect that fails with a 'private-network' FeedwatchError. */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(privateNetworkError(hostname, bad.address) as unknown as NodeJS.ErrnoException, '');
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
    callback(null, first.address, first.family);
  });
}

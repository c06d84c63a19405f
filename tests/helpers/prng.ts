/**
 * Seeded pseudo-random sequences for fixtures, tests and benchmarks: the same seed gives the same data on every
 * machine. Both return unsigned 32-bit integers; `uniform` turns one into numbers in [0, 1).
 */

/** mulberry32: every output bit is usable. The seed is taken modulo 2^32. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** xorshift32: cheap, for synthetic signatures. A zero seed is taken as 1. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Numbers in [0, 1) from a 32-bit generator. */
export function uniform(next: () => number): () => number {
  return () => next() / 4294967296;
}

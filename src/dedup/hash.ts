/**
 * The 32-bit hash primitives under every dedup fingerprint (MinHash, its LSH bands, SimHash): murmur3's finalizer,
 * the FNV-1a hash of a word, and the step that folds one 32-bit value into a running hash. Stored signatures and
 * band values are made of these exact constants: changing one invalidates every stored fingerprint
 * (tests/dedup/minhash-pinned.test.ts pins them).
 */

/** murmur3's 32-bit finalizer: spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit FNV-1a of a word's UTF-16 code units, finalized. */
export function wordHash(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/** Fold the 32-bit value `x` into the running hash `h` (a shingle's word hashes, a band's signature positions). */
export function foldHash(h: number, x: number): number {
  return fmix32(Math.imul(h ^ x, 0xcc9e2d51));
}

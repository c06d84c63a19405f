/**
 * An in-memory LSH band index: for each band number, a map from band value to the article ids that have it.
 * A lookup is one map probe per band, however many articles are stored. Used by tests and the benchmark only (the
 * stores keep the same index in SQL: src/dedup/bands.ts, the drivers' articles.ts).
 */

export class MemoryBandIndex {
  /** One map per band; a bucket holds one id until a second arrives (most buckets never do). */
  private readonly maps: Array<Map<number, number | number[]>> = [];
  private count = 0;

  /** Record an article's band values (element i = band i). */
  add(articleId: number, bands: readonly number[]): void {
    for (let b = 0; b < bands.length; b++) {
      let map = this.maps[b];
      if (!map) {
        map = new Map();
        this.maps[b] = map;
      }
      // As a signed 32-bit integer the key stays a small integer in V8 (no boxed number per entry).
      const v = (bands[b] ?? 0) | 0;
      const bucket = map.get(v);
      if (bucket === undefined) map.set(v, articleId);
      else if (typeof bucket === 'number') {
        if (bucket !== articleId) map.set(v, [bucket, articleId]);
      } else if (!bucket.includes(articleId)) bucket.push(articleId);
    }
    this.count++;
  }

  /** Ids of the articles sharing at least one band with `bands` (candidates, still to be verified). */
  candidates(bands: readonly number[]): number[] {
    const out = new Set<number>();
    for (let b = 0; b < bands.length; b++) {
      const bucket = this.maps[b]?.get((bands[b] ?? 0) | 0);
      if (bucket === undefined) continue;
      if (typeof bucket === 'number') out.add(bucket);
      else for (const id of bucket) out.add(id);
    }
    return [...out];
  }

  /** Number of add() calls. */
  get size(): number {
    return this.count;
  }
}

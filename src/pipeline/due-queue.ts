/**
 * A priority queue of values by due time (a binary min-heap): `peek` is the earliest due, `push` and `pop` take
 * O(log n). Equal due times come out in the order they went in, so feeds due together are served first come,
 * first served.
 */
export interface Due<T> {
  dueAt: number;
  value: T;
}

interface Entry<T> extends Due<T> {
  seq: number;
}

export class DueQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(value: T, dueAt: number): void {
    this.heap.push({ value, dueAt, seq: this.seq++ });
    this.up(this.heap.length - 1);
  }

  peek(): Due<T> | undefined {
    return this.heap[0];
  }

  pop(): Due<T> | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined || this.heap.length === 0) return top;
    this.heap[0] = last;
    this.down(0);
    return top;
  }

  /** Every entry, in no particular order (for status output and counts). */
  entries(): readonly Due<T>[] {
    return this.heap;
  }

  private before(a: Entry<T>, b: Entry<T>): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

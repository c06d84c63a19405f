/** Time, timers and randomness are injected so that schedules and backoff can be tested without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** One-shot timers: `after(ms, fn)` calls `fn` once, `ms` from now, unless the returned cancel function ran first. */
export interface Timers {
  after(ms: number, fn: () => void): () => void;
}

export const systemTimers: Timers = {
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/** A source of uniform numbers in [0, 1): Math.random in production, a fixed sequence in tests. */
export type Random = () => number;

/** A clock tests move by hand; its timers fire, in due order, when `advance` or `set` passes their time. */
export class ManualClock implements Clock, Timers {
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;

  constructor(private t: number = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.set(this.t + ms);
  }
  set(ms: number): void {
    for (;;) {
      const next = this.timers.filter((x) => x.at <= ms).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = ms;
  }
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }
  /** Times (clock ms) of the timers still armed, earliest first. */
  pendingTimers(): number[] {
    return this.timers.map((x) => x.at).sort((a, b) => a - b);
  }
}

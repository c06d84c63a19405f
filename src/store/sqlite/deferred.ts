/**
 * Rows a call of a SqliteStore write batch leaves to the end of the batch (see `flush` in ./store.ts): written once,
 * in key order, after the last call's savepoint and before the COMMIT, instead of one call at a time.
 *
 * What for: the search index (FTS5) writes what was inserted since its last flush as a new segment at every
 * savepoint a call of the batch opens or releases, so a batch of N alert documents made N segments (and the merges
 * of N segments); deferred, it makes one.
 *
 * What holds, as if each row had been written by its call:
 *  - a call's rows are its own until it ends: when it fails (its savepoint rolled back), they are dropped with it;
 *  - a row that a later call of the batch needs to read or change is written first: that call asks for it with
 *    `writePending()` before it touches the table (a search, a delete). Rows of earlier calls written that way
 *    inside a call that then fails were rolled back with it: they are pending again, and go at the end as planned;
 *  - the last row of a key wins (a document saved twice in one batch is indexed once, as saved last);
 *  - when the batch's end fails (the rows' write or the COMMIT), the whole batch fails, as a failed COMMIT does.
 * Outside a batch (a call run on its own, a store used by one command) a row is written at once. A call that rolls
 * back a nested transaction of its own and goes on (as storeArticle's attempts do) must not defer rows inside it:
 * they would outlive that rollback.
 */

/** What the batch asks of each deferred table. */
interface DeferredTable {
  endCall(ok: boolean): void;
  writeAll(): void;
  discard(): void;
}

/** A table whose rows wait for the end of the batch. */
export class DeferredRows<K extends number | string, R> implements DeferredTable {
  /** Rows of the batch's calls that ended well, not written yet. */
  private pending = new Map<K, R>();
  /** Rows the running call deferred. */
  private staged = new Map<K, R>();
  /** Rows of earlier calls written during the running call: pending again if it fails. */
  private writtenInCall = new Map<K, R>();

  constructor(
    private readonly batch: BatchDeferrals,
    /** Writes the rows, in the order given (the batch's end gives them in key order). */
    private readonly writeRows: (rows: ReadonlyArray<readonly [K, R]>) => void,
  ) {
    batch.tables.push(this);
  }

  /** Row `row` for key `key`: deferred within a batch's call, written now otherwise. */
  put(key: K, row: R): void {
    if (this.batch.inCall) this.staged.set(key, row);
    else this.writeRows([[key, row]]);
  }

  /** Write now whatever of this table is deferred (before the running call reads or changes the table). */
  writePending(): void {
    if (this.pending.size === 0 && this.staged.size === 0) return;
    const rows = [...this.pending, ...this.staged];
    for (const [k, r] of this.pending) this.writtenInCall.set(k, r);
    this.pending = new Map();
    this.staged = new Map();
    this.writeRows(rows);
  }

  /** How many rows wait (for tests). */
  get waiting(): number {
    return this.pending.size + this.staged.size;
  }

  /** The running call ended: its rows join the batch's, or (it failed) are dropped. */
  endCall(ok: boolean): void {
    if (!ok) {
      // Its savepoint undid what was written during it: the earlier calls' rows are pending again.
      for (const [k, r] of this.writtenInCall) this.pending.set(k, r);
    } else {
      for (const [k, r] of this.staged) this.pending.set(k, r);
    }
    this.staged = new Map();
    this.writtenInCall = new Map();
  }

  /** The batch's end: every pending row, in key order. */
  writeAll(): void {
    if (this.pending.size === 0) return;
    const rows = [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.pending = new Map();
    this.writeRows(rows);
  }

  /** The batch failed: nothing of it is written. */
  discard(): void {
    this.pending = new Map();
    this.staged = new Map();
    this.writtenInCall = new Map();
  }
}

/** The deferred tables of one connection, and whether a batch's call is running (SqliteStore sets it). */
export class BatchDeferrals {
  readonly tables: DeferredTable[] = [];
  /** A call of a batch is running in its savepoint: rows are deferred. */
  inCall = false;

  /** A batch's call starts. */
  beginCall(): void {
    this.inCall = true;
  }

  /** It ended (ok: its savepoint was released; else rolled back). */
  endCall(ok: boolean): void {
    this.inCall = false;
    for (const t of this.tables) t.endCall(ok);
  }

  /** Before the COMMIT: write every table's pending rows. */
  writeAll(): void {
    for (const t of this.tables) t.writeAll();
  }

  /** The batch failed (rolled back): drop everything deferred. */
  discard(): void {
    this.inCall = false;
    for (const t of this.tables) t.discard();
  }
}

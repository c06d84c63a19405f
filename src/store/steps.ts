/**
 * How one storage algorithm runs on a synchronous driver (SQLite: better-sqlite3, whose transactions take a function
 * that must not await) and an asynchronous one (PostgreSQL) alike. The algorithm is a generator over a driver's row
 * operations: each operation's result, a value now or a promise, goes through `yield* step(...)`, and the driver
 * runs the generator with `runSync` (every result a value; a row operation that throws throws where it is called)
 * or `runAsync` (each promise awaited; a rejection is thrown back into the generator where it was yielded). So the
 * algorithm is written once, with its try/catch and loops, and a driver keeps only its SQL and type conversion.
 */

/** A row operation's result: the value itself (a synchronous driver) or its promise (an asynchronous one). */
export type Row<T> = T | Promise<T>;

/** An algorithm over row operations, returning T; run by `runSync` or `runAsync`. */
export type Steps<T> = Generator<unknown, T, unknown>;

/** The result of one row operation, inside an algorithm: `const item = yield* step(rows.item(id))`. */
export function* step<T>(result: Row<T>): Generator<unknown, T, unknown> {
  return (yield result) as T;
}

/** Run `steps` on a synchronous driver: every row operation must have returned its value. */
export function runSync<T>(steps: Steps<T>): T {
  let r = steps.next();
  while (!r.done) {
    if (r.value instanceof Promise) {
      // A driver bug: fail loudly rather than go on with a promise as a row.
      steps.return(undefined as T);
      throw new Error('a synchronous storage driver returned a promise');
    }
    r = steps.next(r.value);
  }
  return r.value;
}

/** Run `steps` on an asynchronous driver: each row operation's promise is awaited in turn. */
export async function runAsync<T>(steps: Steps<T>): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    let value: unknown;
    try {
      value = await r.value;
    } catch (err) {
      r = steps.throw(err);
      continue;
    }
    r = steps.next(value);
  }
  return r.value;
}

/**
 * Errors across a worker thread: `serializeError` turns what a thread threw into plain data that structured clone
 * carries whole (a FeedwatchError keeps its kind, context, retryability and cause), `rebuildError` makes it an error
 * again on the other side. The storage thread (store/sqlite/) and the CPU workers (cpu/) both use them.
 */
import { ConfigError, FeedwatchError, type ErrorKind } from './errors.js';

/** An error as plain data (see `serializeError`). */
export interface SerializedError {
  feedwatch: boolean;
  name: string;
  message: string;
  stack?: string | undefined;
  kind?: ErrorKind;
  context?: Record<string, unknown>;
  retryable?: boolean;
  cause?: { name: string; message: string; code?: string } | undefined;
}

/** An error as plain data that structured clone carries whole. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof FeedwatchError) {
    return {
      feedwatch: true,
      name: err.name,
      message: err.message,
      stack: err.stack,
      kind: err.kind,
      context: cloneableContext(err.context),
      retryable: err.retryable,
      cause: causeOf(err.cause),
    };
  }
  if (err instanceof Error) return { feedwatch: false, name: err.name, message: err.message, stack: err.stack };
  return { feedwatch: false, name: 'Error', message: String(err) };
}

function causeOf(cause: unknown): SerializedError['cause'] {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return { name: cause.name, message: cause.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(cause) };
}

/** The context as is when it clones; otherwise each value that does not clone as its text. */
function cloneableContext(context: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(context);
  } catch {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(context)) {
      try {
        out[k] = structuredClone(v);
      } catch {
        out[k] = String(v);
      }
    }
    return out;
  }
}

/** The error the thread threw, rebuilt: a FeedwatchError (ConfigError) with its kind, context and cause, or an Error. */
export function rebuildError(s: SerializedError, where: { thread: string; kind: ErrorKind }): Error {
  const cause = s.cause === undefined ? undefined : Object.assign(new Error(s.cause.message), { name: s.cause.name }, s.cause.code === undefined ? {} : { code: s.cause.code });
  let err: Error;
  if (s.feedwatch && s.name === 'ConfigError') {
    err = new ConfigError(s.message, (s.context ?? {}) as ConstructorParameters<typeof ConfigError>[1]);
  } else if (s.feedwatch) {
    err = new FeedwatchError(s.kind ?? where.kind, s.message, s.context ?? {}, { retryable: s.retryable ?? true, ...(cause === undefined ? {} : { cause }) });
    err.name = s.name;
  } else {
    err = new Error(s.message);
    err.name = s.name;
  }
  if (s.stack !== undefined) err.stack = `${s.stack}\n    (thrown in the ${where.thread})`;
  return err;
}

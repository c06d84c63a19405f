/**
 * Typed errors. Each carries a stable `kind` (used to decide retries and shown in `feedwatch feeds`)
 * and a context object (feed, url, status, limit...). Code matches on `kind` or `instanceof`,
 * never on message text.
 */

export type ErrorKind =
  | 'config'
  | 'http-status'
  | 'timeout'
  | 'too-large'
  | 'too-many-redirects'
  | 'redirect-loop'
  | 'network'
  | 'private-network'
  | 'bad-url'
  | 'decode'
  | 'parse'
  /** A feed URL that serves an HTML page (context.declaredFeeds: the feed links the page declares). */
  | 'not-a-feed'
  | 'not-html'
  | 'not-text'
  | 'nothing-extracted'
  /** A page over the parser's work budget (too many nodes or closing tags, nested too deep). */
  | 'too-complex'
  | 'storage'
  | 'delivery'
  /** Work on one input ran past its time budget (`budgets.taskTimeout`): the task was ended. */
  | 'too-slow'
  /** An input over a structure or memory budget (nesting depth, element count, `budgets.taskMemory`). */
  | 'too-complex';

export class FeedwatchError extends Error {
  readonly kind: ErrorKind;
  readonly context: Record<string, unknown>;
  /** Whether trying again later can help (a 404 or a bad config will not). */
  readonly retryable: boolean;

  constructor(kind: ErrorKind, message: string, context: Record<string, unknown> = {}, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FeedwatchError';
    this.kind = kind;
    this.context = context;
    this.retryable = options.retryable ?? true;
  }
}

/** A config file that cannot be used: names the file, the key path or line:column, and the fix. */
export class ConfigError extends FeedwatchError {
  constructor(message: string, context: { file: string; path?: string; line?: number; column?: number }) {
    super('config', message, context, { retryable: false });
    this.name = 'ConfigError';
  }
}

/**
 * A process that cannot start: `message` is the one line the CLI prints (what failed and how to fix it, no stack
 * trace, no secret) before it exits with `exitCode`.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StartupError';
  }
}

/** Short "kind: message" form for storing against a feed or item. */
export function describeError(err: unknown): { kind: string; message: string } {
  if (err instanceof FeedwatchError) return { kind: err.kind, message: err.message };
  if (err instanceof Error) return { kind: 'internal', message: err.message };
  return { kind: 'internal', message: String(err) };
}

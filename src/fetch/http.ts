/**
 * One HTTP GET with everything a polite, defensive feed fetcher needs, on undici:
 * conditional GET (ETag / Last-Modified → 304 = notModified, no body), a total timeout over all hops, an idle
 * timeout for headers and for each body chunk, a byte cap enforced while streaming and again on the decoded bytes
 * (gzip, deflate and brotli are decoded here with node:zlib so a small bomb cannot inflate past the cap),
 * redirects followed by hand (hops recorded, loops and too many hops refused, the target of permanent redirects
 * reported), and private-network addresses refused unless allowed. Every failure is a FeedwatchError:
 * 'bad-url', 'private-network', 'http-status', 'timeout', 'too-large', 'too-many-redirects', 'redirect-loop',
 * 'decode' or 'network'. Bodies are consumed or destroyed on every path, so no socket leaks.
 */
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isIP } from 'node:net';
import zlib from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { FeedwatchError } from '../errors.js';
import { systemClock, type Clock } from '../clock.js';
import type { FetchedResponse, RedirectHop } from '../model.js';
import { guardedLookup, isPrivateAddress, privateNetworkError } from './private-network.js';

export interface FetchOptions {
  userAgent: string;
  /** Extra request headers (a feed's own headers); they override the defaults, names case-insensitive. */
  headers?: Record<string, string>;
  /** Validators from the previous poll: sent as If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
  /** The whole fetch, all redirect hops included. Default 30 s. */
  totalTimeoutMs?: number;
  /** Longest wait for the response headers, and between two body chunks. Default 10 s. */
  idleTimeoutMs?: number;
  /** Largest body accepted, counted on the wire and again after content decoding. Default 10 MB. */
  maxBytes?: number;
  /** Redirect hops followed before 'too-many-redirects'. Default 5. */
  maxRedirects?: number;
  /** Allow loopback, private and link-local addresses. Default false; tests on loopback set it. */
  allowPrivateNetworks?: boolean;
  /** Accept header; defaults to feed types. Page fetchers pass text/html. */
  accept?: string;
}

export interface FetchDeps {
  /** Measures elapsedMs and dates Retry-After; timers themselves are real. */
  clock?: Clock;
  /**
   * Shared connection pool, ideally from createFetchAgent so names resolving to private addresses are refused.
   * Without one, each call makes (and closes) its own guarded agent.
   */
  dispatcher?: Dispatcher;
}

export const FETCH_DEFAULTS = {
  totalTimeoutMs: 30_000,
  idleTimeoutMs: 10_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  accept: 'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8',
} as const;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const PERMANENT_STATUSES = new Set([301, 308]);

/** A connection pool whose DNS lookups refuse private addresses unless `allowPrivateNetworks`. */
export function createFetchAgent(opts: { allowPrivateNetworks?: boolean; connectTimeoutMs?: number } = {}): Agent {
  return new Agent({
    connect: {
      timeout: opts.connectTimeoutMs ?? 10_000,
      ...(opts.allowPrivateNetworks ? {} : { lookup: guardedLookup }),
    },
  });
}

/** GET `url`, following redirects; resolves with the (decoded) body or throws a FeedwatchError. */
export async function fetchUrl(url: string, opts: FetchOptions, deps: FetchDeps = {}): Promise<FetchedResponse> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const totalTimeoutMs = opts.totalTimeoutMs ?? FETCH_DEFAULTS.totalTimeoutMs;
  const idleTimeoutMs = opts.idleTimeoutMs ?? FETCH_DEFAULTS.idleTimeoutMs;
  const maxBytes = opts.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  const maxRedirects = opts.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
  const allowPrivate = opts.allowPrivateNetworks ?? false;

  const ownAgent = deps.dispatcher ? null : createFetchAgent({ allowPrivateNetworks: allowPrivate, connectTimeoutMs: idleTimeoutMs });
  const dispatcher: Dispatcher = deps.dispatcher ?? ownAgent!;
  let live: Exchange | null = null;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    live?.abort(new FeedwatchError('timeout', `no complete response within ${totalTimeoutMs} ms`, { url, limitMs: totalTimeoutMs, phase: 'total' }));
  }, totalTimeoutMs);
  timer.unref();

  const headers = requestHeaders(opts);
  const redirects: RedirectHop[] = [];
  let current = parseHttpUrl(url, url);
  // The URLs visited, made at the first redirect (most fetches have none).
  let seen: Set<string> | null = null;

  try {
    for (;;) {
      if (!allowPrivate) refusePrivateLiteral(current);
      const exchange = (live = new Exchange(maxBytes, current.href));
      dispatcher.dispatch(
        { origin: current.origin, path: current.pathname + current.search, method: 'GET', headers, headersTimeout: idleTimeoutMs, bodyTimeout: idleTimeoutMs },
        exchange,
      );
      const { status, headers: resHeaders } = await exchange.head;
      const location = resHeaders['location'];

      if (REDIRECT_STATUSES.has(status) && location) {
        exchange.discard();
        const next = parseHttpUrl(location, current.href);
        redirects.push({ from: current.href, to: next.href, status });
        seen ??= new Set([current.href]);
        if (seen.has(next.href)) {
          throw new FeedwatchError('redirect-loop', `redirect loop: ${next.href} was already visited`, { url, redirects });
        }
        if (redirects.length > maxRedirects) {
          throw new FeedwatchError('too-many-redirects', `more than ${maxRedirects} redirects`, { url, redirects, limit: maxRedirects });
        }
        seen.add(next.href);
        current = next;
        continue;
      }

      const retryAfterSeconds = parseRetryAfter(resHeaders['retry-after'], clock.now());
      // One object, built once: a 304 returns it as it is; a body is put in when it has come.
      const response: FetchedResponse = {
        requestedUrl: url,
        finalUrl: current.href,
        status,
        headers: resHeaders,
        redirects,
        permanentRedirectTo: redirects.length === 0 ? null : permanentTarget(redirects),
        etag: resHeaders['etag'] ?? null,
        lastModified: resHeaders['last-modified'] ?? null,
        retryAfterSeconds,
        body: NO_BODY,
        notModified: status === 304,
        elapsedMs: 0,
      };

      // A 304 has no body: its end (already read, or on its way) leaves the connection for the next request.
      if (status === 304) {
        response.elapsedMs = clock.now() - started;
        return response;
      }
      if (status < 200 || status >= 300) {
        exchange.discard();
        throw new FeedwatchError(
          'http-status',
          `HTTP ${status} from ${current.href}`,
          { url: current.href, status, retryAfterSeconds },
          { retryable: status !== 404 && status !== 410 },
        );
      }

      const declared = Number(resHeaders['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        exchange.discard();
        throw tooLarge(current.href, maxBytes, declared);
      }
      response.body = await decodeBody(await exchange.body(), resHeaders['content-encoding'] ?? null, maxBytes, current.href);
      response.elapsedMs = clock.now() - started;
      return response;
    }
  } catch (err) {
    throw classify(err, timedOut, current.href, totalTimeoutMs, idleTimeoutMs);
  } finally {
    clearTimeout(timer);
    if (ownAgent) await ownAgent.close();
  }
}

/** The body of a response that has none (a 304): empty, and the same one for all (no buffer made per poll). */
const NO_BODY = new Uint8Array(0);

/** Ends an exchange whose body is not wanted (a redirect, an error status, a body declared too large). */
const DISCARDED = new Error('body discarded');

/**
 * One request and its response, as undici's dispatcher hands them over: no response stream, stream pipeline or abort
 * signal per request, as `request()` and a piped body make (about half the CPU of fetching a 304, and a DOMException
 * built at the end of every piped body). The head settles with the status and headers; the body's bytes are kept as
 * they come, counted against the cap (the request is aborted past it), until `body()` takes them at the response's
 * end. `abort` ends it at any point, also before it started.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly head: Promise<{ status: number; headers: Record<string, string> }>;
  private settleHead!: { resolve: (h: { status: number; headers: Record<string, string> }) => void; reject: (err: Error) => void };
  private controller: Dispatcher.DispatchController | null = null;
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  private failure: Error | null = null;
  private waiter: { resolve: (chunks: Buffer[]) => void; reject: (err: Error) => void } | null = null;

  constructor(
    private readonly maxBytes: number,
    private readonly url: string,
  ) {
    this.head = new Promise((resolve, reject) => (this.settleHead = { resolve, reject }));
    // A failure after the head is reported by body(), or by nothing when the body is not wanted.
    this.head.catch(() => {});
  }

  /** The body's bytes, once all have come. */
  body(): Promise<Buffer[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(this.chunks);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** End the request and its connection, unread. */
  discard(): void {
    this.abort(DISCARDED);
  }

  abort(err: Error): void {
    if (this.ended || this.failure) return;
    this.fail(err);
    this.controller?.abort(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.failure) controller.abort(this.failure);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx answers come before the final one: only the final one is the response.
    if (status < 200) return;
    this.settleHead.resolve({ status, headers: flattenHeaders(headers) });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.failure) return;
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return this.abort(tooLarge(this.url, this.maxBytes, this.bytes));
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.failure) return;
    this.ended = true;
    this.waiter?.resolve(this.chunks);
    this.waiter = null;
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (!this.ended) this.fail(this.failure ?? err);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.settleHead.reject(this.failure);
    this.waiter?.reject(this.failure);
    this.waiter = null;
  }
}

function requestHeaders(opts: FetchOptions): Record<string, string> {
  const h: Record<string, string> = {
    'user-agent': opts.userAgent,
    accept: opts.accept ?? FETCH_DEFAULTS.accept,
    'accept-encoding': 'gzip, deflate, br',
  };
  if (opts.etag) h['if-none-match'] = opts.etag;
  if (opts.lastModified) h['if-modified-since'] = opts.lastModified;
  const extra = opts.headers;
  if (extra) for (const k of Object.keys(extra)) h[k.toLowerCase()] = extra[k]!;
  return h;
}

function parseHttpUrl(raw: string, base: string): URL {
  let u: URL;
  try {
    u = new URL(raw, base);
  } catch {
    throw new FeedwatchError('bad-url', `not a URL: ${raw}`, { url: raw }, { retryable: false });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new FeedwatchError('bad-url', `not an http(s) URL: ${u.href}`, { url: u.href }, { retryable: false });
  }
  // A fragment can only come from `raw` (never from the base): without a '#' there is none to drop.
  if (raw.includes('#')) u.hash = '';
  return u;
}

/** IP literals never go through DNS, so the agent's lookup guard cannot see them: check them here. */
function refusePrivateLiteral(u: URL): void {
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (isIP(host) && isPrivateAddress(host)) throw privateNetworkError(u.hostname, host);
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(h)) {
    const v = h[k];
    const name = k.toLowerCase();
    if (v === undefined || name === '__proto__') continue;
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * Where a permanent move leads: the target of the last hop of the leading run of 301/308 hops. A temporary hop
 * after a permanent one ends the run (the feed moved to the permanent target, which now redirects temporarily).
 */
function permanentTarget(hops: RedirectHop[]): string | null {
  let target: string | null = null;
  for (const hop of hops) {
    if (!PERMANENT_STATUSES.has(hop.status)) break;
    target = hop.to;
  }
  return target;
}

/** Retry-After as seconds: a delta, or an HTTP date relative to now. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

function tooLarge(url: string, limit: number, seen: number): FeedwatchError {
  return new FeedwatchError('too-large', `response body over ${limit} bytes`, { url, limitBytes: limit, bytesSeen: seen });
}

/**
 * The body's bytes (at most `maxBytes`, counted as they came) through their content decoders, counting the decoded
 * bytes against the same cap as they stream out (a small bomb stops there).
 */
async function decodeBody(chunks: Buffer[], contentEncoding: string | null, maxBytes: number, url: string): Promise<Uint8Array> {
  const decoders = contentDecoders(contentEncoding, url);
  if (decoders.length === 0) {
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  }
  const out: Buffer[] = [];
  let decoded = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      decoded += chunk.length;
      if (decoded > maxBytes) return cb(tooLarge(url, maxBytes, decoded));
      out.push(chunk);
      cb();
    },
  });
  let decoderError: unknown = null;
  for (const d of decoders) d.once('error', (e) => (decoderError ??= e));
  try {
    await pipeline([Readable.from(chunks, { objectMode: false }), ...decoders, sink]);
  } catch (err) {
    if (err !== decoderError || err instanceof FeedwatchError) throw err;
    throw new FeedwatchError('decode', `cannot decode the ${contentEncoding} body: ${messageOf(err)}`, { url, contentEncoding }, { cause: err });
  }
  const body = Buffer.concat(out, decoded);
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}

/** zlib streams for a Content-Encoding list, in decoding order. Truncated streams give what they hold. */
function contentDecoders(contentEncoding: string | null, url: string): Transform[] {
  if (!contentEncoding) return [];
  const lenient = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const codings = contentEncoding.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  return codings.reverse().map((coding) => {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        // Unzip reads both the gzip and the zlib header, so a mislabelled body still decodes.
        return zlib.createUnzip(lenient);
      case 'deflate':
        // "deflate" means zlib-wrapped (RFC 9110), but servers also send raw deflate or gzip under that name: the
        // first two bytes say which.
        return new AutoInflate(lenient);
      case 'br':
        return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
      default:
        throw new FeedwatchError('decode', `unsupported content-encoding "${coding}"`, { url, contentEncoding });
    }
  });
}

/**
 * Inflate whatever deflate flavour the body is: gzip (1F 8B), zlib (a CMF/FLG pair whose 16-bit value is a
 * multiple of 31, method 8) or raw deflate (RFC 1951, no header), decided on the first two bytes.
 */
export class AutoInflate extends Transform {
  private inner: Transform | null = null;
  private head: Buffer = Buffer.alloc(0);

  constructor(private readonly zlibOptions: zlib.ZlibOptions) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.inner) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 2) return cb();
      chunk = this.head;
      this.head = Buffer.alloc(0);
      this.start(chunk);
    }
    if (this.inner!.write(chunk)) cb();
    else this.inner!.once('drain', () => cb());
  }

  override _flush(cb: (err?: Error | null) => void): void {
    if (!this.inner) this.start(this.head);
    this.inner!.once('end', () => cb());
    this.inner!.end();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }

  private start(head: Buffer): void {
    this.inner = createInflater(head, this.zlibOptions);
    this.inner.on('data', (d: Buffer) => this.push(d));
    this.inner.on('error', (e) => this.destroy(e));
  }
}

/** The zlib stream for a deflate-family body, by its first bytes. */
export function createInflater(head: Uint8Array, options: zlib.ZlibOptions): Transform {
  const [b0 = 0, b1 = 0] = head;
  if (b0 === 0x1f && b1 === 0x8b) return zlib.createGunzip(options);
  if ((b0 & 0x0f) === 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 === 0) return zlib.createInflate(options);
  return zlib.createInflateRaw(options);
}

const TIMEOUT_CODES: Record<string, string> = {
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
  UND_ERR_CONNECT_TIMEOUT: 'connect',
};

/** Any failure → FeedwatchError with a stable kind. */
function classify(err: unknown, timedOut: boolean, url: string, totalMs: number, idleMs: number): FeedwatchError {
  const own = findFeedwatchError(err);
  if (own && !(timedOut && own.kind !== 'timeout')) return own;
  if (timedOut) {
    return new FeedwatchError('timeout', `no complete response within ${totalMs} ms`, { url, limitMs: totalMs, phase: 'total' }, { cause: err });
  }
  const code = errorCode(err);
  const phase = code ? TIMEOUT_CODES[code] : undefined;
  if (phase) {
    return new FeedwatchError('timeout', `idle for ${idleMs} ms waiting for ${phase}`, { url, limitMs: idleMs, phase }, { cause: err });
  }
  return new FeedwatchError('network', `${code ?? 'network error'}: ${messageOf(err)}`, { url, code: code ?? null }, { cause: err });
}

function findFeedwatchError(err: unknown): FeedwatchError | null {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof FeedwatchError) return e;
  }
  return null;
}

function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

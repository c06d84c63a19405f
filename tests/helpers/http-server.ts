/**
 * A real HTTP server on 127.0.0.1 (random port) for tests: a route table of handlers keyed by path, a log of the
 * requests it saw, and a close() that also ends stalled connections so a test never hangs on teardown.
 *
 *   const srv = await startServer({ '/feed.xml': send(xml, { headers: { 'content-type': 'application/rss+xml' } }) });
 *   await fetchUrl(`${srv.url}/feed.xml`, ...);
 *   await srv.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
}

export interface TestServer {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: SeenRequest[];
  /** Add or replace a route while running. */
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** Start a server; unknown paths get the fallback handler, or a 404. */
export async function startServer(routes: Record<string, Handler> = {}, fallback?: Handler): Promise<TestServer> {
  const table = new Map(Object.entries(routes));
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: { ...req.headers } });
    const handler = table.get(url.pathname) ?? fallback ?? notFound;
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route: (path, handler) => void table.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler that answers with a fixed body, status and headers. */
export function send(body: string | Uint8Array, opts: { status?: number; headers?: Record<string, string> } = {}): Handler {
  return (_req, res) => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    res.writeHead(opts.status ?? 200, { 'content-length': String(bytes.length), ...opts.headers });
    res.end(bytes);
  };
}

/** A handler that redirects to `location` (relative to the request) with `status`. */
export function redirect(location: string, status = 302): Handler {
  return (_req, res) => {
    res.writeHead(status, { location, 'content-length': '0' });
    res.end();
  };
}

/** A handler that accepts the request and never answers (close() ends it). */
export function stall(): Handler {
  return () => {};
}

function notFound(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

/** A port on 127.0.0.1 that nothing listens on now (bound, then released), for a child process to serve on. */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

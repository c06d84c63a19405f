/**
 * Health and metrics over HTTP: GET /healthz (200 while the process is serving, 503 while it shuts down or
 * when a check fails), GET /metrics (Prometheus text). Binds to 127.0.0.1 by default.
 */
import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export interface HealthCheck {
  (): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
}

export async function startHealthServer(opts: { host: string; port: number; metrics: Metrics; check: HealthCheck }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/healthz') {
      opts
        .check()
        .then(({ ok, detail }) => {
          res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, ...detail }));
        })
        .catch((err: unknown) => {
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: String(err) }));
        });
      return;
    }
    if (path === '/metrics') {
      opts.metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}

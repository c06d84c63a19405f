/**
 * Health and metrics over HTTP: GET /healthz (is the process working: 200, or 503 with the reasons), GET /readyz
 * (may it be given work: 200 once started, 503 while starting or shutting down or when a dependency does not
 * answer), GET /metrics (Prometheus text). What the checks look at is src/health.ts. Binds to 127.0.0.1 by default.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

export interface HealthCheck {
  (): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
}

function answer(res: ServerResponse, check: HealthCheck): void {
  check()
    .then(({ ok, detail }) => {
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, ...detail }));
    })
    .catch((err: unknown) => {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, reasons: [`check failed: ${err instanceof Error ? err.message : String(err)}`] }));
    });
}

export async function startHealthServer(opts: { host: string; port: number; metrics: Metrics; health: HealthCheck; ready?: HealthCheck }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/healthz') return answer(res, opts.health);
    if (path === '/readyz') return answer(res, opts.ready ?? opts.health);
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
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

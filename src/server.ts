/**
 * The process's HTTP server (fastify): GET /healthz (is the process working: 200, or 503 with the reasons), GET
 * /readyz (may it be given work: 200 once started, 503 while starting or shutting down or when a dependency does not
 * answer), GET /metrics (Prometheus text) — what the checks look at is src/health.ts — and, with `api`, the status
 * page at `/` (src/api/status-page.ts), the JSON API under `/api/` (src/api/views.ts) and alert rules as RSS at
 * `/feeds/RULE.xml` (src/api/rule-feed.ts). Binds to 127.0.0.1 by
 * default; who may read the page and the API is src/api/auth.ts.
 *
 * The server starts before storage is open (a port in use fails at once): until the process has started, the page
 * and the API answer 503.
 */
import type { Server } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { authorized } from './api/auth.js';
import { ruleFeed } from './api/rule-feed.js';
import { renderStatusPage, statusPageData } from './api/status-page.js';
import { alertsView, ApiInputError, boilerplateView, configView, feedsView, feedView, hourlyView, storiesPage, storyView, type ApiContext } from './api/views.js';
import { FeedwatchError } from './errors.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

export interface HealthCheck {
  (): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
}

export interface ApiOptions {
  /** The running parts once the process has started; null before (the page and the API answer 503). */
  context(): ApiContext | null;
  /** The token every page and API request must carry (src/api/auth.ts), or null for none. */
  token: string | null;
  /** Where an unexpected error of a request is logged (the client gets "internal error"). */
  logger?: Pick<Logger, 'error'>;
}

export interface ServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  health: HealthCheck;
  ready?: HealthCheck;
  /** Serve the status page and the JSON API too. */
  api?: ApiOptions;
}

const OPEN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// A strict policy for the page: no script at all, styles inline only, forms and links to this origin.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

async function answer(reply: FastifyReply, check: HealthCheck): Promise<void> {
  try {
    const { ok, detail } = await check();
    await reply.code(ok ? 200 : 503).type('application/json').send(JSON.stringify({ ok, ...detail }));
  } catch (err) {
    await reply
      .code(503)
      .type('application/json')
      .send(JSON.stringify({ ok: false, reasons: [`check failed: ${err instanceof Error ? err.message : String(err)}`] }));
  }
}

/** The query string as single values; a parameter given twice is a 400. */
function params(request: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new ApiInputError(k, `${k} may be given once`);
    out[k] = v;
  }
  return out;
}

export async function startHealthServer(opts: ServerOptions): Promise<Server> {
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 300 }, bodyLimit: 1024, return503OnClosing: true });

  app.get('/healthz', (_req, reply) => answer(reply, opts.health));
  app.get('/readyz', (_req, reply) => answer(reply, opts.ready ?? opts.health));
  app.get('/metrics', async (_req, reply) => {
    const text = await opts.metrics.registry.metrics();
    return reply.code(200).type(opts.metrics.registry.contentType).send(text);
  });

  const api = opts.api;
  if (api) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0]!;
      if (OPEN_PATHS.has(path) || api.token === null) return;
      if (!authorized(request.headers.authorization, api.token)) {
        await reply
          .code(401)
          .header('www-authenticate', 'Basic realm="feedwatch", charset="UTF-8"')
          .type('application/json')
          .send(JSON.stringify({ error: `a token is needed: Authorization: Bearer TOKEN (the value of server.tokenEnv's variable)` }));
      }
    });
    const ctx = (): ApiContext => {
      const c = api.context();
      if (!c) throw new NotStarted();
      return c;
    };
    const json = (reply: FastifyReply, body: unknown, code = 200) => reply.code(code).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));

    app.get('/', async (request, reply) => {
      const data = await statusPageData(ctx(), params(request)['q']);
      return reply.code(200).headers(PAGE_HEADERS).send(renderStatusPage(data));
    });
    app.get('/api/feeds', async (_req, reply) => json(reply, { feeds: await feedsView(ctx()) }));
    app.get<{ Params: { name: string } }>('/api/feeds/:name', async (request, reply) => {
      const feed = await feedView(ctx(), request.params.name);
      return feed ? json(reply, feed) : json(reply, { error: `no feed named ${JSON.stringify(request.params.name)}` }, 404);
    });
    app.get('/api/stories', async (request, reply) => json(reply, await storiesPage(ctx(), params(request))));
    app.get<{ Params: { id: string } }>('/api/stories/:id', async (request, reply) => {
      const story = await storyView(ctx(), request.params.id);
      return story ? json(reply, story) : json(reply, { error: `no story ${JSON.stringify(request.params.id)} (a story id is a number, or item:N)` }, 404);
    });
    app.get('/api/alerts', async (request, reply) => json(reply, await alertsView(ctx(), params(request))));
    app.get('/api/boilerplate', async (request, reply) => json(reply, { entries: await boilerplateView(ctx(), params(request)) }));
    app.get('/api/activity', async (_req, reply) => json(reply, { hours: await hourlyView(ctx()) }));
    app.get('/api/config', (_req, reply) => json(reply, configView(ctx())));
    app.get<{ Params: { file: string } }>('/feeds/:file', async (request, reply) => {
      const name = request.params.file.endsWith('.xml') ? request.params.file.slice(0, -'.xml'.length) : null;
      const feed = name === null ? null : await ruleFeed(ctx(), { name, siteUrl: siteUrlOf(request) });
      if (feed === null) return json(reply, { error: `no alert rule named ${JSON.stringify(name ?? request.params.file)} (GET /feeds/RULE.xml, RULE: a rule's name)` }, 404);
      return reply.code(200).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').type('application/rss+xml; charset=utf-8').send(feed);
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const allowed = request.method === 'GET' || request.method === 'HEAD';
    return reply
      .code(allowed ? 404 : 405)
      .type('application/json')
      .send(JSON.stringify({ error: allowed ? 'not found' : 'only GET is served' }));
  });
  app.setErrorHandler((err, request, reply) => {
    if (err instanceof ApiInputError) {
      return reply.code(400).type('application/json').send(JSON.stringify({ error: err.message, param: err.param, ...(err.column === undefined ? {} : { column: err.column }) }));
    }
    if (err instanceof NotStarted) return reply.code(503).type('application/json').send(JSON.stringify({ error: 'starting: storage is not open yet' }));
    if (err instanceof FeedwatchError && err.kind === 'storage') return reply.code(503).type('application/json').send(JSON.stringify({ error: `storage: ${err.message}` }));
    const status = (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return reply.code(status).type('application/json').send(JSON.stringify({ error: (err as Error).message }));
    opts.api?.logger?.error({ err, path: request.url.split('?')[0] }, 'HTTP request failed');
    return reply.code(500).type('application/json').send(JSON.stringify({ error: 'internal error' }));
  });

  await app.listen({ host: opts.host, port: opts.port });
  return app.server;
}

class NotStarted extends Error {}

/** This server's address as the client asked for it (links in a feed), or loopback when the Host header is odd. */
function siteUrlOf(request: FastifyRequest): string {
  const host = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/.test(request.host) ? request.host : `127.0.0.1:${request.port ?? 80}`;
  return `${request.protocol}://${host}`;
}

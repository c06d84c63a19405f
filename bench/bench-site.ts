/**
 * The loopback news site the ingestion benches (bench/ingest.ts, bench/scale-ingest.ts) poll: `hosts` HTTP servers
 * on 127.0.0.1, feed n on server n % hosts at /feeds/fN.xml with `items` items, item i's page at /a/fN/i.html made
 * by the bench's own `page(feed, item)`. It runs in a child process (the bench file started with `--serve ITEMS
 * HOSTS`), so that serving costs the measured processes nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

export const PAGE_TYPE = 'text/html; charset=utf-8';

/** What a feed says of item `i` of feed `feed`. */
export type ItemText = (i: number, feed: number) => { title: string; description: string };

export function feedXml(base: string, feed: number, items: number, text: ItemText): string {
  const entries = Array.from({ length: items }, (_, i) => {
    const { title, description } = text(i, feed);
    return (
      `<item><title>${title}</title><link>${base}/a/f${feed}/${i}.html</link><guid isPermaLink="false">f${feed}-${i}</guid>` +
      `<description>${description}</description><pubDate>${new Date(Date.UTC(2026, 0, 1) - i * 60_000).toUTCString()}</pubDate></item>`
    );
  });
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed ${feed}</title><link>${base}/</link><description>bench</description>${entries.join('')}</channel></rss>`;
}

/** The site's servers in this process. */
export async function serveSite(items: number, hosts: number, page: (feed: number, item: number) => string | Uint8Array, text: ItemText): Promise<{ ports: number[]; close(): Promise<void> }> {
  const servers: Server[] = [];
  for (let h = 0; h < hosts; h++) {
    const server = createServer((req, res) => {
      const base = `http://${req.headers.host}`;
      const path = (req.url ?? '/').split('?')[0]!;
      const feed = /^\/feeds\/f(\d+)\.xml$/.exec(path);
      const item = /^\/a\/f(\d+)\/(\d+)\.html$/.exec(path);
      if (feed) res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(feedXml(base, Number(feed[1]), items, text));
      else if (item) res.writeHead(200, { 'content-type': PAGE_TYPE }).end(page(Number(item[1]), Number(item[2])));
      else res.writeHead(404).end();
    });
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
  }
  return {
    ports: servers.map((s) => (s.address() as AddressInfo).port),
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))));
    },
  };
}

/** In the child (`--serve ITEMS HOSTS`): serve, print `PORTS p1,p2,...`, and end on SIGTERM or when stdin closes. */
export async function serveUntilTold(argv: string[], page: (feed: number, item: number) => string | Uint8Array, text: ItemText): Promise<void> {
  const site = await serveSite(Number(argv[0]), Number(argv[1]), page, text);
  const end = () => void site.close().then(() => process.exit(0));
  process.once('SIGTERM', end);
  process.stdin.on('end', end);
  process.stdin.resume();
  process.stdout.write(`PORTS ${site.ports.join(',')}\n`);
}

/**
 * Start `script --serve ARGS...` in a child process (a bench's own site, run apart from the process it measures);
 * resolves with the ports it prints on its `PORTS p1,p2,...` line.
 */
export async function siteInChild(script: string, cwd: string, args: (string | number)[]): Promise<{ ports: number[]; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--serve', ...args.map(String)], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<number[]>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^PORTS (\S+)/.exec(l);
      if (m) resolve(m[1]!.split(',').map(Number));
    });
    child.once('exit', (code) => reject(new Error(`bench site exited with ${code}`)));
  });
  return { ports, child };
}

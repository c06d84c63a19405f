/**
 * The README's PM2 setup on one host, for real: `pm2 start ecosystem.config.js` (PM2 from the devDependencies,
 * with a PM2_HOME of its own) starts one scheduler and two workers from the freshly built JavaScript and ONE config
 * file, on the local Redis (a key prefix of its own) and PostgreSQL (a throwaway schema). Every process must stay
 * up (each its own health port, none restarted), every article must be stored once, and each process must answer
 * /healthz and /readyz on its port. The build goes to a temporary folder next to a copy of the ecosystem file, so
 * that the test runs today's code whatever `dist/` holds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pgTestSchemas, type PgTestSchemas } from '../helpers/postgres.js';
import { redisTestPrefix, type RedisTestPrefix } from '../helpers/redis.js';
import { startFeedSite, waitFor, waitForCount, type FeedSite } from '../pipeline/bullmq-fixture.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PM2 = join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');

/** `n` consecutive ports from a random base, none listened on now. */
async function freeRun(n: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const servers: Server[] = [];
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      ok = await new Promise<boolean>((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(false));
        s.listen(base + i, '127.0.0.1', () => {
          servers.push(s);
          resolve((s.address() as AddressInfo).port === base + i);
        });
      });
    }
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    if (ok) return base;
  }
  throw new Error('no run of free ports found');
}

interface Pm2App {
  name: string;
  pm2_env: { status: string; restart_time: number; FEEDWATCH_PORT?: string };
}

describe('PM2: pm2 start ecosystem.config.js on one host', () => {
  let dir: string;
  let pg: PgTestSchemas;
  let schema: string;
  let rp: RedisTestPrefix;
  let site: FeedSite;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedwatch-pm2-'));
    pg = pgTestSchemas();
    schema = await pg.create();
    rp = await redisTestPrefix();
    site = await startFeedSite({ feeds: 3, items: 10 });
    // Today's code, built where the ecosystem file expects it (dist/ next to it), as `npm run build` would.
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: ROOT });
    cpSync(join(ROOT, 'src', 'store', 'migrations'), join(dir, 'dist', 'store', 'migrations'), { recursive: true });
    cpSync(join(ROOT, 'ecosystem.config.js'), join(dir, 'ecosystem.config.js'));
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  });

  after(async () => {
    if (env) await run(process.execPath, [PM2, 'kill'], { cwd: dir, env }).catch(() => undefined);
    await site?.close();
    await rp?.cleanup();
    await pg?.dropAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a scheduler and two workers from one config file: all stay up on their own ports, every article stored once', { timeout: 900_000 }, async () => {
    const base = await freeRun(3);
    const configPath = join(dir, 'feedwatch.yaml');
    writeFileSync(
      configPath,
      [
        'log:\n  level: info\n  format: json',
        'server:\n  port: 9464',
        'storage:\n  driver: postgres',
        'defaults:\n  interval: 5s\n  minInterval: 1s',
        'http:\n  allowPrivateNetworks: true\n  perHostConcurrency: 8',
        `queue:\n  driver: bullmq\n  prefix: ${rp.prefix}\n  sweepInterval: 1s\n  sweepAfter: 10s`,
        `feeds:\n${site.feedUrls.map((u, i) => `  - name: feed-${i}\n    url: ${u}\n`).join('')}`,
      ].join('\n'),
    );
    env = {
      ...process.env,
      PM2_HOME: join(dir, 'pm2'),
      FEEDWATCH_CONFIG: configPath,
      FEEDWATCH_WORKERS: '2',
      FEEDWATCH_BASE_PORT: String(base),
      FEEDWATCH_PORT: '',
      REDIS_URL: rp.url,
      DATABASE_URL: pg.urlFor(schema),
    };
    await run(process.execPath, [PM2, 'start', 'ecosystem.config.js'], { cwd: dir, env });

    const done = async () => Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.items WHERE article_state = 'done'`).catch(() => [{ n: '0' }]))[0]!.n);
    await waitForCount(done, site.totalItems, 'every article stored');
    const rows = await pg.query<{ guid: string; sightings: string }>(
      `SELECT i.guid, (SELECT count(*) FROM ${schema}.sightings s WHERE s.item_id = i.id) AS sightings FROM ${schema}.items i`,
    );
    assert.equal(rows.length, site.totalItems);
    assert.deepEqual(rows.filter((r) => Number(r.sightings) !== 1).map((r) => r.guid), [], 'each item stored exactly once');

    for (const port of [base, base + 1, base + 2]) {
      for (const path of ['/healthz', '/readyz']) {
        let status = 0;
        await waitFor(async () => (status = (await fetch(`http://127.0.0.1:${port}${path}`).catch(() => null))?.status ?? 0) === 200, 120_000, `${path} on ${port}`).catch(
          () => assert.fail(`port ${port} ${path}: status ${status}`),
        );
      }
    }
    const { stdout } = await run(process.execPath, [PM2, 'jlist'], { cwd: dir, env });
    const apps = (JSON.parse(stdout.slice(stdout.indexOf('['))) as Pm2App[]).map((a) => [a.name, a.pm2_env.status, a.pm2_env.restart_time, a.pm2_env.FEEDWATCH_PORT]);
    assert.deepEqual(
      apps.sort(),
      [
        ['feedwatch-scheduler', 'online', 0, String(base)],
        ['feedwatch-worker-1', 'online', 0, String(base + 1)],
        ['feedwatch-worker-2', 'online', 0, String(base + 2)],
      ],
      'three processes online, none restarted',
    );
  });
});

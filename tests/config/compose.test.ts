/**
 * docker-compose.yml, read as Compose reads it (YAML with `<<` merge keys, `${VAR:-default}` interpolation): the
 * scheduler and worker services run the roles against Redis and PostgreSQL services that must be healthy first,
 * their environment names a config file that the ./config mount provides, and that file validates with the same
 * parser the CLI uses and selects the drivers whose URLs the environment gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseDuration } from '../../src/config/duration.js';
import { parseConfig } from '../../src/config/load.js';
import { redisUrlFrom } from '../../src/pipeline/redis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  stop_grace_period?: string;
  deploy?: { replicas?: number };
}

/** Compose's `${VAR:-default}` / `${VAR-default}` / `${VAR}` with no variable set: the default, or empty. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback: string | undefined) => fallback ?? '');
}

function compose(): { services: Record<string, Service> } {
  const doc = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services?: Record<string, Service> };
  assert.ok(doc.services, 'docker-compose.yml has services');
  return { services: doc.services };
}

/** Where a container path comes from on the host, through the service's bind mounts. */
function hostPath(service: Service, containerPath: string): string | null {
  for (const volume of service.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (!source?.startsWith('.') || !target) continue;
    const rel = posix.relative(target, containerPath);
    if (!rel.startsWith('..') && !posix.isAbsolute(rel)) return join(ROOT, source, rel);
  }
  return null;
}

test('docker-compose.yml: a scheduler and workers, on Redis and PostgreSQL that must be healthy first', () => {
  const { services } = compose();
  assert.deepEqual(Object.keys(services).sort(), ['postgres', 'redis', 'scheduler', 'worker']);
  assert.deepEqual(services.scheduler!.command, ['run', '--role', 'scheduler']);
  assert.deepEqual(services.worker!.command, ['run', '--role', 'worker']);
  assert.ok((services.worker!.deploy?.replicas ?? 1) >= 2, 'two workers or more');
  for (const name of ['redis', 'postgres']) {
    const test = services[name]!.healthcheck?.test ?? [];
    assert.ok(test.length > 1 && test[0]!.startsWith('CMD'), `${name} has a healthcheck command`);
  }
  for (const name of ['scheduler', 'worker']) {
    const s = services[name]!;
    assert.ok(s.build !== undefined || s.image !== undefined, `${name} has an image`);
    assert.deepEqual(s.depends_on, { redis: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } }, `${name} waits for healthy services`);
    const env = s.environment ?? {};
    const redis = new URL(interpolate(env.REDIS_URL ?? ''));
    assert.equal(redis.protocol, 'redis:');
    assert.equal(redis.hostname, 'redis', `${name}: REDIS_URL names the redis service`);
    const db = new URL(interpolate(env.DATABASE_URL ?? ''));
    const pgEnv = services.postgres!.environment ?? {};
    assert.equal(db.protocol, 'postgres:');
    assert.equal(db.hostname, 'postgres', `${name}: DATABASE_URL names the postgres service`);
    assert.deepEqual(
      [db.username, db.password, db.pathname.slice(1)],
      [pgEnv.POSTGRES_USER, interpolate(pgEnv.POSTGRES_PASSWORD ?? ''), pgEnv.POSTGRES_DB],
      `${name}: DATABASE_URL's user, password and database are the ones the postgres service creates`,
    );
  }
});

test("docker-compose.yml: the config file it names is mounted from ./config, validates, and uses the environment's URLs", () => {
  const { services } = compose();
  const ports = new Map<string, number>();
  for (const name of ['scheduler', 'worker']) {
    const s = services[name]!;
    const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
    const configPath = env.FEEDWATCH_CONFIG;
    assert.equal(configPath, '/app/config/feedwatch.compose.yaml');
    const onHost = hostPath(s, configPath);
    assert.ok(onHost, `${name}: ${configPath} comes from a bind mount of the project`);
    assert.equal(relative(ROOT, onHost), join('config', 'feedwatch.compose.yaml'));
    assert.ok(existsSync(onHost), `${onHost} exists`);

    const config = parseConfig(readFileSync(onHost, 'utf8'), onHost);
    assert.equal(config.storage.driver, 'postgres');
    if (config.storage.driver === 'postgres') assert.ok(env[config.storage.urlEnv], `${name} sets ${config.storage.urlEnv}`);
    assert.equal(config.queue.driver, 'bullmq');
    assert.equal(redisUrlFrom(config, env), env.REDIS_URL, 'the Redis URL comes from the environment');
    assert.ok(config.feeds.length > 0, 'feeds listed');
    // Reachable from the image's HEALTHCHECK (127.0.0.1 inside the container) and from other containers.
    assert.equal(config.server.host, '0.0.0.0');
    // ... so the status page and API need a token: compose refuses to start without one.
    assert.match(s.environment?.[config.server.tokenEnv] ?? '', /^\$\{FEEDWATCH_API_TOKEN:\?.+\}$/, `${name} requires ${config.server.tokenEnv}`);
    // The HEALTHCHECK probes $FEEDWATCH_PORT, else server.port's value: the port this service's process serves on.
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const probe = /127\.0\.0\.1:'\+\(process\.env\.FEEDWATCH_PORT\|\|(\d+)\)\+'\/healthz/.exec(dockerfile);
    assert.ok(probe, 'the HEALTHCHECK asks /healthz on $FEEDWATCH_PORT');
    assert.equal(Number(probe[1]), config.server.port, 'and falls back to the configured port');
    assert.match(env.FEEDWATCH_PORT ?? '', /^\d+$/, `${name} has its own health port`);
    ports.set(name, Number(env.FEEDWATCH_PORT));
    // `docker compose stop` waits for the shutdown deadline before it kills.
    const grace = parseDuration(s.stop_grace_period ?? '10s');
    assert.ok(grace !== null && grace > config.pipeline.shutdownDeadline, `${name}: stop_grace_period ${s.stop_grace_period} > shutdownDeadline`);
  }
  assert.notEqual(ports.get('scheduler'), ports.get('worker'), 'the scheduler and the workers serve on different ports');
});

// PM2: runs the built JavaScript (`npm run build` first), not a TypeScript runtime.
//   npm run build && pm2 start ecosystem.config.js
// The package is ESM; PM2 require()s this file, which Node 20.19+ allows for ES modules, and reads `apps`.
// Distributed mode (`queue: { driver: bullmq }` in the config): one scheduler and N workers, N from
// FEEDWATCH_WORKERS (default 2). Embedded mode (the default config) is one process: FEEDWATCH_WORKERS=0.
// Every process reads the same config file and gets its own health port through FEEDWATCH_PORT: the scheduler
// FEEDWATCH_BASE_PORT (default 9464), worker i (1..N) FEEDWATCH_BASE_PORT + i, so that they can share one host.
const workers = Number(process.env.FEEDWATCH_WORKERS ?? 2);
const config = process.env.FEEDWATCH_CONFIG ?? 'config/feedwatch.yaml';
const basePort = Number(process.env.FEEDWATCH_BASE_PORT ?? 9464);
const common = {
  script: 'dist/cli/main.js',
  cwd: import.meta.dirname,
  autorestart: true,
  max_restarts: 20,
  min_uptime: '30s',
  exp_backoff_restart_delay: 1000,
  kill_timeout: 30000,
  max_memory_restart: '1500M',
  time: true,
  merge_logs: true,
};
const env = (port) => ({ NODE_ENV: 'production', FEEDWATCH_CONFIG: config, FEEDWATCH_PORT: String(port) });

const distributed = [
  { ...common, name: 'feedwatch-scheduler', args: 'run --role scheduler', env: env(basePort), out_file: 'logs/scheduler.out.log', error_file: 'logs/scheduler.err.log' },
  ...Array.from({ length: workers }, (_, i) => ({
    ...common,
    name: `feedwatch-worker-${i + 1}`,
    args: 'run --role worker',
    env: env(basePort + i + 1),
    out_file: `logs/worker-${i + 1}.out.log`,
    error_file: `logs/worker-${i + 1}.err.log`,
  })),
];

const embedded = [{ ...common, name: 'feedwatch', args: 'run', env: env(basePort), out_file: 'logs/feedwatch.out.log', error_file: 'logs/feedwatch.err.log' }];

export const apps = workers > 0 ? distributed : embedded;

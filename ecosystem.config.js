// PM2: runs the built JavaScript (`npm run build` first), not a TypeScript runtime.
//   npm run build && pm2 start ecosystem.config.js
// The package is ESM; PM2 require()s this file, which Node 20.19+ allows for ES modules, and reads `apps`.
// Distributed mode (`queue: { driver: bullmq }` in the config): one scheduler and N workers, N from
// FEEDWATCH_WORKERS (default 2). Embedded mode (the default config) is one process: FEEDWATCH_WORKERS=0.
const workers = Number(process.env.FEEDWATCH_WORKERS ?? 2);
const config = process.env.FEEDWATCH_CONFIG ?? 'config/feedwatch.yaml';
const common = {
  script: 'dist/cli/main.js',
  cwd: import.meta.dirname,
  env: { NODE_ENV: 'production', FEEDWATCH_CONFIG: config },
  autorestart: true,
  max_restarts: 20,
  min_uptime: '30s',
  exp_backoff_restart_delay: 1000,
  kill_timeout: 30000,
  max_memory_restart: '1500M',
  time: true,
  merge_logs: true,
};

const distributed = [
  { ...common, name: 'feedwatch-scheduler', args: 'run --role scheduler', out_file: 'logs/scheduler.out.log', error_file: 'logs/scheduler.err.log' },
  {
    ...common,
    name: 'feedwatch-worker',
    args: 'run --role worker',
    instances: workers,
    exec_mode: 'fork',
    out_file: 'logs/worker.out.log',
    error_file: 'logs/worker.err.log',
  },
];

const embedded = [{ ...common, name: 'feedwatch', args: 'run', out_file: 'logs/feedwatch.out.log', error_file: 'logs/feedwatch.err.log' }];

export const apps = workers > 0 ? distributed : embedded;

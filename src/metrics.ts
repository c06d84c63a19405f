/** Prometheus metrics of one process (prom-client), served at /metrics by server.ts. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  // prom-client's default metrics are already named process_* and nodejs_*: the prefix makes them
  // feedwatch_process_cpu_seconds_total, not feedwatch_process_process_cpu_seconds_total.
  collectDefaultMetrics({ register: registry, prefix: 'feedwatch_' });
  return {
    registry,
    polls: new Counter({ name: 'feedwatch_polls_total', help: 'Feed polls by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    newItems: new Counter({ name: 'feedwatch_items_new_total', help: 'New feed items stored', registers: [registry] }),
    articles: new Counter({ name: 'feedwatch_articles_total', help: 'Article pages processed by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    pollSeconds: new Histogram({ name: 'feedwatch_poll_duration_seconds', help: 'Time to poll one feed', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    cpuTasks: new Counter({ name: 'feedwatch_cpu_tasks_total', help: 'Tasks on untrusted input (parse-feed, extract, analyse) by outcome: ok, failed, too-slow, too-complex', labelNames: ['task', 'outcome'] as const, registers: [registry] }),
    cpuTasksRunning: new Gauge({ name: 'feedwatch_cpu_tasks_running', help: 'Tasks on untrusted input running now', registers: [registry] }),
    articlesCut: new Counter({ name: 'feedwatch_articles_cut_total', help: 'Articles whose text was cut to budgets.articleChars', registers: [registry] }),
    analysisCut: new Counter({ name: 'feedwatch_analysis_cut_total', help: 'Article fields analysed only up to budgets.analyzedTokens', registers: [registry] }),
    lastTick: new Gauge({ name: 'feedwatch_last_tick_timestamp_seconds', help: 'When the scheduler last looked for work', registers: [registry] }),
    scheduleLag: new Gauge({
      name: 'feedwatch_schedule_lag_seconds',
      help: 'How long the most overdue feed has been waiting past its due time (embedded driver; 0 when on time)',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

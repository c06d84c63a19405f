/**
 * `feedwatch once`: poll every feed once, fetch the new articles, deliver the alerts that are due, print a summary
 * table and the alerts the log channels sent, exit.
 *
 * stdout is the report (the table, the summary line, the log-channel alerts as text); log lines go to stderr (JSON
 * off a terminal, none on a terminal, where the progress bar and the table say it all). Exit status 1 when every
 * feed polled failed (a wrong network or config, not a feed's bad day), else 0.
 */
import { SingleBar, Presets } from 'cli-progress';
import { createApp } from '../app.js';
import type { AlertMessage } from '../alerts/message.js';
import { oneLine } from '../control-chars.js';
import { createLogger, silentLogger } from '../log.js';
import { EmbeddedPipeline, type OnceResult } from '../pipeline/embedded.js';
import { loadCliConfig } from './config.js';
import { clip, count, formatTable, utcMinute } from './table.js';

export async function onceCommand(configPath: string | undefined, opts: { articles: boolean }): Promise<number> {
  const config = loadCliConfig(configPath);
  const tty = process.stderr.isTTY === true;
  const shown: Array<{ channel: string; message: AlertMessage }> = [];
  const app = await createApp(
    { ...config, pipeline: { ...config.pipeline, fetchArticles: opts.articles } },
    {
      logger: tty ? silentLogger : createLogger({ level: config.log.level, format: config.log.format, stderr: true }),
      showLogAlert: (channel, message) => shown.push({ channel, message }),
    },
  );
  const bar = tty ? new SingleBar({ format: 'polling {bar} {value}/{total} feeds | {feed}', hideCursor: true, stream: process.stderr }, Presets.shades_classic) : null;
  try {
    const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, {
      pollConcurrency: app.config.pipeline.pollConcurrency,
      articleConcurrency: app.config.pipeline.articleConcurrency,
    });
    bar?.start(app.config.feeds.filter((f) => f.enabled).length, 0, { feed: '' });
    const result = await pipeline.runOnce((done, _total, last) => bar?.update(done, { feed: last.feed }));
    bar?.stop();
    process.stdout.write(onceReport(result, shown));
    const failed = result.polls.filter((p) => p.error).length;
    return result.polls.length > 0 && failed === result.polls.length ? 1 : 0;
  } finally {
    bar?.stop();
    await app.close();
  }
}

/** What `once` prints on stdout: the poll table, one summary line, then each alert a log channel sent. */
export function onceReport(result: OnceResult, shown: ReadonlyArray<{ channel: string; message: AlertMessage }>): string {
  const table = formatTable(
    ['feed', 'status', 'items', 'new', 'ms', 'error'],
    result.polls.map((p) => [p.feed, p.notModified ? '304' : p.status, p.itemsSeen, p.newItems.length, p.ms, p.error ? p.error.slice(0, 70) : null]),
  );
  const failed = result.polls.filter((p) => p.error).length;
  const newItems = result.polls.reduce((n, p) => n + p.newItems.length, 0);
  const articlesOk = result.articles.filter((a) => a.ok).length;
  const d = result.deliveries;
  const parts = [
    `${count(result.polls.length, 'feed')} polled, ${failed} failed, ${count(newItems, 'new item')}`,
    `${count(articlesOk, 'article')} extracted, ${result.articles.length - articlesOk} failed`,
    ...(d ? [`${count(d.delivered, 'alert')} delivered${d.retrying + d.failed > 0 ? `, ${d.retrying + d.failed} failed` : ''}`] : []),
  ];
  const lines = [table];
  for (const p of result.polls.filter((x) => x.declaredFeeds.length > 0)) {
    lines.push('', oneLine(`${p.feed}: the address serves an HTML page, not a feed; it declares:`), ...p.declaredFeeds.map((u) => `  ${oneLine(u)}`));
  }
  lines.push('', parts.join('; '));
  if (shown.length > 0) {
    lines.push('', `alerts (${[...new Set(shown.map((s) => `${s.channel} channel`))].join(', ')}):`);
    for (const { message } of shown) lines.push('', ...alertLines(message));
  }
  return lines.join('\n') + '\n';
}

/** One alert as a person reads it: the rule, then per article its title, link, feed and time (UTC), matched words. */
export function alertLines(m: AlertMessage): string[] {
  const out = [m.digest ? `rule ${oneLine(m.rule)}: ${count(m.items.length, 'article')}` : `rule ${oneLine(m.rule)}`];
  for (const it of m.items) {
    out.push(`  ${clip(oneLine(it.title), 200)}`);
    if (it.url) out.push(`    ${oneLine(it.url)}`);
    const published = utcMinute(it.publishedAt);
    out.push(`    feed ${oneLine(it.feed)}${published ? `, published ${published} UTC` : ''}${it.terms.length > 0 ? `; matched: ${oneLine(it.terms.join(', '))}` : ''}`);
  }
  return out;
}

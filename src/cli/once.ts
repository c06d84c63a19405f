/** `feedwatch once`: poll every feed once, fetch the new articles, print a summary table, exit. */
import { SingleBar, Presets } from 'cli-progress';
import { createApp } from '../app.js';
import { EmbeddedPipeline } from '../pipeline/embedded.js';
import { loadCliConfig } from './config.js';
import { formatTable } from './table.js';
import { silentLogger } from '../log.js';

export async function onceCommand(configPath: string | undefined, opts: { articles: boolean }): Promise<number> {
  const config = loadCliConfig(configPath);
  const tty = process.stderr.isTTY === true;
  // On a terminal the progress bar and the table say it all; elsewhere the JSON log lines do.
  const app = await createApp({ ...config, pipeline: { ...config.pipeline, fetchArticles: opts.articles } }, tty ? { logger: silentLogger } : {});
  const bar = tty ? new SingleBar({ format: 'polling {bar} {value}/{total} feeds | {feed}', hideCursor: true }, Presets.shades_classic) : null;
  try {
    const pipeline = new EmbeddedPipeline(app.deps, app.config.feeds, {
      pollConcurrency: app.config.pipeline.pollConcurrency,
      articleConcurrency: app.config.pipeline.articleConcurrency,
    });
    bar?.start(app.config.feeds.filter((f) => f.enabled).length, 0, { feed: '' });
    const result = await pipeline.runOnce((done, _total, last) => bar?.update(done, { feed: last.feed }));
    bar?.stop();
    const articlesOk = result.articles.filter((a) => a.ok).length;
    console.log(
      formatTable(
        ['feed', 'status', 'items', 'new', 'ms', 'error'],
        result.polls.map((p) => [p.feed, p.notModified ? '304' : p.status, p.itemsSeen, p.newItems.length, p.ms, p.error ? p.error.slice(0, 70) : null]),
      ),
    );
    const failed = result.polls.filter((p) => p.error).length;
    const newItems = result.polls.reduce((n, p) => n + p.newItems.length, 0);
    console.log(`\n${result.polls.length} feeds polled, ${failed} failed, ${newItems} new items; ${articlesOk} articles extracted, ${result.articles.length - articlesOk} failed`);
    return 0;
  } finally {
    bar?.stop();
    await app.close();
  }
}

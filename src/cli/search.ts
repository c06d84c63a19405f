/**
 * `feedwatch search 'RULE' [--limit N] [--json]`: the stored articles a rule matches, newest first, in the rule
 * language of alerts. The store's index (SQLite FTS5 / PostgreSQL tsvector over the lemma keys) narrows the
 * candidates and matchRule decides, so search finds exactly what alerts would match (src/store/alerts.ts).
 *
 * Output: a table (story id for `feedwatch story`, article id for `feedwatch article`, published in UTC, feed, title, matched terms), or with --json one object per line
 * `{ articleId, clusterId, feed, title, url, publishedAt, spans }`. Exit status 0 when something was found,
 * 1 when nothing was, 2 for a rule that does not parse or bad arguments.
 */
import { compileRule } from '../alerts/match.js';
import { printable } from '../control-chars.js';
import { loadMorphology } from '../alerts/morphology.js';
import { searchArticles } from '../store/alerts.js';
import { openStore } from '../store/open.js';
import { readCliConfig } from './cached-config.js';
import { ruleParses } from './rule-arg.js';
import { clip, formatTable, utcMinute } from './table.js';

export const DEFAULT_SEARCH_LIMIT = 20;
const MAX_SEARCH_LIMIT = 10_000;

export async function searchCommand(args: string[], opts: { configPath: string | undefined; limit: string | undefined; json: boolean }): Promise<number> {
  if (args.length !== 1) {
    process.stderr.write(`feedwatch search: give exactly one rule (quote it), not ${args.length}\n`);
    return 2;
  }
  const rule = args[0]!;
  const limit = opts.limit === undefined ? DEFAULT_SEARCH_LIMIT : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    process.stderr.write(`feedwatch search: --limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}, not "${opts.limit}"\n`);
    return 2;
  }
  if (!ruleParses('search', rule)) return 2;
  const config = await readCliConfig(opts.configPath);
  const store = await openStore(config);
  try {
    const lem = await loadMorphology();
    const hits = await searchArticles(store, compileRule(rule, lem), lem, { limit });
    if (opts.json) {
      for (const { doc, spans } of hits) {
        const { articleId, clusterId, feed, title, url, publishedAt } = doc;
        process.stdout.write(printable(JSON.stringify({ articleId, clusterId, feed, title, url, publishedAt, spans })) + '\n');
      }
    } else if (hits.length === 0) {
      process.stdout.write('no stored article matches\n');
    } else {
      const rows = hits.map(({ doc, spans }) => [
        doc.clusterId,
        // A feed entry whose page failed is kept under −itemId: named item:N, as `feedwatch article` takes it.
        doc.articleId < 0 ? `item:${-doc.articleId}` : doc.articleId,
        utcMinute(doc.publishedAt),
        doc.feed,
        clip(doc.title, 70),
        clip([...new Set(spans.map((s) => s.text.toLowerCase()))].join(', '), 40),
      ]);
      process.stdout.write(formatTable(['story', 'article', 'published (UTC)', 'feed', 'title', 'matched'], rows) + '\n');
      process.stdout.write(`\n${hits.length} article${hits.length === 1 ? '' : 's'}${hits.length === limit ? ` (the newest ${limit}; --limit N for more)` : ''}\n`);
    }
    return hits.length > 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}

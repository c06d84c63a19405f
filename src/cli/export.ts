/**
 * `feedwatch export --format jsonl|csv|rss [--since DATE] [--query RULE] [--feed NAME] [--output FILE]`: stored
 * articles, newest first, every one or those the rule (alert language) matches, to stdout or a file. Streamed:
 * storage is read by keyset one page at a time (src/export/read.ts) and written with backpressure
 * (src/export/write.ts), so memory stays the same for ten articles or ten million. On a terminal, stderr shows how
 * many were written. Exit status 0 when done (also when none matched), 2 for bad arguments or a rule that does not
 * parse.
 */
import { createWriteStream } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { compileRule } from '../alerts/match.js';
import { loadMorphology } from '../alerts/morphology.js';
import { ApiInputError, timeParam } from '../api/views.js';
import { channelOf, configuredSiteUrl } from '../export/channel.js';
import { exportedDocs } from '../export/read.js';
import { EXPORT_FORMATS, rendering, writeExport, type ExportFormat } from '../export/write.js';
import { openStore } from '../store/open.js';
import { readCliConfig } from './cached-config.js';
import { ruleParses } from './rule-arg.js';

export interface ExportOptions {
  configPath: string | undefined;
  format: string | undefined;
  since: string | undefined;
  query: string | undefined;
  feed: string | undefined;
  output: string | undefined;
}

function fail(message: string): number {
  process.stderr.write(`feedwatch export: ${message}\n`);
  return 2;
}

export async function exportCommand(args: string[], opts: ExportOptions): Promise<number> {
  if (args.length > 0) return fail(`unexpected argument "${args[0]}" (the rule goes in --query 'RULE')`);
  const format = opts.format as ExportFormat | undefined;
  if (format === undefined || !EXPORT_FORMATS.includes(format)) return fail(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  let since: string | undefined;
  try {
    since = timeParam('--since', opts.since);
  } catch (err) {
    if (err instanceof ApiInputError) return fail(err.message);
    throw err;
  }
  const query = opts.query?.trim() || undefined;
  if (query !== undefined && !ruleParses('export', query)) return 2;
  const config = await readCliConfig(opts.configPath);
  const store = await openStore(config);
  const bar = process.stderr.isTTY === true ? new SingleBar({ format: 'exporting: {value} articles written', hideCursor: true }, Presets.shades_classic) : null;
  try {
    const lem = await loadMorphology();
    const docs = exportedDocs(store, lem, {
      rule: query === undefined ? null : compileRule(query, lem),
      ...(opts.feed === undefined ? {} : { feed: opts.feed }),
      ...(since === undefined ? {} : { since }),
    });
    const channel = channelOf({ query: query ?? null, siteUrl: configuredSiteUrl(config.server), builtAt: new Date().toISOString() });
    const out = opts.output === undefined ? process.stdout : createWriteStream(opts.output);
    bar?.start(0, 0);
    const written = await writeExport(docs, rendering(format, channel), out, { end: out !== process.stdout, onRecord: (n) => bar?.update(n) });
    bar?.stop();
    if (opts.output !== undefined) process.stderr.write(`${written} article${written === 1 ? '' : 's'} written to ${opts.output}\n`);
    return 0;
  } finally {
    bar?.stop();
    await store.close();
  }
}

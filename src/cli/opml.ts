/**
 * `feedwatch import-opml FILE [--tag T]...` appends the feeds an OPML file lists to the config file (comments and
 * layout kept, feeds already there skipped) and prints what it did (`feedwatch export-opml`, the other way, is
 * ./export-opml.ts). A running daemon picks the new feeds up when it is restarted.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { FeedwatchError } from '../errors.js';
import { appendFeeds } from '../opml/config-edit.js';
import { parseOpml } from '../opml/parse.js';
import { loadCliConfig } from './config.js';

export interface ImportOpmlOptions {
  configPath: string | undefined;
  tags: readonly string[];
  dryRun: boolean;
}

export function importOpmlCommand(args: string[], opts: ImportOpmlOptions, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): number {
  const [file, ...rest] = args;
  if (!file || rest.length > 0) {
    process.stderr.write('feedwatch: usage: feedwatch import-opml FILE [--tag T]... [--dry-run]\n');
    return 2;
  }
  const config = loadCliConfig(opts.configPath);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new FeedwatchError('config', `${file}: cannot read the OPML file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file }, { retryable: false });
  }
  const parsed = parseOpml(bytes, file);
  const result = appendFeeds(readFileSync(config.file, 'utf8'), config.file, parsed.feeds, opts.tags);
  if (!opts.dryRun && result.added.length > 0) {
    const tmp = `${config.file}.${process.pid}.tmp`;
    writeFileSync(tmp, result.text);
    renameSync(tmp, config.file);
  }
  for (const a of result.added) out(`${opts.dryRun ? 'would add' : 'added'}  ${a.name}  ${a.url}`);
  for (const s of [...parsed.skipped.map((s) => ({ title: s.title, url: s.xmlUrl, reason: s.reason })), ...result.skipped]) {
    out(`skipped  ${s.title || '(untitled)'}  ${s.url}: ${s.reason}`);
  }
  const n = result.added.length;
  const skipped = parsed.skipped.length + result.skipped.length;
  out(`${opts.dryRun ? 'would add' : 'added'} ${n} feed${n === 1 ? '' : 's'} to ${config.file}; skipped ${skipped}`);
  return 0;
}

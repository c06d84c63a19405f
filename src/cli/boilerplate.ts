/**
 * `feedwatch boilerplate [HOST] [--all] [--limit N] [--json]`: the paragraphs learned as each site's boilerplate
 * (src/store/boilerplate.ts), with the distinct stories they were seen in within `boilerplate.window`, first and
 * last sighting and when they were learned. `--all` adds the paragraphs still only counted.
 *
 * Output: a table (host, stories, first seen, last seen, learned, text), or with --json one object per line
 * `{ host, hash, sample, stories, firstSeenAt, lastSeenAt, learnedAt }`. Exit status 0, 2 for bad arguments.
 */
import { checkHost, MAX_ENTRIES_LIMIT } from '../store/boilerplate.js';
import { openStore } from '../store/open.js';
import { readCliConfig } from './cached-config.js';
import { formatTable, utcMinute } from './table.js';

export const DEFAULT_BOILERPLATE_LIMIT = 200;

export async function boilerplateCommand(args: string[], opts: { configPath: string | undefined; json: boolean; all: boolean; limit: string | undefined }): Promise<number> {
  if (args.length > 1) {
    process.stderr.write(`feedwatch boilerplate: give at most one host, not ${args.length}\n`);
    return 2;
  }
  const host = args[0]?.toLowerCase();
  if (host !== undefined) {
    try {
      checkHost('boilerplate', host);
    } catch {
      process.stderr.write(`feedwatch boilerplate: "${args[0]}" is not a host name (write it as in the URL: example.com, or 127.0.0.1:8080)\n`);
      return 2;
    }
  }
  const limit = opts.limit === undefined ? DEFAULT_BOILERPLATE_LIMIT : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ENTRIES_LIMIT) {
    process.stderr.write(`feedwatch boilerplate: --limit must be a whole number from 1 to ${MAX_ENTRIES_LIMIT}, not "${opts.limit}"\n`);
    return 2;
  }
  const config = await readCliConfig(opts.configPath);
  const store = await openStore(config);
  try {
    const entries = await store.boilerplateEntries({ ...(host === undefined ? {} : { host }), learnedOnly: !opts.all, limit });
    if (opts.json) {
      for (const e of entries) process.stdout.write(JSON.stringify(e) + '\n');
      return 0;
    }
    if (entries.length === 0) {
      const what = opts.all ? 'no paragraph is tracked' : 'no boilerplate learned';
      process.stdout.write(`${what}${host === undefined ? '' : ` for ${host}`}${config.boilerplate.enabled ? '' : ' (boilerplate.enabled is false)'}\n`);
      return 0;
    }
    const rows = entries.map((e) => [e.host, e.stories, utcMinute(e.firstSeenAt), utcMinute(e.lastSeenAt), utcMinute(e.learnedAt), clip(e.sample, 70)]);
    process.stdout.write(formatTable(['host', 'stories', 'first seen (UTC)', 'last seen (UTC)', 'learned (UTC)', 'text'], rows) + '\n');
    const learned = entries.filter((e) => e.learnedAt !== null).length;
    process.stdout.write(`\n${learned} learned${opts.all ? `, ${entries.length - learned} counted` : ''}${entries.length === limit ? ` (the first ${limit}; --limit N for more)` : ''}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function clip(s: string, n: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > n ? flat.slice(0, n - 1) + '…' : flat;
}

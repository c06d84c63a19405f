#!/usr/bin/env node
/**
 * The `feedwatch` command: parses arguments and hands over to one command module. Each command's module is imported
 * when that command runs, so `help` or `check-config` do not load the store, the queue client or the morphology
 * dictionaries.
 */
import { parseArgs } from 'node:util';
import { ConfigError, FeedwatchError, StartupError } from '../errors.js';

const USAGE = `Usage: feedwatch <command> [options]

Commands:
  run [--role ROLE] [--port N]
                           run the daemon until SIGINT/SIGTERM (what \`npm start\` does); ROLE: all (default),
                           scheduler or worker (the last two need queue.driver: bullmq); N: its health port
                           (default: $FEEDWATCH_PORT, else server.port)
  once [--no-articles]     poll every feed once, fetch new articles, print a summary, exit
  feeds [--json]           each feed's state: last fetch, status, items, errors, next poll
  check-config             validate the config file and exit (status 2 when invalid)
  extract FILE_OR_URL... [--url URL]
                           extract articles from saved pages or URLs; one JSON object per line
  story ID [--text] [--json]
                           a story (the id search prints: a number, or item:N): its articles, sightings
                           (feed, URL, time) and first-seen time; --text adds each article's stored text
  article ID [--json]      a stored article's title, lead and paragraphs (the article id search prints)
  alerts test 'RULE' [--title T] [--text T | --file F] [--json]
                           whether and where an alert rule matches a text (exit 0 match, 1 no match)
  alerts list [--rule R] [--state pending|delivered|failed] [--limit N] [--json]
                           alert deliveries, newest first: rule, story, channel, state, attempts, last error (UTC)
  alerts retry ID          make a failed delivery pending again, due now (exit 1: unknown or not failed)
  alerts replay RULE --since DATE [--dry-run] [--json]
                           re-apply the config's rule to articles stored since DATE; alert on stories not yet
                           alerted (once per rule and story); --dry-run lists them and writes nothing
  search 'RULE' [--limit N] [--json]
                           stored articles the rule matches, newest first (same rule language as alerts)
  import-opml FILE [--tag T]... [--dry-run]
                           append the feeds of an OPML file to the config file (comments kept, known feeds skipped)
  export-opml              print the config's feeds as OPML 2.0
  export --format jsonl|csv|rss [--since DATE] [--query 'RULE'] [--feed NAME] [--output FILE]
                           stored articles, newest first (those the rule matches with --query), streamed to
                           stdout or FILE; DATE: ISO 8601, e.g. 2026-03-05
  boilerplate [HOST] [--all] [--limit N] [--json]
                           paragraphs learned as each site's boilerplate, with counts and first/last seen
  help                     this text

Options:
  --config PATH            config file (default: $FEEDWATCH_CONFIG, else config/feedwatch.yaml)
`;

/** The command word (the first argument that is neither an option nor the value of --config) and --config. */
function commandAndConfig(argv: string[]): { command: string | undefined; config: string | undefined } {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { config: { type: 'string', short: 'c' } } });
  return { command: positionals[0], config: typeof values.config === 'string' ? values.config : undefined };
}

export async function main(argv: string[]): Promise<number> {
  // `--text` is a flag of `story` and a value of `alerts test`.
  const textIsFlag = commandAndConfig(argv).command === 'story';
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean', default: false },
      'no-articles': { type: 'boolean', default: false },
      url: { type: 'string' },
      title: { type: 'string' },
      text: textIsFlag ? { type: 'boolean', default: false } : { type: 'string' },
      file: { type: 'string' },
      limit: { type: 'string' },
      role: { type: 'string' },
      port: { type: 'string' },
      tag: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      rule: { type: 'string' },
      state: { type: 'string' },
      since: { type: 'string' },
      all: { type: 'boolean', default: false },
      format: { type: 'string' },
      query: { type: 'string' },
      feed: { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command = 'help', ...args] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command) {
    case 'run':
      return (await import('./run.js')).runCommand(values.config, { role: values.role, port: values.port });
    case 'once':
      return (await import('./once.js')).onceCommand(values.config, { articles: !values['no-articles'] });
    case 'feeds':
      return (await import('./feeds.js')).feedsCommand(values.config, values.json);
    case 'check-config':
      return (await import('./check-config.js')).checkConfigCommand(values.config);
    case 'extract':
      return (await import('./extract.js')).extractCommand(args, { url: values.url, configPath: values.config });
    case 'story':
      return (await import('./story.js')).storyCommand(args, { configPath: values.config, json: values.json, text: values.text === true });
    case 'article':
      return (await import('./story.js')).articleCommand(args, { configPath: values.config, json: values.json });
    case 'alerts':
      return (await import('./alerts.js')).alertsCommand(args, {
        title: values.title,
        text: typeof values.text === 'string' ? values.text : undefined,
        file: values.file,
        json: values.json,
        configPath: values.config,
        rule: values.rule,
        state: values.state,
        limit: values.limit,
        since: values.since,
        dryRun: values['dry-run'],
      });
    case 'search':
      return (await import('./search.js')).searchCommand(args, { configPath: values.config, limit: values.limit, json: values.json });
    case 'import-opml':
      return (await import('./opml.js')).importOpmlCommand(args, { configPath: values.config, tags: values.tag ?? [], dryRun: values['dry-run'] });
    case 'export-opml':
      return (await import('./export-opml.js')).exportOpmlCommand(values.config);
    case 'export':
      return (await import('./export.js')).exportCommand(args, {
        configPath: values.config,
        format: values.format,
        since: values.since,
        query: values.query,
        feed: values.feed,
        output: values.output,
      });
    case 'boilerplate':
      return (await import('./boilerplate.js')).boilerplateCommand(args, { configPath: values.config, json: values.json, all: values.all, limit: values.limit });
    default:
      process.stderr.write(`feedwatch: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

// A reader that stops early (`feedwatch search ... | head`) closes the pipe: that is the end of the output, not an
// error, so the command ends quietly with success instead of printing a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/**
 * Commands that are done when they return: their output is written and nothing else of theirs is pending (no
 * daemon, no stream to a file, no logger flushing). The process ends as soon as stdout and stderr have taken the
 * output (a write's callback runs once what was written before it is flushed), instead of Node's orderly teardown
 * of the heap, which with 10,000 feeds costs `feeds` 10–30 ms of CPU.
 */
const ENDS_WHEN_WRITTEN = new Set(['feeds']);

function exitWhenWritten(code: number): void {
  let left = 2;
  const done = () => {
    if (--left === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/**
 * Commands whose work is bounded by the config and one read of storage: they run with V8 settings for a process
 * that ends within a second and keeps most of what it allocates (engine-flags.ts).
 */
const SHORT_COMMANDS = new Set(['feeds', 'check-config', 'export-opml']);

const argv = process.argv.slice(2);
const invoked = commandAndConfig(argv);
if (SHORT_COMMANDS.has(invoked.command ?? '')) (await import('./engine-flags.js')).tuneForShortCommand(invoked.config);
main(argv).then(
  (code) => {
    process.exitCode = code;
    if (ENDS_WHEN_WRITTEN.has(invoked.command ?? '')) exitWhenWritten(code);
  },
  (err: unknown) => {
    if (err instanceof StartupError) {
      // One line, then exit at once: a connection opened before the failure must not keep the process alive.
      process.stderr.write(`feedwatch: ${err.message}\n`);
      process.exit(err.exitCode);
    } else if (err instanceof ConfigError) {
      process.stderr.write(`feedwatch: invalid config\n${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof FeedwatchError) {
      process.stderr.write(`feedwatch: ${err.kind}: ${err.message}\n`);
      process.exitCode = 1;
    } else if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`feedwatch: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`feedwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);

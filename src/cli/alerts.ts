/**
 * `feedwatch alerts test 'RULE' [--title T] [--text T | --file F] [--json]`: whether and where a rule matches a
 * text, decided exactly as alerts decide (same parser, lemmatizer and matcher). The text goes in the body; a
 * file holding a JSON article (what `feedwatch extract` prints: title, lead, paragraphs, tags) fills those
 * fields instead. `--file -` reads standard input. Needs no config.
 *
 * Output: "match" or "no match" and one line per matched span (field, offsets, the text, the rule term), or with
 * --json one object `{ "match": bool, "spans": [{ field, start, end, term, text }] }`. Exit status 0 when the
 * rule matches, 1 when it does not, 2 for a rule that does not parse or bad arguments (like grep).
 */
import { readFileSync } from 'node:fs';
import { buildAlertDoc, compileRule, matchRule, type AlertDocInput, type MatchSpan } from '../alerts/match.js';
import { loadMorphology } from '../alerts/morphology.js';
import { parseRule, RuleSyntaxError } from '../alerts/rule-parser.js';
import type { AlertHistoryOptions } from './alert-history.js';

export interface AlertsTestOptions {
  title?: string | undefined;
  text?: string | undefined;
  file?: string | undefined;
  json: boolean;
}

const SUBCOMMANDS = `  feedwatch alerts test 'RULE' [--title T] [--text T | --file F] [--json]
  feedwatch alerts list [--rule R] [--state pending|delivered|failed] [--limit N] [--json]
  feedwatch alerts retry ID
  feedwatch alerts replay RULE --since DATE [--dry-run] [--json]
`;

/**
 * `feedwatch alerts SUBCOMMAND ...`: `test` here; `list`, `retry` and `replay` in alert-history.ts, imported only
 * when they run (they open the store).
 */
export async function alertsCommand(args: string[], opts: AlertsTestOptions & AlertHistoryOptions): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list':
      return (await import('./alert-history.js')).alertsListCommand(rest, opts);
    case 'retry':
      return (await import('./alert-history.js')).alertsRetryCommand(rest, opts);
    case 'replay':
      return (await import('./alert-history.js')).alertsReplayCommand(rest, opts);
    case 'test':
      break;
    default:
      process.stderr.write(`feedwatch alerts: unknown subcommand ${sub === undefined ? '(none)' : `"${sub}"`}; use one of:\n${SUBCOMMANDS}`);
      return 2;
  }
  if (rest.length !== 1) {
    process.stderr.write(`feedwatch alerts test: give exactly one rule (quote it), not ${rest.length}\n`);
    return 2;
  }
  return alertsTest(rest[0]!, opts);
}

/** Rule syntax error as two lines: the message, then the rule with a caret under the column. */
export function describeRuleError(rule: string, err: RuleSyntaxError): string {
  return `the rule does not parse: column ${err.column}: ${err.reason}\n  ${rule}\n  ${' '.repeat(Math.max(0, err.column - 1))}^\n`;
}

async function alertsTest(rule: string, opts: AlertsTestOptions): Promise<number> {
  if (opts.text !== undefined && opts.file !== undefined) {
    process.stderr.write('feedwatch alerts test: give --text or --file, not both\n');
    return 2;
  }
  if (opts.title === undefined && opts.text === undefined && opts.file === undefined) {
    process.stderr.write('feedwatch alerts test: give the text to test with --title, --text or --file\n');
    return 2;
  }
  try {
    parseRule(rule);
  } catch (err) {
    if (!(err instanceof RuleSyntaxError)) throw err;
    process.stderr.write(`feedwatch alerts test: ${describeRuleError(rule, err)}`);
    return 2;
  }
  const input: AlertDocInput = opts.file !== undefined ? readInput(opts.file) : { body: opts.text ?? '' };
  if (opts.title !== undefined) input.title = opts.title;

  const lem = await loadMorphology();
  const result = matchRule(compileRule(rule, lem), buildAlertDoc(input, lem));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ match: result.match, spans: result.spans }) + '\n');
  } else {
    process.stdout.write(result.match ? 'match\n' : 'no match\n');
    for (const s of result.spans) process.stdout.write(spanLine(s) + '\n');
  }
  return result.match ? 0 : 1;
}

function spanLine(s: MatchSpan): string {
  return `  ${`${s.field} ${s.start}-${s.end}`.padEnd(16)} ${JSON.stringify(s.text)}  (${s.term})`;
}

interface JsonArticle {
  title?: unknown;
  lead?: unknown;
  paragraphs?: unknown;
  text?: unknown;
  tags?: unknown;
  feed?: unknown;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);

/** A text file (the body), or a JSON article: the first line of `feedwatch extract` output, or one object. */
function readInput(file: string): AlertDocInput {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    const candidates = [trimmed, trimmed.split('\n')[0]!];
    for (const c of candidates) {
      let parsed: JsonArticle;
      try {
        parsed = JSON.parse(c) as JsonArticle;
      } catch {
        continue;
      }
      const paragraphs = strings(parsed.paragraphs);
      return {
        title: str(parsed.title),
        lead: str(parsed.lead),
        body: paragraphs ? paragraphs.join('\n\n') : str(parsed.text),
        feed: str(parsed.feed),
        tags: strings(parsed.tags) ?? [],
      };
    }
  }
  return { body: text };
}

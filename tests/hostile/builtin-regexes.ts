/**
 * Every regular expression built into src/: the literals (read from the TypeScript syntax tree) and the ones
 * made with `new RegExp(...)` at load or at run time (captured by wrapping the RegExp constructor while every
 * module of src/ is imported and the real fixtures go through feed parsing, extraction, dedup and date reading).
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listFiles as files } from '../helpers/files.js';
import ts from 'typescript';

export interface FoundRegex {
  source: string;
  flags: string;
  where: string;
}

const SRC = new URL('../../src/', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;


/** Regex literals of src/, with file:line. */
export function regexLiterals(): FoundRegex[] {
  const out: FoundRegex[] = [];
  for (const file of files(SRC, /\.ts$/)) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const literal = node.getText(sf);
        const end = literal.lastIndexOf('/');
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        out.push({ source: literal.slice(1, end), flags: literal.slice(end + 1), where: `${relative(SRC, file)}:${line}` });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

/** Regexes constructed while src/ loads and works on the fixtures (user patterns: none are configured). */
export async function constructedRegexes(): Promise<FoundRegex[]> {
  const seen: FoundRegex[] = [];
  const Original = globalThis.RegExp;
  const record = (args: unknown[]): void => {
    const [pattern, flags] = args;
    const source = pattern instanceof Original ? pattern.source : String(pattern);
    if (source === '(?:)') return; // LinearRegExp's stand-in: user patterns run on RE2, not here
    // The frame that called the constructor: only src/'s own regexes count (dependencies build theirs too).
    const caller = new Error().stack?.split('\n').slice(1).find((l) => !l.includes('builtin-regexes.ts') && !l.includes('node:internal') && !/\bat new Proxy\b|at Proxy\.|<anonymous>\)?$/.test(l)) ?? '';
    if (!caller.includes(SRC) || caller.includes('node_modules') || caller.includes('/src/regex/linear.ts')) return;
    const where = `${/\/src\/([^:)]+:\d+)/.exec(caller)?.[1] ?? 'src'}`;
    seen.push({ source, flags: typeof flags === 'string' ? flags : pattern instanceof Original ? pattern.flags : '', where });
  };
  globalThis.RegExp = new Proxy(Original, {
    construct(target, args, newTarget) {
      record(args);
      return Reflect.construct(target, args, newTarget === globalThis.RegExp ? target : newTarget);
    },
    apply(target, thisArg, args) {
      record(args);
      return Reflect.apply(target, thisArg, args);
    },
  });
  try {
    for (const file of files(SRC, /\.ts$/)) {
      // Entry points run when imported (the CLI, worker threads): their regexes are literals, read above.
      if (file.endsWith('cli/main.ts') || /worker/i.test(relative(SRC, file))) continue;
      try {
        await import(file);
      } catch (err) {
        // A module that is an entry point by another name: its literals are read above all the same.
        console.log(`# not imported: ${relative(SRC, file)} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
      }
    }
    // Work that builds regexes on the way: feeds, pages, dedup text, dates.
    const { parseFeed } = await import(join(SRC, 'feed/parse.ts'));
    const { decodeText } = await import(join(SRC, 'fetch/text-body.ts'));
    const { extractArticle } = await import(join(SRC, 'extract/index.ts'));
    const { normalizeDate } = await import(join(SRC, 'feed/dates.ts'));
    const { normalizeText, stripDateline } = await import(join(SRC, 'dedup/normalize.ts'));
    for (const f of files(FIXTURES, /\.(xml|rss|atom)$/).slice(0, 60)) {
      try {
        await parseFeed(decodeText(readFileSync(f), null, 'xml', f).text, 'f');
      } catch {
        // parse errors are fine here: only the regexes built matter
      }
    }
    for (const f of files(FIXTURES, /\.html$/)) {
      try {
        const article = extractArticle(readFileSync(f, 'utf8'), 'https://ru.sputnik.kg/20220305/x.html', { rules: [] });
        normalizeText(stripDateline(article.paragraphs.join('\n')));
      } catch {
        // idem
      }
    }
    for (const d of ['Sat, 05 Mar 2022 14:03:00 +0600', '5 марта 2022 14:03', 'March 5, 2022 2:03 PM', '2022-03-05T14:03:00Z']) normalizeDate(d);
  } finally {
    globalThis.RegExp = Original;
  }
  return seen;
}

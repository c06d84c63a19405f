/**
 * The alert rule language: rule text → AST (plain data), or a RuleSyntaxError naming the column.
 *
 *   rule    := or
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*          juxtaposition is AND; AND binds tighter than OR
 *   unary   := "NOT" unary | "-" primary | primary
 *   primary := "(" or ")" | FIELD ":" primary | WORD | "PHRASE" | /REGEX/flags
 *   FIELD   := title | lead | body | feed | tag
 *
 * Operators are upper-case words (a lower-case "and" is a word to find). A word written with inner punctuation
 * ("Нью-Йорк", "COVID-19") is a phrase of its tokens. Matching is case-insensitive with ё folded to е; regexes
 * are always case-insensitive (flags m, s, u may be added). A rule must have at least one term that is not negated.
 */
import { LinearRegExp, RegexSyntaxError } from '../regex/linear.js';
import { FeedwatchError } from '../errors.js';
import { tokenize } from './tokenize.js';

export const FIELDS = ['title', 'lead', 'body', 'feed', 'tag'] as const;
export type Field = (typeof FIELDS)[number];

export type RuleNode =
  | { type: 'word'; text: string; column: number }
  | { type: 'phrase'; words: string[]; text: string; quoted: boolean; column: number }
  | { type: 'regex'; source: string; flags: string; column: number }
  | { type: 'and'; children: RuleNode[] }
  | { type: 'or'; children: RuleNode[] }
  | { type: 'not'; child: RuleNode }
  | { type: 'field'; field: Field; child: RuleNode };

/** A rule that does not parse; `column` is 1-based in the rule text. */
export class RuleSyntaxError extends FeedwatchError {
  readonly column: number;
  readonly reason: string;
  constructor(reason: string, column: number, rule: string) {
    super('parse', `column ${column}: ${reason}`, { column, rule }, { retryable: false });
    this.name = 'RuleSyntaxError';
    this.column = column;
    this.reason = reason;
  }
}

const ALLOWED_REGEX_FLAGS = new Set(['i', 'm', 's', 'u']);

/**
 * The RegExp a rule's /regex/ runs as: global, always case-insensitive, ё in the pattern folded to е (the text
 * it runs on is folded the same way). It runs on RE2 (src/regex/linear.ts): linear in the text, so a rule like
 * /(a+)+$/ cannot stall matching; lookaround and backreferences are refused when the rule is parsed.
 */
export function compileRegex(source: string, flags: string): RegExp {
  return new LinearRegExp(source.replace(/ё/g, 'е').replace(/Ё/g, 'Е'), [...new Set('gi' + flags)].join(''));
}

type Lexeme =
  | { kind: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'minus'; pos: number }
  | { kind: 'field'; field: Field; pos: number }
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'phrase'; text: string; pos: number }
  | { kind: 'regex'; source: string; flags: string; pos: number }
  | { kind: 'end'; pos: number };

const isSpace = (c: string): boolean => /\s/u.test(c);
const isWordBreak = (c: string): boolean => isSpace(c) || c === '(' || c === ')' || c === '"';

function lex(src: string): Lexeme[] {
  const out: Lexeme[] = [];
  const fail = (reason: string, pos: number): never => {
    throw new RuleSyntaxError(reason, pos + 1, src);
  };
  let i = 0;
  // True where a term may start: start of text, after whitespace, "(", "-", "NOT" or "field:".
  const atTermStart = (): boolean => {
    const prev = out[out.length - 1];
    return i === 0 || isSpace(src[i - 1]!) || src[i - 1] === '(' || prev?.kind === 'minus' || prev?.kind === 'field';
  };
  while (i < src.length) {
    const c = src[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'lparen' : 'rparen', pos: i });
      i++;
      continue;
    }
    if (c === '"') {
      const close = src.indexOf('"', i + 1);
      if (close < 0) fail('unterminated phrase: add the closing "', i);
      out.push({ kind: 'phrase', text: src.slice(i + 1, close), pos: i });
      i = close + 1;
      continue;
    }
    if (c === '/' && atTermStart()) {
      let j = i + 1;
      let inClass = false;
      for (; j < src.length; j++) {
        const d = src[j]!;
        if (d === '\\') {
          j++;
          continue;
        }
        if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
      }
      if (j >= src.length) fail('unterminated regex: add the closing /', i);
      const source = src.slice(i + 1, j);
      if (source === '') fail('empty regex', i);
      let k = j + 1;
      while (k < src.length && /[a-z]/i.test(src[k]!)) k++;
      const flags = src.slice(j + 1, k);
      for (let f = 0; f < flags.length; f++) {
        if (!ALLOWED_REGEX_FLAGS.has(flags[f]!)) fail(`regex flag "${flags[f]}" is not allowed (use i, m, s or u)`, j + 1 + f);
      }
      try {
        compileRegex(source, flags);
      } catch (err) {
        const at = err instanceof RegexSyntaxError && err.offset !== null ? i + 1 + err.offset : i;
        fail(`invalid regex: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`, at);
      }
      out.push({ kind: 'regex', source, flags, pos: i });
      i = k;
      continue;
    }
    if (c === '-' && atTermStart()) {
      const next = src[i + 1];
      if (next === undefined || isSpace(next) || next === ')') fail('"-" must be followed directly by a term (write -word)', i);
      out.push({ kind: 'minus', pos: i });
      i++;
      continue;
    }
    // A bare word, an operator, or a field prefix.
    let j = i;
    while (j < src.length && !isWordBreak(src[j]!)) j++;
    const text = src.slice(i, j);
    const fm = /^(\p{L}+):/u.exec(text);
    if (fm) {
      const name = fm[1]!.toLowerCase();
      if (!(FIELDS as readonly string[]).includes(name)) fail(`unknown field "${fm[1]}": use title, lead, body, feed or tag`, i);
      out.push({ kind: 'field', field: name as Field, pos: i });
      i += fm[0].length;
      continue;
    }
    if (text === 'AND' || text === 'OR' || text === 'NOT') {
      out.push({ kind: text === 'AND' ? 'and' : text === 'OR' ? 'or' : 'not', pos: i });
    } else {
      out.push({ kind: 'word', text, pos: i });
    }
    i = j;
  }
  out.push({ kind: 'end', pos: src.length });
  return out;
}

function describe(l: Lexeme): string {
  switch (l.kind) {
    case 'end':
      return 'the end of the rule';
    case 'rparen':
      return '")"';
    case 'and':
      return 'AND';
    case 'or':
      return 'OR';
    default:
      return l.kind;
  }
}

/** Parse a rule. Throws RuleSyntaxError with the 1-based column of the problem. */
export function parseRule(src: string): RuleNode {
  const lexemes = lex(src);
  let p = 0;
  const peek = (): Lexeme => lexemes[p]!;
  const fail = (reason: string, pos: number): never => {
    throw new RuleSyntaxError(reason, pos + 1, src);
  };

  const startsTerm = (l: Lexeme): boolean =>
    l.kind === 'lparen' || l.kind === 'not' || l.kind === 'minus' || l.kind === 'field' || l.kind === 'word' || l.kind === 'phrase' || l.kind === 'regex';

  function parseOr(): RuleNode {
    const children = [parseAnd()];
    while (peek().kind === 'or') {
      p++;
      children.push(parseAnd());
    }
    return children.length === 1 ? children[0]! : { type: 'or', children: children.flatMap((c) => (c.type === 'or' ? c.children : [c])) };
  }

  function parseAnd(): RuleNode {
    const children = [parseUnary()];
    for (;;) {
      const l = peek();
      if (l.kind === 'and') {
        p++;
        children.push(parseUnary());
      } else if (startsTerm(l)) {
        children.push(parseUnary());
      } else break;
    }
    return children.length === 1 ? children[0]! : { type: 'and', children: children.flatMap((c) => (c.type === 'and' ? c.children : [c])) };
  }

  function parseUnary(): RuleNode {
    const l = peek();
    if (l.kind === 'not') {
      p++;
      return { type: 'not', child: parseUnary() };
    }
    if (l.kind === 'minus') {
      p++;
      return { type: 'not', child: parsePrimary() };
    }
    return parsePrimary();
  }

  function parsePrimary(): RuleNode {
    const l = peek();
    switch (l.kind) {
      case 'lparen': {
        p++;
        if (peek().kind === 'rparen') fail('empty parentheses', l.pos);
        const inner = parseOr();
        const close = peek();
        if (close.kind !== 'rparen') {
          if (close.kind === 'end') fail(`missing ")" to close the "(" at column ${l.pos + 1}`, l.pos);
          fail(`expected ")" but found ${describe(close)}`, close.pos);
        }
        p++;
        return inner;
      }
      case 'field': {
        p++;
        const next = peek();
        if (!startsTerm(next) || next.kind === 'not' || next.kind === 'minus' || next.kind === 'field') {
          fail(`expected a word, "phrase", /regex/ or ( after ${l.field}:`, next.pos);
        }
        return { type: 'field', field: l.field, child: parsePrimary() };
      }
      case 'word':
        p++;
        return termNode(l.text, false, l.pos);
      case 'phrase':
        p++;
        return termNode(l.text, true, l.pos);
      case 'regex':
        p++;
        return { type: 'regex', source: l.source, flags: l.flags, column: l.pos + 1 };
      case 'rparen':
        return fail('unmatched ")"', l.pos);
      case 'end':
        return fail(src.trim() === '' ? 'empty rule' : 'expected a term at the end of the rule', l.pos);
      default:
        return fail(`expected a term but found ${describe(l)}`, l.pos);
    }
  }

  function termNode(text: string, quoted: boolean, pos: number): RuleNode {
    const words = tokenize(text).map((t) => t.text);
    if (words.length === 0) fail(quoted ? 'empty phrase: a phrase needs letters or digits' : `"${text}" has no letters or digits`, pos);
    if (words.length === 1 && !quoted) return { type: 'word', text: words[0]!, column: pos + 1 };
    return { type: 'phrase', words, text, quoted, column: pos + 1 };
  }

  if (src.trim() === '') fail('empty rule', 0);
  const ast = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') fail(rest.kind === 'rparen' ? 'unmatched ")"' : `unexpected ${describe(rest)}`, rest.pos);
  if (!hasPositiveTerm(ast)) fail('a rule needs at least one term that is not negated', 0);
  return ast;
}

/**
 * True when the node can only match by finding something, not merely by the absence of things ("-a" or
 * "NOT a NOT b" would fire on almost every article). Double negation counts as presence.
 */
export function hasPositiveTerm(n: RuleNode, negated = false): boolean {
  switch (n.type) {
    case 'word':
    case 'phrase':
    case 'regex':
      return !negated;
    case 'not':
      return hasPositiveTerm(n.child, !negated);
    case 'field':
      return hasPositiveTerm(n.child, negated);
    case 'and':
      // NOT (a AND b) = NOT a OR NOT b
      return negated ? n.children.every((c) => hasPositiveTerm(c, true)) : n.children.some((c) => hasPositiveTerm(c, false));
    case 'or':
      // NOT (a OR b) = NOT a AND NOT b
      return negated ? n.children.some((c) => hasPositiveTerm(c, true)) : n.children.every((c) => hasPositiveTerm(c, false));
  }
}

/** The rule written back in canonical form (for logs and `alerts test`). */
export function formatRule(n: RuleNode): string {
  switch (n.type) {
    case 'word':
      return n.text;
    case 'phrase':
      return `"${n.words.join(' ')}"`;
    case 'regex':
      return `/${n.source}/${n.flags}`;
    case 'not':
      return `NOT ${wrap(n.child)}`;
    case 'field':
      return `${n.field}:${wrap(n.child)}`;
    case 'and':
      return n.children.map(wrap).join(' AND ');
    case 'or':
      return n.children.map(wrap).join(' OR ');
  }
}

function wrap(n: RuleNode): string {
  return n.type === 'and' || n.type === 'or' ? `(${formatRule(n)})` : formatRule(n);
}

/**
 * User-written regular expressions (alert rules' `/regex/`, site rules' `dropParagraphs` and `dateline`) run on
 * RE2 (the pure-JavaScript port `re2js`): matching time is linear in the text whatever the pattern, so
 * `/(a+)+$/` cannot freeze the daemon. The built-in patterns of src/ stay on V8's RegExp (faster) and are proven
 * free of catastrophic backtracking by tests/hostile/redos-check.ts.
 *
 * `LinearRegExp` is a RegExp whose `exec` (and so `test`, `match`, `matchAll`, `replace`, `split`) runs on RE2,
 * with JavaScript's `lastIndex`, `index`, `groups` and UTF-16 offsets, so code written for RegExp uses it as is.
 * Patterns are JavaScript syntax, translated where the two differ (`\s` includes the Unicode spaces, as in
 * JavaScript; `\uXXXX` and `\u{X}`). What RE2 cannot do in linear time (lookahead, lookbehind, backreferences) is
 * refused when the pattern is compiled: `RegexSyntaxError` with the offset of the construct.
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

/**
 * The engine, loaded when the first pattern is compiled: a process whose config has no site rule nor alert rule
 * (`feedwatch feeds`, `help`) never pays for it (~15 ms of CPU). Loaded through require, as its CommonJS build: the
 * only import of re2js is this one, so there is one instance.
 */
let engine: typeof RE2JS | null = null;
function re2(): typeof RE2JS {
  return (engine ??= (createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS);
}

/** JavaScript's `\s`: RE2's ASCII set plus the Unicode spaces and the BOM. */
const JS_SPACE = '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';

export class RegexSyntaxError extends Error {
  /** Offset in the pattern (0-based) of the construct refused, when known. */
  readonly offset: number | null;
  constructor(message: string, offset: number | null) {
    super(message);
    this.name = 'RegexSyntaxError';
    this.offset = offset;
  }
}

/** JavaScript pattern syntax → RE2 syntax, or RegexSyntaxError for what RE2 cannot run. */
export function toRe2Syntax(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const d = source[i + 1];
      if (d === undefined) throw new RegexSyntaxError('a pattern cannot end with "\\"', i);
      if (d === 's') {
        out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
        i++;
        continue;
      }
      if (d >= '1' && d <= '9') throw new RegexSyntaxError(`backreference "\\${d}" is not supported (it needs backtracking)`, i);
      if (d === 'k' && source[i + 2] === '<') throw new RegexSyntaxError('named backreference "\\k<...>" is not supported (it needs backtracking)', i);
      if (d === 'u') {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(i + 2));
        const plain = /^[0-9a-fA-F]{4}/.exec(source.slice(i + 2));
        if (braced) {
          out += `\\x{${braced[1]}}`;
          i += 1 + braced[0].length;
          continue;
        }
        if (plain) {
          out += `\\x{${plain[0]}}`;
          i += 5;
          continue;
        }
      }
      out += c + d;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A "]" or "^]" right after "[" is a literal in RE2 but ends an empty class in JavaScript.
      if (source[i + 1] === ']' || (source[i + 1] === '^' && source[i + 2] === ']')) {
        throw new RegexSyntaxError('an empty character class ("[]" or "[^]") is not supported', i);
      }
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      const kind = source.slice(i + 2, i + 4);
      if (kind.startsWith('=') || kind.startsWith('!')) throw new RegexSyntaxError(`lookahead "(?${kind[0]}" is not supported (it needs backtracking)`, i);
      if (kind === '<=' || kind === '<!') throw new RegexSyntaxError(`lookbehind "(?${kind}" is not supported (it needs backtracking)`, i);
    }
    out += c;
  }
  return out;
}

function re2Flags(flags: string): number {
  let f = 0;
  const { CASE_INSENSITIVE, MULTILINE, DOTALL } = re2();
  if (flags.includes('i')) f |= CASE_INSENSITIVE;
  if (flags.includes('m')) f |= MULTILINE;
  if (flags.includes('s')) f |= DOTALL;
  return f;
}

/** A RegExp that matches with RE2 (linear time). Flags: g, i, m, s, u, y (d is refused). */
export class LinearRegExp extends RegExp {
  readonly #pattern: string;
  readonly #re2: RE2JS;
  readonly #names: [string, number][];

  constructor(source: string | RegExp, flags?: string) {
    const pattern = source instanceof LinearRegExp ? source.#pattern : source instanceof RegExp ? source.source : source;
    const f = flags ?? (source instanceof RegExp ? source.flags : '');
    if (/[^gimsuy]/.test(f)) throw new RegexSyntaxError(`flag "${/[^gimsuy]/.exec(f)![0]}" is not supported`, null);
    // V8 checks the JavaScript syntax and the flags; RE2 gets an always-matching stand-in's state.
    super('(?:)', f);
    try {
      new RegExp(pattern, f); // JavaScript syntax first: the pattern is written for it
    } catch (err) {
      throw new RegexSyntaxError((err as Error).message.replace(/^Invalid regular expression: /, ''), null);
    }
    const translated = toRe2Syntax(pattern);
    try {
      this.#re2 = re2().compile(translated, re2Flags(f));
    } catch (err) {
      const message = (err as Error).message.replace(/^error parsing regexp: /, '');
      const quoted = /`([^`]+)`/.exec(message)?.[1];
      const at = quoted ? pattern.indexOf(quoted.slice(0, 3)) : -1;
      throw new RegexSyntaxError(`the linear-time engine (RE2) refuses it: ${message}`, at >= 0 ? at : null);
    }
    this.#pattern = pattern;
    this.#names = Object.entries(this.#re2.namedGroups());
  }

  override get source(): string {
    return this.#pattern;
  }

  override exec(input: string): RegExpExecArray | null {
    const s = String(input);
    const sticky = this.sticky;
    const stateful = this.global || sticky;
    const from = stateful ? this.lastIndex : 0;
    if (from > s.length) {
      this.lastIndex = 0;
      return null;
    }
    const m = this.#re2.matcher(s);
    if (!m.find(from) || (sticky && m.start() !== from)) {
      if (stateful) this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g) ?? undefined);
    const result = groups as unknown as RegExpExecArray;
    result.index = m.start();
    result.input = s;
    if (this.#names.length > 0) {
      const named: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
      for (const [name, index] of this.#names) named[name] = groups[index];
      result.groups = named as Record<string, string>;
    } else {
      result.groups = undefined;
    }
    if (stateful) this.lastIndex = m.end();
    return result;
  }

  override toString(): string {
    return `/${this.#pattern}/${this.flags}`;
  }
}

/** Where the refusal is, in words: " at character N" (1-based) or nothing. */
export function regexPosition(err: unknown): string {
  return err instanceof RegexSyntaxError && err.offset !== null ? ` at character ${err.offset + 1}` : '';
}

/** Patterns that ship with feedwatch (checked by the ReDoS test): they may run on V8's faster RegExp. */
const builtinPatterns = new Set<string>();

/** Mark a pattern as built in (src/extract/builtin-rules.ts does, for its own rule set). */
export function trustBuiltinPattern(source: string): void {
  builtinPatterns.add(source);
}

/** A site-rule pattern: V8's RegExp when built in, else RE2 (user-written). */
export function compilePattern(source: string, flags: string): RegExp {
  return builtinPatterns.has(source) ? new RegExp(source, flags) : new LinearRegExp(source, flags);
}

/** The patterns marked built in (for the ReDoS test). */
export function builtinPatternList(): string[] {
  return [...builtinPatterns];
}

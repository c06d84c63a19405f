/**
 * Does a rule match an article, and where. A rule word matches a text word when the word's query keys meet the
 * token's keys (see morphology.ts); a phrase matches consecutive tokens, each by its keys, within one line
 * (a paragraph or tag boundary breaks a phrase); a /regex/ runs on the raw field text, case- and ё-folded.
 * Unscoped terms look in title, lead and body; `feed:` and `tag:` look only where they say.
 *
 * compileRule() keys a parsed rule once; buildAlertDoc() analyses an article's fields once (or reuses stored
 * analyses); matchRule() is then a few map lookups per term.
 *
 * Regexes run on untrusted text, so the alert stage runs them where the rest of that work runs (a CPU worker,
 * src/cpu/tasks.ts): regexTermsOf() lists the rules' /regex/ terms as plain data, runRegexTerms() finds where each
 * matches, and a document carrying those results (`AlertDoc.regex`) is matched without running any regex. A
 * document without them (search, the CLI) runs its regexes in matchRule, the same way.
 */
import { analyzeText, type AnalyzedText, type Lemmatizer } from './morphology.js';
import { compileRegex, parseRule, type Field, type RuleNode } from './rule-parser.js';
import { foldKeepingOffsets, foldWord } from './tokenize.js';

export const DEFAULT_FIELDS: readonly Field[] = ['title', 'lead', 'body'];

/** What matching needs of an article: raw text per field and its analysis. Plain data. */
export interface AlertDoc {
  text: Record<Field, string>;
  analyzed: Record<Field, AnalyzedText>;
  /**
   * Where the rules' regex terms match, found elsewhere (runRegexTerms in a worker): matchRule then runs no regex.
   * A term it lacks matches nothing. Absent: matchRule runs the regexes itself.
   */
  regex?: RegexHits;
}

/** A rule's /regex/ term as plain data (it can cross to a worker), with the fields some rule looks in with it. */
export interface RegexTerm {
  /** As written in the rule, `/source/flags`: the key of its results. */
  term: string;
  source: string;
  flags: string;
  fields: Field[];
}

/** Where each regex term matched: term → field → [start, end] (UTF-16 offsets into the field's raw text). */
export type RegexHits = Record<string, Partial<Record<Field, [number, number][]>>>;

export interface AlertDocInput {
  title?: string | null;
  lead?: string | null;
  /** Body text; paragraphs joined with "\n\n". */
  body?: string | null;
  feed?: string | null;
  tags?: readonly string[];
  /** Analyses stored with the article; any missing, or made by another lemmatizer, is redone. */
  analyzed?: Partial<Record<Field, AnalyzedText>>;
}

/**
 * Raw field texts and analyses of an article. Tags are joined one per line. Each field analysed here keys at most
 * `maxTokens` tokens (morphology.ts `analyzeText`).
 */
export function buildAlertDoc(input: AlertDocInput, lem: Lemmatizer, maxTokens = Infinity): AlertDoc {
  const text: Record<Field, string> = {
    title: input.title ?? '',
    lead: input.lead ?? '',
    body: input.body ?? '',
    feed: input.feed ?? '',
    tag: (input.tags ?? []).join('\n'),
  };
  const analyzed = {} as Record<Field, AnalyzedText>;
  for (const f of Object.keys(text) as Field[]) {
    const stored = input.analyzed?.[f];
    analyzed[f] = stored && stored.by === lem.id ? stored : analyzeText(text[f], lem, maxTokens);
  }
  return { text, analyzed };
}

type CompiledNode =
  | { type: 'word'; term: string; keys: readonly string[]; forms: readonly string[] }
  | { type: 'phrase'; term: string; keys: (readonly string[])[]; forms: (readonly string[])[] }
  | { type: 'regex'; term: string; source: string; flags: string; re: RegExp }
  | { type: 'and' | 'or'; children: CompiledNode[] }
  | { type: 'not'; child: CompiledNode }
  | { type: 'field'; field: Field; child: CompiledNode };

export interface CompiledRule {
  source: string;
  ast: RuleNode;
  root: CompiledNode;
}

/**
 * `node` with a `forms` property computed on first read: only PostgreSQL search reads forms, and listing a
 * paradigm costs more than keying the word, so rules that are only matched never pay for it.
 */
function lazyForms<N extends object, F>(node: N, compute: () => F): N & { readonly forms: F } {
  let forms: F | undefined;
  return Object.defineProperty(node, 'forms', { enumerable: true, get: () => (forms ??= compute()) }) as N & { readonly forms: F };
}

/** Key a rule's words with a lemmatizer. Accepts rule text (parsed here; may throw RuleSyntaxError) or an AST. */
export function compileRule(rule: string | RuleNode, lem: Lemmatizer, source?: string): CompiledRule {
  const ast = typeof rule === 'string' ? parseRule(rule) : rule;
  const formsOf = (w: string): readonly string[] => (lem.queryForms ? lem.queryForms(w) : [foldWord(w)]);
  const compile = (n: RuleNode): CompiledNode => {
    switch (n.type) {
      case 'word':
        return lazyForms({ type: 'word', term: n.text, keys: lem.queryKeys(n.text) }, () => formsOf(n.text));
      case 'phrase':
        return lazyForms({ type: 'phrase', term: n.text, keys: n.words.map((w) => lem.queryKeys(w)) }, () => n.words.map(formsOf));
      case 'regex':
        return { type: 'regex', term: `/${n.source}/${n.flags}`, source: n.source, flags: n.flags, re: compileRegex(n.source, n.flags) };
      case 'and':
      case 'or':
        return { type: n.type, children: n.children.map(compile) };
      case 'not':
        return { type: 'not', child: compile(n.child) };
      case 'field':
        return { type: 'field', field: n.field, child: compile(n.child) };
    }
  };
  return { source: source ?? (typeof rule === 'string' ? rule : ''), ast, root: compile(ast) };
}

export interface MatchSpan {
  field: Field;
  /** UTF-16 offsets into the field's raw text. */
  start: number;
  end: number;
  /** The rule term that matched, as written in the rule. */
  term: string;
  /** The matched text as written in the article. */
  text: string;
}

export interface MatchResult {
  match: boolean;
  spans: MatchSpan[];
}

interface FieldIndex {
  byKey: Map<string, number[]>;
  tokenKeys: string[][];
}

const indexCache = new WeakMap<AnalyzedText, FieldIndex>();
function indexOf(a: AnalyzedText): FieldIndex {
  let idx = indexCache.get(a);
  if (!idx) {
    const byKey = new Map<string, number[]>();
    const tokenKeys = a.keys.map((ks, i) => {
      const list = ks === '' ? [] : ks.split(' ');
      for (const k of list) {
        const arr = byKey.get(k);
        if (arr) arr.push(i);
        else byKey.set(k, [i]);
      }
      return list;
    });
    idx = { byKey, tokenKeys };
    indexCache.set(a, idx);
  }
  return idx;
}

const foldedCache = new WeakMap<AlertDoc, Partial<Record<Field, string>>>();
function foldedText(doc: AlertDoc, f: Field): string {
  let m = foldedCache.get(doc);
  if (!m) foldedCache.set(doc, (m = {}));
  return (m[f] ??= foldKeepingOffsets(doc.text[f]));
}

const MAX_REGEX_SPANS = 50;

/** Where `re` matches in `folded` (a field's text folded as foldKeepingOffsets does): at most MAX_REGEX_SPANS, none empty. */
function regexSpans(re: RegExp, folded: string): [number, number][] {
  const out: [number, number][] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (out.length < MAX_REGEX_SPANS && (m = re.exec(folded)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

/** The distinct /regex/ terms of the rules, each with every field a rule looks in with it. */
export function regexTermsOf(rules: readonly CompiledRule[]): RegexTerm[] {
  const terms = new Map<string, RegexTerm>();
  const walk = (n: CompiledNode, fields: readonly Field[]): void => {
    switch (n.type) {
      case 'regex': {
        const t = terms.get(n.term) ?? { term: n.term, source: n.source, flags: n.flags, fields: [] };
        for (const f of fields) if (!t.fields.includes(f)) t.fields.push(f);
        terms.set(n.term, t);
        return;
      }
      case 'and':
      case 'or':
        for (const c of n.children) walk(c, fields);
        return;
      case 'not':
        return walk(n.child, fields);
      case 'field':
        return walk(n.child, [n.field]);
      default:
        return;
    }
  };
  for (const r of rules) walk(r.root, DEFAULT_FIELDS);
  return [...terms.values()];
}

/**
 * Run regex terms over field texts (the raw texts, as AlertDoc.text has them): what a document's `regex` carries.
 * Plain data in and out; the CPU pool's 'regex' task. A field missing from `texts` is empty.
 */
export function runRegexTerms(texts: Partial<Record<Field, string>>, terms: readonly RegexTerm[]): RegexHits {
  const folded: Partial<Record<Field, string>> = {};
  const out: RegexHits = {};
  for (const t of terms) {
    const re = compileRegex(t.source, t.flags);
    const hits: Partial<Record<Field, [number, number][]>> = {};
    for (const f of t.fields) {
      const spans = regexSpans(re, (folded[f] ??= foldKeepingOffsets(texts[f] ?? '')));
      if (spans.length > 0) hits[f] = spans;
    }
    out[t.term] = hits;
  }
  return out;
}

function positionsOf(idx: FieldIndex, keys: readonly string[]): number[] {
  if (keys.length === 1) return idx.byKey.get(keys[0]!) ?? [];
  const set = new Set<number>();
  for (const k of keys) for (const p of idx.byKey.get(k) ?? []) set.add(p);
  return [...set].sort((a, b) => a - b);
}

function span(doc: AlertDoc, field: Field, start: number, end: number, term: string): MatchSpan {
  return { field, start, end, term, text: doc.text[field].slice(start, end) };
}

/** Spans where the node matches, or null when it does not. NOT contributes no spans. */
function evaluate(n: CompiledNode, doc: AlertDoc, fields: readonly Field[]): MatchSpan[] | null {
  switch (n.type) {
    case 'word': {
      const out: MatchSpan[] = [];
      for (const f of fields) {
        const a = doc.analyzed[f];
        for (const p of positionsOf(indexOf(a), n.keys)) out.push(span(doc, f, a.starts[p]!, a.ends[p]!, n.term));
      }
      return out.length > 0 ? out : null;
    }
    case 'phrase': {
      const out: MatchSpan[] = [];
      const len = n.keys.length;
      for (const f of fields) {
        const a = doc.analyzed[f];
        const idx = indexOf(a);
        const raw = doc.text[f];
        for (const p of positionsOf(idx, n.keys[0]!)) {
          let ok = p + len <= a.keys.length;
          for (let i = 1; ok && i < len; i++) {
            const want = n.keys[i]!;
            ok = idx.tokenKeys[p + i]!.some((k) => want.includes(k)) && !raw.slice(a.ends[p + i - 1]!, a.starts[p + i]!).includes('\n');
          }
          if (ok) out.push(span(doc, f, a.starts[p]!, a.ends[p + len - 1]!, n.term));
        }
      }
      return out.length > 0 ? out : null;
    }
    case 'regex': {
      const out: MatchSpan[] = [];
      for (const f of fields) {
        const found = doc.regex ? (doc.regex[n.term]?.[f] ?? []) : regexSpans(n.re, foldedText(doc, f));
        for (const [start, end] of found) out.push(span(doc, f, start, end, n.term));
      }
      return out.length > 0 ? out : null;
    }
    case 'and': {
      const out: MatchSpan[] = [];
      for (const c of n.children) {
        const s = evaluate(c, doc, fields);
        if (s === null) return null;
        out.push(...s);
      }
      return out;
    }
    case 'or': {
      let out: MatchSpan[] | null = null;
      for (const c of n.children) {
        const s = evaluate(c, doc, fields);
        if (s !== null) (out ??= []).push(...s);
      }
      return out;
    }
    case 'not':
      return evaluate(n.child, doc, fields) === null ? [] : null;
    case 'field':
      return evaluate(n.child, doc, [n.field]);
  }
}

const FIELD_ORDER: Record<Field, number> = { title: 0, lead: 1, body: 2, feed: 3, tag: 4 };

/** Whether the rule matches the article, and the matched spans (sorted, without duplicates). */
export function matchRule(rule: CompiledRule, doc: AlertDoc): MatchResult {
  const spans = evaluate(rule.root, doc, DEFAULT_FIELDS);
  if (spans === null) return { match: false, spans: [] };
  const seen = new Set<string>();
  const unique = spans.filter((s) => {
    const k = `${s.field}:${s.start}:${s.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  unique.sort((a, b) => FIELD_ORDER[a.field] - FIELD_ORDER[b.field] || a.start - b.start || a.end - b.end);
  return { match: true, spans: unique };
}

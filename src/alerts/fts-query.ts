/**
 * A SQLite FTS5 query that finds every stored article a rule can match (and maybe more), for `feedwatch search`:
 * the FTS5 table indexes `lemmaText()` of each field, the query narrows the candidates, and matchRule() on the
 * stored analyses makes the final decision, so search and alerts agree exactly.
 *
 * Table: CREATE VIRTUAL TABLE … USING fts5(title, lead, body, feed, tags,
 *                                          tokenize = "unicode61 remove_diacritics 0 tokenchars '_'")
 * (keys are letters, digits and "_"; `remove_diacritics 0` keeps й apart from и; "_" keeps stem keys whole).
 *
 * Translation: a word → its query keys OR-ed in its fields' columns; a phrase → all its words (adjacency is
 * checked by matchRule); AND/OR as is; NOT and /regex/ cannot narrow, so they drop out of an AND and make an OR
 * (or the whole rule) unnarrowable. null means "no narrowing: scan every article". The walk (`narrowingQuery`) is
 * shared with PostgreSQL's tsquery (store/postgres/alerts.ts), which writes words its own way: by their forms,
 * stemmed with the built-in text search configurations.
 */
import { DEFAULT_FIELDS, type CompiledRule } from './match.js';
import type { Field } from './rule-parser.js';

export const DEFAULT_FTS_COLUMNS: Readonly<Record<Field, string>> = { title: 'title', lead: 'lead', body: 'body', feed: 'feed', tag: 'tags' };

type Node = CompiledRule['root'];

/** How one query language writes a rule's narrowing (SQLite FTS5 here, PostgreSQL tsquery in store/postgres/alerts.ts). */
export interface NarrowingSyntax {
  /**
   * One rule word in any of `fields`: any of its `keys` (what FTS5 indexes), or any of its `forms` (folded words
   * that have those keys, for an index of stems); null when it cannot be written (no key, or one the index cannot
   * hold).
   */
  words(word: { keys: readonly string[]; forms: readonly string[] }, fields: readonly Field[]): string | null;
  /** Joins parenthesized operands: " AND ", " & ". */
  and: string;
  /** " OR ", " | ". */
  or: string;
}

/** The translation above in `syntax`: a query every document the rule matches satisfies, or null (no narrowing). */
export function narrowingQuery(rule: CompiledRule, syntax: NarrowingSyntax): string | null {
  const walk = (n: Node, fields: readonly Field[]): string | null => {
    switch (n.type) {
      case 'word':
        return syntax.words(n, fields);
      case 'phrase': {
        const parts: string[] = [];
        for (const [i, keys] of n.keys.entries()) {
          if (keys.length === 0) continue;
          const p = syntax.words({ keys, forms: n.forms[i] ?? [] }, fields);
          if (p !== null) parts.push(p);
        }
        return parts.length ? parts.map((p) => `(${p})`).join(syntax.and) : null;
      }
      case 'regex':
      case 'not':
        return null;
      case 'field':
        return walk(n.child, [n.field]);
      case 'and': {
        const parts = n.children.map((c) => walk(c, fields)).filter((p): p is string => p !== null);
        return parts.length ? parts.map((p) => `(${p})`).join(syntax.and) : null;
      }
      case 'or': {
        const parts = n.children.map((c) => walk(c, fields));
        if (parts.some((p) => p === null)) return null;
        return parts.map((p) => `(${p})`).join(syntax.or);
      }
    }
  };
  return walk(rule.root, DEFAULT_FIELDS);
}

const quote = (k: string): string => `"${k.replace(/"/g, '""')}"`;

/**
 * `columns` null: for a table with `detail = none` (no column queries): a word is looked for in every column, a
 * wider narrowing that matchRule still confirms.
 */
export function ftsQuery(rule: CompiledRule, columns: Readonly<Record<Field, string>> | null = DEFAULT_FTS_COLUMNS): string | null {
  const keysOf = (keys: readonly string[]): string => `(${keys.map(quote).join(' OR ')})`;
  return narrowingQuery(rule, {
    words: ({ keys }, fields) => (keys.length === 0 ? null : columns === null ? keysOf(keys) : `{${fields.map((f) => columns[f]).join(' ')}} : ${keysOf(keys)}`),
    and: ' AND ',
    or: ' OR ',
  });
}

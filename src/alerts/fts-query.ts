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
 * (or the whole rule) unnarrowable. null means "no narrowing: scan every article".
 */
import { DEFAULT_FIELDS, type CompiledRule } from './match.js';
import type { Field } from './rule-parser.js';

export const DEFAULT_FTS_COLUMNS: Readonly<Record<Field, string>> = { title: 'title', lead: 'lead', body: 'body', feed: 'feed', tag: 'tags' };

type Node = CompiledRule['root'];

const quote = (k: string): string => `"${k.replace(/"/g, '""')}"`;

export function ftsQuery(rule: CompiledRule, columns: Readonly<Record<Field, string>> = DEFAULT_FTS_COLUMNS): string | null {
  const words = (keys: readonly string[], fields: readonly Field[]): string =>
    `{${fields.map((f) => columns[f]).join(' ')}} : (${keys.map(quote).join(' OR ')})`;
  const walk = (n: Node, fields: readonly Field[]): string | null => {
    switch (n.type) {
      case 'word':
        return n.keys.length ? words(n.keys, fields) : null;
      case 'phrase': {
        const parts = n.keys.filter((k) => k.length > 0).map((k) => words(k, fields));
        return parts.length ? parts.map((p) => `(${p})`).join(' AND ') : null;
      }
      case 'regex':
      case 'not':
        return null;
      case 'field':
        return walk(n.child, [n.field]);
      case 'and': {
        const parts = n.children.map((c) => walk(c, fields)).filter((p): p is string => p !== null);
        return parts.length ? parts.map((p) => `(${p})`).join(' AND ') : null;
      }
      case 'or': {
        const parts = n.children.map((c) => walk(c, fields));
        if (parts.some((p) => p === null)) return null;
        return parts.map((p) => `(${p})`).join(' OR ');
      }
    }
  };
  return walk(rule.root, DEFAULT_FIELDS);
}

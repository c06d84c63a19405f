/**
 * Measures how well rule words find their word forms: for each rule word of a hand-labelled list, the share of
 * the forms it should match that it does (recall) and the share of look-alikes it matches although it should
 * not (false-match rate). Each check goes the whole way a rule goes: parse, key, analyse, match.
 */
import { buildAlertDoc, compileRule, matchRule } from '../../src/alerts/match.js';
import type { Lemmatizer } from '../../src/alerts/morphology.js';

export interface WordFormsEntry {
  rule: string;
  kind: string;
  lang: string;
  match: string[];
  noMatch: string[];
}

export interface Rate {
  /** Forms the rule word should match, and how many it did. */
  should: number;
  found: number;
  /** Look-alikes it should not match, and how many it did. */
  shouldNot: number;
  falseMatches: number;
  recall: number;
  falseMatchRate: number;
}

export interface WordFormsReport extends Rate {
  lemmatizer: string;
  rules: number;
  byKind: Record<string, Rate>;
  byLang: Record<string, Rate>;
  missed: { rule: string; form: string }[];
  falselyMatched: { rule: string; form: string }[];
}

function rate(should: number, found: number, shouldNot: number, falseMatches: number): Rate {
  return {
    should,
    found,
    shouldNot,
    falseMatches,
    recall: should === 0 ? 1 : found / should,
    falseMatchRate: shouldNot === 0 ? 0 : falseMatches / shouldNot,
  };
}

export function evaluateWordForms(entries: readonly WordFormsEntry[], lem: Lemmatizer): WordFormsReport {
  const matches = (rule: string, form: string): boolean => matchRule(compileRule(rule, lem), buildAlertDoc({ body: form }, lem)).match;
  const missed: { rule: string; form: string }[] = [];
  const falselyMatched: { rule: string; form: string }[] = [];
  const tally = new Map<string, [number, number, number, number]>();
  const add = (key: string, i: 0 | 1 | 2 | 3): void => {
    const t = tally.get(key) ?? [0, 0, 0, 0];
    t[i]++;
    tally.set(key, t);
  };
  for (const e of entries) {
    const groups = ['all', `kind:${e.kind}`, `lang:${e.lang}`];
    for (const form of e.match) {
      groups.forEach((g) => add(g, 0));
      if (matches(e.rule, form)) groups.forEach((g) => add(g, 1));
      else missed.push({ rule: e.rule, form });
    }
    for (const form of e.noMatch) {
      groups.forEach((g) => add(g, 2));
      if (matches(e.rule, form)) {
        groups.forEach((g) => add(g, 3));
        falselyMatched.push({ rule: e.rule, form });
      }
    }
  }
  const r = (key: string): Rate => {
    const t = tally.get(key) ?? [0, 0, 0, 0];
    return rate(t[0], t[1], t[2], t[3]);
  };
  const byKind: Record<string, Rate> = {};
  const byLang: Record<string, Rate> = {};
  for (const key of tally.keys()) {
    if (key.startsWith('kind:')) byKind[key.slice(5)] = r(key);
    if (key.startsWith('lang:')) byLang[key.slice(5)] = r(key);
  }
  return { lemmatizer: lem.id, rules: entries.length, ...r('all'), byKind, byLang, missed, falselyMatched };
}

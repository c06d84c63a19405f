/**
 * What an alert says, independent of the channel: one item per matched article (title, lead, link, the terms
 * that matched and where they are in the title and lead), one or more items per message (a digest has many).
 * Plain data: it is stored with a pending delivery and rendered by each channel.
 */
import type { MatchSpan } from './match.js';

export interface AlertArticle {
  title: string | null;
  lead: string | null;
  url: string | null;
  feed: string;
  publishedAt: string | null;
}

export interface Highlight {
  field: 'title' | 'lead';
  start: number;
  end: number;
}

export interface AlertItem {
  title: string;
  lead: string | null;
  url: string | null;
  feed: string;
  publishedAt: string | null;
  /** The matched words as written in the article, distinct (case-folded), in order of first appearance. */
  terms: string[];
  /** Non-overlapping matched ranges in the title and lead, sorted. */
  highlights: Highlight[];
}

/** What an alert says, whatever the channel and whichever attempt at sending it. */
export interface AlertContent {
  rule: string;
  digest: boolean;
  items: AlertItem[];
}

/**
 * An alert as a channel sends it: its content and its id, the same on every attempt at sending this message (a
 * retry, or a repeat after a crash), so that a receiver can drop a repeat.
 */
export interface AlertMessage extends AlertContent {
  id: string;
}

const MAX_TERMS = 20;

/** One article's part of an alert. */
export function alertItem(article: AlertArticle, spans: readonly MatchSpan[]): AlertItem {
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const s of spans) {
    const k = s.text.toLowerCase();
    if (seen.has(k) || terms.length >= MAX_TERMS) continue;
    seen.add(k);
    terms.push(s.text);
  }
  const highlights: Highlight[] = [];
  for (const field of ['title', 'lead'] as const) {
    const ranges = spans.filter((s) => s.field === field).sort((a, b) => a.start - b.start || b.end - a.end);
    for (const r of ranges) {
      const last = highlights[highlights.length - 1];
      if (last && last.field === field && r.start <= last.end) last.end = Math.max(last.end, r.end);
      else highlights.push({ field, start: r.start, end: r.end });
    }
  }
  return {
    // Kept as written (not trimmed): highlight offsets point into it.
    title: article.title?.trim() ? article.title : article.url || '(untitled)',
    lead: article.lead?.trim() ? article.lead : null,
    url: article.url,
    feed: article.feed,
    publishedAt: article.publishedAt,
    terms,
    highlights: article.title?.trim() ? highlights : highlights.filter((h) => h.field !== 'title'),
  };
}

/** The alert for one matched article. */
export function formatAlert(article: AlertArticle, match: { rule: string; spans: readonly MatchSpan[] }): AlertContent {
  return { rule: match.rule, digest: false, items: [alertItem(article, match.spans)] };
}

/** One message gathering the items of a rule's digest window. */
export function formatDigest(rule: string, items: readonly AlertItem[]): AlertContent {
  return { rule, digest: true, items: [...items] };
}

export interface Segment {
  text: string;
  hit: boolean;
}

/** Cut a title or lead into plain and highlighted pieces. */
export function segments(text: string, highlights: readonly Highlight[], field: 'title' | 'lead'): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  for (const h of highlights) {
    if (h.field !== field || h.start < pos || h.end > text.length) continue;
    if (h.start > pos) out.push({ text: text.slice(pos, h.start), hit: false });
    out.push({ text: text.slice(h.start, h.end), hit: true });
    pos = h.end;
  }
  if (pos < text.length) out.push({ text: text.slice(pos), hit: false });
  return out;
}

/** A short subject line: the rule and the (first) title. */
export function subjectOf(m: AlertContent): string {
  const first = m.items[0]?.title ?? '';
  return m.items.length > 1 ? `${m.rule}: ${m.items.length} new articles` : `${m.rule}: ${first}`;
}

/** The message as plain text (email text part, logs). */
export function plainText(m: AlertContent): string {
  const blocks = m.items.map((it) => {
    const lines = [it.title];
    if (it.lead) lines.push(it.lead);
    if (it.url) lines.push(it.url);
    if (it.terms.length) lines.push(`Matched: ${it.terms.join(', ')}`);
    return lines.join('\n');
  });
  const head = m.digest ? `Rule "${m.rule}": ${m.items.length} article${m.items.length === 1 ? '' : 's'}` : `Rule "${m.rule}"`;
  return `${head}\n\n${blocks.join('\n\n')}\n`;
}

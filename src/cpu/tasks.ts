/**
 * The CPU work done on untrusted input (decoding a body, parsing a feed, parsing and extracting a page, analysing an
 * article's words, running the alert rules' regexes over it), as tasks that can cross to a worker thread: plain data in, plain data out.
 * Each task calls a stage function unchanged (parseFeed, extractArticle, analyzeText, runRegexTerms); `runTask` is the one place
 * that maps a task to its function, used by the worker threads (worker.ts) and by the in-thread runner
 * (`budgets.threads: 0`).
 */
import type { AnalyzedText, Lemmatizer } from '../alerts/morphology.js';
import { analyzeText, loadMorphology } from '../alerts/morphology.js';
import { runRegexTerms, type RegexHits, type RegexTerm } from '../alerts/match.js';
import type { Field } from '../alerts/rule-parser.js';
import { FeedwatchError } from '../errors.js';
import { decodeText } from '../fetch/text-body.js';
import { extractArticle } from '../extract/index.js';
import type { SiteRule } from '../extract/rule-schema.js';
import { parseFeed, type ParseOptions } from '../feed/parse.js';
import type { Article, DecodedText, FeedItem } from '../model.js';

export type CpuTask =
  | { type: 'decode'; body: Uint8Array; contentType: string | null; kind: 'xml' | 'html'; url: string }
  | { type: 'parse-feed'; xml: string; feedName: string; opts: ParseOptions }
  | { type: 'extract'; html: string; url: string; sites: readonly SiteRule[]; maxChars?: number }
  /** A fetched page decoded and extracted in one task: its bytes cross to the worker once, its text never crosses. */
  | { type: 'page'; body: Uint8Array; contentType: string | null; url: string; sites: readonly SiteRule[]; maxChars?: number }
  | { type: 'analyse'; fields: Partial<Record<Field, string>>; maxTokens: number }
  | { type: 'regex'; fields: Partial<Record<Field, string>>; terms: RegexTerm[] };

export type CpuTaskType = CpuTask['type'];

/** A page's article with the charset its bytes were read in and why. */
export interface ExtractedPage {
  article: Article;
  charset: string;
  charsetReason: string;
}

/** What a task returns, by its type. */
export interface CpuResults {
  decode: DecodedText;
  'parse-feed': FeedItem[];
  extract: Article;
  page: ExtractedPage;
  analyse: Partial<Record<Field, AnalyzedText>>;
  regex: RegexHits;
}

/**
 * Runs tasks in the calling thread; the lemmatizer is loaded on the first analysis (once per thread). A RangeError
 * out of a stage (the call stack exhausted by nesting, an array or string over V8's length limit) is the input
 * exceeding what the thread can hold: it fails as 'too-complex'.
 */
export function createTaskRunner(): (task: CpuTask) => Promise<CpuResults[CpuTaskType]> {
  const run = taskFunction();
  return async (task) => {
    try {
      return await run(task);
    } catch (err) {
      if (err instanceof RangeError) throw new FeedwatchError('too-complex', `${task.type}: the input is too complex to process (${err.message})`, { task: task.type }, { cause: err });
      throw err;
    }
  };
}

function taskFunction(): (task: CpuTask) => Promise<CpuResults[CpuTaskType]> {
  let lemmatizer: Promise<Lemmatizer> | null = null;
  return async (task) => {
    switch (task.type) {
      case 'decode':
        return decodeText(task.body, task.contentType, task.kind, task.url);
      case 'parse-feed':
        return parseFeed(task.xml, task.feedName, task.opts);
      case 'extract':
        return extractArticle(task.html, task.url, { rules: task.sites, ...(task.maxChars === undefined ? {} : { maxChars: task.maxChars }) });
      case 'page': {
        const page = decodeText(task.body, task.contentType, 'html', task.url);
        const article = extractArticle(page.text, task.url, { rules: task.sites, ...(task.maxChars === undefined ? {} : { maxChars: task.maxChars }) });
        return { article, charset: page.charset, charsetReason: page.charsetReason };
      }
      case 'analyse': {
        const lem = await (lemmatizer ??= loadMorphology());
        const out: Partial<Record<Field, AnalyzedText>> = {};
        for (const [field, text] of Object.entries(task.fields) as [Field, string][]) out[field] = analyzeText(text, lem, task.maxTokens);
        return out;
      }
      case 'regex':
        return runRegexTerms(task.fields, task.terms);
    }
  };
}

/**
 * The CPU work done on untrusted input (decoding a body, parsing a feed, parsing and extracting a page, analysing an
 * article's words, running the alert rules' regexes over it), as tasks that can cross to a worker thread: plain data in, plain data out.
 * Each task calls a stage function unchanged (parseFeed, extractArticle, analyzeText, runRegexTerms); `runTask` is the one place
 * that maps a task to its function, used by the worker threads (worker.ts) and by the in-thread runner
 * (`budgets.threads: 0`).
 */
import type { AnalyzedText, Lemmatizer } from '../alerts/morphology.js';
import type { RegexHits, RegexTerm } from '../alerts/match.js';
import type { Field } from '../alerts/rule-parser.js';
import { FeedwatchError } from '../errors.js';
import type { SiteRule } from '../extract/rule-schema.js';
import type { ParseOptions } from '../feed/parse.js';
import type { Article, DecodedText, FeedItem } from '../model.js';

export type CpuTask =
  | { type: 'decode'; body: Uint8Array; contentType: string | null; kind: 'xml' | 'html'; url: string }
  | { type: 'parse-feed'; xml: string; feedName: string; opts: ParseOptions }
  /** A fetched feed decoded and parsed in one task: its bytes cross to the worker once, its text never crosses. */
  | { type: 'feed'; body: Uint8Array; contentType: string | null; url: string; feedName: string; opts: ParseOptions }
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

/** A feed's items with the charset its bytes were read in and why. */
export interface ParsedFeed {
  items: FeedItem[];
  charset: string;
  charsetReason: string;
}

/** What a task returns, by its type. */
export interface CpuResults {
  decode: DecodedText;
  'parse-feed': FeedItem[];
  feed: ParsedFeed;
  extract: Article;
  page: ExtractedPage;
  analyse: Partial<Record<Field, AnalyzedText>>;
  regex: RegexHits;
}

/**
 * The stage modules a task type needs, imported on its first task in this thread and kept. A thread that only ever
 * decodes and parses feeds (a daemon polling with `fetchArticles: false`, or between new articles) never loads the
 * page extractor (cheerio, parse5, the site rules: about 30 MB of a worker's heap) or the alert matchers.
 */
const MODULES = {
  decode: () => import('../fetch/text-body.js'),
  feed: () => import('../feed/parse.js'),
  extract: () => import('../extract/index.js'),
  morphology: () => import('../alerts/morphology.js'),
  match: () => import('../alerts/match.js'),
};
type ModuleName = keyof typeof MODULES;
type Loaded = { [K in ModuleName]: Awaited<ReturnType<(typeof MODULES)[K]>> };

const NEEDS: Record<CpuTaskType, readonly ModuleName[]> = {
  decode: ['decode'],
  'parse-feed': ['feed'],
  feed: ['decode', 'feed'],
  extract: ['extract'],
  page: ['decode', 'extract'],
  analyse: ['morphology'],
  regex: ['match'],
};

export interface TaskRunner {
  /** Load what tasks of this type need (done by `run` too; a worker calls it before its task's deadline starts). */
  prepare(type: CpuTaskType): Promise<void>;
  run(task: CpuTask): Promise<CpuResults[CpuTaskType]>;
}

/**
 * Runs tasks in the calling thread; each task type's modules load on its first task, the lemmatizer on the first
 * analysis (once per thread). A RangeError out of a stage (the call stack exhausted by nesting, an array or string
 * over V8's length limit) is the input exceeding what the thread can hold: it fails as 'too-complex'.
 */
export function createTaskRunner(): TaskRunner {
  const loading = new Map<ModuleName, Promise<unknown>>();
  const loaded: Partial<Loaded> = {};
  const prepare = async (type: CpuTaskType): Promise<void> => {
    for (const name of NEEDS[type]) {
      if (loaded[name]) continue;
      let p = loading.get(name);
      if (!p) loading.set(name, (p = MODULES[name]().then((m) => Object.assign(loaded, { [name]: m }))));
      await p;
    }
  };
  const run = taskFunction(loaded as Loaded);
  return {
    prepare,
    run: async (task) => {
      await prepare(task.type);
      try {
        return await run(task);
      } catch (err) {
        if (err instanceof RangeError) throw new FeedwatchError('too-complex', `${task.type}: the input is too complex to process (${err.message})`, { task: task.type }, { cause: err });
        throw err;
      }
    },
  };
}

/** One task over the modules `prepare` loaded for its type. */
function taskFunction(m: Loaded): (task: CpuTask) => Promise<CpuResults[CpuTaskType]> {
  let lemmatizer: Promise<Lemmatizer> | null = null;
  return async (task) => {
    switch (task.type) {
      case 'decode':
        return m.decode.decodeText(task.body, task.contentType, task.kind, task.url);
      case 'parse-feed':
        return m.feed.parseFeed(task.xml, task.feedName, task.opts);
      case 'feed': {
        const text = m.decode.decodeText(task.body, task.contentType, 'xml', task.url);
        return { items: await m.feed.parseFeed(text.text, task.feedName, task.opts), charset: text.charset, charsetReason: text.charsetReason };
      }
      case 'extract':
        return m.extract.extractArticle(task.html, task.url, { rules: task.sites, ...(task.maxChars === undefined ? {} : { maxChars: task.maxChars }) });
      case 'page': {
        const page = m.decode.decodeText(task.body, task.contentType, 'html', task.url);
        const article = m.extract.extractArticle(page.text, task.url, { rules: task.sites, ...(task.maxChars === undefined ? {} : { maxChars: task.maxChars }) });
        return { article, charset: page.charset, charsetReason: page.charsetReason };
      }
      case 'analyse': {
        const lem = await (lemmatizer ??= m.morphology.loadMorphology());
        const out: Partial<Record<Field, AnalyzedText>> = {};
        for (const [field, text] of Object.entries(task.fields) as [Field, string][]) out[field] = m.morphology.analyzeText(text, lem, task.maxTokens);
        return out;
      }
      case 'regex':
        return m.match.runRegexTerms(task.fields, task.terms);
    }
  };
}

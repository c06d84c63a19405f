/**
 * Loads an article-extraction corpus: `html/<key>.html.gz` plus `ground-truth.json` mapping each key to its
 * true `articleBody` (and, for most pages, its `url`). Two corpora are known:
 * - dev: 108 pages of scrapinghub/article-extraction-benchmark, copied under tests/fixtures/extract-dev/ so
 *   that bench and tests read the same pages (UTF-8, as the benchmark reads them);
 * - dragnet: 1,338 pages of the dragnet data set, AGPL, read at bench time from
 *   ../shared/corpora/article-extraction-dragnet (never copied into this repository). Its bytes are as crawled,
 *   so they are decoded as feedwatch decodes a fetched page (src/fetch/charset.ts: BOM, <meta>, UTF-8, sniffing).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeBody } from '../src/fetch/charset.js';

export interface CorpusPage {
  key: string;
  url: string;
  html: string;
  /** The true article body. */
  truth: string;
}

interface TruthEntry {
  url?: string;
  articleBody?: string;
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_CORPUS_DIR = join(REPO, 'tests', 'fixtures', 'extract-dev');

/** Where the dragnet corpus is read from (FEEDWATCH_DRAGNET_DIR overrides); it may be absent. */
export const DRAGNET_CORPUS_DIR = process.env.FEEDWATCH_DRAGNET_DIR ?? join(REPO, '..', 'shared', 'corpora', 'article-extraction-dragnet');

export function corpusExists(dir: string): boolean {
  return existsSync(join(dir, 'ground-truth.json'));
}

/**
 * All pages of the corpus, in the ground truth's key order. `decode`: 'utf8' reads the bytes as UTF-8 (the
 * benchmark's own reading); 'sniff' decodes them the way feedwatch decodes a fetched page.
 */
export function loadCorpus(dir: string = DEFAULT_CORPUS_DIR, decode: 'utf8' | 'sniff' = 'utf8'): CorpusPage[] {
  const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as Record<string, TruthEntry>;
  return Object.entries(truth).map(([key, entry]) => {
    const bytes = gunzipSync(readFileSync(join(dir, 'html', `${key}.html.gz`)));
    return {
      key,
      url: entry.url ?? 'https://example.invalid/',
      html: decode === 'utf8' ? bytes.toString('utf8') : decodeBody(bytes, null, 'html').text,
      truth: entry.articleBody ?? '',
    };
  });
}

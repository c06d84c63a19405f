/**
 * Loads the article-extraction dev corpus (108 pages of scrapinghub/article-extraction-benchmark):
 * `html/<key>.html.gz` plus `ground-truth.json` mapping each key to its `url` and true `articleBody`.
 * The copy under tests/fixtures/extract-dev/ is the default, so bench and tests read the same pages.
 */
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

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

export const DEFAULT_CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'fixtures', 'extract-dev');

/** All pages of the corpus, in the ground truth's key order. Pages are UTF-8 (as the benchmark reads them). */
export function loadCorpus(dir: string = DEFAULT_CORPUS_DIR): CorpusPage[] {
  const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as Record<string, TruthEntry>;
  return Object.entries(truth).map(([key, entry]) => ({
    key,
    url: entry.url ?? 'https://example.invalid/',
    html: gunzipSync(readFileSync(join(dir, 'html', `${key}.html.gz`))).toString('utf8'),
    truth: entry.articleBody ?? '',
  }));
}

/**
 * Writes exported articles to a stream in one format, with backpressure: the text goes through `pipeline` from a
 * Readable that pulls the next article only when the output has taken the previous ones, so a slow output (a pipe,
 * a disk, a feed reader's connection) slows the reading instead of piling text up in memory.
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AlertDocRecord } from '../store/alerts.js';
import { csvHeader, csvRecord } from './csv.js';
import { jsonlRecord } from './jsonl.js';
import { rssHead, rssItem, rssTail, type RssChannel } from './rss.js';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'rss'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** How one format writes: what comes before the articles, each article, what comes after. */
export interface Rendering {
  head: string;
  record(doc: AlertDocRecord): string;
  tail: string;
}

export function rendering(format: ExportFormat, channel: RssChannel): Rendering {
  switch (format) {
    case 'jsonl':
      return { head: '', record: jsonlRecord, tail: '' };
    case 'csv':
      return { head: csvHeader(), record: csvRecord, tail: '' };
    case 'rss':
      return { head: rssHead(channel), record: rssItem, tail: rssTail() };
  }
}

export interface WriteOptions {
  /** End `out` when done (false for process.stdout). Default true. */
  end?: boolean;
  /** Called after each article is handed to the output, with the count so far. */
  onRecord?: (written: number) => void;
}

/** Writes every document in `docs` to `out` as `r` renders it; resolves with the number written. */
export async function writeExport(docs: AsyncIterable<AlertDocRecord>, r: Rendering, out: Writable, opts: WriteOptions = {}): Promise<number> {
  let written = 0;
  async function* text(): AsyncGenerator<string> {
    if (r.head !== '') yield r.head;
    for await (const doc of docs) {
      yield r.record(doc);
      written++;
      opts.onRecord?.(written);
    }
    if (r.tail !== '') yield r.tail;
  }
  await pipeline(Readable.from(text(), { objectMode: true, highWaterMark: 16 }), out, { end: opts.end ?? true });
  return written;
}

/**
 * Export streams: 100,000 stored articles go out while storage is read one keyset page at a time and the reading
 * waits for a slow output, so the number of articles read but not yet written stays within a page and a small
 * buffer (counted, not timed); CSV is RFC 4180 with the formula guard; every format keeps the newest-first order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { loadMorphology, type Lemmatizer } from '../../src/alerts/morphology.js';
import { EXPORT_PAGE_SIZE, exportedDocs } from '../../src/export/read.js';
import { csvHeader, csvRecord, csvText } from '../../src/export/csv.js';
import { rendering, writeExport } from '../../src/export/write.js';
import type { AlertDocRecord, SearchPage } from '../../src/store/alerts.js';
import type { CompiledRule } from '../../src/alerts/match.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.js';

const TOTAL = 100_000;
let dir: string;
let store: SqliteStore;
let lem: Lemmatizer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-export-'));
  const path = join(dir, 'feedwatch.db');
  store = await openSqliteStore(path);
  lem = await loadMorphology();
  // 100k documents straight into the table in one transaction (no analysis: none is stored).
  const db = new Database(path);
  const insert = db.prepare(`INSERT INTO alert_docs (article_id, cluster_id, feed, url, title, lead, body, tags, published_at, analyzed_by, stored_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, '[]', NULL, 'none', ?)`);
  db.transaction(() => {
    for (let i = 1; i <= TOTAL; i++) {
      const stored = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
      insert.run(i, String(Math.ceil(i / 2)), i % 3 === 0 ? 'gamma' : 'alpha', `https://example.org/a/${i}`, `Title ${i}, "quoted"`, `Lead ${i}`, `Para one ${i}\n\nPara two`, stored);
    }
  })();
  db.close();
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store, counting what it hands out: the largest page asked for, and documents read in all. */
function counted(inner: SqliteStore) {
  const c = { largestPage: 0, read: 0, calls: 0 };
  const s = {
    async searchCandidates(rule: CompiledRule | null, page: SearchPage): Promise<AlertDocRecord[]> {
      c.largestPage = Math.max(c.largestPage, page.limit);
      c.calls++;
      const docs = await inner.searchCandidates(rule, page);
      c.read += docs.length;
      return docs;
    },
  };
  return { s, c };
}

/** A slow output: takes one chunk per turn of the event loop, with a small buffer; counts lines (= records). */
function slowSink(onLine: (line: string) => void): Writable {
  let partial = '';
  return new Writable({
    highWaterMark: 4096,
    write(chunk: Buffer, _enc, done) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const l of lines) onLine(l);
      setImmediate(done);
    },
  });
}

test('100,000 articles export as JSON Lines with at most one page read ahead of the output', async () => {
  const { s, c } = counted(store);
  let written = 0;
  let heldMost = 0;
  let first: { articleId: number } | null = null;
  let last: { articleId: number } | null = null;
  const sink = slowSink((line) => {
    written++;
    heldMost = Math.max(heldMost, c.read - written);
    const rec = JSON.parse(line) as { articleId: number; paragraphs: string[] };
    first ??= rec;
    last = rec;
  });
  const n = await writeExport(exportedDocs(s, lem, { rule: null }), rendering('jsonl', channel()), sink);
  assert.equal(n, TOTAL);
  assert.equal(written, TOTAL);
  assert.equal(first!.articleId, TOTAL, 'newest first');
  assert.equal(last!.articleId, 1);
  assert.ok(c.largestPage <= EXPORT_PAGE_SIZE, `largest page read ${c.largestPage}`);
  assert.equal(c.calls, Math.ceil(TOTAL / EXPORT_PAGE_SIZE) + 1, 'pages read by keyset, each once (the last one empty)');
  // Read but not yet written at any moment: one page, the Readable's 16 and what the 4 KiB sink buffers.
  assert.ok(heldMost <= EXPORT_PAGE_SIZE + 16 + 64, `${heldMost} articles held at once`);
});

test('--feed and --since narrow the export at the storage, still page by page', async () => {
  const { s, c } = counted(store);
  const since = new Date(Date.UTC(2026, 0, 1) + 90_001 * 60_000).toISOString();
  const ids: number[] = [];
  const sink = slowSink((line) => ids.push((JSON.parse(line) as { articleId: number }).articleId));
  await writeExport(exportedDocs(s, lem, { rule: null, feed: 'gamma', since }), rendering('jsonl', channel()), sink);
  const expected: number[] = [];
  for (let i = TOTAL; i >= 90_001; i--) if (i % 3 === 0) expected.push(i);
  assert.deepEqual(ids, expected);
  assert.equal(c.read, expected.length, 'only the selected documents came from storage');
});

test('CSV: header, CRLF records, quoted fields; the export parses back to the stored values', async () => {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  await writeExport(exportedDocs(store, lem, { rule: null, since: new Date(Date.UTC(2026, 0, 1) + 99_998 * 60_000).toISOString() }), rendering('csv', channel()), sink);
  const rows = parseCsv(chunks.join(''));
  assert.deepEqual(rows[0], ['story_id', 'article_id', 'feed', 'published_at', 'stored_at', 'url', 'title', 'lead', 'body', 'tags']);
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[1]!.slice(0, 3), ['50000', '100000', 'alpha']);
  assert.equal(rows[1]![6], 'Title 100000, "quoted"');
  assert.equal(rows[1]![8], 'Para one 100000\n\nPara two');
});

test('csvText quotes what RFC 4180 needs quoted and guards formula starts with an apostrophe', () => {
  assert.equal(csvText('plain'), 'plain');
  assert.equal(csvText('a,b'), '"a,b"');
  assert.equal(csvText('say "hi"'), '"say ""hi"""');
  assert.equal(csvText('two\nlines'), '"two\nlines"');
  assert.equal(csvText('cr\rhere'), '"cr\rhere"');
  for (const start of ['=', '+', '-', '@', '\t']) assert.equal(csvText(`${start}1+1`), `'${start}1+1`);
  assert.equal(csvText('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvText('a=b'), 'a=b', 'only the first character counts');
  assert.equal(csvText(''), '');
});

test('a CSV record keeps a negative article id (an item whose page failed) as a number, and joins tags', () => {
  const doc: AlertDocRecord = {
    articleId: -7,
    clusterId: 'item:7',
    feed: 'f',
    url: null,
    title: '-5% today',
    lead: '',
    body: '',
    tags: ['a', 'b,c'],
    publishedAt: null,
    analyzed: {} as AlertDocRecord['analyzed'],
    storedAt: '2026-03-05T00:00:00.000Z',
  };
  const [header, record] = parseCsv(csvHeader() + csvRecord(doc));
  assert.equal(header!.length, record!.length);
  assert.deepEqual(record, ['item:7', '-7', 'f', '', '2026-03-05T00:00:00.000Z', '', "'-5% today", '', '', 'a; b,c']);
});

function channel() {
  return { title: 't', link: 'http://127.0.0.1:9464/', description: 'd', builtAt: '2026-03-05T00:00:00.000Z' };
}

/** A strict RFC 4180 reader: CRLF between records, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        assert.ok(q >= 0, 'a quoted field ends');
        field += text.slice(i, q);
        i = q + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
    } else {
      const m = /[,\r\n]/.exec(text.slice(i));
      const end = m ? i + m.index : text.length;
      field = text.slice(i, end);
      assert.ok(!field.includes('"'), `an unquoted field has no quote: ${field}`);
      i = end;
    }
    row.push(field);
    if (text[i] === ',') i++;
    else {
      assert.equal(text.slice(i, i + 2), '\r\n', 'records end with CRLF');
      i += 2;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

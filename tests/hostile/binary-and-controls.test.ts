/**
 * Binary bodies are refused as 'not-text' (by magic number, then by control-character density), and control
 * characters and escape sequences never reach stored text, the terminal or a mail header.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { listFiles } from '../helpers/files.js';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { decodeText, binarySignature } from '../../src/fetch/text-body.js';
import { stripControls, printable, oneLine } from '../../src/control-chars.js';
import { parseFeed } from '../../src/feed/parse.js';
import { formatTable } from '../../src/cli/table.js';
import { FeedwatchError } from '../../src/errors.js';
import { createEmailChannel } from '../../src/alerts/channels/email.js';
import { emailChannelSchema } from '../../src/alerts/config-schema.js';
import { formatAlert } from '../../src/alerts/message.js';
import { startSmtpServer } from '../alerts/servers.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ESC = '\x1b';
/** Any control character a terminal acts on: C0 but tab/newline, DEL, C1. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

function notText(fn: () => unknown): FeedwatchError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FeedwatchError, String(err));
    assert.equal(err.kind, 'not-text');
    return err;
  }
  assert.fail('expected not-text');
}

const pad = (head: number[], n = 600) => Buffer.concat([Buffer.from(head), Buffer.from('<html><body><p>tail text that looks harmless</p></body></html>'.repeat(Math.ceil(n / 60)))]);

describe('binary bodies are not-text', () => {
  const files: [string, Buffer][] = [
    ['PNG image', pad([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
    ['JPEG image', pad([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46])],
    ['GIF image', pad([...Buffer.from('GIF89a'), 1, 0, 1, 0])],
    ['WebP image', pad([...Buffer.from('RIFF'), 0x24, 0, 0, 0, ...Buffer.from('WEBPVP8 ')])],
    ['PDF document', pad([...Buffer.from('%PDF-1.7\n')])],
    ['ZIP archive', pad([0x50, 0x4b, 0x03, 0x04, 20, 0])],
    ['gzip data', zlib.gzipSync('<rss><channel><title>compressed twice</title></channel></rss>'.repeat(50))],
    ['AVIF/HEIC/MP4 media', pad([0, 0, 0, 0x20, ...Buffer.from('ftypavif')])],
    ['Ogg media', pad([...Buffer.from('OggS'), 0])],
    ['ELF executable', pad([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])],
    ['zstd data', pad([0x28, 0xb5, 0x2f, 0xfd])],
  ];
  for (const [name, bytes] of files) {
    test(`${name}, as text/html, as a feed type and with no type`, () => {
      assert.equal(binarySignature(bytes), name);
      for (const [ct, kind] of [['text/html; charset=utf-8', 'html'], ['application/rss+xml', 'xml'], [null, 'html']] as const) {
        const err = notText(() => decodeText(bytes, ct, kind, 'https://cdn.example.net/x'));
        assert.match(err.message, new RegExp(`starts like a ${name.replace(/\//g, '\\/')}`));
        assert.equal(err.context.url, 'https://cdn.example.net/x');
        assert.equal(err.retryable, false);
      }
    });
  }

  test('bytes with no signature are judged by control-character density: random, compressed, NUL-padded', () => {
    const random = randomBytes(8192);
    random[0] = 0x3c; // starts with "<", like markup
    const rawDeflate = zlib.deflateRawSync(readFileSync(new URL('../fixtures/sputnik/sputnik-kg-rss.xml', import.meta.url)));
    const nulPadded = Buffer.from('<rss><channel><title>Заголовок</title></channel></rss>'.split('').join('\0'));
    for (const [name, bytes] of [['random', random], ['raw deflate', rawDeflate], ['NUL-padded', nulPadded]] as const) {
      for (const ct of ['text/html', 'text/xml; charset=windows-1251', null]) {
        const err = notText(() => decodeText(bytes, ct, 'html', 'https://example.org/p'));
        assert.match(err.message, /control or undecodable characters|NUL characters/, name);
      }
    }
  });

  test('text with a few stray controls, and UTF-16 (full of NUL bytes), is text', () => {
    const stray = `<rss><channel><title>Итоги${ESC}[2J дня</title>${'<item><title>Новость</title></item>'.repeat(40)}\x07\x00</channel></rss>`;
    const r = decodeText(Buffer.from(stray), 'application/rss+xml', 'xml', 'u');
    assert.equal(r.text, stray.replace(`${ESC}[2J`, '').replace('\x07\x00', ''));
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss><channel><title>Лента</title></channel></rss>', 'utf16le')]);
    assert.equal(decodeText(utf16, null, 'xml', 'u').charset, 'utf-16le');
    const noBom = Buffer.from('<?xml version="1.0" encoding="utf-16"?><rss/>', 'utf16le');
    assert.equal(decodeText(noBom, null, 'xml', 'u').charset, 'utf-16le');
  });

  test('no fixture feed or page is taken for binary', () => {
    const root = new URL('../fixtures/', import.meta.url).pathname;
    const docs = listFiles(root, /\.(xml|rss|atom|rdf|html)$/);
    assert.ok(docs.length > 300, String(docs.length));
    for (const p of docs) {
      const kind = p.endsWith('.html') ? 'html' : 'xml';
      try {
        decodeText(readFileSync(p), null, kind, p);
      } catch (err) {
        assert.fail(`${p}: ${String(err)}`);
      }
    }
  });
});

describe('control characters never reach stored text, the terminal or a mail header', () => {
  const hostile = `Срочно${ESC}]0;owned${'\x07'}${ESC}[2J${ESC}[31mкрасный${ESC}[0m\r\nвторая\u009b6n строка\u202eевд\x00\x08${ESC}c`;

  test('stripControls, printable and oneLine', () => {
    assert.equal(stripControls(hostile), 'Срочнокрасный\nвторая6n строка\u202eевд');
    assert.equal(printable(hostile), 'Срочнокрасный\nвторая6n строкаевд');
    assert.equal(oneLine(hostile), 'Срочнокрасный вторая6n строкаевд');
    assert.equal(stripControls('tab\tand\nnewline stay'), 'tab\tand\nnewline stay');
    // An unterminated OSC does not swallow the rest of the text.
    const unterminated = `${ESC}]0;${'x'.repeat(2000)}`;
    assert.ok(stripControls(unterminated).length >= 2000 - 512);
    assert.doesNotMatch(stripControls(unterminated), CONTROL);
  });

  test('feed fields: raw control bytes and escape sequences are stripped (XML refuses them as references)', async () => {
    const xml = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><title>Заголовок${ESC}[2J с очисткой экрана</title><link>https://news.example.com/a</link>
        <description>Текст \u009b31m и \u0007 звонок</description><author>bot${ESC}]2;title${'\x07'}</author>
        <category>полит${'\x9b'}ика</category></item></channel></rss>`;
    const [item] = await parseFeed(xml, 'hostile');
    assert.ok(item);
    assert.match(item.description ?? '', /^Текст 31m и  звонок$/);
    for (const v of [item.title, item.description, item.author, ...item.categories]) assert.doesNotMatch(v ?? '', CONTROL, String(v));
    assert.equal(item.title, 'Заголовок с очисткой экрана');
  });

  test('a table cell (feedwatch feeds, search) is one line with no escape sequence', () => {
    const table = formatTable(['feed', 'title'], [['evil', hostile], ['plain', 'Обычный заголовок']]);
    assert.doesNotMatch(table, CONTROL);
    assert.doesNotMatch(table, /\u202e/);
    assert.equal(table.split('\n').length, 4);
  });

  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('the e-mail subject and text part carry no control character', async () => {
    const smtp = await startSmtpServer();
    servers.push(smtp);
    const message = {
      id: 'a7e3c1f0-5d2b-4c8e-9f61-0b4d2e7a9c35',
      ...formatAlert(
        { title: `Взрыв${ESC}]0;pwned${'\x07'} в порту${ESC}[2J\r\nBcc: victim@example.org`, lead: `Лид${ESC}[5m мигает`, url: 'https://example.org/a', feed: 'f', publishedAt: null },
        { rule: 'port', spans: [] },
      ),
    };
    const ch = createEmailChannel('mail', emailChannelSchema.parse({ type: 'email', host: '127.0.0.1', port: smtp.port, from: 'bot@example.org', to: 'me@example.org', timeout: '5s' }), { env: {} });
    await ch.send(message);
    await ch.close?.();
    const raw = smtp.mails[0]!.raw;
    const subjectLines = /^Subject: .*(?:\r?\n[ \t].*)*/m.exec(raw)![0];
    const decoded = subjectLines.replace(/\?=\r?\n[ \t]+=\?/g, '?==?').replace(/\r?\n[ \t]/g, ' ').replace(/=\?UTF-8\?([QB])\?(.*?)\?=/gi, (_m, enc: string, data: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
    assert.doesNotMatch(decoded, CONTROL);
    assert.match(decoded.replace(/\s/g, ''), /ВзрыввпортуBcc:victim@example\.org/, 'the line break became a space, not a header');
    assert.doesNotMatch(raw.slice(0, raw.search(/\r?\n\r?\n/)), /^Bcc:/m, 'no header injected');
    assert.doesNotMatch(raw, /=1B|\x1b/i);
  });
});

test('feedwatch extract: a binary file is a not-text line; escape sequences do not reach the terminal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-hostile-cli-'));
  const png = join(dir, 'photo.html');
  writeFileSync(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(500, 7)]));
  const page = join(dir, 'page.html');
  const para = 'Мэрия сообщила о завершении ремонта моста через реку к концу месяца, движение откроют в пятницу.';
  writeFileSync(page, `<html><head><title>Мост${ESC}]0;owned${'\x07'}</title></head><body><article><h1>Мост${ESC}[2J</h1><p>${para}&#x1b;[31m</p><p>${para}\u009b5m</p></article></body></html>`);
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'extract', png, page, '--config', join(dir, 'none.yaml')], { cwd: root, timeout: 170_000 }, (err, out) =>
      err && !out ? reject(err) : resolve(out),
    ),
  );
  assert.doesNotMatch(stdout, CONTROL);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { error?: { kind: string }; paragraphs?: string[] });
  assert.equal(lines[0]?.error?.kind, 'not-text');
  assert.ok(lines[1]?.paragraphs?.every((p) => !CONTROL.test(p) && p.startsWith('Мэрия')), JSON.stringify(lines[1]));
});

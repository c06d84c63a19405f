import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseFeed, type ParseOptions } from '../../src/feed/parse.js';
import { FeedwatchError } from '../../src/errors.js';

/** rss-parser's helpers, the very module its parser calls (`utils.stripHtml` is looked up at each call). */
const rssParserUtils = createRequire(import.meta.url)('rss-parser/lib/utils.js') as { stripHtml: (s: string) => string };

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sputnik/${name}`, import.meta.url), 'utf8');
const rss2 = (items: string, channelExtra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>${channelExtra}${items}</channel></rss>`;

async function parseError(xml: string, opts: ParseOptions = {}): Promise<FeedwatchError> {
  try {
    await parseFeed(xml, 'broken', opts);
  } catch (err) {
    assert.ok(err instanceof FeedwatchError, `expected FeedwatchError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a parse error');
}

describe('parseFeed', () => {
  test('ria.ru: guid, link, date, category, enclosures and the rian: fields', async () => {
    const items = await parseFeed(fixture('ria-rss-archive-excerpt.xml'), 'ria');
    assert.equal(items.length, 6);
    const [first, second, third] = items;
    assert.deepEqual(first, {
      feedName: 'ria',
      guid: 'https://ria.ru/20260412/iran-2086654977.html',
      link: 'https://ria.ru/20260412/iran-2086654977.html',
      title: 'Иран заявил о раскрытии сети агентов, предоставлявших данные другим странам',
      description: null,
      author: null,
      publishedAt: '2026-04-12T16:49:47+03:00',
      categories: ['Лента новостей'],
      enclosures: [],
      extra: { 'rian:priority': '3', 'rian:type': 'article' },
    });
    assert.deepEqual(second!.enclosures, [
      {
        url: 'https://cdnn21.img.ria.ru/images/07e6/06/14/1796779387_0:0:2048:1152_650x0_80_0_0_20ad1534a243b7646270ab6eb285fd66.jpg',
        type: 'image/jpeg',
        length: null,
      },
    ]);
    assert.deepEqual(third!.enclosures, [{ url: 'https://nfw.ria.ru/flv/file.aspx?ID=64682475&type=flv', type: 'video/x-flv', length: null }]);
    assert.ok(items.some((i) => i.extra['rian:type'] === 'video'));
  });

  test('Sputnik edition feed: description, enclosure length, link kept as published', async () => {
    const items = await parseFeed(fixture('sputnik-kg-rss.xml'), 'sputnik-kg');
    assert.equal(items.length, 3);
    assert.equal(items[0]!.description, 'Глава российского МИД рассказал, что обсуждались вопросы сотрудничества по ряду важных направлений.');
    assert.deepEqual(items[0]!.enclosures[0]!.length, 0);
    assert.equal(items[0]!.publishedAt, '2022-03-05T18:20:00+06:00');
    assert.equal(items[1]!.guid, 'https://ru.sputnik.kg/20220305/kazakbaev-lavrov-peregovory-itogi-1054779811.html');
    assert.match(items[1]!.link!, /utm_source=rss&utm_medium=feed$/);
    assert.deepEqual(items[1]!.extra, {});
  });

  test('Atom: id, alternate link, summary before content, term categories, author, enclosure links', async () => {
    const xml = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
      <entry><id>urn:1</id><title type="text">One</title>
        <link rel="self" href="https://ex.com/self"/><link rel="alternate" href="https://ex.com/1"/>
        <link rel="enclosure" href="https://ex.com/1.mp3" type="audio/mpeg" length="123"/>
        <summary>Short</summary><content type="html">&lt;p&gt;Long&lt;/p&gt;</content>
        <category term="news"/><category term="news"/><category label="World" term="w"/>
        <author><name>Ann</name></author><published>2022-03-05T18:20:00+06:00</published><updated>2022-03-06T00:00:00Z</updated></entry>
      <entry><id>urn:2</id><title>Two</title><link href="/2"/><content type="html">&lt;b&gt;only content&lt;/b&gt;</content><updated>2022-03-06T10:00:00Z</updated></entry>
    </feed>`;
    const items = await parseFeed(xml, 'atom', { baseUrl: 'https://ex.com/feed.atom' });
    assert.equal(items.length, 2);
    assert.deepEqual(
      { ...items[0]!, feedName: undefined },
      {
        feedName: undefined,
        guid: 'urn:1',
        link: 'https://ex.com/1',
        title: 'One',
        description: 'Short',
        author: 'Ann',
        publishedAt: '2022-03-05T18:20:00+06:00',
        categories: ['news', 'w'],
        enclosures: [{ url: 'https://ex.com/1.mp3', type: 'audio/mpeg', length: 123 }],
        extra: {},
      },
    );
    assert.equal(items[1]!.link, 'https://ex.com/2', 'relative link resolved against the feed URL');
    assert.equal(items[1]!.description, '<b>only content</b>');
    assert.equal(items[1]!.publishedAt, '2022-03-06T10:00:00Z', 'updated when there is no published');
  });

  test('an Atom entry with an unreadable date keeps its item (rss-parser alone throws on it)', async () => {
    const xml = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><title>t</title><published>5 марта 2022 18:20 +0600</published></entry>
      <entry><id>y</id><title>u</title><published>not a date</published></entry></feed>`;
    const items = await parseFeed(xml, 'atom');
    assert.deepEqual(items.map((i) => [i.guid, i.publishedAt]), [
      ['x', '2022-03-05T18:20:00+06:00'],
      ['y', null],
    ]);
  });

  test('an Atom <link> written as text instead of href= is read (rss-parser alone throws on it)', async () => {
    const xml = '<feed xmlns="http://www.w3.org/2005/Atom"><link>https://ex.com/</link><entry><id>1</id><title>t</title><link>https://ex.com/1</link></entry></feed>';
    assert.equal((await parseFeed(xml, 'atom'))[0]!.link, 'https://ex.com/1');
  });

  test('RSS 1.0: rdf:about as guid, dc:date and dc:creator', async () => {
    const xml = `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://ex.com/"><title>R</title><link>https://ex.com/</link></channel>
      <item rdf:about="https://ex.com/a"><title>A</title><link>https://ex.com/a</link><description>d</description><dc:date>2022-03-05T18:20:00+06:00</dc:date><dc:creator>Bob</dc:creator></item>
    </rdf:RDF>`;
    const [item] = await parseFeed(xml, 'rdf');
    assert.equal(item!.guid, 'https://ex.com/a');
    assert.equal(item!.publishedAt, '2022-03-05T18:20:00+06:00');
    assert.equal(item!.author, 'Bob');
  });

  test('RSS 0.91, RSS without version, and items without a channel', async () => {
    const v091 = `<rss version="0.91"><channel><title>x</title><item><title>Old</title><link>https://ex.com/old</link></item></channel></rss>`;
    assert.equal((await parseFeed(v091, 'f'))[0]!.link, 'https://ex.com/old');
    const noVersion = `<rss><channel><item><title>NV</title></item></channel></rss>`;
    assert.equal((await parseFeed(noVersion, 'f'))[0]!.title, 'NV');
    const noChannel = `<rss><item><title>Loose</title><description>d</description></item></rss>`;
    assert.equal((await parseFeed(noChannel, 'f'))[0]!.title, 'Loose');
  });

  test('identity: guid, else link, else a stable hash of title and description', async () => {
    const xml = rss2(`
      <item><guid isPermaLink="false">id-1</guid><link>https://ex.com/1</link></item>
      <item><link>https://ex.com/2</link><title>Two</title></item>
      <item><title>Three</title><description>Body</description></item>
      <item><title>Three</title><description>Other body</description></item>
      <item><author></author></item>`);
    const items = await parseFeed(xml, 'f');
    assert.equal(items.length, 4, 'an item with nothing in it is dropped');
    assert.equal(items[0]!.guid, 'id-1');
    assert.equal(items[1]!.guid, 'https://ex.com/2');
    assert.match(items[2]!.guid, /^sha1:[0-9a-f]{40}$/);
    assert.notEqual(items[2]!.guid, items[3]!.guid);
    assert.equal((await parseFeed(xml, 'f'))[2]!.guid, items[2]!.guid, 'the hash is stable');
  });

  test('categories from strings and objects, several enclosures and media:content, content:encoded fallback', async () => {
    const xml = rss2(`<item><title>t</title><link>https://ex.com/t</link>
      <category>Политика</category><category domain="https://ex.com/c">World</category><category>Политика</category>
      <enclosure url="https://ex.com/a.jpg" type="image/jpeg" length="100"/>
      <enclosure url="https://ex.com/b.mp4" type="video/mp4" length="oops"/>
      <enclosure/>
      <media:content url="https://ex.com/c.jpg" type="image/jpeg" fileSize="7"/>
      <media:content url="https://ex.com/a.jpg"/>
      <content:encoded><![CDATA[<p>Full text</p>]]></content:encoded></item>`);
    const [item] = await parseFeed(xml, 'f');
    assert.deepEqual(item!.categories, ['Политика', 'World']);
    assert.deepEqual(item!.enclosures, [
      { url: 'https://ex.com/a.jpg', type: 'image/jpeg', length: 100 },
      { url: 'https://ex.com/b.mp4', type: 'video/mp4', length: null },
      { url: 'https://ex.com/c.jpg', type: 'image/jpeg', length: 7 },
    ]);
    assert.equal(item!.description, '<p>Full text</p>');
  });

  test('relative links resolve against the channel link when no base URL is given', async () => {
    const xml = rss2('<item><title>t</title><link>/news/1.html</link></item>', '<link>https://site.example/</link>');
    assert.equal((await parseFeed(xml, 'f'))[0]!.link, 'https://site.example/news/1.html');
  });

  test('bounds: at most maxItems items, and long fields are cut', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `<item><guid>g${i}</guid><title>${'T'.repeat(50)}</title><description>${'d'.repeat(500)}</description></item>`).join('');
    const items = await parseFeed(rss2(many), 'f', { maxItems: 10, maxFieldChars: 20, maxDescriptionChars: 300 });
    assert.equal(items.length, 10);
    assert.equal(items[9]!.guid, 'g9');
    assert.equal(items[0]!.title!.length, 20);
    assert.equal(items[0]!.description!.length, 300);
    const def = await parseFeed(rss2(many), 'f');
    assert.equal(def.length, 30);
    assert.equal(def[0]!.description!.length, 500);
  });

  test('other extension fields can be asked for', async () => {
    const xml = rss2('<item><guid>1</guid><yandex:full-text xmlns:yandex="http://news.yandex.ru">Полный</yandex:full-text><rian:type xmlns:rian="http://rian.ru/ns">a</rian:type><rian:type xmlns:rian="http://rian.ru/ns">b</rian:type></item>');
    const [item] = await parseFeed(xml, 'f', { extraFields: ['yandex:full-text', 'rian:type'] });
    assert.deepEqual(item!.extra, { 'yandex:full-text': 'Полный', 'rian:type': ['a', 'b'] });
  });

  test('repairs: a bare & in a link and a document cut off in its last end tag', async () => {
    const amp = rss2('<item><title>a</title><link>https://ex.com/?a=1&b=2</link></item>');
    assert.equal((await parseFeed(amp, 'f'))[0]!.link, 'https://ex.com/?a=1&b=2');
    const cut = rss2('<item><title>a</title></item>').replace(/>$/, '');
    assert.equal((await parseFeed(cut, 'f'))[0]!.title, 'a');
    const junk = '\uFEFF\n\n  ' + rss2('<item><title>lead</title></item>');
    assert.equal((await parseFeed(junk, 'f'))[0]!.title, 'lead');
  });

  test('unparseable input is a parse error naming the feed', async () => {
    for (const bad of ['', '   ', 'just text', '<div>Not a feed</div>', rss2('<item><title>open').slice(0, -20), '<rss><channel><item><title>x</titl></item></channel></rss>']) {
      const err = await parseError(bad);
      assert.equal(err.kind, 'parse', JSON.stringify(bad));
      assert.equal(err.context['feed'], 'broken');
    }
  });

  test('an HTML page where the feed should be is not-a-feed, with the feed links it declares, absolute, each once', async () => {
    const page = `<?xml version="1.0"?>
<!-- generated -->
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Gazette</title>
<link rel="stylesheet" href="/s.css"><link rel="alternate" hreflang="fr" href="/fr/">
<LINK REL="Alternate Feed" TYPE="Application/RSS+XML; charset=utf-8" HREF="../rss/all.xml" title="All">
<link rel="alternate" type="application/atom+xml" href="//cdn.example.net/atom?x=1&amp;y=2">
<link rel="alternate" type="application/rss+xml" href="../rss/all.xml">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/json" href="/feed.json">
</head><body><link rel="alternate" type="application/rss+xml" href="/in-body.xml"><p>hello</p></body></html>`;
    const err = await parseError(page, { documentUrl: 'https://gazette.example.org/news/index.html' });
    assert.equal(err.kind, 'not-a-feed');
    assert.deepEqual(err.context['declaredFeeds'], ['https://gazette.example.org/rss/all.xml', 'https://cdn.example.net/atom?x=1&y=2']);
    assert.match(err.message, /^the address serves an HTML page, not a feed; the page declares 2 feeds: https:\/\/gazette\.example\.org\/rss\/all\.xml, https:\/\/cdn/);

    // <base href> moves relative links; no declared feed says so; a page without doctype starting with <head> counts.
    const based = '<!doctype html><head><base href="https://mirror.example.com/a/"><link rel=alternate type=application/rdf+xml href=rdf></head>';
    assert.deepEqual((await parseError(based, { documentUrl: 'https://x.example/' })).context['declaredFeeds'], ['https://mirror.example.com/a/rdf']);
    const none = await parseError('\n  <html><body><p>Not a feed</p></body></html>');
    assert.equal(none.kind, 'not-a-feed');
    assert.deepEqual(none.context['declaredFeeds'], []);
    assert.match(none.message, /declares no feed/);

    // Bounded: at most 10 links; a head over its budget offers none (and is still not-a-feed).
    const many = `<html><head>${Array.from({ length: 40 }, (_, i) => `<link rel="alternate" type="application/atom+xml" href="/f${i}.atom">`).join('')}</head></html>`;
    const manyErr = await parseError(many, { documentUrl: 'https://m.example/' });
    assert.deepEqual(manyErr.context['declaredFeeds'], Array.from({ length: 10 }, (_, i) => `https://m.example/f${i}.atom`));
    const deep = `<html><head>${'<i>'.repeat(5000)}<link rel="alternate" type="application/rss+xml" href="/x.xml"></head></html>`;
    const deepErr = await parseError(deep, { documentUrl: 'https://d.example/' });
    assert.deepEqual([deepErr.kind, deepErr.context['declaredFeeds']], ['not-a-feed', []]);

    // A feed is never taken for a page: not with an HTML-ish comment, nor with a stray HTML doctype before its root.
    assert.equal((await parseFeed('<!-- html --><rss version="2.0"><channel><item><title>t</title></item></channel></rss>', 'f')).length, 1);
    const doctyped = '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x"><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>a</title></entry></feed>';
    assert.equal((await parseFeed(doctyped, 'f')).length, 1);
    // After an HTML doctype, a page that leaves out <html> and <head> is still a page.
    const bare = await parseError('<!DOCTYPE html><title>x</title><link rel="alternate" type="application/atom+xml" href="/a.atom">', { documentUrl: 'https://b.example/p' });
    assert.deepEqual([bare.kind, bare.context['declaredFeeds']], ['not-a-feed', ['https://b.example/a.atom']]);
  });

  test('a description that makes rss-parser\'s snippet regexes quadratic parses quickly', async () => {
    // 40 000 × "x<br>\n": rss-parser alone spends several seconds in its stripHtml regex on this (quadratic).
    const evil = '<item><title>t</title><description><![CDATA[' + 'x<br>\n'.repeat(40_000) + ']]></description></item>';
    // Counted, not timed: the longest text rss-parser's snippet regexes are given stays short (a placeholder).
    const stripped: number[] = [];
    const original = rssParserUtils.stripHtml;
    rssParserUtils.stripHtml = (str: string) => {
      stripped.push(str.length);
      return original(str);
    };
    try {
      const [item] = await parseFeed(rss2(evil), 'f', { maxDescriptionChars: 1_000_000 });
      assert.equal(item!.description!.length, 'x<br>\n'.length * 40_000 - 1);
    } finally {
      rssParserUtils.stripHtml = original;
    }
    assert.ok(stripped.length > 0, 'rss-parser computed its snippets (the hook works)');
    assert.ok(Math.max(...stripped) < 100, `longest text given to rss-parser's stripHtml: ${Math.max(...stripped)} chars`);
  });
});

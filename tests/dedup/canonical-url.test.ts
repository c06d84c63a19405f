import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { articleLink, canonicalUrl } from '../../src/dedup/canonical-url.js';
import { registrableDomain, sameSite } from '../../src/dedup/registrable-domain.js';
import { FeedwatchError } from '../../src/errors.js';

const SPUTNIK = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sputnik');

describe('canonicalUrl', () => {
  const table: Array<[string, string, string]> = [
    ['lower-cases scheme and host', 'HTTPS://RU.Sputnik.KG/20220305/a-1.html', 'https://ru.sputnik.kg/20220305/a-1.html'],
    ['http becomes https, default ports go', 'http://ria.ru:80/a.html', 'https://ria.ru/a.html'],
    ['port 443 goes', 'https://ria.ru:443/a.html', 'https://ria.ru/a.html'],
    ['other ports stay', 'https://ria.ru:8443/a.html', 'https://ria.ru:8443/a.html'],
    ['fragment goes', 'https://ria.ru/a.html#comments', 'https://ria.ru/a.html'],
    ['hash-bang stays', 'https://old.example.com/app#!/item/5', 'https://old.example.com/app#!/item/5'],
    ['credentials go', 'https://user:pw@ria.ru/a.html', 'https://ria.ru/a.html'],
    ['utm_* goes', 'https://ru.sputnik.kg/a.html?utm_source=rss&utm_medium=feed&utm_campaign=x', 'https://ru.sputnik.kg/a.html'],
    ['click ids go', 'https://x.org/a?fbclid=1&gclid=2&dclid=3&yclid=4&msclkid=5&mc_cid=6&mc_eid=7&_openstat=8&ysclid=9', 'https://x.org/a'],
    ['tracking names are case-insensitive', 'https://x.org/a?UTM_Source=rss&FBCLID=1', 'https://x.org/a'],
    ['content parameters stay, sorted', 'https://x.org/search?q=1&page=2&id=7', 'https://x.org/search?id=7&page=2&q=1'],
    ['ref with a host value goes', 'https://x.org/a?ref=news.ycombinator.com&id=1', 'https://x.org/a?id=1'],
    ['from=rss goes', 'https://x.org/a?from=rss', 'https://x.org/a'],
    ['ref with a content value stays', 'https://x.org/a?ref=main-menu', 'https://x.org/a?ref=main-menu'],
    ['from with a content value stays', 'https://x.org/flights?from=LED&to=FRU', 'https://x.org/flights?from=LED&to=FRU'],
    ['AMP path prefix (Sputnik engine)', 'https://snanews.de/amp/20201216/traditionelle-fischerei-und-windkraft-184985.html', 'https://snanews.de/20201216/traditionelle-fischerei-und-windkraft-184985.html'],
    ['AMP last segment (WordPress)', 'https://blog.example.com/2019/11/slug/amp/', 'https://blog.example.com/2019/11/slug'],
    ['?amp switch', 'https://x.org/a.html?amp', 'https://x.org/a.html'],
    ['?amp=1 switch', 'https://x.org/a.html?amp=1&id=2', 'https://x.org/a.html?id=2'],
    ['outputType=amp', 'https://x.org/a.html?outputType=amp', 'https://x.org/a.html'],
    ['.amp suffix', 'https://www.bbc.co.uk/news/world-50466183.amp', 'https://bbc.co.uk/news/world-50466183'],
    ['.amp before the extension', 'https://x.org/news/story.amp.html', 'https://x.org/news/story.html'],
    ['m. host prefix', 'https://m.ria.ru/20260412/iran-2086654977.html', 'https://ria.ru/20260412/iran-2086654977.html'],
    ['mobile. host prefix', 'https://mobile.example.com/a', 'https://example.com/a'],
    ['amp. host prefix', 'https://amp.theguardian.com/world/2019/nov/18/a', 'https://theguardian.com/world/2019/nov/18/a'],
    ['www. prefix', 'https://www.sputnik.by/a.html', 'https://sputnik.by/a.html'],
    ['edition subdomain stays', 'https://m.ru.sputnik.kg/a.html', 'https://ru.sputnik.kg/a.html'],
    ['a registrable domain named amp stays', 'https://amp.dev/about/', 'https://amp.dev/about'],
    ['m.co.uk-like hosts are not stripped to a suffix', 'https://m.co.uk/a', 'https://m.co.uk/a'],
    ['Blogger mobile switch', 'https://x.blogspot.com/2019/11/a.html?m=1', 'https://x.blogspot.com/2019/11/a.html'],
    ['AMP cache URL unwrapped', 'https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/a.html', 'https://example.com/news/a.html'],
    ['index.html is the directory', 'https://x.org/news/index.html', 'https://x.org/news'],
    ['trailing slash goes', 'https://x.org/news/', 'https://x.org/news'],
    ['root keeps its slash', 'https://x.org', 'https://x.org/'],
    ['percent-escapes upper-cased', 'https://x.org/%d0%bf%d1%80', 'https://x.org/%D0%BF%D1%80'],
    ['non-ASCII path is percent-encoded', 'https://x.org/новости', 'https://x.org/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8'],
  ];
  for (const [name, input, want] of table) {
    test(name, () => assert.equal(canonicalUrl(input), want));
  }

  test('is idempotent', () => {
    for (const [, input] of table) {
      const once = canonicalUrl(input);
      assert.equal(canonicalUrl(once), once, input);
    }
  });

  test('rejects what is not a URL', () => {
    assert.throws(() => canonicalUrl('not a url'), (e: unknown) => e instanceof FeedwatchError && e.kind === 'bad-url');
  });
});

describe('canonicalUrl with the page canonical', () => {
  test('a same-site canonical wins', () => {
    assert.equal(
      canonicalUrl('https://ru.sputnik.kg/amp/20220305/x-1.html?utm_source=tg', { pageCanonical: 'https://ru.sputnik.kg/20220305/x-1.html' }),
      'https://ru.sputnik.kg/20220305/x-1.html',
    );
  });
  test('a relative canonical is resolved against the URL', () => {
    assert.equal(canonicalUrl('https://x.org/a/b?id=1', { pageCanonical: '/a/c' }), 'https://x.org/a/c');
  });
  test('same registrable domain, other subdomain, counts as same site', () => {
    assert.equal(canonicalUrl('https://m.example.co.uk/a', { pageCanonical: 'https://news.example.co.uk/a' }), 'https://news.example.co.uk/a');
  });
  test('another site is ignored', () => {
    assert.equal(canonicalUrl('https://ru.sputnik.kg/a.html', { pageCanonical: 'https://snanews.de/b.html' }), 'https://ru.sputnik.kg/a.html');
  });
  test('a canonical pointing a deep page at the home page is ignored', () => {
    assert.equal(canonicalUrl('https://x.org/2019/story', { pageCanonical: 'https://x.org/' }), 'https://x.org/2019/story');
  });
  test('a non-web canonical is ignored', () => {
    assert.equal(canonicalUrl('https://x.org/a', { pageCanonical: 'javascript:void(0)' }), 'https://x.org/a');
  });
  test('null and empty canonicals are ignored', () => {
    assert.equal(canonicalUrl('https://x.org/a', { pageCanonical: null }), 'https://x.org/a');
    assert.equal(canonicalUrl('https://x.org/a', { pageCanonical: '' }), 'https://x.org/a');
  });
});

describe('articleLink: an address to open', () => {
  test('the page canonical the key trusts, as the publisher wrote it (www and http kept)', () => {
    assert.equal(articleLink('http://www.harbour.example/n/7?utm_source=rss&utm_medium=feed', { pageCanonical: '/news/ferry-terminal' }), 'http://www.harbour.example/news/ferry-terminal');
    assert.equal(articleLink('https://m.port.example.co.uk/a?fbclid=1', { pageCanonical: 'https://www.port.example.co.uk/a' }), 'https://www.port.example.co.uk/a');
  });
  test('without one: tracking parameters and the fragment dropped, other parameters kept in their order', () => {
    assert.equal(articleLink('https://www.x.org/view?z=2&utm_campaign=c&id=9&gclid=abc#comments'), 'https://www.x.org/view?z=2&id=9');
    assert.equal(articleLink('https://x.org/#!/story/5?x=1'), 'https://x.org/#!/story/5?x=1');
  });
  test('a canonical the key would not trust (another site, a deep page sent home) leaves the URL', () => {
    assert.equal(articleLink('https://a.example/s?ref=rss', { pageCanonical: 'https://b.example/s' }), 'https://a.example/s');
    assert.equal(articleLink('https://a.example/2020/s', { pageCanonical: '/' }), 'https://a.example/2020/s');
  });
  test('the key and the link agree on what the canonical is', () => {
    const url = 'https://www.x.org/amp/1.html?utm_source=tg';
    const pageCanonical = 'https://www.x.org/1.html';
    assert.equal(canonicalUrl(articleLink(url, { pageCanonical })), canonicalUrl(url, { pageCanonical }));
  });
  test('an AMP cache address is unwrapped; what is not a web URL is left as it is', () => {
    assert.equal(articleLink('https://www-x-org.cdn.ampproject.org/c/s/www.x.org/a.html?utm_source=g'), 'https://www.x.org/a.html');
    assert.equal(articleLink('not a url'), 'not a url');
    assert.equal(articleLink('mailto:a@b.c'), 'mailto:a@b.c');
  });
});

describe('canonicalUrl on the Sputnik fixtures', () => {
  const link = (html: string, rel: string): string => {
    const m = new RegExp(`<link rel="${rel}" href="([^"]+)"`).exec(html);
    assert.ok(m?.[1], `no ${rel} link`);
    return m[1];
  };
  test('the snanews.de page: its amphtml address and its canonical are one key', () => {
    const html = readFileSync(join(SPUTNIK, 'snanews-de-20201216.html'), 'utf8');
    const canonical = link(html, 'canonical');
    const amp = link(html, 'amphtml');
    assert.notEqual(amp, canonical);
    assert.equal(canonicalUrl(amp), canonicalUrl(canonical));
    assert.equal(canonicalUrl(amp, { pageCanonical: canonical }), canonicalUrl(canonical));
  });
  test('the Lavrov page: its own canonical is used; its stray cross-site amphtml does not merge it with snanews.de', () => {
    const html = readFileSync(join(SPUTNIK, 'sputnik-kg-20220305-lavrov.html'), 'utf8');
    const canonical = link(html, 'canonical');
    assert.equal(canonicalUrl(`${canonical}?utm_source=rss`, { pageCanonical: canonical }), canonical);
    assert.notEqual(canonicalUrl(link(html, 'amphtml')), canonicalUrl(canonical));
  });
  test('the feed item whose link carries utm parameters maps to its guid', () => {
    const xml = readFileSync(join(SPUTNIK, 'sputnik-kg-rss.xml'), 'utf8');
    const items = [...xml.matchAll(/<link>([^<]*)<\/link>\s*<guid[^>]*>([^<]*)<\/guid>/g)];
    assert.ok(items.length >= 2);
    const tracked = items.find((m) => m[1]?.includes('utm_'));
    assert.ok(tracked?.[1] && tracked[2]);
    assert.equal(canonicalUrl(tracked[1].replace(/&amp;/g, '&')), canonicalUrl(tracked[2]));
  });
});

describe('registrableDomain', () => {
  const table: Array<[string, string]> = [
    ['ru.sputnik.kg', 'sputnik.kg'],
    ['sputnik.by', 'sputnik.by'],
    ['m.ria.ru', 'ria.ru'],
    ['www.bbc.co.uk', 'bbc.co.uk'],
    ['news.example.com.au', 'example.com.au'],
    ['a.b.example.org.kg', 'example.org.kg'],
    ['gazeta.msk.ru', 'gazeta.msk.ru'],
    ['x.blogspot.com', 'x.blogspot.com'],
    ['Example.COM.', 'example.com'],
    ['127.0.0.1', '127.0.0.1'],
    ['localhost', 'localhost'],
  ];
  for (const [host, want] of table) test(host, () => assert.equal(registrableDomain(host), want));
  test('sameSite', () => {
    assert.equal(sameSite('ru.sputnik.kg', 'sputnik.kg'), true);
    assert.equal(sameSite('ru.sputnik.kg', 'sputnik.by'), false);
    assert.equal(sameSite('a.co.uk', 'b.co.uk'), false);
  });
});

// The Sputnik/RIA engine extractor on real and rebuilt engine pages: exact expected fields, no boilerplate anywhere.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { contains } from 'cheerio';
import { chooseExtractor, extractArticle, loadHtml } from '../../src/extract/index.js';
import { BUILTIN_RULES } from '../../src/extract/builtin-rules.js';
import { patternsOf } from '../../src/extract/rules.js';
import { isBoilerplateLine } from '../../src/extract/text.js';
import type { Article } from '../../src/model.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

interface Expected {
  url: string;
  mustNotContain: string[];
  [field: string]: unknown;
}

const CASES = [
  { name: 'sputnik-kg-20220305-lavrov (article__block design)', html: 'sputnik/sputnik-kg-20220305-lavrov.html', expected: 'sputnik/sputnik-kg-20220305-lavrov.expected.json' },
  { name: 'snanews-de-20201216 (real page, German edition)', html: 'sputnik/snanews-de-20201216.html', expected: 'sputnik/snanews-de-20201216.expected.json' },
  { name: 'sputnik-by b-article (older design, rebuilt)', html: 'extract/sputnik-by-b-article.html', expected: 'extract/sputnik-by-b-article.expected.json' },
  { name: 'sputniknews.com b-article (older design, real page)', html: 'extract/sputniknews-com-20191118-b-article.html', expected: 'extract/sputniknews-com-20191118-b-article.expected.json' },
];

const FIELDS: (keyof Article)[] = ['title', 'lead', 'paragraphs', 'dateline', 'place', 'author', 'publishedAt', 'tags', 'language', 'canonicalUrl', 'images'];

for (const c of CASES) {
  describe(c.name, () => {
    const exp = JSON.parse(fixture(c.expected)) as Expected;
    const article = extractArticle(fixture(c.html), exp.url, { rules: [] });

    test('is read by the engine extractor', () => assert.equal(article.extractor, 'sputnik'));

    test('gives exactly the expected fields', () => {
      for (const f of FIELDS) if (f in exp) assert.deepEqual(article[f], exp[f], f);
    });

    test('none of the mustNotContain strings in any stored field', () => {
      const stored = JSON.stringify(article);
      for (const s of exp.mustNotContain) assert.ok(!stored.includes(s), `found "${s}"`);
    });

    test('paragraphs are single clean lines', () => {
      for (const p of article.paragraphs) {
        assert.equal(p, p.trim());
        assert.ok(!/\s{2,}|\n/.test(p), p);
      }
    });
  });
}

describe('engine pages without a dateline or an author', () => {
  test('snanews has no dateline, and the lavrov page takes no author from its template\'s meta tags', () => {
    const sna = extractArticle(fixture('sputnik/snanews-de-20201216.html'), 'https://snanews.de/a.html', { rules: [] });
    assert.equal(sna.dateline, null);
    assert.equal(sna.place, null);
    const kg = extractArticle(fixture('sputnik/sputnik-kg-20220305-lavrov.html'), 'https://ru.sputnik.kg/a.html', { rules: [] });
    assert.equal(kg.author, null);
  });
});

describe('chosen by markup, not by host', () => {
  const html = fixture('sputnik/sputnik-kg-20220305-lavrov.html');

  test('an engine page on a foreign host is still read by the engine extractor', () => {
    const $ = loadHtml(html);
    assert.equal(chooseExtractor($, 'https://mirror.example.org/copy.html', []).kind, 'sputnik');
    const a = extractArticle(html, 'file:///tmp/page.html', { rules: [] });
    assert.equal(a.extractor, 'sputnik');
    assert.equal(a.paragraphs.length, 13);
  });

  test('a page on an engine host without the engine markup goes to the generic extractor, keeping the engine drop list', () => {
    const body = Array.from({ length: 4 }, (_, i) => `<p>Абзац номер ${i + 1} настоящей новости о погоде в Бишкеке, где сегодня тепло и солнечно, а вечером ожидается небольшой дождь.</p>`).join('');
    const page = `<html lang="ru"><head><title>Погода</title></head><body><article>${body}<p>Подписывайтесь на Sputnik в Дзен</p></article></body></html>`;
    const $ = loadHtml(page);
    const choice = chooseExtractor($, 'https://ru.sputnik.kg/weather/1.html', []);
    assert.equal(choice.kind, 'generic');
    assert.ok(choice.rule?.dropParagraphs.length, 'the engine rule refines the generic extractor');
    const a = extractArticle(page, 'https://ru.sputnik.kg/weather/1.html', { rules: [] });
    assert.notEqual(a.extractor, 'sputnik');
    assert.ok(a.paragraphs.some((p) => p.includes('Абзац номер 1')));
    assert.ok(!JSON.stringify(a).includes('Подписывайтесь'), 'the promo is dropped');
  });

  test('a page elsewhere without the engine markup is not an engine page', () => {
    const $ = loadHtml('<html><body><article><p>Text</p></article></body></html>');
    assert.deepEqual(chooseExtractor($, 'https://example.com/a', []), { kind: 'generic', rule: undefined });
  });
});

describe('the blocks design, block by block', () => {
  const page = (blocks: string, extra = '') => `<html lang="ru"><head><meta property="article:published_time" content="20240214T0930+0300"></head><body>
    <div class="article"><h1 class="article__title">Заголовок</h1><div class="article__announce-text">Лид статьи.</div>${extra}
    <div class="article__body">${blocks}</div></div></body></html>`;
  const text = (t: string) => `<div class="article__block" data-type="text"><div class="article__text">${t}</div></div>`;

  test('RIA dateline with a hyphen; list, h2, quote and incision blocks kept; cards, banners, media, embeds dropped', () => {
    const html = page(
      text('<strong>МОСКВА, 14 фев - РИА Новости.</strong> Первый абзац.') +
        '<div class="article__block" data-type="h2"><h2>Подзаголовок</h2></div>' +
        '<div class="article__block" data-type="list"><ul class="article__list"><li>Пункт один;</li><li>Пункт два.</li></ul></div>' +
        '<div class="article__block" data-type="quote"><div class="article__quote"><div class="article__quote-bg">“</div><div class="article__quote-text">«Цитата»</div><div class="article__quote-info"><div class="share">Поделиться</div></div></div></div>' +
        '<div class="article__block" data-type="incision"><div class="article__incision"><div class="article__incision-title">Справка</div><div class="article__incision-text"><p>Текст справки.</p></div><a class="article__incision-button"><span>Развернуть</span><span>Свернуть</span></a></div></div>' +
        '<div class="article__block" data-type="article"><div class="article__article"><div class="article__article-supertag">Сюжет</div><a class="article__article-title">Связанная новость</a></div></div>' +
        '<div class="article__block" data-type="photolenta"><div class="media__title">Фотолента</div></div>' +
        '<div class="article__block" data-type="infographics"><div>Инфографика</div></div>' +
        '<div class="article__block" data-type="embed"><blockquote>Пост из соцсети</blockquote></div>' +
        '<div class="article__block" data-type="unknown-new-type"><div>Неизвестный блок</div></div>' +
        text('Подписывайтесь на РИА Новости в Telegram') +
        text('Последний абзац.'),
    );
    const a = extractArticle(html, 'https://ria.ru/20240214/x.html', { rules: [] });
    assert.equal(a.extractor, 'sputnik');
    assert.equal(a.dateline, 'МОСКВА, 14 фев - РИА Новости.');
    assert.equal(a.place, 'МОСКВА');
    assert.equal(a.publishedAt, '2024-02-14T09:30:00+03:00');
    assert.deepEqual(a.paragraphs, ['Первый абзац.', 'Подзаголовок', 'Пункт один;', 'Пункт два.', '«Цитата»', 'Справка', 'Текст справки.', 'Последний абзац.']);
    assert.equal(a.title, 'Заголовок');
    assert.equal(a.lead, 'Лид статьи.');
  });

  test('a first block that is only the dateline leaves no empty paragraph; a dateline-like text later is body', () => {
    const a = extractArticle(page(text('<strong>НУР-СУЛТАН, 3 янв — Sputnik.</strong>') + text('Текст.') + text('МОСКВА, 14 фев - РИА Новости. Не первый абзац.')), 'https://x.test/', { rules: [] });
    assert.equal(a.dateline, 'НУР-СУЛТАН, 3 янв — Sputnik.');
    assert.equal(a.place, 'НУР-СУЛТАН');
    assert.deepEqual(a.paragraphs, ['Текст.', 'МОСКВА, 14 фев - РИА Новости. Не первый абзац.']);
  });

  test('a first paragraph without a dateline is kept whole', () => {
    const a = extractArticle(page(text('Москва готовится к празднику. Второе предложение.')), 'https://x.test/', { rules: [] });
    assert.equal(a.dateline, null);
    assert.deepEqual(a.paragraphs, ['Москва готовится к празднику. Второе предложение.']);
  });

  test('images: announce photo with caption and credit, kept apart from the text', () => {
    const announce = `<div class="article__announce"><div class="media"><div class="photoview__open"><span class="photoview__copyright"><a>© Sputnik / Иван Иванов</a></span><span class="photoview__desc-text">Здание МИД</span><img src="/img/1.jpg"></div><div class="media__copyright"><div class="media__copyright-item">© Sputnik / Иван Иванов</div></div></div></div>`;
    const a = extractArticle(page(text('Текст.'), announce), 'https://ru.sputnik.kg/a.html', { rules: [] });
    assert.deepEqual(a.images, [{ url: 'https://ru.sputnik.kg/img/1.jpg', caption: 'Здание МИД', credit: 'Sputnik / Иван Иванов' }]);
    assert.deepEqual(a.paragraphs, ['Текст.']);
  });
});

describe("the customer's seed article: every boilerplate kind is covered by a rule", () => {
  const seed = fixture('sputnik/seed-article-as-seen.txt')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const html = fixture('sputnik/sputnik-kg-20220305-lavrov.html');
  const url = 'https://ru.sputnik.kg/20220305/lavrov-kyrgyzstan-otnosheniya-1054780123.html';
  const article = extractArticle(html, url, { rules: [] });
  const rule = BUILTIN_RULES[0]!;
  const kept = new Set([article.title, article.lead, ...article.paragraphs]);
  const boilerplate = seed.filter((l) => !kept.has(l) && !(article.dateline && l === `${article.dateline} ${article.paragraphs[0]}`));

  test('the seed text is the article plus five boilerplate lines (promo, related card, story label, card headline, video)', () => {
    // Every line of the article is in the seed (the first paragraph behind its dateline), and the rest is boilerplate.
    for (const p of [article.title, article.lead, ...article.paragraphs.slice(1)]) assert.ok(seed.includes(p!), p!);
    assert.ok(seed.includes(`${article.dateline} ${article.paragraphs[0]}`));
    assert.equal(seed.length, kept.size + boilerplate.length);
    assert.deepEqual(boilerplate, [
      'Подписывайтесь на Sputnik в Дзен',
      'Казакбаев рассказал об итогах переговоров с Лавровым в Москве',
      'Спецоперация России по защите Донбасса',
      'Кыргызстан готов стать посредником в переговорах между Россией и Украиной',
      'Пресс-конференция Казакбаева и Лаврова по итогам переговоров — Запись прямого эфира',
    ]);
  });

  test('each boilerplate line sits in an element the rule removes, or matches a drop pattern', () => {
    const $ = loadHtml(html);
    const removed = $(rule.remove.join(', '));
    for (const line of boilerplate) {
      const byPattern = isBoilerplateLine(line, patternsOf(rule).drop);
      const holders = $('*').filter((_, el) => $(el).children().length === 0 && $(el).text().trim() === line);
      assert.ok(holders.length > 0, `"${line}" is on the page`);
      const byRemoval = holders.toArray().every((el) => removed.toArray().some((r) => r === el || contains(r, el)));
      assert.ok(byPattern || byRemoval, `"${line}" is covered`);
      assert.ok(!JSON.stringify(article).includes(line), `"${line}" is not stored`);
    }
  });

  test('the subscribe promo is dropped by its text too, wherever the page puts it', () => {
    const moved = html.replace(
      '<div class="article__block" data-type="text">',
      '<div class="article__block" data-type="text"><div class="article__text">Подписывайтесь на Sputnik в Дзен</div></div><div class="article__block" data-type="text">',
    );
    assert.notEqual(moved, html);
    const a = extractArticle(moved, url, { rules: [] });
    assert.ok(!JSON.stringify(a).includes('Подписывайтесь'));
    assert.equal(a.dateline, 'БИШКЕК, 5 мар — Sputnik.', 'the dateline still opens the first paragraph left');
    assert.deepEqual(a.paragraphs, article.paragraphs);
  });

  test('the dateline is split off the first text block as metadata', () => {
    assert.equal(article.dateline, 'БИШКЕК, 5 мар — Sputnik.');
    assert.equal(article.place, 'БИШКЕК');
    assert.ok(!article.paragraphs.some((p) => p.includes('Sputnik.')));
  });
});

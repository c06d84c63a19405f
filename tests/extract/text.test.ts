// Text helpers: inline text as a reader sees it, whole-line boilerplate, language from letters; and the loader's parser.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { HTMLPARSER2_OPTIONS, loadHtml } from '../../src/extract/index.js';
import {
  cyrillicLanguage,
  dropBoilerplate,
  inlineLines,
  inlineText,
  isBoilerplateLine,
  letterDigitRuns,
  normalizeSpace,
  reconcileLanguage,
  textContent,
  visibleChars,
} from '../../src/extract/text.js';
import { BUILTIN_RULES } from '../../src/extract/builtin-rules.js';
import { patternsOf } from '../../src/extract/rules.js';

const textOf = (html: string, sel = 'div') => inlineText(loadHtml(html)(sel).first());

describe('inlineText', () => {
  test('inline markup adds no space where a tag ends', () => {
    assert.equal(
      textOf('<div>wie am Dienstag vom Ministerium <a href="x">mitgeteilt wurde</a>. Neben</div>'),
      'wie am Dienstag vom Ministerium mitgeteilt wurde. Neben',
    );
    assert.equal(textOf('<div><strong>БИШКЕК, 5 мар — Sputnik.</strong> Министр <em>иностранных</em> дел</div>'), 'БИШКЕК, 5 мар — Sputnik. Министр иностранных дел');
    assert.equal(textOf('<div>co<b>op</b>eration</div>'), 'cooperation');
  });

  test('<br> and block elements break lines; whitespace collapses, nbsp is a space', () => {
    assert.equal(textOf('<div>one<br>two<br/>  three</div>'), 'one\ntwo\nthree');
    assert.equal(textOf('<div><p>First\n   paragraph.</p><p>Second&nbsp;&nbsp;one.</p>tail</div>'), 'First paragraph.\nSecond one.\ntail');
    assert.deepEqual(inlineLines(loadHtml('<div><h2>Title</h2><ul><li>a</li><li>b</li></ul></div>')('div')), ['Title', 'a', 'b']);
    assert.equal(textOf('<div>a&#8203;b soft&shy;hyphen</div>'), 'ab softhyphen');
  });

  test('scripts, styles, buttons and hidden elements are not text; table cells are spaced', () => {
    assert.equal(textOf('<div>kept<script>var x = 1;</script><style>p{}</style><button>Expandieren</button><span hidden>no</span></div>'), 'kept');
    assert.equal(textOf('<div><table><tr><td>a</td><td>b</td></tr></table></div>'), 'a b');
  });

  test('normalizeSpace', () => {
    assert.equal(normalizeSpace('  a \u00a0\u202f b\n\tc  '), 'a b c');
  });
});

describe('boilerplate lines', () => {
  const sputnik = patternsOf(BUILTIN_RULES[0]!).drop;

  test('promo lines of the engine are boilerplate as whole lines', () => {
    for (const line of [
      'Подписывайтесь на Sputnik в Дзен',
      'Подписывайтесь на наш канал в Telegram',
      '>>> Хотите еще больше актуальных и интересных новостей – подписывайтесь на Telegram-канал Sputnik Беларусь',
      'Читайте также:',
      'Читайте также: Музей открыл новый зал',
      '© Sputnik / Кирилл Каллиников',
      'Abonnieren',
    ]) {
      assert.equal(isBoilerplateLine(line, sputnik), true, line);
    }
  });

  test('a sentence that merely contains "подписывайтесь" is kept', () => {
    for (const line of [
      '«Мы часто слышим от студентов: подписывайтесь на наши страницы», — сказала Морозова.',
      'Блогер призвал: подписывайтесь на Sputnik, там всё честно, — но модераторы удалили запись.',
      'Читатели спрашивают, как читать также и архив.',
    ]) {
      assert.equal(isBoilerplateLine(line, sputnik), false, line);
    }
  });

  test('dropBoilerplate drops whole paragraphs, or whole lines of a multi-line paragraph, never parts of a line', () => {
    const out = dropBoilerplate(['Real text.', 'Подписывайтесь на Sputnik в Дзен', 'Line one.\nЧитайте также: Другая новость\nLine three.', '   '], sputnik);
    assert.deepEqual(out, ['Real text.', 'Line one.\nLine three.']);
  });
});

describe('language from letters', () => {
  test('Cyrillic text by its distinctive letters', () => {
    assert.equal(cyrillicLanguage('Министр иностранных дел России Сергей Лавров рассказал о важных моментах'), 'ru');
    assert.equal(cyrillicLanguage('Міністр закордонних справ України заявив, що єдність і підтримка ґрунтуються'), 'uk');
    assert.equal(cyrillicLanguage('Міністр замежных спраў Беларусі заявіў пра сустрэчу ў Мінску'), 'be');
    assert.equal(cyrillicLanguage('Offshore-Windparks stören keine Anwohner und befinden sich weltweit im Wachstum'), null);
  });

  test('the declared language stands unless the text contradicts its script', () => {
    const ru = 'Министр иностранных дел России Сергей Лавров рассказал о важных моментах';
    assert.equal(reconcileLanguage('de', ru), 'ru');
    assert.equal(reconcileLanguage(null, ru), 'ru');
    assert.equal(reconcileLanguage('uk', ru), 'uk');
    assert.equal(reconcileLanguage('de', 'Die Fischer fühlen sich zunehmend verdrängt und fordern Ausgleich.'), 'de');
    assert.equal(reconcileLanguage(null, 'Short'), null);
  });
});

describe('loadHtml', () => {
  test('uses htmlparser2 (no html/head/body invented around a fragment, as parse5 would)', () => {
    const $ = loadHtml('<p>x</p><table><tr><td>1</td></tr></table>');
    assert.equal($('html').length, 0);
    assert.equal($('tbody').length, 0);
    assert.equal($('p').text(), 'x');
  });

  test('parses every document as cheerio\'s own htmlparser2 load does (the faster tokenizer skips to the same places, the name table reads the same names)', () => {
    const docs = [
      '<script>if (a < b && c > d) { x = "</scr" + "ipt>"; }</script><p>after</p>',
      '<style>p > a { color: red } /* <b> */</style><p a="1" b=\'2\' c=3 d>t</p>',
      '<p>one<!-- a <b> comment -- with --- dashes --->two<!----><!-- unterminated',
      '<script>var s = "<</script><p>x</p><script>',
      '<div><![CDATA[ <b>not a tag</b> ]]></div><?php echo 1; ?><!DOCTYPE html>',
      '<title>A &amp; <b>B</b></title><textarea>a < b</textarea><p title="x>y">q</p',
      `<script type="application/ld+json">${'{"a": "<b>"}'.repeat(200)}</script>` + '<p>end</p>',
      '<script>' + 'x<y;'.repeat(5000) + '</script  ><p>tail',
      '<svg><style>a{}</style><script>1<2</script></svg><noscript><p>n</p></noscript>',
      '<p title="a &amp; b &quot;c&quot; &" data-x=\'1 & 2 &lt;\' y=&amp;z>x &lt; y &amp z &#169; &nbsp;&copy &</p>&',
      `<div class="${'a'.repeat(3000)}" id='${'"'.repeat(10)}'>${'word '.repeat(3000)}&amp;${'more '.repeat(100)}</div>`,
      'plain text without any tag & one ampersand at the end &',
      // Names read through the name table (html-names.ts): upper case, beyond ASCII, long, on a two-byte page,
      // and more distinct names than the table keeps (it starts over).
      '<DIV CLASS="a" Data-X=1><P>x</P></DIV><Br/><IMG SRC=y>',
      '<p>“quoted”</p><Spän ÄTTR=1 ok=2>x</Spän><dïv>y</DIV><SPÄN>z</spän>',
      `<p>’</p><${'x'.repeat(60)} ${'y'.repeat(45)}=1>long</${'x'.repeat(60)}>`,
      `<p>’</p>${Array.from({ length: 3000 }, (_, i) => `<t${i} a${i}="${i}" A${i}x=1>${i}</t${i}>`).join('')}<p class=after>tail</p>`,
    ];
    for (const html of docs) assert.equal(loadHtml(html).html(), load(html, HTMLPARSER2_OPTIONS).html(), html.slice(0, 60));
  });
});

describe('whitespace helpers read whitespace as the regex \\s does', () => {
  // The definitions the helpers are written against: every run of \s one space, invisible characters out.
  const INVISIBLE = /[\u200b\u2060\ufeff\u00ad]/g;
  const byRegex = (s: string) => s.replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  const countByRegex = (s: string) => s.replace(INVISIBLE, '').replace(/\s+/g, '').length;
  const units = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c));

  test('every UTF-16 code unit alone and between letters', () => {
    for (const u of units) {
      for (const s of [u, `a${u}b`, `a ${u} b`, `${u}${u}x`]) {
        assert.equal(normalizeSpace(s), byRegex(s), `U+${u.charCodeAt(0).toString(16)} in ${JSON.stringify(s)}`);
        assert.equal(visibleChars(s), countByRegex(s), `U+${u.charCodeAt(0).toString(16)} in ${JSON.stringify(s)}`);
      }
    }
  });

  test('random mixes of spaces, line breaks, no-break and invisible characters', () => {
    const pieces = [' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u2009', '\u3000', '\u200b', '\ufeff', '\u00ad', 'a', 'Жж', '😀', '.'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % pieces.length;
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let k = next() + 1; k > 0; k--) s += pieces[next()];
      assert.equal(normalizeSpace(s), byRegex(s), JSON.stringify(s));
      assert.equal(visibleChars(s), countByRegex(s), JSON.stringify(s));
    }
  });
});

describe('letterDigitRuns gives what match(/[\\p{L}\\p{N}]+/gu) gives', () => {
  const byRegex = (s: string) => s.match(/[\p{L}\p{N}]+/gu) ?? [];

  test('every UTF-16 code unit alone and between letters', () => {
    for (let c = 0; c < 0x10000; c++) {
      const u = String.fromCharCode(c);
      for (const s of [u, `a${u}b`, `${u}${u} 1`]) assert.deepEqual(letterDigitRuns(s), byRegex(s), `U+${c.toString(16)}`);
    }
  });

  test('surrogate pairs, lone surrogates and random mixes', () => {
    const pieces = ['a', 'Ж', '7', '٣', ' ', '-', '’', '😀', '𝐀', '𐐷', '\ud835', '\udc00', 'ª', '²', '\u0301', 'İ', '\u00a0', '中'];
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % pieces.length;
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let k = next() + 1; k > 0; k--) s += pieces[next()];
      assert.deepEqual(letterDigitRuns(s), byRegex(s), JSON.stringify(s));
    }
  });
});

test('textContent gives what cheerio\'s .text() gives for each element', () => {
  const $ = loadHtml(`<html><head><title>A &amp; B</title><script>var s = "<b>";</script><style>p{}</style></head>
<body><div id="x">one <!-- no --><b>two</b><script>three()</script><![CDATA[four]]><p>five<br>six</p></div>
<span itemprop="author"><a itemprop="url" href="/a">by</a> <span itemprop="name"> Jane  Roe </span></span></body></html>`);
  for (const el of $('*').toArray()) assert.equal(textContent(el), $(el).text(), 'name' in el ? el.name : el.type);
  assert.equal(textContent($.root()[0]!), $.root().text());
});

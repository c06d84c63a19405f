// The boilerplate scorer: its signals, the guard against dropping on one signal, the budget, the shipped weights.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_INDEX, FEATURE_NAMES, boilerplateFeatures, hintWords, signalCount, type PageContext, type ParagraphInfo } from '../../src/extract/boilerplate-features.js';
import { DEFAULT_MODEL, applyBudget, checkModel, dropScoredBoilerplate, scoreParagraphs, type BoilerplateModel } from '../../src/extract/boilerplate-score.js';

const ctx: PageContext = { title: 'Парламент одобрил новый бюджет страны', siteNames: ['Вестник Бишкек'], url: 'https://news.example.kg/2024/05/01/budget.html', source: 'rule' };

function para(text: string, extra: Partial<ParagraphInfo> = {}): ParagraphInfo {
  const len = text.replace(/\s+/g, '').length;
  return { text, len, linkLen: 0, emphLen: 0, hrefs: [], hints: '', nearRemoved: false, ...extra };
}

const PROSE = [
  'Депутаты парламента во втором чтении одобрили проект бюджета на следующий год, сообщила во вторник пресс-служба законодательного органа, добавив, что документ направлен президенту.',
  'Доходы бюджета запланированы в размере двухсот миллиардов, а расходы превысят их примерно на пять процентов, отметил министр финансов, выступая перед депутатами на заседании.',
  'По словам министра, дефицит бюджета покроют за счет внешних заимствований и продажи государственных облигаций на внутреннем рынке в течение всего следующего года.',
  'Оппозиция критиковала документ, указывая на рост расходов на содержание государственного аппарата и сокращение программ поддержки сельского хозяйства в регионах страны.',
];

const on = (v: number[], f: keyof typeof FEATURE_INDEX) => v[FEATURE_INDEX[f]]! >= 0.5;

describe('signals', () => {
  test('links to messengers and to the site\'s own pages, whole link and whole emphasis', () => {
    const body = [...PROSE, para('Наш канал', { linkLen: 8, hrefs: ['https://t.me/somechannel'] }), para('Бюджет прошлого года', { linkLen: 18, emphLen: 18, hrefs: ['/2023/05/01/budget.html'] })];
    const f = boilerplateFeatures(body.map((p) => (typeof p === 'string' ? para(p) : p)), ctx);
    const tg = f[4]!;
    const own = f[5]!;
    assert.ok(on(tg, 'socialLink') && on(tg, 'wholeLink') && !on(tg, 'ownSiteLink'));
    assert.ok(on(own, 'ownSiteLink') && on(own, 'wholeEmphasis') && !on(own, 'socialLink'));
    assert.ok(!on(f[0]!, 'socialLink') && !on(f[0]!, 'wholeLink'));
  });

  test('a link whose text is its own address is a citation, not a whole-link line', () => {
    const f = boilerplateFeatures([para('https://example.org/report.pdf', { linkLen: 28, hrefs: ['https://example.org/report.pdf'] })], ctx);
    assert.ok(!on(f[0]!, 'wholeLink') && on(f[0]!, 'addressOrHandle'));
  });

  test('shape: second person, the outlet\'s "we", an imperative opener, a question then a call, a marker, a label and colon', () => {
    const f = boilerplateFeatures(
      [para('Остались вопросы? Пишите нам в чат'), para('» Узнайте больше о вашем районе'), para('По теме: бюджет одобрен'), para('Остались ли вопросы? Депутаты ответили на все.')],
      ctx,
    );
    assert.ok(on(f[0]!, 'questionThenMore') && on(f[0]!, 'firstPersonPlural') && on(f[0]!, 'imperativeStart'));
    assert.ok(on(f[1]!, 'leadingMarker') && on(f[1]!, 'secondPerson') && on(f[1]!, 'imperativeStart'));
    assert.ok(on(f[2]!, 'labelColon'));
    assert.ok(!on(f[3]!, 'questionThenMore'), 'a question answered by a sentence is not a call');
  });

  test('the outlet names itself: by its site name, its brand, or as "the editors"', () => {
    const f = boilerplateFeatures([para('Вестник Бишкек в мессенджере'), para('Все материалы «Вестника» здесь'), para('Мнение редакции может не совпадать')], { ...ctx, siteNames: ['Вестник Бишкек', 'Вестник'] });
    assert.ok(on(f[0]!, 'outletNamed') && on(f[2]!, 'outletNamed'));
    const kg = boilerplateFeatures([para('Кыргызстан и Казахстан подписали соглашение.')], { ...ctx, siteNames: ['Sputnik Кыргызстан'] });
    assert.ok(!on(kg[0]!, 'outletNamed'), 'the country in the site name is not the outlet');
  });

  test('position: the body\'s head and tail (before the first and after the last long paragraph), next to a removed card', () => {
    const f = boilerplateFeatures([para('Коротко'), ...PROSE.map((t) => para(t)), para('Хвост один'), para('Хвост два', { nearRemoved: true })], ctx);
    assert.ok(on(f[0]!, 'first') && !on(f[1]!, 'first'));
    assert.ok(on(f[5]!, 'last') && on(f[6]!, 'last') && on(f[6]!, 'nearRemoved') && !on(f[4]!, 'last'));
  });

  test('class and id words match as whole words', () => {
    assert.deepEqual(hintWords('article__promo-box readMore'), ['article', 'promo', 'box', 'readmore']);
    const f = boilerplateFeatures([para('a b', { hints: 'article__promo' }), para('a b', { hints: 'promotion-results' })], ctx);
    assert.ok(on(f[0]!, 'classHint') && !on(f[1]!, 'classHint'));
  });

  test('the dateline is left out of the first paragraph\'s signals', () => {
    const dl = /^[А-ЯЁ]+, \d+ \p{Ll}+ — Вестник\./u;
    const withDl = boilerplateFeatures([para('БИШКЕК, 5 мар — Вестник. Депутаты одобрили бюджет.')], { ...ctx, dateline: dl });
    assert.ok(!on(withDl[0]!, 'outletNamed'));
  });
});

describe('the guard and the budget', () => {
  test('one signal alone never drops a sentence: mentions of subscribing, Telegram or the outlet stay', () => {
    const body = [
      ...PROSE,
      'Министерство закрыло свой канал в Telegram и будет публиковать новости на сайте.',
      'Подписывайтесь на рассылки только проверенных магазинов, советуют юристы.',
      'Как ранее сообщал Вестник Бишкек, голосование перенесли на вторник.',
    ].map((t) => para(t));
    const kept = dropScoredBoilerplate(body, ctx);
    assert.equal(kept.length, body.length);
    for (const s of scoreParagraphs(body, ctx)) assert.ok(s.signals < DEFAULT_MODEL.minSignals || !s.drop, s.info.text);
  });

  test('signals of several families together drop a promo', () => {
    const promo = para('Хотите знать больше? Подписывайтесь на наш канал в Telegram', { linkLen: 30, hrefs: ['https://t.me/vestnik'] });
    const scored = scoreParagraphs([...PROSE.map((t) => para(t)), promo], ctx);
    const last = scored[scored.length - 1]!;
    assert.ok(last.signals >= DEFAULT_MODEL.minSignals, `signals ${last.signals}`);
    assert.ok(last.drop, `p=${last.probability}`);
    assert.equal(signalCount(last.features), last.signals);
  });

  test('the budget: never more than a quarter of the body\'s text, the most certain drops first', () => {
    const mk = (text: string, probability: number) => ({ info: para(text), features: [], probability, signals: 5, drop: true });
    // 430 characters: a budget of 107; y (0.95) fits, then x (0.9, 100) no longer does, z (0.6, 10) still does.
    const out = applyBudget([mk('x'.repeat(100), 0.9), mk('y'.repeat(20), 0.95), mk('z'.repeat(10), 0.6), { ...mk('w'.repeat(300), 0), drop: false }]);
    assert.deepEqual(out.map((s) => s.drop), [false, true, true, false]);
  });

  test('model null scores nothing and drops nothing; observe sees every paragraph', () => {
    let seen = 0;
    const promo = para('Подписывайтесь на наш канал в Telegram', { linkLen: 30, hrefs: ['https://t.me/vestnik'] });
    const kept = dropScoredBoilerplate([...PROSE.map((t) => para(t)), promo], ctx, { model: null, observe: (rows) => (seen = rows.length) });
    assert.equal(kept.length, PROSE.length + 1);
    assert.equal(seen, PROSE.length + 1);
  });
});

describe('the shipped weights', () => {
  test('match the feature list, and a model of another shape is refused', () => {
    assert.deepEqual(DEFAULT_MODEL.features, [...FEATURE_NAMES]);
    assert.ok(DEFAULT_MODEL.minSignals >= 2, 'never one signal alone');
    const bad: BoilerplateModel = { ...DEFAULT_MODEL, features: DEFAULT_MODEL.features.slice(1) };
    assert.throws(() => checkModel(bad), /retrain/);
  });
});

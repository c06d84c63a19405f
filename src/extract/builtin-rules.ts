/**
 * Built-in site rules, written in the same shape as the config's `sites:` and validated by the same schema.
 * The Sputnik/RIA engine rule is the site knowledge of README "Site rules": which blocks are text, which are
 * cards, banners and promos, and which lines are boilerplate. A user rule that applies to the same page adds
 * to these lists (see mergeRules).
 */
import type { SiteRuleInput } from './rule-schema.js';
import { parseRules } from './rules.js';
import { trustBuiltinPattern } from '../regex/linear.js';

/** Blocks of the `article__block` design that hold body text, and the body of the older `b-article` design. */
const SPUTNIK_BODY = [
  '.article__body .article__block[data-type="text"]',
  '.article__body .article__block[data-type="quote"] .article__quote-text',
  '.article__body .article__block[data-type="incision"] .article__incision-title',
  '.article__body .article__block[data-type="incision"] .article__incision-text',
  '.article__body .article__block[data-type="list"]',
  '.article__body .article__block[data-type="h2"]',
  '.article__body .article__block[data-type="h3"]',
  '.article__body .article__block[data-type="vrez"]',
  'div.b-article__text',
].join(', ');

/** Never text: related-story cards, banners, media, embeds, promos, share bars, buttons, credits. */
const SPUTNIK_REMOVE = [
  ...['article', 'banner', 'media', 'photolenta', 'video', 'embed', 'infographics', 'social', 'poll'].map(
    (t) => `.article__block[data-type="${t}"]`,
  ),
  '.article__google-news',
  '.article__quote-bg',
  '.article__quote-info',
  '.article__incision-button',
  '.elem-info__share',
  '.article__share',
  '.article__userbar',
  '.media__copyright',
  '.photoview__copyright',
  '.b-inject',
  '.b-article__header-copy',
  '.b-article__share',
  '.b-article__promo',
];

/**
 * Promo lines the editions put inside the text (case-insensitive, anchored at the line's start so a
 * sentence that merely mentions subscribing is kept).
 */
const SPUTNIK_DROP = [
  // "Подписывайтесь на Sputnik в Дзен", "Подписывайтесь на наш канал в Telegram", buttons "Подписаться на ..."
  '^(?:>+\\s*)?(?:Подписывайтесь|Подписаться|Подпишитесь) на\\s[^,.!?]{0,100}?(?:Sputnik|РИА|канал|Telegram|Телеграм|Дзен|Яндекс|ВКонтакте|Одноклассник|Google|YouTube|Viber|WhatsApp|MAX|наш)',
  // ">>> Хотите еще больше актуальных и интересных новостей – подписывайтесь на Telegram-канал Sputnik Беларусь"
  '^\\s*>{2,}',
  '^(?:>+\\s*)?Хотите (?:еще|ещё) больше .{0,80}новост',
  // "Читайте также:", "Читайте также: <related headline>", "Смотрите также", "Читайте нас в Telegram"
  // (a sentence that goes on after "также" is kept)
  '^(?:Читайте|Смотрите|Слушайте) также(?:\\s*[:.]|\\s*$)',
  '^(?:Читайте|Следите за) (?:нас|новостями|Sputnik).{0,80}?(?:Telegram|Телеграм|Дзен|Яндекс|ВКонтакте|соцсет|канал)',
  // photo and video credits: "© Sputnik / Кирилл Каллиников", "Фото: Sputnik / ..."
  '^\\s*©',
  '^(?:Фото|Видео|Photo|Foto|Video)\\s*:\\s*\\S.{0,80}$',
  // the German and English editions' promos
  '^Abonnieren(?:\\s|$)',
  '^(?:Subscribe to|Follow) (?:Sputnik|us on|our)',
];

/**
 * "БИШКЕК, 5 мар — Sputnik." / "МОСКВА, 14 фев - РИА Новости." / "MOSCOW (Sputnik) -": place in capitals,
 * then the day and month and the agency, or the agency in brackets.
 */
const SPUTNIK_DATELINE =
  "^(?<place>\\p{Lu}[\\p{Lu}\\-–' .]*\\p{Lu}\\.?)(?:,\\s+\\d{1,2}\\s+\\p{Ll}{3,9}\\.?(?:\\s+\\d{4})?\\s*[—–-]\\s*(?:Sputnik|РИА Новости|RIA Novosti|ИноСМИ)[^.]{0,80}?\\.|,?\\s*\\((?:Sputnik|RIA Novosti|РИА Новости)\\)\\s*[—–-])";

export const SPUTNIK_RULE_INPUT: SiteRuleInput = {
  name: 'sputnik',
  engine: 'sputnik',
  hosts: [
    'ria.ru', '*.ria.ru', 'inosmi.ru', 'radiosputnik.ru', 'sputniknews.com', '*.sputniknews.com', 'sputniknews.cn',
    'sputniknews.lt', 'sputniknews.uz', '*.sputniknews.uz', '*.sputnik.kg', '*.sputnik.by', '*.sputnik.kz',
    '*.sputnik.az', '*.sputnik.md', '*.sputnik.tj', '*.armeniasputnik.am', 'sputnik-abkhazia.ru', 'sputnik-ossetia.ru',
    '*.sputnik-georgia.com', 'sputnikportal.rs', 'snanews.de',
  ],
  detect: '.article__body .article__block, div.b-article__text',
  // The older design keeps its header (title, photo) outside .b-article: the whole page is its root.
  root: '.endless__item, .article',
  title: '.article__title, .b-article__header-title, .b-article__header h1',
  lead: '.article__announce-text, .b-article__lead',
  body: SPUTNIK_BODY,
  date: '.article__meta [itemprop="datePublished"], .b-article__refs-credits time[datetime], time.b-article__refs-date',
  author: '.article__author-name, .article__meta [itemprop="author"] [itemprop="name"], .b-article__refs-author a',
  tags: '.article__footer .tags .tag__text, .article__tags .tag__text, .b-article__tags a, .b-article__refs-tags a',
  remove: SPUTNIK_REMOVE,
  dropParagraphs: SPUTNIK_DROP,
  dateline: SPUTNIK_DATELINE,
};

/** The built-in rules, validated like config rules (a mistake here fails at start-up, naming the rule). */
// These patterns ship with feedwatch and pass the ReDoS check (tests/hostile/redos-check.ts): they run on RegExp.
for (const p of [...SPUTNIK_DROP, SPUTNIK_DATELINE]) trustBuiltinPattern(p);
export const BUILTIN_RULES = parseRules([SPUTNIK_RULE_INPUT], 'builtin');

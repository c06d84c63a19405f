/**
 * Distinct news stories as Sputnik-engine article pages, for tests that need many stories deduplication must keep
 * apart: the Lavrov fixture page (tests/fixtures/sputnik) with its title, lead and all 13 text blocks replaced by
 * text made from a seeded PRNG over the fixture's own Russian words. Two seeds give unrelated word sequences
 * (word-bigram Jaccard near 0, far under the 0.3 same-story threshold); the same seed gives the same page.
 *
 * Republication variants of a story, as other sites print it:
 *  - `dateline`: another agency's dateline in front of the first block (metadata, not body: the same text hash);
 *  - `cut`: one text block left out (a near duplicate: a new article in the story's cluster).
 */
import { readFileSync } from 'node:fs';
import { mulberry32, uniform } from './prng.js';

const TEMPLATE = readFileSync(new URL('../fixtures/sputnik/sputnik-kg-20220305-lavrov.html', import.meta.url), 'utf8');
const EXPECTED = JSON.parse(readFileSync(new URL('../fixtures/sputnik/sputnik-kg-20220305-lavrov.expected.json', import.meta.url), 'utf8')) as {
  paragraphs: string[];
};

const TEXT_OPEN = '<div class="article__text">';
const DATELINE = /^<strong>[^<]*<\/strong>\s*/;
/** Text blocks of the template (each becomes one generated paragraph). */
export const STORY_BLOCKS = TEMPLATE.split(TEXT_OPEN).length - 1;

/** The fixture's distinct lower-case Cyrillic words of three letters or more. */
const WORDS = [...new Set(EXPECTED.paragraphs.join(' ').toLowerCase().match(/[а-яё]{3,}/g) ?? [])].sort();


function sentence(rand: () => number): string {
  const n = 8 + Math.floor(rand() * 7);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  const text = words.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

export interface Story {
  title: string;
  lead: string;
  /** One per text block of the template. */
  paragraphs: string[];
}

/** The story of `seed`: a title, a one-sentence lead and STORY_BLOCKS paragraphs of two sentences. */
export function story(seed: number): Story {
  const rand = uniform(mulberry32((seed + 1) * 2654435761));
  return {
    title: sentence(rand).slice(0, -1),
    lead: sentence(rand),
    paragraphs: Array.from({ length: STORY_BLOCKS }, () => `${sentence(rand)} ${sentence(rand)}`),
  };
}

export interface PageVariant {
  /** Replaces the dateline of the first block (e.g. `МОСКВА, 5 мар — РИА Новости.`). */
  dateline?: string;
  /** Index of a text block (1 … STORY_BLOCKS − 1) to leave out. */
  cut?: number;
}

const escapeHtml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The article page of `seed`'s story, or of a republication of it. */
export function storyPage(seed: number, variant: PageVariant = {}): string {
  const s = story(seed);
  const parts = TEMPLATE.split(TEXT_OPEN);
  const blocks = parts.slice(1).map((part, i) => {
    const end = part.indexOf('</div>');
    const dateline = i === 0 ? (DATELINE.exec(part)?.[0] ?? '') : '';
    const ownDateline = i === 0 && variant.dateline !== undefined ? `<strong>${escapeHtml(variant.dateline)}</strong> ` : dateline;
    return `${ownDateline}${escapeHtml(s.paragraphs[i]!)}${part.slice(end)}`;
  });
  if (variant.cut !== undefined) {
    if (variant.cut < 1 || variant.cut >= blocks.length) throw new Error(`cut must be a block from 1 to ${blocks.length - 1}`);
    // The block's text becomes empty: the engine's extractor keeps no empty paragraph.
    blocks[variant.cut] = blocks[variant.cut]!.slice(blocks[variant.cut]!.indexOf('</div>'));
  }
  return [parts[0]!, ...blocks]
    .join(TEXT_OPEN)
    .replace(/(<h1 class="article__title">)[^<]*/, `$1${escapeHtml(s.title)}`)
    .replace(/(<div class="article__announce-text">)[^<]*/, `$1${escapeHtml(s.lead)}`)
    .replace(/(<meta property="og:title" content=")[^"]*/, `$1${escapeHtml(s.title)}`);
}

/** A short generic article page (no engine markup): Bishkek weather, three paragraphs. */
export const WEATHER_PAGE = `<!DOCTYPE html><html lang="ru"><head><title>Погода в Бишкеке</title></head><body><article>
  <h1>Погода в Бишкеке</h1>
  <p>Синоптики обещают на выходных снег и сильный ветер во всех районах столицы и в пригородах.</p>
  <p>Температура ночью опустится до минус десяти градусов, днём будет около нуля, на дорогах гололёд.</p>
  <p>Водителей просят быть осторожнее и не выезжать без зимней резины на перевалы и горные дороги.</p>
</article></body></html>`;

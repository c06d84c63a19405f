/**
 * `feedwatch story ID [--text] [--json]`: one story — its articles (with their revisions), every sighting (which feed
 * carried it, at which URL, when) and when it was first seen; `--text` adds each article's stored title, lead and
 * paragraphs. ID is the story id `feedwatch search` and the API print: a cluster id, or `item:N` for an item whose
 * page failed for good (its feed's title and description stand in, with the page's error).
 *
 * `feedwatch article ID [--json]`: one stored article's title, lead and paragraphs, with its story id, feed, URL and
 * publication time. ID is the article id `search` prints (`item:N` for an item whose page failed).
 *
 * Both read through the store interface, the same views as the HTTP API (src/api/views.ts).
 */
import { readCliConfig } from './cached-config.js';
import { openStore } from '../store/open.js';
import { count, formatTable, utcSecond } from './table.js';
import { printable } from '../control-chars.js';
import { feedOnlyKey } from '../pipeline/alert-stage.js';
import { storyView, textOf, type StoredText, type StoryView } from '../api/views.js';
import type { Store } from '../store/store.js';

export interface StoryCommandOptions {
  configPath: string | undefined;
  json: boolean;
  /** Print each article's stored text. */
  text?: boolean;
}

/** Stored times as UTC whatever offset they were written with (the labels say UTC). */
const time = (iso: string): string => utcSecond(iso) ?? iso;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A stored text as lines: the title, the lead, then the paragraphs, each followed by a blank line. */
export function formatText(text: StoredText): string {
  return [text.title, text.lead, ...text.paragraphs].filter((p) => p.trim() !== '').join('\n\n');
}

/** The story as text: a summary line, then its articles and its sightings as tables (and with `text`, each article's text). */
export function formatStory(story: StoryView, opts: { text?: boolean } = {}): string {
  if (story.item) {
    const i = story.item;
    const lines = [
      `story ${story.id}: ${i.title ?? '(no title)'}`,
      `an item of feed ${i.feed} first seen ${time(i.firstSeenAt)} UTC whose page was not stored (page ${i.pageState}${i.pageError ? `: ${i.pageError}` : ''}); its feed's title and description stand in`,
      `url ${i.url ?? '(none)'}`,
    ];
    if (opts.text && i.text) lines.push('', formatText(i.text));
    return lines.join('\n');
  }
  const sites = [...new Set(story.sightings.map((s) => hostOf(s.url)))];
  const feeds = [...new Set(story.sightings.map((s) => s.feedName))];
  const title = story.articles[0]?.title ?? null;
  const lines = [
    `story ${story.id}${title ? `: ${title}` : ''}`,
    `first seen ${time(story.firstSeenAt)} UTC; ${count(story.articles.length, 'article')}, ` +
      `${count(story.sightings.length, 'sighting')} in ${count(feeds.length, 'feed')} on ${count(sites.length, 'site')} (${sites.join(', ')})`,
    '',
    'articles (times in UTC)',
    formatTable(
      ['id', 'revision', 'first seen', 'updated', 'url', 'title'],
      story.articles.map((a) => [a.articleId, a.revision, time(a.firstSeenAt), time(a.updatedAt), a.canonicalUrl, a.title]),
    ),
    '',
    'sightings (times in UTC)',
    formatTable(
      ['seen', 'feed', 'article', 'rev', 'how', 'url'],
      story.sightings.map((s) => [
        time(s.seenAt),
        s.feedName,
        s.articleId,
        s.revision,
        s.similarity === null ? s.kind : `${s.kind} ${s.similarity.toFixed(2)}`,
        s.url,
      ]),
    ),
  ];
  if (opts.text) {
    for (const a of story.articles) {
      lines.push('', `--- article ${a.articleId}, revision ${a.revision}: ${a.canonicalUrl}`, '', a.text ? formatText(a.text) : '(no stored text)');
    }
  }
  return lines.join('\n');
}

async function withStore(configPath: string | undefined, fn: (store: Store) => Promise<number>): Promise<number> {
  const store = await openStore(await readCliConfig(configPath));
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function storyCommand(args: string[], opts: StoryCommandOptions): Promise<number> {
  const [raw, ...extra] = args;
  if (raw === undefined || extra.length > 0 || !/^(item:)?[1-9]\d{0,15}$/.test(raw)) {
    process.stderr.write('feedwatch: story takes one story id, as search prints it (a number, or item:N): feedwatch story ID [--text] [--json]\n');
    return 2;
  }
  return withStore(opts.configPath, async (store) => {
    const story = await storyView({ store }, raw);
    if (!story) {
      process.stderr.write(`feedwatch: no story with ${raw.startsWith('item:') ? 'item id' : 'cluster id'} ${raw.replace('item:', '')}\n`);
      return 1;
    }
    // --json prints the store's story as it always did (clusterId, articles, sightings); --text adds each text.
    const json = () => (story.item ? story : { clusterId: Number(story.id), firstSeenAt: story.firstSeenAt, articles: story.articles.map(({ text, ...a }) => (opts.text ? { ...a, text } : a)), sightings: story.sightings });
    console.log(printable(opts.json ? JSON.stringify(json()) : formatStory(story, { text: opts.text ?? false })));
    return 0;
  });
}

export async function articleCommand(args: string[], opts: { configPath: string | undefined; json: boolean }): Promise<number> {
  const [raw, ...extra] = args;
  const m = raw === undefined ? null : /^(item:)?([1-9]\d{0,15})$/.exec(raw);
  if (!m || extra.length > 0) {
    process.stderr.write('feedwatch: article takes one article id, as search prints it (a number, or item:N): feedwatch article ID [--json]\n');
    return 2;
  }
  const articleId = m[1] ? feedOnlyKey(Number(m[2])).articleId : Number(m[2]);
  return withStore(opts.configPath, async (store) => {
    const doc = await store.getAlertDoc(articleId);
    if (!doc) {
      process.stderr.write(`feedwatch: no stored article ${raw}\n`);
      return 1;
    }
    const text = textOf(doc)!;
    const out = opts.json
      ? JSON.stringify({ articleId: doc.articleId, storyId: doc.clusterId, feed: doc.feed, url: doc.url, publishedAt: doc.publishedAt, ...text })
      : [`article ${raw} of story ${doc.clusterId} · feed ${doc.feed} · published ${doc.publishedAt ? `${utcSecond(doc.publishedAt)} UTC` : 'unknown'} · ${doc.url ?? '(no url)'}`, '', formatText(text)].join('\n');
    console.log(printable(out));
    return 0;
  });
}

/**
 * `feedwatch story ID [--json]`: one story cluster — its articles (with their revisions), every sighting (which feed
 * carried it, at which URL, when) and when it was first seen. ID is the cluster id that the daemon's debug log
 * prints as `cluster_id` for each stored article.
 */
import { loadCliConfig } from './config.js';
import { openStore } from '../store/open.js';
import type { Story } from '../store/articles.js';
import { formatTable } from './table.js';
import { printable } from '../control-chars.js';

export interface StoryCommandOptions {
  configPath: string | undefined;
  json: boolean;
}

const time = (iso: string): string => iso.slice(0, 19).replace('T', ' ');

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The story as text: a summary line, then its articles and its sightings as tables. */
export function formatStory(story: Story): string {
  const sites = [...new Set(story.sightings.map((s) => hostOf(s.url)))];
  const feeds = [...new Set(story.sightings.map((s) => s.feedName))];
  const title = story.articles[0]?.title ?? null;
  const lines = [
    `story ${story.clusterId}${title ? `: ${title}` : ''}`,
    `first seen ${time(story.firstSeenAt)} UTC; ${story.articles.length} article${story.articles.length === 1 ? '' : 's'}, ` +
      `${story.sightings.length} sighting${story.sightings.length === 1 ? '' : 's'} in ${feeds.length} feed${feeds.length === 1 ? '' : 's'} on ${sites.length} site${sites.length === 1 ? '' : 's'} (${sites.join(', ')})`,
    '',
    'articles',
    formatTable(
      ['id', 'revision', 'first seen', 'updated', 'url', 'title'],
      story.articles.map((a) => [a.articleId, a.revision, time(a.firstSeenAt), time(a.updatedAt), a.canonicalUrl, a.title]),
    ),
    '',
    'sightings',
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
  return lines.join('\n');
}

export async function storyCommand(args: string[], opts: StoryCommandOptions): Promise<number> {
  const [raw, ...extra] = args;
  const id = raw !== undefined && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null;
  if (id === null || extra.length > 0) {
    process.stderr.write('feedwatch: story takes one cluster id (a positive whole number): feedwatch story ID [--json]\n');
    return 2;
  }
  const config = loadCliConfig(opts.configPath);
  const store = await openStore(config);
  try {
    await store.migrate();
    const story = await store.story(id);
    if (!story) {
      process.stderr.write(`feedwatch: no story with cluster id ${id}\n`);
      return 1;
    }
    console.log(printable(opts.json ? JSON.stringify(story) : formatStory(story)));
    return 0;
  } finally {
    await store.close();
  }
}

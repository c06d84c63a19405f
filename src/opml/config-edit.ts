/**
 * Append feeds to a config file's `feeds:` list, keeping the file's comments, order and layout (the `yaml`
 * package's document API edits the parsed document, not a re-dump of plain data). A feed whose address is
 * already listed is skipped; a name already taken gets the feed's host, then a number, added.
 * The edited text is validated by the same loader the daemon uses before the caller writes it.
 */
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq, type Document } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseConfig } from '../config/load.js';
import type { OpmlFeed } from './parse.js';

export interface AppendResult {
  text: string;
  added: { name: string; url: string }[];
  skipped: { title: string; url: string; reason: string }[];
}

const MAX_NAME = 200;

export function appendFeeds(configText: string, file: string, feeds: readonly OpmlFeed[], extraTags: readonly string[] = []): AppendResult {
  // Validate what is there first: a broken file is reported as it is, not as a broken import.
  parseConfig(configText, file);
  const doc = parseDocument(configText);
  const list = feedsSeq(doc, file);

  const urls = new Set<string>();
  const names = new Set<string>();
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const url = item.get('url');
    const name = item.get('name');
    if (typeof url === 'string') urls.add(urlKey(url));
    if (typeof name === 'string') names.add(name);
  }

  const added: AppendResult['added'] = [];
  const skipped: AppendResult['skipped'] = [];
  for (const f of feeds) {
    const key = urlKey(f.xmlUrl);
    if (urls.has(key)) {
      skipped.push({ title: f.title, url: f.xmlUrl, reason: 'already in the config' });
      continue;
    }
    urls.add(key);
    const name = uniqueName(f, names);
    names.add(name);
    const tags = [...new Set([...f.categories, ...extraTags])];
    const entry: Record<string, unknown> = { name, url: f.xmlUrl };
    if (tags.length > 0) entry.tags = tags;
    list.add(doc.createNode(entry));
    added.push({ name, url: f.xmlUrl });
  }

  const text = doc.toString();
  parseConfig(text, file);
  return { text, added, skipped };
}

/** The `feeds` sequence node, created (block style) when the key is missing or empty. */
function feedsSeq(doc: Document, file: string): YAMLSeq {
  const node = doc.get('feeds', true);
  if (isSeq(node)) {
    node.flow = false;
    return node;
  }
  if (node === undefined || (isScalar(node) && node.value === null)) {
    const seq = new YAMLSeq();
    doc.set('feeds', seq);
    return seq;
  }
  throw new ConfigError(`${file}: "feeds" is not a list; write it as "feeds:" followed by "- name: ..." entries`, { file, path: 'feeds' });
}

/** Two addresses are the same feed when they differ only in the case of the scheme and host, or a default port. */
function urlKey(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

function uniqueName(f: OpmlFeed, taken: ReadonlySet<string>): string {
  const base = f.title.slice(0, MAX_NAME);
  if (!taken.has(base)) return base;
  const withHost = `${base.slice(0, MAX_NAME - 60)} (${new URL(f.xmlUrl).host.slice(0, 50)})`;
  if (!taken.has(withHost)) return withHost;
  for (let i = 2; ; i++) {
    const numbered = `${withHost.slice(0, MAX_NAME - 8)} ${i}`;
    if (!taken.has(numbered)) return numbered;
  }
}

/**
 * Builders of the plain values the store tests and the storage bench hand to a Store: a feed, a feed item, an article and a
 * successful poll outcome. Each has fixed, boring defaults; a caller overrides what its test is about.
 */
import type { Article, Feed, FeedItem, PollOutcome } from '../../src/model.js';
import type { Store } from '../../src/store/store.js';

/** Feed `name` at https://example.com/<name>.xml, enabled, polled every 15 minutes, no headers or tags. */
export function testFeed(name: string, over: Partial<Feed> = {}): Feed {
  return { name, url: `https://example.com/${name}.xml`, intervalMs: 900_000, enabled: true, headers: {}, tags: [], ...over };
}

/** Item `guid` of `feedName`: link https://example.com/<guid>, the guid as its title, nothing else. */
export function testItem(feedName: string, guid: string, over: Partial<FeedItem> = {}): FeedItem {
  return {
    feedName,
    guid,
    link: `https://example.com/${guid}`,
    title: guid,
    description: null,
    author: null,
    publishedAt: null,
    categories: [],
    enclosures: [],
    extra: {},
    ...over,
  };
}

/** A poll of `feedName` started at `startedAt` that succeeded: status 200, no validators, not moved, no retry hint. */
export function okPoll(feedName: string, startedAt: string, over: Partial<PollOutcome> = {}): PollOutcome {
  return {
    feedName,
    startedAt,
    status: 200,
    ok: true,
    notModified: false,
    errorKind: null,
    errorMessage: null,
    etag: null,
    lastModified: null,
    movedTo: null,
    itemsSeen: 0,
    elapsedMs: 5,
    retryAfterSeconds: null,
    ...over,
  };
}

/** An extracted article with every optional part empty: a title and its paragraphs. */
export function testArticle(title: string, paragraphs: string[], over: Partial<Article> = {}): Article {
  return {
    title,
    lead: null,
    paragraphs,
    dateline: null,
    place: null,
    author: null,
    publishedAt: null,
    tags: [],
    language: 'ru',
    canonicalUrl: null,
    images: [],
    extractor: 'generic',
    ...over,
  };
}

/** A contract suite's `withStore`: a fresh store from `makeStore` for one test, closed afterwards whatever happens. */
export function storeRunner(makeStore: () => Promise<Store>): (fn: (store: Store) => Promise<void>) => Promise<void> {
  return async (fn) => {
    const store = await makeStore();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
}

/**
 * Job ids derived from content, so that enqueuing the same thing twice is a no-op (BullMQ keeps one job per id
 * while that job exists). BullMQ forbids ids that are integers or hold a colon; these never are.
 *
 *   feed poll scheduler   poll-<feed name, URI-encoded>           (its jobs: repeat:<scheduler id>:<slot time>)
 *   article page          article-<hash of feed name + guid>      the item's identity in storage: UNIQUE(feed, guid)
 * Deduplication and alert matching run inside the article job (stored idempotently), so they need no id of their own.
 */
import { createHash } from 'node:crypto';

/** 128 bits of SHA-256 of the parts (NUL-separated), base64url: 22 characters. */
export function contentHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('base64url').slice(0, 22);
}

/** The job scheduler of a feed's polls. encodeURIComponent leaves no colon, so BullMQ's `repeat:<id>:<ms>` parses. */
export function pollSchedulerId(feedName: string): string {
  return `poll-${encodeURIComponent(feedName)}`;
}

/** The feed name back from a scheduler id, or null when the id is not one of ours. */
export function feedOfSchedulerId(id: string): string | null {
  if (!id.startsWith('poll-')) return null;
  try {
    return decodeURIComponent(id.slice('poll-'.length));
  } catch {
    return null;
  }
}

/** A one-off poll of a feed outside its schedule. */
export function pollJobId(feedName: string): string {
  return `poll-now-${contentHash(feedName)}`;
}

export function articleJobId(feedName: string, guid: string): string {
  return `article-${contentHash(feedName, guid)}`;
}


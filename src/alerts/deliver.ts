/**
 * Reliable alert delivery over a small storage interface.
 *
 *  - enqueueMatch(): a rule matched an article. The store records (rule, story cluster) once; only the first
 *    article of a cluster creates deliveries (one per channel of the rule), so a republished or updated story
 *    does not alert again. A digest rule's deliveries are due at the end of its window (windows of `digest` ms
 *    aligned to the epoch), so every match of one window goes out together.
 *  - deliverPending(): sends what is due. Channels run side by side; within a channel, messages go one by one.
 *    A retryable failure reschedules that message with exponential backoff (capped; Retry-After honoured) and
 *    stops that channel for this pass, so a channel that is down costs one attempt per pass and holds up no
 *    other channel. A permanent failure (or too many attempts) records the delivery as failed for good.
 *
 * Every delivery stays recorded with its rule, article, channel, status, attempts and last error. Pending rows
 * survive a restart; delivered ones are never sent again. Delivery is at-least-once: a crash between a channel
 * accepting a message and markDelivered() sends it again on the next pass. So every message carries an id, given
 * to its deliveries (`assignMessage`) before it goes out for the first time and reused by every later attempt: a
 * receiver that remembers the ids it has seen drops the repeat.
 *
 * Claims: the deliveries a pass works on are claimed by this store instance for `policy.lease`, and the claim is
 * renewed while the pass goes on (each time a third of the lease has passed, before the next message), so another
 * worker never takes a delivery this one is still sending; a worker that dies leaves its claims to the lease, or,
 * on its own host, to the next pass of any process there (see src/store/claim-owner.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { FeedwatchError } from '../errors.js';
import type { Logger } from '../log.js';
import { timeStage, type Metrics } from '../metrics.js';
import type { Channel } from './channels/channel.js';
import type { DeliveryPolicy } from './config-schema.js';
import { formatDigest, type AlertContent, type AlertItem } from './message.js';

export interface NewMatch {
  rule: string;
  clusterId: string;
  articleId: number;
  /** Channel names; one delivery each. */
  channels: string[];
  item: AlertItem;
  digest: boolean;
  /** ISO time the deliveries become due: now, or the end of the digest window. */
  dueAt: string;
  matchedAt: string;
}

export interface PendingDelivery {
  id: number;
  rule: string;
  channel: string;
  clusterId: string;
  articleId: number;
  item: AlertItem;
  digest: boolean;
  /** Attempts made so far. */
  attempts: number;
  dueAt: string;
  /** The id of the message it went out in (or was about to) on an earlier attempt; null before the first. */
  messageId: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One delivery as recorded (what `feedwatch alerts` would list). */
export interface DeliveryRecord extends PendingDelivery {
  status: DeliveryStatus;
  lastError: string | null;
  deliveredAt: string | null;
  updatedAt: string;
}

/** What delivery asks of storage: the AlertStore of either driver (src/store/alerts.ts). */
export interface DeliveryStore {
  /**
   * Record a match unless (rule, clusterId) already is; when new, add one pending delivery per channel due at
   * `dueAt`. Returns whether it was new. Must be atomic (unique key on rule + cluster).
   */
  recordMatch(m: NewMatch): Promise<{ created: boolean }>;
  /**
   * Pending deliveries with dueAt ≤ now that no other live store instance holds, oldest due first, at most
   * `limit`, each claimed by this instance until now + `leaseMs`.
   */
  pending(now: string, limit: number, opts?: { leaseMs?: number }): Promise<PendingDelivery[]>;
  /** Push every claim this instance holds to now + `leaseMs`. */
  renewClaims(now: string, leaseMs: number): Promise<void>;
  /**
   * Give the deliveries `ids` (claimed by this instance, without a message id yet) the id `messageId`, durably,
   * before the message goes out. False when one of them is no longer claimed by this instance or has an id already
   * (its claim ended and another instance took it): the message must not be sent.
   */
  assignMessage(ids: number[], messageId: string): Promise<boolean>;
  markDelivered(id: number, f: { attempts: number; at: string }): Promise<void>;
  /** Record a failed attempt: pending again at `retryAt`, or failed for good when retryAt is null. */
  markFailed(id: number, f: { attempts: number; error: string; retryAt: string | null; at: string }): Promise<void>;
}

export interface RuleTarget {
  name: string;
  channels: string[];
  /** Digest window in ms; absent for immediate alerts. */
  digest?: number | undefined;
}

/** End of the digest window that `now` falls in. */
export function digestDueAt(now: number, digestMs: number): number {
  return Math.floor(now / digestMs) * digestMs + digestMs;
}

/** Record that `rule` matched an article of a cluster; true when this is the cluster's first match. */
export async function enqueueMatch(
  deps: { store: Pick<DeliveryStore, 'recordMatch'>; clock: Clock },
  rule: RuleTarget,
  match: { clusterId: string; articleId: number; item: AlertItem },
): Promise<boolean> {
  const now = deps.clock.now();
  const digest = rule.digest !== undefined && rule.digest > 0;
  const { created } = await deps.store.recordMatch({
    rule: rule.name,
    clusterId: match.clusterId,
    articleId: match.articleId,
    channels: [...new Set(rule.channels)],
    item: match.item,
    digest,
    dueAt: new Date(digest ? digestDueAt(now, rule.digest!) : now).toISOString(),
    matchedAt: new Date(now).toISOString(),
  });
  return created;
}

/** Wait before attempt `attempts + 1`: backoff × 2^(attempts−1), at least Retry-After, at most maxBackoff. */
export function retryDelay(attempts: number, policy: Pick<DeliveryPolicy, 'backoff' | 'maxBackoff'>, retryAfterMs = 0): number {
  const exp = policy.backoff * 2 ** Math.max(0, Math.min(attempts - 1, 40));
  return Math.min(policy.maxBackoff, Math.max(exp, retryAfterMs));
}

export interface DeliverDeps {
  store: DeliveryStore;
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  logger: Logger;
  policy: DeliveryPolicy;
  /** Deliveries read per pass (default 500). */
  limit?: number;
  /** Makes a new message id. Default: a random UUID. */
  newId?: () => string;
  /** Counts deliveries by channel and outcome, and times each send (stage `deliver`). */
  metrics?: Partial<Pick<Metrics, 'alertDeliveries' | 'stageSeconds'>> | undefined;
}

export interface DeliverReport {
  delivered: number;
  /** Failed attempts that will be retried. */
  retrying: number;
  /** Deliveries given up on in this pass. */
  failed: number;
  /** Due deliveries left for the next pass because their channel failed earlier in this one. */
  deferred: number;
}

interface Unit {
  rows: PendingDelivery[];
  /** The id an earlier attempt gave these deliveries; null: a new message. */
  messageId: string | null;
  message: AlertContent;
}

/**
 * The messages of one channel's due deliveries: one per delivery, and one per digest rule gathering its deliveries
 * — except that deliveries which already went out together under an id (an attempt that failed, or a crash before
 * the outcome was recorded) go out together again under that id, so a repeat is the same message.
 */
function unitsOf(rows: PendingDelivery[]): Unit[] {
  const units: Unit[] = [];
  const digests = new Map<string, PendingDelivery[]>();
  for (const r of rows) {
    if (!r.digest) {
      units.push({ rows: [r], messageId: r.messageId, message: { rule: r.rule, digest: false, items: [r.item] } });
      continue;
    }
    const key = JSON.stringify([r.rule, r.messageId]);
    const list = digests.get(key);
    if (list) list.push(r);
    else digests.set(key, [r]);
  }
  for (const list of digests.values()) {
    const { rule, messageId } = list[0]!;
    units.push({ rows: list, messageId, message: formatDigest(rule, list.map((r) => r.item)) });
  }
  return units;
}

/** Send every due delivery once; see the top of this file. */
export async function deliverPending(deps: DeliverDeps): Promise<DeliverReport> {
  const report: DeliverReport = { delivered: 0, retrying: 0, failed: 0, deferred: 0 };
  const nowIso = (): string => new Date(deps.clock.now()).toISOString();
  const leaseMs = deps.policy.lease;
  const newId = deps.newId ?? randomUUID;
  let claimedAt = deps.clock.now();
  const due = await deps.store.pending(new Date(claimedAt).toISOString(), deps.limit ?? 500, { leaseMs });
  /** Renew the claims once a third of the lease has passed: a send takes at most half of it (config check). */
  const keepClaims = async (): Promise<void> => {
    const now = deps.clock.now();
    if (now - claimedAt < leaseMs / 3) return;
    claimedAt = now;
    await deps.store.renewClaims(new Date(now).toISOString(), leaseMs);
  };
  const byChannel = new Map<string, PendingDelivery[]>();
  for (const d of due) {
    const list = byChannel.get(d.channel);
    if (list) list.push(d);
    else byChannel.set(d.channel, [d]);
  }

  const runChannel = async (channelName: string, rows: PendingDelivery[]): Promise<void> => {
    const channel = deps.channels.get(channelName);
    const units = unitsOf(rows);
    for (let i = 0; i < units.length; i++) {
      const unit = units[i]!;
      const attempts = Math.max(...unit.rows.map((r) => r.attempts)) + 1;
      const log = deps.logger.child({ channel: channelName, rule: unit.message.rule, attempts });
      let error: FeedwatchError;
      if (!channel) {
        error = new FeedwatchError('config', `no channel named "${channelName}" is configured any more`, { channel: channelName }, { retryable: false });
      } else {
        await keepClaims();
        let id = unit.messageId;
        if (id === null) {
          id = newId();
          if (!(await deps.store.assignMessage(unit.rows.map((r) => r.id), id))) {
            // Its claim ended (this process stalled past the lease) and another instance holds it now: it sends it.
            log.warn({ items: unit.rows.length }, 'alert delivery claimed by another worker meanwhile; left to it');
            report.deferred += unit.rows.length;
            continue;
          }
        }
        try {
          const sendId = id;
          await timeStage(deps.metrics, deps.clock, 'deliver', () => channel.send({ ...unit.message, id: sendId }));
          const at = nowIso();
          for (const r of unit.rows) await deps.store.markDelivered(r.id, { attempts, at });
          report.delivered += unit.rows.length;
          deps.metrics?.alertDeliveries?.inc({ channel: channelName, outcome: 'delivered' }, unit.rows.length);
          log.info({ items: unit.rows.length, delivery_id: id }, 'alert delivered');
          continue;
        } catch (err) {
          error = err instanceof FeedwatchError ? err : new FeedwatchError('delivery', err instanceof Error ? err.message : String(err), { channel: channelName });
        }
      }
      const retryAfter = typeof error.context.retryAfterSeconds === 'number' ? error.context.retryAfterSeconds * 1000 : 0;
      const giveUp = !error.retryable || attempts >= deps.policy.maxAttempts;
      const now = deps.clock.now();
      const retryAt = giveUp ? null : new Date(now + retryDelay(attempts, deps.policy, retryAfter)).toISOString();
      for (const r of unit.rows) await deps.store.markFailed(r.id, { attempts, error: `${error.kind}: ${error.message}`, retryAt, at: new Date(now).toISOString() });
      deps.metrics?.alertDeliveries?.inc({ channel: channelName, outcome: giveUp ? 'failed' : 'retrying' }, unit.rows.length);
      if (giveUp) {
        report.failed += unit.rows.length;
        log.error({ err_kind: error.kind, error: error.message }, 'alert delivery failed for good');
      } else {
        report.retrying += unit.rows.length;
        log.warn({ err_kind: error.kind, error: error.message, retry_at: retryAt }, 'alert delivery failed; will retry');
        // The channel looks down: leave its other due messages for the next pass, untouched.
        report.deferred += units.slice(i + 1).reduce((n, u) => n + u.rows.length, 0);
        return;
      }
    }
  };

  await Promise.all([...byChannel].map(([name, rows]) => runChannel(name, rows)));
  return report;
}

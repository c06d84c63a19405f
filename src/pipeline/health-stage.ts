/**
 * Feed health alerts: one alert when a feed goes stale or failing, one when it recovers, on the channel
 * `alerts.feedHealth.channel` (a configured channel or `log`). The health is the one classification of
 * src/api/feed-health.ts (what the status page, /api/feeds and `feedwatch feeds` show); this stage only decides
 * which changes of it are worth an alert and claims each one once:
 *
 *   failing  the feed's polls have failed for longer than its `failingAfter` (from the first failed poll in a row);
 *   stale    it has listed no new item for longer than its `staleAfter`, or its poll is overdue past its grace;
 *   ok       after either, when it is healthy again: the recovery alert.
 *
 * A feed failing for less than `failingAfter`, pending or disabled changes nothing. What was alerted is stored per
 * feed (`feed_health`), so a restarted process alerts nothing twice; a change is claimed in SQL (the row moves from
 * what this process read, or the claim fails) together with the alert's match and deliveries, so two processes or
 * workers checking at once alert once. The alert is a match of the rule `feed-health` (story id
 * `health:FEED:N`, the feed's N-th alerted change) delivered like any other: retries, message ids, `alerts list`.
 *
 *   checkFeedHealth(deps)   one pass over every feed (two reads, plus one transaction per change); null when off
 *   FeedHealthTimer         the embedded driver's timer: a pass every `alerts.feedHealth.every`, one at a time (the
 *                           driver starts it once it has polled the feeds that were due when it started)
 *
 * The bullmq driver runs checkFeedHealth from a job scheduler (queues.ts `healthStage`).
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { FEED_HEALTH_RULE } from '../alerts/config-schema.js';
import type { NewMatch } from '../alerts/deliver.js';
import type { AlertItem } from '../alerts/message.js';
import { feedStatuses, span, type FeedHealth, type FeedStatus } from '../api/feed-health.js';
import type { Logger } from '../log.js';
import type { AlertedHealth, AlertStore } from '../store/alerts.js';
import type { ActivityStore } from '../store/activity.js';

/** Polls failing for this long raise an alert, unless the config says otherwise (`failingAfter`). */
export const DEFAULT_FAILING_AFTER_MS = 3_600_000;

export interface HealthDeps {
  config: Pick<Config, 'feeds' | 'defaults' | 'alerts'>;
  store: Pick<ActivityStore, 'feedOverview'> & Pick<AlertStore, 'feedHealthAlerts' | 'recordHealthTransition'>;
  clock: Clock;
  logger: Logger;
}

export interface HealthChange {
  feed: string;
  from: AlertedHealth;
  to: AlertedHealth;
  /** The story id of its alert. */
  storyId: string;
}

export interface HealthReport {
  feeds: number;
  /** Changes this pass claimed and queued an alert for. */
  alerted: HealthChange[];
  /** Changes seen but claimed by another process first. */
  lost: number;
}

/**
 * What a feed's alerted health should be now, or null to leave it as it is: failing only once `failingAfterMs` has
 * passed since the first failed poll in a row; pending and disabled feeds say nothing.
 */
export function alertTarget(h: FeedHealth, failingAfterMs: number, now: number): AlertedHealth | null {
  switch (h.health) {
    case 'ok':
      return 'ok';
    case 'stale':
      return 'stale';
    case 'failing': {
      const since = h.since === null ? now : Date.parse(h.since);
      return now - since >= failingAfterMs ? 'failing' : null;
    }
    default:
      return null;
  }
}

/** What the alert says: the feed, its new health and why, since when; a recovery says what it recovered from. */
export function healthAlertItem(status: FeedStatus, from: AlertedHealth, to: AlertedHealth, now: number): AlertItem {
  const { state, health } = status;
  const since = health.since === null ? '' : ` (for ${span(now - Date.parse(health.since))}, since ${health.since})`;
  const title = to === 'ok' ? `Feed "${state.name}" has recovered` : `Feed "${state.name}" is ${to}`;
  const lead = to === 'ok' ? `It was ${from}; ${health.reason ?? 'its polls succeed and new items come in'}.` : `${health.reason ?? to}${since}.`;
  return { title, lead, url: state.url, feed: state.name, publishedAt: new Date(now).toISOString(), terms: [], highlights: [] };
}

/** One pass: every feed's health against what was last alerted; each change claimed once and its alert queued. */
export async function checkFeedHealth(deps: HealthDeps): Promise<HealthReport | null> {
  const channel = deps.config.alerts.feedHealth.channel;
  if (channel === undefined) return null;
  const [stored, alerted] = await Promise.all([deps.store.feedOverview(), deps.store.feedHealthAlerts()]);
  const now = deps.clock.now();
  const at = new Date(now).toISOString();
  const last = new Map(alerted.map((r) => [r.feed, r]));
  const failingAfter = new Map(deps.config.feeds.map((f) => [f.name, f.failingAfterMs ?? deps.config.defaults.failingAfter]));
  const report: HealthReport = { feeds: 0, alerted: [], lost: 0 };
  for (const status of feedStatuses(deps.config.feeds, stored, deps.config.defaults.interval, now)) {
    report.feeds++;
    const name = status.state.name;
    const to = alertTarget(status.health, failingAfter.get(name) ?? DEFAULT_FAILING_AFTER_MS, now);
    const record = last.get(name);
    const from = record?.alerted ?? 'ok';
    if (to === null || to === from) continue;
    const storyId = `health:${name}:${(record?.transitions ?? 0) + 1}`;
    const match: NewMatch = {
      rule: FEED_HEALTH_RULE,
      clusterId: storyId,
      articleId: 0,
      channels: [channel],
      item: healthAlertItem(status, from, to, now),
      digest: false,
      dueAt: at,
      matchedAt: at,
    };
    const { claimed } = await deps.store.recordHealthTransition({ feed: name, from, to, at }, match);
    if (!claimed) {
      report.lost++;
      continue;
    }
    report.alerted.push({ feed: name, from, to, storyId });
    const line = { feed: name, feed_url: status.state.url, from, to, reason: status.health.reason, since: status.health.since, story_id: storyId, channel };
    if (to === 'ok') deps.logger.info(line, `feed recovered: ${name} (was ${from})`);
    else deps.logger.warn(line, `feed ${to}: ${name}`);
  }
  return report;
}

/** Runs feed health passes from a driver's timer: one every `alerts.feedHealth.every`, never two at once. */
export class FeedHealthTimer {
  private dueAt: number | null = null;
  /** The pass in flight, if any (it never rejects: errors are logged). */
  running: Promise<HealthReport | null> | null = null;

  constructor(private readonly deps: HealthDeps) {}

  /** Start a pass when feed health alerts are on, one is due and none is running (the first one `every` after the first tick). */
  tick(): void {
    const { channel, every } = this.deps.config.alerts.feedHealth;
    if (channel === undefined || this.running) return;
    const now = this.deps.clock.now();
    this.dueAt ??= now + every;
    if (now < this.dueAt) return;
    this.dueAt = now + every;
    this.running = checkFeedHealth(this.deps)
      .catch((err: unknown) => {
        this.deps.logger.error({ err }, 'feed health check failed; trying again at the next one');
        return null;
      })
      .finally(() => {
        this.running = null;
      });
  }
}

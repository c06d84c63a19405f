/**
 * `replayRule`: a new or changed alert rule re-applied to the articles stored since a time, alerting on the stories
 * it matches and has not alerted on yet. It reads the stored alert documents through the search index
 * (`searchPage`, the very matcher live alerts and `feedwatch search` use) and queues each match with
 * `enqueueMatch`, like the live alert stage (with `regexes`, the rule's regexes run in the CPU pool, as there): the store's unique (rule, story cluster) match is what makes a story
 * alert once per rule, whether the live pipeline, an earlier replay or a concurrent one got there first.
 *
 * A dry run queues nothing and writes nothing: it asks the store which of the matched stories the rule has alerted
 * on already (`alertedClusters`) and lists the others.
 */
import type { Clock } from '../clock.js';
import type { FeedwatchError } from '../errors.js';
import { enqueueMatch } from '../alerts/deliver.js';
import type { RegexTerm } from '../alerts/match.js';
import type { Lemmatizer } from '../alerts/morphology.js';
import { searchPage, type AlertDocRecord, type AlertStore } from '../store/alerts.js';
import { alertItemOf, regexHitsOf, type AlertRule, type RegexRunner } from './alert-stage.js';

export interface ReplayDeps {
  store: Pick<AlertStore, 'searchCandidates' | 'recordMatch' | 'alertedClusters'>;
  clock: Clock;
  lemmatizer: Lemmatizer;
  /** Runs the rule's regex terms over each stored article (the CPU pool, as live alerts do); absent: here. */
  regexes?: RegexRunner;
  /** Told of an article whose regex run ended over the pool's budgets (its regex terms then match nothing). */
  overBudget?: (articleId: number, err: FeedwatchError) => void;
}

export interface ReplayOptions {
  /** ISO 8601: only articles stored at or after it. */
  since: string;
  /** List what would be alerted; write nothing. */
  dryRun: boolean;
  /** Matching articles read per round (default 200, at most 1000). */
  pageSize?: number;
}

/** A story the replay alerted on (or, in a dry run, would): the newest stored article of it that the rule matches. */
export interface ReplayHit {
  storyId: string;
  articleId: number;
  feed: string;
  title: string;
  url: string | null;
  storedAt: string;
}

export interface ReplayReport {
  /** Stories the rule matches among the articles stored since `since`. */
  matched: number;
  /** Of those, the ones it had alerted on already (nothing queued for them). */
  alreadyAlerted: number;
  /** Stories queued now (dry run: that would be), newest article first; one delivery per channel of the rule each. */
  alerted: ReplayHit[];
}

const hitOf = (d: AlertDocRecord): ReplayHit => ({ storyId: d.clusterId, articleId: d.articleId, feed: d.feed, title: d.title, url: d.url, storedAt: d.storedAt });

export async function replayRule(deps: ReplayDeps, rule: AlertRule, opts: ReplayOptions): Promise<ReplayReport> {
  const pageSize = Math.min(1000, Math.max(1, opts.pageSize ?? 200));
  const report: ReplayReport = { matched: 0, alreadyAlerted: 0, alerted: [] };
  const seen = new Set<string>();
  let cursor: number | undefined;
  const run = deps.regexes;
  const regexes = run ? { regexes: (doc: AlertDocRecord, terms: RegexTerm[]) => regexHitsOf(doc, terms, run, (err) => deps.overBudget?.(doc.articleId, err)) } : {};
  for (;;) {
    const page = await searchPage(deps.store, rule.compiled, deps.lemmatizer, { limit: pageSize, pageSize, since: opts.since, ...(cursor === undefined ? {} : { cursor }), ...regexes });
    // One story once: its newest matching article stands for it.
    const fresh = page.hits.filter(({ doc }) => {
      if (seen.has(doc.clusterId)) return false;
      seen.add(doc.clusterId);
      return true;
    });
    report.matched += fresh.length;
    if (fresh.length > 0) {
      const done = new Set(await deps.store.alertedClusters(rule.name, fresh.map((h) => h.doc.clusterId)));
      for (const { doc, spans } of fresh) {
        if (done.has(doc.clusterId)) report.alreadyAlerted++;
        else if (opts.dryRun) report.alerted.push(hitOf(doc));
        // Another writer (the live pipeline, another replay) may have recorded it since the look-up: the store decides.
        else if (await enqueueMatch(deps, rule, { clusterId: doc.clusterId, articleId: doc.articleId, item: alertItemOf(doc, spans) })) report.alerted.push(hitOf(doc));
        else report.alreadyAlerted++;
      }
    }
    if (page.next === null) return report;
    cursor = page.next;
  }
}

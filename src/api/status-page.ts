/**
 * The status page at `/`: one server-rendered HTML document, no script, no external file (styles inline, the chart
 * an inline SVG), so it works offline and behind any proxy. It shows the feeds and their health (ok / stale /
 * failing with the reason, page failures beside them), items per hour over the last 48 hours, the newest stories
 * with their sightings, the newest alerts with their delivery state, and a search box in the alert language
 * (`/?q=RULE`, answered on the same page). Everything shown passes through `html` (./html.ts), which escapes it.
 */
import type { DeliveryStatus } from '../alerts/deliver.js';
import type { HourCount } from '../store/activity.js';
import type { StorySighting } from '../store/articles.js';
import { hourlyChart } from './chart.js';
import { html, safeHref, SafeHtml } from './html.js';
import {
  alertsView,
  ApiInputError,
  feedsView,
  hourlyView,
  parseStoryId,
  storiesPage,
  storyView,
  type AlertsView,
  type ApiContext,
  type FeedView,
  type StoriesPage,
  type StoryHit,
} from './views.js';

const RECENT_STORIES = 10;
const RECENT_ALERTS = 30;

export interface StatusPageData {
  now: string;
  feeds: FeedView[];
  hours: HourCount[];
  recent: Array<StoryHit & { sightings: StorySighting[] }>;
  alerts: AlertsView;
  search: { q: string; page: StoriesPage | null; error: string | null } | null;
}

export async function statusPageData(ctx: ApiContext, q: string | undefined): Promise<StatusPageData> {
  const [feeds, hours, latest, alerts] = await Promise.all([
    feedsView(ctx),
    hourlyView(ctx),
    storiesPage(ctx, { limit: String(RECENT_STORIES) }),
    alertsView(ctx, { limit: String(RECENT_ALERTS) }),
  ]);
  const recent = await Promise.all(
    latest.stories.map(async (hit) => ({ ...hit, sightings: hit.storyId.startsWith('item:') ? [] : ((await storyView(ctx, hit.storyId))?.sightings ?? []) })),
  );
  let search: StatusPageData['search'] = null;
  const rule = q?.trim();
  if (rule) {
    try {
      search = { q: rule, page: await storiesPage(ctx, { q: rule, limit: '20' }), error: null };
    } catch (err) {
      if (!(err instanceof ApiInputError)) throw err;
      search = { q: rule, page: null, error: err.message };
    }
  }
  return { now: new Date(ctx.clock.now()).toISOString(), feeds, hours, recent, alerts, search };
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 32px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:16px 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-weight:600;background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;font-weight:600}
.ok{background:#dafbe1;color:#116329}.stale{background:#fff8c5;color:#7d4e00}.failing{background:#ffebe9;color:#a40e26}
.disabled,.pending{background:#eaeef2;color:#57606a}.delivered{background:#dafbe1;color:#116329}.failed{background:#ffebe9;color:#a40e26}
.reason{color:#57606a;font-size:12px}.muted{color:#57606a}.err{color:#a40e26}
form{margin:8px 0}input[type=search]{width:60%;padding:4px 6px;font:inherit}button{font:inherit;padding:4px 10px}
svg .bar{fill:#218bff}svg .axis{stroke:#8c959f}svg text{font-size:10px;fill:#57606a}svg .ylabel{text-anchor:end}
ul{margin:2px 0 0;padding-left:18px}code{background:#f6f8fa;padding:0 3px}
`;

const time = (iso: string | null | undefined): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');

function link(url: string | null | undefined, text: string): SafeHtml {
  const href = safeHref(url);
  return href ? html`<a href="${href}" rel="noopener noreferrer nofollow">${text}</a>` : html`${text}`;
}

function feedRows(feeds: readonly FeedView[]): SafeHtml {
  return html`${feeds.map(
    (f) => html`<tr data-feed="${f.name}" data-health="${f.health}">
<td>${link(f.url, f.name)}</td>
<td><span class="badge ${f.health}">${f.health}</span>${f.reason ? html`<div class="reason">${f.reason}</div>` : ''}${
      f.declaredFeeds.length > 0 ? html`<div class="reason offered">feeds the page declares: ${f.declaredFeeds.map((u, i) => html`${i > 0 ? ', ' : ''}${link(u, u)}`)}</div>` : ''
    }</td>
<td>${time(f.lastPollAt)}${f.lastStatus === null ? '' : html` <span class="muted">(${f.lastStatus})</span>`}</td>
<td class="n">${f.items}</td><td>${time(f.lastItemAt)}</td>
<td class="n">${f.pageFailures.failed + f.pageFailures.retrying}${
      f.pageFailures.lastError ? html`<div class="reason">${f.pageFailures.retrying} retrying; ${f.pageFailures.lastError}</div>` : ''
    }</td>
<td>${time(f.nextPollAt)}</td></tr>`,
  )}`;
}

/** A story id linked to /api/stories/ID; an id that names no story (a feed health alert's health:FEED:N) as text. */
function storyLink(id: string): SafeHtml {
  return parseStoryId(id) === null ? html`${id}` : html`<a href="/api/stories/${encodeURIComponent(id)}">${id}</a>`;
}

function hitRows(hits: readonly StoryHit[], sightings?: ReadonlyMap<string, readonly StorySighting[]>): SafeHtml {
  return html`${hits.map(
    (h) => html`<tr class="story" data-story="${h.storyId}">
<td>${storyLink(h.storyId)}</td><td>${time(h.storedAt)}</td><td>${h.feed}</td>
<td>${link(h.url, h.title || '(no title)')}${h.matched.length > 0 ? html`<div class="reason">matched: ${h.matched.join(', ')}</div>` : ''}${
      sightings && (sightings.get(h.storyId)?.length ?? 0) > 0
        ? html`<ul class="sightings">${sightings.get(h.storyId)!.map((s) => html`<li>${time(s.seenAt)} · ${s.feedName} · ${s.kind} · ${link(s.url, s.url)}</li>`)}</ul>`
        : ''
    }</td></tr>`,
  )}`;
}

function deliveryBadge(status: DeliveryStatus): SafeHtml {
  return html`<span class="badge ${status}">${status}</span>`;
}

function alertRows(alerts: AlertsView): SafeHtml {
  return html`${alerts.matches.map(
    (m) => html`<tr class="alert" data-rule="${m.rule}">
<td>${m.rule}</td><td>${storyLink(m.storyId)}</td><td>${link(m.url, m.title)}</td>
<td>${m.deliveries.map(
      (d) => html`<div>${d.channel}: ${deliveryBadge(d.status)} <span class="muted">${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${
        d.deliveredAt ? `, ${time(d.deliveredAt)}` : ''
      }</span>${d.lastError ? html`<div class="reason">${d.lastError}</div>` : ''}</div>`,
    )}</td></tr>`,
  )}`;
}

export function renderStatusPage(d: StatusPageData): string {
  const count = (h: string) => d.feeds.filter((f) => f.health === h).length;
  const sightings = new Map(d.recent.map((r) => [r.storyId, r.sightings]));
  const search = d.search;
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>feedwatch status</title><style>${new SafeHtml(STYLE)}</style></head>
<body>
<h1>feedwatch</h1>
<p class="muted" id="summary">${d.feeds.length} feeds: ${count('ok')} ok, ${count('stale')} stale, ${count('failing')} failing${
    count('disabled') ? `, ${count('disabled')} disabled` : ''
  }${count('pending') ? `, ${count('pending')} not polled yet` : ''} · ${time(d.now)} · <a href="/api/feeds">JSON API</a></p>

<form method="get" action="/" role="search"><input type="search" name="q" value="${search?.q ?? ''}" maxlength="500" placeholder="Search in the alert language: Лавров AND (Бишкек OR Кыргызстан), title:&quot;…&quot;, feed:NAME, /regex/" aria-label="rule">
<button type="submit">Search</button></form>
${
  search
    ? html`<section id="search"><h2>Search: <code>${search.q}</code></h2>${
        search.error
          ? html`<p class="err">${search.error}</p>`
          : search.page && search.page.stories.length > 0
            ? html`<table><thead><tr><th>story</th><th>stored</th><th>feed</th><th>title</th></tr></thead><tbody>${hitRows(search.page.stories)}</tbody></table>${
                search.page.next ? html`<p class="muted">More: <a href="/api/stories?q=${encodeURIComponent(search.q)}&amp;cursor=${search.page.next}">next page (JSON)</a></p>` : ''
              }`
            : html`<p class="muted">No stored article matches.</p>`
      }</section>`
    : ''
}
<section id="activity"><h2>Items per hour, last ${d.hours.length} hours (UTC)</h2>${hourlyChart(d.hours)}</section>

<section id="feeds"><h2>Feeds</h2>
<table><thead><tr><th>feed</th><th>health</th><th>last poll</th><th>items</th><th>last new item</th><th>page failures</th><th>next poll</th></tr></thead>
<tbody>${feedRows(d.feeds)}</tbody></table></section>

<section id="stories"><h2>Recent stories</h2>${
    d.recent.length === 0
      ? html`<p class="muted">No story stored yet.</p>`
      : html`<table><thead><tr><th>story</th><th>stored</th><th>feed</th><th>title and sightings</th></tr></thead><tbody>${hitRows(d.recent, sightings)}</tbody></table>`
  }</section>

<section id="alerts"><h2>Recent alerts</h2>${
    d.alerts.matches.length === 0
      ? html`<p class="muted">No alert yet${d.alerts.rules.length === 0 ? ' (no rule configured)' : ''}.</p>`
      : html`<table><thead><tr><th>rule</th><th>story</th><th>title</th><th>deliveries</th></tr></thead><tbody>${alertRows(d.alerts)}</tbody></table>`
  }</section>
</body></html>
`;
  return page.value;
}

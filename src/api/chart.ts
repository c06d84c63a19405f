/**
 * Items per hour as an inline SVG bar chart (no script, no external file): one bar per hour, oldest left, a
 * labelled y axis (0 and the maximum) and an hour label every 6 hours (UTC). Each bar carries a <title> with its
 * hour and count, which browsers show on hover.
 */
import type { HourCount } from '../store/activity.js';
import { html, type SafeHtml } from './html.js';

const W = 720;
const H = 160;
const LEFT = 36;
const BOTTOM = 20;
const TOP = 8;

export function hourlyChart(hours: readonly HourCount[]): SafeHtml {
  const max = Math.max(1, ...hours.map((h) => h.items));
  const plotW = W - LEFT - 4;
  const plotH = H - TOP - BOTTOM;
  const step = plotW / Math.max(1, hours.length);
  const total = hours.reduce((n, h) => n + h.items, 0);
  const bars = hours.map((h, i) => {
    const bh = (h.items / max) * plotH;
    const x = LEFT + i * step;
    const label = `${h.hour.slice(0, 13).replace('T', ' ')}:00 UTC: ${h.items} item${h.items === 1 ? '' : 's'}`;
    return html`<rect class="bar" x="${x.toFixed(1)}" y="${(TOP + plotH - bh).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${bh.toFixed(1)}" data-items="${h.items}"><title>${label}</title></rect>`;
  });
  const ticks = hours.flatMap((h, i) =>
    h.hour.slice(11, 13) === '00' || h.hour.slice(11, 13) === '12'
      ? [html`<text x="${(LEFT + i * step).toFixed(1)}" y="${H - 6}" class="tick">${h.hour.slice(5, 10)} ${h.hour.slice(11, 13)}h</text>`]
      : [],
  );
  return html`<svg id="hourly-chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${`Items per hour over the last ${hours.length} hours: ${total} in all, at most ${max === 1 && total === 0 ? 0 : max} in one hour`}">
<line x1="${LEFT}" y1="${TOP + plotH}" x2="${W - 4}" y2="${TOP + plotH}" class="axis"/>
<text x="${LEFT - 4}" y="${TOP + 8}" class="ylabel">${total === 0 ? 0 : max}</text><text x="${LEFT - 4}" y="${TOP + plotH}" class="ylabel">0</text>
${bars}${ticks}</svg>`;
}

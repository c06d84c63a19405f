/**
 * Telegram channel: Bot API `sendMessage` with parse_mode HTML. Each item is its title in bold, its lead, its
 * link, with the matched words highlighted (underlined in the title, bold in the lead), then the matched terms.
 * The message is kept within Telegram's 4096 characters, counted on the HTML source (stricter than Telegram's
 * count after entity parsing): leads are shortened first, then digest items dropped ("… and N more"), then
 * titles shortened; cuts never split an HTML entity, a tag or a surrogate pair.
 *
 * The bot token is part of the request URL, so no error message, context or log line built here contains the
 * URL or any text the token could hide in; the token is also scrubbed from texts the server sends back.
 */
import { request, type Dispatcher } from 'undici';
import type { TelegramChannelConfig } from '../config-schema.js';
import { segments, type AlertContent, type AlertItem, type AlertMessage, type Highlight } from '../message.js';
import { deliveryError, errorCode, isRetryableStatus, requireEnv, type Channel } from './channel.js';

export const TELEGRAM_LIMIT = 4096;

export interface TelegramDeps {
  env: Readonly<Record<string, string | undefined>>;
  dispatcher?: Dispatcher;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Cut text to at most `max` UTF-16 units, on a code-point boundary, with "…" when cut. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max === 1 ? '…' : '';
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // do not keep half a surrogate pair
  return text.slice(0, end).trimEnd() + '…';
}

function marked(text: string, highlights: readonly Highlight[], field: 'title' | 'lead', tag: 'u' | 'b'): string {
  const clipped = highlights
    .filter((h) => h.field === field && h.start < text.length)
    .map((h) => ({ ...h, end: Math.min(h.end, text.length) }));
  return segments(text, clipped, field)
    .map((s) => (s.hit ? `<${tag}>${escapeHtml(s.text)}</${tag}>` : escapeHtml(s.text)))
    .join('');
}

function renderItem(it: AlertItem, titleMax: number, leadMax: number): string {
  const title = cutText(it.title, titleMax);
  const parts = [`<b>${marked(title, it.highlights, 'title', 'u')}</b>`];
  if (it.lead && leadMax > 0) parts.push(marked(cutText(it.lead, leadMax), it.highlights, 'lead', 'b'));
  if (it.url && /^https?:\/\//i.test(it.url)) parts.push(`<a href="${escapeHtml(it.url)}">${escapeHtml(cutText(it.url, 80))}</a>`);
  if (it.terms.length) parts.push(`<i>${escapeHtml(cutText(`Matched: ${it.terms.join(', ')}`, 300))}</i>`);
  return parts.join('\n');
}

/** The HTML text of a message, at most `limit` characters. */
export function renderTelegram(m: AlertContent, limit = TELEGRAM_LIMIT): string {
  const footer = `\n\n<i>${escapeHtml(cutText(`rule: ${m.rule}`, 200))}</i>`;
  const build = (items: readonly AlertItem[], titleMax: number, leadMax: number, more: number): string => {
    const body = items.map((it) => renderItem(it, titleMax, leadMax)).join('\n\n');
    return body + (more > 0 ? `\n\n… and ${more} more` : '') + footer;
  };
  let items = m.items;
  let titleMax = 1000;
  let leadMax = Math.max(0, ...items.map((i) => i.lead?.length ?? 0));
  let text = build(items, titleMax, leadMax, 0);
  while (text.length > limit && leadMax > 0) {
    leadMax = leadMax > 40 ? Math.floor(leadMax * 0.8) : 0;
    text = build(items, titleMax, leadMax, m.items.length - items.length);
  }
  while (text.length > limit && items.length > 1) {
    items = items.slice(0, Math.max(1, Math.floor(items.length * 0.8)));
    text = build(items, titleMax, leadMax, m.items.length - items.length);
  }
  while (text.length > limit && titleMax > 20) {
    titleMax = Math.floor(titleMax * 0.7);
    text = build(items, titleMax, leadMax, m.items.length - items.length);
  }
  // Only a pathological URL or term list can still be too long: fall back to escaped plain text.
  if (text.length > limit) text = escapeHtml(cutText(`${items[0]?.title ?? ''} — rule: ${m.rule}`, Math.floor(limit / 6)));
  return text;
}

interface TelegramAnswer {
  ok?: boolean;
  description?: string;
  error_code?: number;
  parameters?: { retry_after?: number };
}

export function createTelegramChannel(name: string, cfg: TelegramChannelConfig, deps: TelegramDeps): Channel {
  const token = requireEnv(deps.env, cfg.tokenEnv, name, 'Telegram bot token');
  const endpoint = `${cfg.apiBase.replace(/\/+$/, '')}/bot${token}/sendMessage`;
  const scrub = (s: string): string => s.split(token).join('[token]');
  const context = { channel: name, chat: cfg.chatId };

  return {
    name,
    type: 'telegram',
    async send(message: AlertMessage): Promise<void> {
      const body = JSON.stringify({
        chat_id: cfg.chatId,
        text: renderTelegram(message),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: cfg.disableLinkPreview },
      });
      const signal = AbortSignal.timeout(cfg.timeout);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal,
          ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
        });
      } catch (err) {
        if (signal.aborted) throw deliveryError('timeout', `telegram ${name}: no answer within ${cfg.timeout} ms`, context, true);
        throw deliveryError('network', `telegram ${name}: ${scrub(errorCode(err))}`, context, true);
      }
      let answer: TelegramAnswer = {};
      try {
        answer = (await res.body.json()) as TelegramAnswer;
      } catch {
        // Not JSON (a proxy's error page): the status decides.
      }
      if (res.statusCode >= 200 && res.statusCode < 300 && answer.ok === true) return;
      const status = res.statusCode >= 200 && res.statusCode < 300 ? (answer.error_code ?? 502) : res.statusCode;
      const retryAfter = answer.parameters?.retry_after;
      const description = scrub(String(answer.description ?? 'no description')).slice(0, 300);
      throw deliveryError(
        'http-status',
        `telegram ${name}: ${status} ${description}`,
        { ...context, status, ...(typeof retryAfter === 'number' ? { retryAfterSeconds: retryAfter } : {}) },
        isRetryableStatus(status),
      );
    },
  };
}

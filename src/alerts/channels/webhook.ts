/**
 * Webhook channel: POSTs the alert as JSON. With `secretEnv`, the exact body bytes are signed with HMAC-SHA256 and
 * the hex digest sent as `X-Feedwatch-Signature: sha256=<hex>` (the receiver recomputes it over the raw body).
 * `X-Feedwatch-Event: alert` names the event; `X-Feedwatch-Delivery` carries the message id, the same as the body's
 * `id` and the same on every attempt at this message: delivery is at-least-once, and a receiver drops a repeat by
 * it. A 2xx is success; 5xx, 408, 429 and network errors are retryable.
 *
 * Body: { "id": "…", "event": "alert", "rule": "...", "digest": false, "items": [AlertItem...] }
 */
import { createHmac } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { WebhookChannelConfig } from '../config-schema.js';
import type { AlertMessage } from '../message.js';
import { deliveryError, errorCode, isRetryableStatus, requireEnv, retryAfterSeconds, type Channel } from './channel.js';

export const SIGNATURE_HEADER = 'x-feedwatch-signature';
export const EVENT_HEADER = 'x-feedwatch-event';
export const DELIVERY_HEADER = 'x-feedwatch-delivery';

export interface WebhookDeps {
  env: Readonly<Record<string, string | undefined>>;
  userAgent: string;
  /** undici dispatcher (an Agent with its own limits); the global one when absent. */
  dispatcher?: Dispatcher;
}

export function signBody(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

export function webhookBody(message: AlertMessage): string {
  return JSON.stringify({ id: message.id, event: 'alert', rule: message.rule, digest: message.digest, items: message.items });
}

export function createWebhookChannel(name: string, cfg: WebhookChannelConfig, deps: WebhookDeps): Channel {
  const secret = cfg.secretEnv ? requireEnv(deps.env, cfg.secretEnv, name, 'webhook signing secret') : null;
  const fixedHeaders: Record<string, string> = { 'user-agent': deps.userAgent };
  for (const [k, v] of Object.entries(cfg.headers)) fixedHeaders[k.toLowerCase()] = v;
  for (const [k, envName] of Object.entries(cfg.headersFromEnv)) fixedHeaders[k.toLowerCase()] = requireEnv(deps.env, envName, name, `header ${k}`);
  const target = new URL(cfg.url);
  // Logged and reported without query string or credentials, which may hold a token.
  const shownUrl = `${target.origin}${target.pathname}`;

  return {
    name,
    type: 'webhook',
    async send(message: AlertMessage): Promise<void> {
      const body = webhookBody(message);
      const headers: Record<string, string> = { ...fixedHeaders, 'content-type': 'application/json; charset=utf-8', [EVENT_HEADER]: 'alert', [DELIVERY_HEADER]: message.id };
      if (secret !== null) headers[SIGNATURE_HEADER] = signBody(secret, body);
      const signal = AbortSignal.timeout(cfg.timeout);
      const context = { channel: name, url: shownUrl };
      let res: Dispatcher.ResponseData;
      try {
        res = await request(cfg.url, { method: 'POST', headers, body, signal, ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}) });
      } catch (err) {
        if (signal.aborted) throw deliveryError('timeout', `webhook ${name}: no answer within ${cfg.timeout} ms`, context, true);
        throw deliveryError('network', `webhook ${name}: ${errorCode(err)}`, context, true);
      }
      let text = '';
      try {
        text = res.statusCode >= 200 && res.statusCode < 300 ? (await res.body.dump(), '') : (await res.body.text()).slice(0, 300);
      } catch {
        // The status decides; an unreadable error body only loses detail.
      }
      if (res.statusCode >= 200 && res.statusCode < 300) return;
      const retryAfter = retryAfterSeconds(res.headers['retry-after']);
      throw deliveryError(
        'http-status',
        `webhook ${name}: HTTP ${res.statusCode}${text ? `: ${text.replace(/\s+/g, ' ').trim()}` : ''}`,
        { ...context, status: res.statusCode, ...(retryAfter !== null ? { retryAfterSeconds: retryAfter } : {}) },
        isRetryableStatus(res.statusCode),
      );
    },
  };
}

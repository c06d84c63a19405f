/**
 * Email channel: SMTP through nodemailer, one message per alert with a plain-text part and an HTML part (matched
 * words in <mark>). The password comes from the variable named by `passwordEnv`. SMTP 4xx replies and connection
 * problems are retryable; 5xx replies and a rejected login are not. Every attempt at one alert message carries the
 * same `Message-ID` (`<ID@sender's domain>`) and `X-Feedwatch-Delivery: ID`, so a repeat after a crash can be
 * recognised (and mail systems that drop duplicate Message-IDs drop it).
 */
import type { Transporter } from 'nodemailer';
import type { EmailChannelConfig } from '../config-schema.js';
import { plainText, segments, subjectOf, type AlertContent, type AlertMessage } from '../message.js';
import { oneLine, printable } from '../../control-chars.js';
import { deliveryError, errorCode, requireEnv, type Channel } from './channel.js';
import { escapeHtml } from './telegram.js';

export interface EmailDeps {
  env: Readonly<Record<string, string | undefined>>;
}

/** The Message-ID of an alert message: its id at the sender's domain (a reserved one when `from` has none). */
export function emailMessageId(id: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'feedwatch.invalid';
  return `<${id}@${domain}>`;
}

/** The HTML part of an alert email. */
export function renderEmailHtml(m: AlertContent): string {
  const mark = (text: string, field: 'title' | 'lead', highlights: AlertContent['items'][number]['highlights']): string =>
    segments(text, highlights, field)
      .map((s) => (s.hit ? `<mark>${escapeHtml(s.text)}</mark>` : escapeHtml(s.text)))
      .join('');
  const items = m.items.map((it) => {
    const title = it.url && /^https?:\/\//i.test(it.url) ? `<a href="${escapeHtml(it.url)}">${mark(it.title, 'title', it.highlights)}</a>` : mark(it.title, 'title', it.highlights);
    const lead = it.lead ? `<p>${mark(it.lead, 'lead', it.highlights)}</p>` : '';
    const terms = it.terms.length ? `<p style="color:#666"><small>Matched: ${escapeHtml(it.terms.join(', '))} · ${escapeHtml(it.feed)}</small></p>` : '';
    return `<h3>${title}</h3>${lead}${terms}`;
  });
  return `<!doctype html><html><body><p><small>Rule “${escapeHtml(m.rule)}”</small></p>${items.join('<hr>')}</body></html>`;
}

export function createEmailChannel(name: string, cfg: EmailChannelConfig, deps: EmailDeps): Channel {
  const user = cfg.userEnv ? requireEnv(deps.env, cfg.userEnv, name, 'SMTP user') : cfg.user;
  const pass = cfg.passwordEnv ? requireEnv(deps.env, cfg.passwordEnv, name, 'SMTP password') : undefined;
  // nodemailer (about 3 MB of heap) is imported with the first message, not by every process whose config names a
  // channel: most daemons send no mail for hours, many never.
  let transport: Promise<Transporter> | null = null;
  const transporter = (): Promise<Transporter> =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        host: cfg.host,
        port: cfg.port ?? (cfg.secure ? 465 : 587),
        secure: cfg.secure,
        requireTLS: cfg.requireTLS,
        ...(user ? { auth: { user, pass: pass ?? '' } } : {}),
        connectionTimeout: cfg.timeout,
        greetingTimeout: cfg.timeout,
        socketTimeout: cfg.timeout,
      }),
    ));
  const context = { channel: name, host: cfg.host };

  return {
    name,
    type: 'email',
    async send(message: AlertMessage): Promise<void> {
      const mailer = await transporter();
      try {
        await mailer.sendMail({
          from: cfg.from,
          to: cfg.to,
          // Titles come from feeds: no control character or line break reaches the header or the text part.
          subject: oneLine(cfg.subjectPrefix + subjectOf(message)),
          text: printable(plainText(message)),
          html: printable(renderEmailHtml(message)),
          messageId: emailMessageId(message.id, cfg.from),
          headers: { 'X-Feedwatch-Delivery': message.id },
        });
      } catch (err) {
        const e = err as { responseCode?: number; code?: string; response?: string };
        const code = typeof e.responseCode === 'number' ? e.responseCode : null;
        // The reply code decides (4xx transient, 5xx permanent); without one, a refused login or envelope is permanent.
        const permanent = code !== null ? code >= 500 : e.code === 'EAUTH' || e.code === 'EENVELOPE';
        const what = code !== null ? `SMTP ${code}${e.response ? `: ${String(e.response).slice(0, 200)}` : ''}` : errorCode(err);
        const scrubbed = pass ? what.split(pass).join('[password]') : what;
        throw deliveryError(code !== null ? 'delivery' : 'network', `email ${name}: ${scrubbed}`, { ...context, ...(code !== null ? { status: code } : {}) }, !permanent);
      }
    },
    async close(): Promise<void> {
      if (transport) (await transport).close();
    },
  };
}

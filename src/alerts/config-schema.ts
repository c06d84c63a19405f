/**
 * Schema of the `alerts:` config section: channels (where alerts go), rules (what to look for) and delivery
 * (retry policy). Secrets are never written in the config: keys ending in `Env` name the environment variable
 * that holds them. A rule whose query does not parse fails validation with the rule's name and the column.
 *
 *   alerts:
 *     channels:
 *       ops:   { type: webhook, url: https://example.org/hook, secretEnv: FEEDWATCH_WEBHOOK_SECRET }
 *       tg:    { type: telegram, tokenEnv: TELEGRAM_BOT_TOKEN, chatId: "-1001234567890" }
 *       mail:  { type: email, host: smtp.example.org, passwordEnv: SMTP_PASSWORD, user: bot, from: bot@example.org, to: me@example.org }
 *     rules:
 *       - { name: lavrov, query: 'Лавров AND (Кыргызстан OR Бишкек)', channels: [tg, log] }
 *       - { name: daily-digest, query: 'title:Бишкек', channels: [mail], digest: 1h }
 *
 * The channel name `log` is always available (a log line at info level) unless the config defines its own.
 */
import { z } from 'zod';
import { duration, httpUrl } from '../config/zod-types.js';
import { parseRule, RuleSyntaxError } from './rule-parser.js';

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable (e.g. TELEGRAM_BOT_TOKEN), never the secret itself');

export const webhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    url: httpUrl,
    /** Variable holding the HMAC-SHA256 key; when set, bodies are signed in `X-Feedwatch-Signature: sha256=<hex>`. */
    secretEnv: envName.optional(),
    /** Extra request headers, sent as written. */
    headers: z.record(z.string(), z.string()).default({}),
    /** Extra request headers whose values come from environment variables (e.g. Authorization: HOOK_AUTH). */
    headersFromEnv: z.record(z.string(), envName).default({}),
    timeout: duration.prefault('10s'),
  })
  .strict();

export const telegramChannelSchema = z
  .object({
    type: z.literal('telegram'),
    /** Variable holding the bot token. */
    tokenEnv: envName.default('TELEGRAM_BOT_TOKEN'),
    /** Chat, group or channel id (or @channelusername). */
    chatId: z.union([z.string().min(1), z.number().int()]).transform(String),
    /** Bot API base URL; change it for a local Bot API server or a test double. */
    apiBase: httpUrl.default('https://api.telegram.org'),
    disableLinkPreview: z.boolean().default(false),
    timeout: duration.prefault('10s'),
  })
  .strict();

export const emailChannelSchema = z
  .object({
    type: z.literal('email'),
    host: z.string().min(1),
    /** Default 465 when `secure`, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** TLS from the first byte (port 465). Otherwise STARTTLS is used when the server offers it. */
    secure: z.boolean().default(false),
    /** Refuse to send unless the connection is upgraded with STARTTLS. */
    requireTLS: z.boolean().default(false),
    /** SMTP login, written here or taken from a variable. */
    user: z.string().optional(),
    userEnv: envName.optional(),
    /** Variable holding the SMTP password. */
    passwordEnv: envName.optional(),
    from: z.string().min(3),
    to: z.union([z.string().min(3), z.array(z.string().min(3)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
    subjectPrefix: z.string().default('[feedwatch] '),
    timeout: duration.prefault('30s'),
  })
  .strict();

export const logChannelSchema = z
  .object({
    type: z.literal('log'),
    level: z.enum(['info', 'warn']).default('info'),
  })
  .strict();

export const channelSchema = z.discriminatedUnion('type', [webhookChannelSchema, telegramChannelSchema, emailChannelSchema, logChannelSchema]);

export const ruleSchema = z
  .object({
    /** Unique name; shown in alerts and used to remember what was sent. */
    name: z.string().min(1).max(200),
    /** The rule, in the rule language (README "Alert rules"). */
    query: z.string().min(1),
    /** Names of channels under `alerts.channels` (or the built-in `log`). */
    channels: z.array(z.string().min(1)).min(1),
    /** Collect matches for this long and send them as one message per channel. */
    digest: duration.optional(),
    enabled: z.boolean().default(true),
  })
  .strict();

const deliverySchema = z
  .object({
    /** Attempts per delivery before it is recorded as failed for good. */
    maxAttempts: z.number().int().min(1).max(100).default(10),
    /** Wait after the first failure; doubles on each further failure up to `maxBackoff`. */
    backoff: duration.prefault('30s'),
    maxBackoff: duration.prefault('1h'),
    /**
     * How long a worker's claim on the deliveries it is sending lasts; renewed while it sends, so another worker
     * takes them only when this one died (at once when the dead one ran on the same host, see
     * src/store/claim-owner.ts). At least twice every channel's `timeout`.
     */
    lease: duration.prefault('60s'),
  })
  .strict()
  .prefault({});

export const BUILTIN_LOG_CHANNEL = 'log';

/** The rule name feed health alerts are recorded under (src/pipeline/health-stage.ts); no configured rule may take it. */
export const FEED_HEALTH_RULE = 'feed-health';

const feedHealthSchema = z
  .object({
    /**
     * Where feed health alerts go: a channel under `alerts.channels`, or the built-in `log`. Unset: no feed health
     * alerts (the status page, `feedwatch feeds` and /api/feeds still show each feed's health).
     */
    channel: z.string().min(1).optional(),
    /** How often the feeds' health is checked (one pass over every feed: two queries). */
    every: duration.prefault('1m').refine((ms) => ms >= 1000, 'must be at least 1s'),
  })
  .strict()
  .prefault({});

export const alertsSchema = z
  .object({
    channels: z.record(z.string().regex(/^[\w.-]+$/, 'channel names use letters, digits, "_", "-" and "."'), channelSchema).default({}),
    rules: z.array(ruleSchema).default([]),
    delivery: deliverySchema,
    /** One alert when a feed goes stale or failing, one when it recovers (src/pipeline/health-stage.ts). */
    feedHealth: feedHealthSchema,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const healthChannel = cfg.feedHealth.channel;
    if (healthChannel !== undefined && !(healthChannel in cfg.channels) && healthChannel !== BUILTIN_LOG_CHANNEL) {
      const known = [...Object.keys(cfg.channels), BUILTIN_LOG_CHANNEL].join(', ');
      ctx.addIssue({ code: 'custom', path: ['feedHealth', 'channel'], message: `no channel named "${healthChannel}" (known: ${known})` });
    }
    const names = new Map<string, number>();
    cfg.rules.forEach((rule, i) => {
      const prev = names.get(rule.name);
      if (prev !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${rule.name}" (also rules[${prev}]); names must be unique` });
      }
      names.set(rule.name, i);
      if (rule.name === FEED_HEALTH_RULE) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `the rule name "${FEED_HEALTH_RULE}" is taken by feed health alerts; choose another` });
      }
      try {
        parseRule(rule.query);
      } catch (err) {
        if (!(err instanceof RuleSyntaxError)) throw err;
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'query'], message: `rule "${rule.name}": query column ${err.column}: ${err.reason}` });
      }
      rule.channels.forEach((ch, j) => {
        if (!(ch in cfg.channels) && ch !== BUILTIN_LOG_CHANNEL) {
          const known = [...Object.keys(cfg.channels), BUILTIN_LOG_CHANNEL].join(', ');
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'channels', j], message: `rule "${rule.name}": no channel named "${ch}" (known: ${known})` });
        }
      });
      if (rule.digest !== undefined && rule.digest < 1000) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'digest'], message: `rule "${rule.name}": digest must be at least 1s` });
      }
    });
    // A send must end within half the lease, so that the renewal before the next send comes while the claim holds.
    for (const [name, ch] of Object.entries(cfg.channels)) {
      if ('timeout' in ch && cfg.delivery.lease < 2 * ch.timeout) {
        ctx.addIssue({
          code: 'custom',
          path: ['delivery', 'lease'],
          message: `lease must be at least twice the longest channel timeout (channel "${name}": ${ch.timeout / 1000}s); write lease: ${Math.ceil((2 * ch.timeout) / 1000)}s or more`,
        });
        break;
      }
    }
    if (cfg.delivery.maxBackoff < cfg.delivery.backoff) {
      ctx.addIssue({ code: 'custom', path: ['delivery', 'maxBackoff'], message: 'maxBackoff must not be shorter than backoff' });
    }
  })
  .prefault({});

export type AlertsConfig = z.output<typeof alertsSchema>;
export type ChannelConfig = z.output<typeof channelSchema>;
export type WebhookChannelConfig = z.output<typeof webhookChannelSchema>;
export type TelegramChannelConfig = z.output<typeof telegramChannelSchema>;
export type EmailChannelConfig = z.output<typeof emailChannelSchema>;
export type LogChannelConfig = z.output<typeof logChannelSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
export type DeliveryPolicy = z.output<typeof deliverySchema>;

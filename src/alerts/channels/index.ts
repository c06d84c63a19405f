/** Build the configured channels by name, reading their secrets from the given environment once, at start. */
import type { Dispatcher } from 'undici';
import type { Logger } from '../../log.js';
import { BUILTIN_LOG_CHANNEL, type AlertsConfig, type ChannelConfig } from '../config-schema.js';
import type { AlertMessage } from '../message.js';
import type { Channel } from './channel.js';
import { createEmailChannel } from './email.js';
import { createLogChannel } from './log.js';
import { createTelegramChannel } from './telegram.js';
import { createWebhookChannel } from './webhook.js';

export type { Channel } from './channel.js';

export interface ChannelDeps {
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  userAgent: string;
  dispatcher?: Dispatcher;
  /** Also hand each alert of a log channel to this (a command that shows them to its reader). */
  showLogAlert?: ((channel: string, m: AlertMessage) => void) | undefined;
}

export function createChannel(name: string, cfg: ChannelConfig, deps: ChannelDeps): Channel {
  switch (cfg.type) {
    case 'webhook':
      return createWebhookChannel(name, cfg, deps);
    case 'telegram':
      return createTelegramChannel(name, cfg, deps);
    case 'email':
      return createEmailChannel(name, cfg, deps);
    case 'log':
      return createLogChannel(name, cfg, deps);
  }
}

/** Every channel of the config, plus the built-in `log` unless the config defines one of that name. */
export function createChannels(cfg: Pick<AlertsConfig, 'channels'>, deps: ChannelDeps): Map<string, Channel> {
  const out = new Map<string, Channel>();
  for (const [name, c] of Object.entries(cfg.channels)) out.set(name, createChannel(name, c, deps));
  if (!out.has(BUILTIN_LOG_CHANNEL)) out.set(BUILTIN_LOG_CHANNEL, createLogChannel(BUILTIN_LOG_CHANNEL, { level: 'info' }, deps));
  return out;
}

/**
 * Log channel: one structured log line per alert (its id, rule, titles, links, matched terms), and the message
 * handed to `show` when the process has a reader (`feedwatch once` prints it with its report). Never fails.
 */
import type { Logger } from '../../log.js';
import type { LogChannelConfig } from '../config-schema.js';
import type { AlertMessage } from '../message.js';
import type { Channel } from './channel.js';

export function createLogChannel(name: string, cfg: Pick<LogChannelConfig, 'level'>, deps: { logger: Logger; showLogAlert?: ((channel: string, m: AlertMessage) => void) | undefined }): Channel {
  return {
    name,
    type: 'log',
    async send(m: AlertMessage): Promise<void> {
      const fields = {
        channel: name,
        delivery_id: m.id,
        rule: m.rule,
        digest: m.digest,
        items: m.items.map((it) => ({ title: it.title, url: it.url, feed: it.feed, terms: it.terms })),
      };
      deps.logger[cfg.level](fields, m.digest ? `alert digest: ${m.rule} (${m.items.length})` : `alert: ${m.rule}: ${m.items[0]?.title ?? ''}`);
      deps.showLogAlert?.(name, m);
    },
  };
}

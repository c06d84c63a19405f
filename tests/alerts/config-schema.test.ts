import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { alertsSchema } from '../../src/alerts/config-schema.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const issues = (raw: unknown): string[] => {
  const r = alertsSchema.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('alerts config', () => {
  test('defaults: no channels, no rules, a delivery policy, no feed health alerts', () => {
    const cfg = alertsSchema.parse(undefined);
    assert.deepEqual(cfg, { channels: {}, rules: [], delivery: { maxAttempts: 10, backoff: 30_000, maxBackoff: 3_600_000, lease: 60_000 }, feedHealth: { every: 60_000 } });
  });

  test('feedHealth.channel names a configured channel or log; the rule name feed-health is taken', () => {
    assert.equal(alertsSchema.parse({ feedHealth: { channel: 'log', every: '30s' } }).feedHealth.every, 30_000);
    const hook = { type: 'webhook', url: 'https://example.org/h' };
    assert.equal(alertsSchema.parse({ channels: { pager: hook }, feedHealth: { channel: 'pager' } }).feedHealth.channel, 'pager');
    const issue = (input: unknown) => {
      const r = alertsSchema.safeParse(input);
      return r.success ? '' : `${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`;
    };
    assert.equal(issue({ channels: { pager: hook }, feedHealth: { channel: 'pagr' } }), 'feedHealth.channel: no channel named "pagr" (known: pager, log)');
    assert.match(issue({ rules: [{ name: 'feed-health', query: 'x', channels: ['log'] }] }), /^rules\.0\.name: the rule name "feed-health" is taken by feed health alerts/);
    assert.match(issue({ feedHealth: { channel: 'log', every: '100ms' } }), /^feedHealth\.every: must be at least 1s/);
  });

  test('a full section parses with durations, env names and defaults', () => {
    const cfg = alertsSchema.parse({
      channels: {
        hook: { type: 'webhook', url: 'https://example.org/hook', secretEnv: 'HOOK_SECRET', headers: { 'X-Team': 'news' }, timeout: '5s' },
        tg: { type: 'telegram', chatId: -1001234567890 },
        mail: { type: 'email', host: 'smtp.example.org', user: 'bot', passwordEnv: 'SMTP_PASSWORD', from: 'bot@example.org', to: 'me@example.org' },
        quiet: { type: 'log', level: 'warn' },
      },
      rules: [
        { name: 'lavrov', query: 'Лавров AND (Кыргызстан OR Бишкек)', channels: ['tg', 'hook'] },
        { name: 'digest', query: 'title:Бишкек', channels: ['mail', 'log'], digest: '1h' },
      ],
      delivery: { backoff: '10s', maxBackoff: '10m' },
    });
    const { hook, tg, mail } = cfg.channels;
    assert.ok(hook?.type === 'webhook' && tg?.type === 'telegram' && mail?.type === 'email');
    assert.equal(hook.timeout, 5000);
    assert.equal(tg.chatId, '-1001234567890');
    assert.equal(tg.tokenEnv, 'TELEGRAM_BOT_TOKEN');
    assert.equal(tg.apiBase, 'https://api.telegram.org');
    assert.deepEqual(mail.to, ['me@example.org']);
    assert.equal(cfg.rules[1]!.digest, 3_600_000);
    assert.equal(cfg.delivery.backoff, 10_000);
  });

  test('a rule that does not parse is named, with the column', () => {
    const out = issues({ rules: [{ name: 'broken', query: 'Лавров AND (Бишкек', channels: ['log'] }] });
    assert.deepEqual(out, ['rules.0.query: rule "broken": query column 12: missing ")" to close the "(" at column 12']);
    const neg = issues({ rules: [{ name: 'only-not', query: '-Лавров', channels: ['log'] }] });
    assert.match(neg[0]!, /rule "only-not": query column 1: a rule needs at least one term that is not negated/);
  });

  test('unknown channels, duplicate rule names, secrets written in place of env names', () => {
    const out = issues({
      channels: { tg: { type: 'telegram', tokenEnv: '123456:ABC-secret-token', chatId: '1' } },
      rules: [
        { name: 'a', query: 'x', channels: ['tg', 'nope'] },
        { name: 'a', query: 'y', channels: ['log'], digest: '0s' },
      ],
    });
    assert.ok(out.some((m) => m.startsWith('channels.tg.tokenEnv: must be the NAME of an environment variable')), out.join('\n'));
    assert.ok(out.some((m) => m === 'rules.0.channels.1: rule "a": no channel named "nope" (known: tg, log)'), out.join('\n'));
    assert.ok(out.some((m) => m.startsWith('rules.1.name: duplicate rule name "a"')), out.join('\n'));
    assert.ok(out.some((m) => m.startsWith('rules.1.digest: rule "a": digest must be at least 1s')), out.join('\n'));
  });

  test('the delivery lease must outlast two sends on the slowest channel', () => {
    const channels = { hook: { type: 'webhook', url: 'https://hooks.example.net/in' }, mail: { type: 'email', host: 'smtp.example.net', from: 'a@example.net', to: 'b@example.net', timeout: '45s' } };
    assert.deepEqual(issues({ channels, delivery: { lease: '1m' } }), ['delivery.lease: lease must be at least twice the longest channel timeout (channel "mail": 45s); write lease: 90s or more']);
    assert.deepEqual(issues({ channels, delivery: { lease: '90s' } }), []);
    assert.deepEqual(issues({ delivery: { lease: '2s' } }), [], 'no network channel, nothing to outlast');
  });

  test('unknown keys and channel types are refused', () => {
    assert.ok(issues({ channels: { x: { type: 'sms' } } }).length > 0);
    assert.ok(issues({ channels: { x: { type: 'log', colour: 'red' } } }).length > 0);
    assert.ok(issues({ rules: [{ name: 'a', query: 'x', channels: [] }] }).length > 0);
  });

  test('through the config loader: file, line and column of the query, the rule name and the rule column', () => {
    const yaml = ['alerts:', '  rules:', '    - name: lavrov-kg', "      query: 'Лавров OR OR Бишкек'", '      channels: [log]', ''].join('\n');
    assert.throws(
      () => parseConfig(yaml, 'feedwatch.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /^feedwatch\.yaml:4:\d+: alerts\.rules\[0\]\.query: rule "lavrov-kg": query column 11: expected a term but found OR/);
        return true;
      },
    );
  });
});

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { createChannels } from '../../src/alerts/channels/index.js';
import { createEmailChannel } from '../../src/alerts/channels/email.js';
import { createTelegramChannel } from '../../src/alerts/channels/telegram.js';
import { createWebhookChannel } from '../../src/alerts/channels/webhook.js';
import { emailChannelSchema, telegramChannelSchema, webhookChannelSchema } from '../../src/alerts/config-schema.js';
import { formatAlert, type AlertMessage } from '../../src/alerts/message.js';
import { FeedwatchError } from '../../src/errors.js';
import { closedPort, json, memoryLogger, startHttpServer, startSmtpServer, type TestHttpServer } from './servers.js';

const message: AlertMessage = {
  id: '6f1c2a54-0b7e-4d1a-9a55-3c2f0d9e8b71',
  ...formatAlert(
    { title: 'Lavrov & Kazakbaev <met>', lead: 'Лавров принял Казакбаева.', url: 'https://example.org/a?x=1', feed: 'sputnik-kg', publishedAt: null },
    { rule: 'lavrov', spans: [{ field: 'title', start: 0, end: 6, term: 'Lavrov', text: 'Lavrov' }, { field: 'lead', start: 0, end: 6, term: 'Лавров', text: 'Лавров' }] },
  ),
};

const servers: { close(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function http(handler: Parameters<typeof startHttpServer>[0]): Promise<TestHttpServer> {
  const s = await startHttpServer(handler);
  servers.push(s);
  return s;
}

/** The error `promise` rejects with, which must be a FeedwatchError. */
async function failure(promise: Promise<unknown>): Promise<FeedwatchError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof FeedwatchError, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

describe('webhook channel', () => {
  test('POSTs the alert as JSON, signed with HMAC-SHA256 over the exact body, with custom headers', async () => {
    const s = await http((_r, res) => json(res, 200, { ok: true }));
    const cfg = webhookChannelSchema.parse({
      type: 'webhook',
      url: `${s.url}/hook`,
      secretEnv: 'HOOK_SECRET',
      headers: { 'X-Team': 'news' },
      headersFromEnv: { Authorization: 'HOOK_AUTH' },
    });
    const ch = createWebhookChannel('hook', cfg, { env: { HOOK_SECRET: 's3cret', HOOK_AUTH: 'Bearer abc' }, userAgent: 'feedwatch-test' });
    await ch.send(message);
    assert.equal(s.requests.length, 1);
    const req = s.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hook');
    assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(req.headers['x-feedwatch-event'], 'alert');
    assert.equal(req.headers['x-team'], 'news');
    assert.equal(req.headers.authorization, 'Bearer abc');
    assert.equal(req.headers['user-agent'], 'feedwatch-test');
    const expected = 'sha256=' + createHmac('sha256', 's3cret').update(req.body).digest('hex');
    assert.equal(req.headers['x-feedwatch-signature'], expected);
    const body = JSON.parse(req.body) as { id: string; event: string; rule: string; digest: boolean; items: { title: string; terms: string[] }[] };
    assert.equal(body.id, message.id, 'the message id in the body');
    assert.equal(req.headers['x-feedwatch-delivery'], message.id, 'and in the header');
    assert.equal(body.event, 'alert');
    assert.equal(body.rule, 'lavrov');
    assert.equal(body.items[0]!.title, 'Lavrov & Kazakbaev <met>');
    assert.deepEqual(body.items[0]!.terms, ['Lavrov', 'Лавров']);
  });

  test('no secret, no signature header', async () => {
    const s = await http((_r, res) => json(res, 204, {}));
    const ch = createWebhookChannel('hook', webhookChannelSchema.parse({ type: 'webhook', url: s.url }), { env: {}, userAgent: 'ua' });
    await ch.send(message);
    assert.equal(s.requests[0]!.headers['x-feedwatch-signature'], undefined);
  });

  test('5xx and 429 are retryable (with Retry-After), other 4xx are not; the query string is not reported', async () => {
    const statuses = [500, 429, 404, 400, 408];
    const s = await http((_r, res, i) => json(res, statuses[i]!, { error: 'nope' }, statuses[i] === 429 ? { 'retry-after': '7' } : {}));
    const ch = createWebhookChannel('hook', webhookChannelSchema.parse({ type: 'webhook', url: `${s.url}/h?token=hidden` }), { env: {}, userAgent: 'ua' });
    const errs: FeedwatchError[] = [];
    for (let i = 0; i < statuses.length; i++) errs.push(await failure(ch.send(message)));
    assert.deepEqual(
      errs.map((e) => [e.kind, e.context.status, e.retryable]),
      [
        ['http-status', 500, true],
        ['http-status', 429, true],
        ['http-status', 404, false],
        ['http-status', 400, false],
        ['http-status', 408, true],
      ],
    );
    assert.equal(errs[1]!.context.retryAfterSeconds, 7);
    assert.match(errs[0]!.message, /HTTP 500: \{"error":"nope"\}/);
    for (const e of errs) assert.doesNotMatch(inspect(e) + JSON.stringify(e.context), /hidden/);
  });

  test('a refused connection is a retryable network error; a silent server a timeout', async () => {
    const port = await closedPort();
    const ch = createWebhookChannel('hook', webhookChannelSchema.parse({ type: 'webhook', url: `http://127.0.0.1:${port}/` }), { env: {}, userAgent: 'ua' });
    const e = await failure(ch.send(message));
    assert.equal(e.kind, 'network');
    assert.equal(e.retryable, true);
    assert.match(e.message, /ECONNREFUSED/);

    const silent = await http(() => {
      /* never answers */
    });
    const slow = createWebhookChannel('slow', webhookChannelSchema.parse({ type: 'webhook', url: silent.url, timeout: '150ms' }), { env: {}, userAgent: 'ua' });
    const t = await failure(slow.send(message));
    assert.equal(t.kind, 'timeout');
    assert.equal(t.retryable, true);
  });

  test('a missing secret variable fails at start, naming the variable', () => {
    assert.throws(
      () => createWebhookChannel('hook', webhookChannelSchema.parse({ type: 'webhook', url: 'http://127.0.0.1:1/', secretEnv: 'NOPE_SECRET' }), { env: {}, userAgent: 'ua' }),
      (err: unknown) => err instanceof FeedwatchError && err.kind === 'config' && /NOPE_SECRET/.test(err.message) && !err.retryable,
    );
  });
});

describe('telegram channel', () => {
  const TOKEN = '123456789:AAF-very-secret-token_value';

  test('calls sendMessage on the configured API base with HTML text', async () => {
    const s = await http((_r, res) => json(res, 200, { ok: true, result: { message_id: 1 } }));
    const cfg = telegramChannelSchema.parse({ type: 'telegram', tokenEnv: 'TG_TOKEN', chatId: -100123, apiBase: `${s.url}/` });
    await createTelegramChannel('tg', cfg, { env: { TG_TOKEN: TOKEN } }).send(message);
    const req = s.requests[0]!;
    assert.equal(req.path, `/bot${TOKEN}/sendMessage`);
    const body = JSON.parse(req.body) as { chat_id: string; text: string; parse_mode: string; link_preview_options: { is_disabled: boolean } };
    assert.equal(body.chat_id, '-100123');
    assert.equal(body.parse_mode, 'HTML');
    assert.equal(body.link_preview_options.is_disabled, false);
    assert.ok(body.text.startsWith('<b><u>Lavrov</u> &amp; Kazakbaev &lt;met&gt;</b>\n<b>Лавров</b> принял Казакбаева.'), body.text);
    assert.match(body.text, /<a href="https:\/\/example\.org\/a\?x=1">/);
  });

  test('API errors: 400 not retryable, 429 retryable after retry_after, 5xx retryable; the token never shows', async () => {
    const answers: [number, unknown][] = [
      [400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }],
      [429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 31', parameters: { retry_after: 31 } }],
      [502, '<html>Bad Gateway</html>'],
      [401, { ok: false, error_code: 401, description: `Unauthorized: bot${TOKEN} is not valid` }],
      [200, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }],
    ];
    const s = await http((_r, res, i) => json(res, answers[i]![0], answers[i]![1]));
    const { logger, lines } = memoryLogger();
    const ch = createTelegramChannel('tg', telegramChannelSchema.parse({ type: 'telegram', chatId: '1', apiBase: s.url }), { env: { TELEGRAM_BOT_TOKEN: TOKEN } });
    const errs: FeedwatchError[] = [];
    for (let i = 0; i < answers.length; i++) {
      const e = await failure(ch.send(message));
      logger.error({ err: e, context: e.context }, 'send failed');
      errs.push(e);
    }
    assert.deepEqual(
      errs.map((e) => [e.context.status, e.retryable]),
      [
        [400, false],
        [429, true],
        [502, true],
        [401, false],
        [403, false],
      ],
    );
    assert.equal(errs[1]!.context.retryAfterSeconds, 31);
    assert.match(errs[0]!.message, /chat not found/);
    assert.match(errs[3]!.message, /\[token\]/);
    const everything = errs.map((e) => `${e.message}\n${e.stack}\n${inspect(e, { depth: 5 })}\n${JSON.stringify(e.context)}`).join('\n') + lines();
    assert.ok(!everything.includes(TOKEN), 'token leaked');
    assert.ok(!everything.includes('AAF-very-secret'), 'part of the token leaked');
  });

  test('network failure and timeout messages carry no URL and no token', async () => {
    const port = await closedPort();
    const ch = createTelegramChannel('tg', telegramChannelSchema.parse({ type: 'telegram', chatId: '1', apiBase: `http://127.0.0.1:${port}` }), { env: { TELEGRAM_BOT_TOKEN: TOKEN } });
    const e = await failure(ch.send(message));
    assert.equal(e.kind, 'network');
    assert.ok(e.retryable);
    const silent = await http(() => {
      /* never answers */
    });
    const slow = createTelegramChannel('tg', telegramChannelSchema.parse({ type: 'telegram', chatId: '1', apiBase: silent.url, timeout: '150ms' }), { env: { TELEGRAM_BOT_TOKEN: TOKEN } });
    const t = await failure(slow.send(message));
    assert.equal(t.kind, 'timeout');
    for (const x of [e, t]) {
      const all = `${x.message}\n${x.stack}\n${inspect(x, { depth: 5 })}`;
      assert.ok(!all.includes(TOKEN) && !all.includes('/bot'), all);
    }
  });

  test('a missing token variable fails at start, naming the variable only', () => {
    assert.throws(
      () => createTelegramChannel('tg', telegramChannelSchema.parse({ type: 'telegram', chatId: '1' }), { env: {} }),
      (err: unknown) => err instanceof FeedwatchError && err.kind === 'config' && /TELEGRAM_BOT_TOKEN/.test(err.message),
    );
  });
});

/** Undo quoted-printable (soft breaks and =XX bytes) so UTF-8 text can be checked. */
function decodeQuotedPrintable(raw: string): string {
  const bytes: number[] = [];
  const s = raw.replace(/=\r\n/g, '');
  for (let i = 0; i < s.length; i++) {
    const hex = s[i] === '=' ? /^[0-9A-F]{2}$/.exec(s.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

describe('email channel', () => {
  test('sends plain and HTML parts through SMTP with the password from the environment', async () => {
    const smtp = await startSmtpServer({
      authOptional: false,
      onAuth(auth, _session, cb) {
        if (auth.username === 'bot' && auth.password === 'pw-from-env') cb(null, { user: 'bot' });
        else cb(new Error('Invalid username or password'));
      },
    });
    servers.push(smtp);
    const cfg = emailChannelSchema.parse({ type: 'email', host: '127.0.0.1', port: smtp.port, user: 'bot', passwordEnv: 'SMTP_PW', from: 'bot@example.org', to: ['a@example.org', 'b@example.org'], timeout: '5s' });
    const ch = createEmailChannel('mail', cfg, { env: { SMTP_PW: 'pw-from-env' } });
    await ch.send(message);
    await ch.close?.();
    assert.equal(smtp.mails.length, 1);
    const mail = smtp.mails[0]!;
    assert.equal(mail.user, 'bot');
    assert.equal(mail.from, 'bot@example.org');
    assert.deepEqual(mail.to, ['a@example.org', 'b@example.org']);
    assert.match(mail.raw, /^Subject: \[feedwatch\] lavrov: Lavrov & Kazakbaev <met>/m);
    assert.match(mail.raw, new RegExp(`^Message-ID: <${message.id}@example\\.org>\r?$`, 'm'), 'the message id, at the sender\'s domain');
    assert.match(mail.raw, new RegExp(`^X-Feedwatch-Delivery: ${message.id}\r?$`, 'm'));
    assert.match(mail.raw, /Content-Type: multipart\/alternative/);
    assert.match(mail.raw, /Content-Type: text\/plain; charset=utf-8/);
    assert.match(mail.raw, /Content-Type: text\/html; charset=utf-8/);
    const decoded = decodeQuotedPrintable(mail.raw);
    assert.match(decoded, /<mark>Lavrov<\/mark> &amp; Kazakbaev &lt;met&gt;/);
    assert.match(decoded, /<mark>Лавров<\/mark> принял Казакбаева\./);
    assert.match(decoded, /Matched: Lavrov, Лавров/);
  });

  test('a rejected login is permanent and never shows the password; 4xx is retryable, 5xx is not', async () => {
    let rcptCode = 451;
    const smtp = await startSmtpServer({
      onAuth(_auth, _session, cb) {
        cb(new Error('Invalid username or password'));
      },
      onRcptTo(_addr, _session, cb) {
        const err = new Error(rcptCode === 451 ? 'Try again later' : 'No such user') as Error & { responseCode: number };
        err.responseCode = rcptCode;
        cb(err);
      },
    });
    servers.push(smtp);
    const base = { type: 'email', host: '127.0.0.1', port: smtp.port, from: 'bot@example.org', to: 'a@example.org', timeout: '5s' };
    const withAuth = createEmailChannel('mail', emailChannelSchema.parse({ ...base, user: 'bot', passwordEnv: 'SMTP_PW' }), { env: { SMTP_PW: 'hunter2-secret' } });
    const auth = await failure(withAuth.send(message));
    assert.equal(auth.retryable, false);
    assert.ok(!`${auth.message}${inspect(auth)}`.includes('hunter2-secret'));

    const noAuth = createEmailChannel('mail', emailChannelSchema.parse(base), { env: {} });
    const soft = await failure(noAuth.send(message));
    assert.equal(soft.kind, 'delivery');
    assert.equal(soft.context.status, 451);
    assert.equal(soft.retryable, true);
    rcptCode = 550;
    const hard = await failure(noAuth.send(message));
    assert.equal(hard.context.status, 550);
    assert.equal(hard.retryable, false);
  });

  test('a server that is not there is a retryable network error', async () => {
    const port = await closedPort();
    const ch = createEmailChannel('mail', emailChannelSchema.parse({ type: 'email', host: '127.0.0.1', port, from: 'a@b.c', to: 'd@e.f', timeout: '2s' }), { env: {} });
    const e = await failure(ch.send(message));
    assert.equal(e.kind, 'network');
    assert.equal(e.retryable, true);
  });
});

describe('log channel and createChannels', () => {
  test('the built-in log channel writes one line per alert; configured channels are built by name', async () => {
    const { logger, lines } = memoryLogger();
    const chans = createChannels(
      { channels: { quiet: { type: 'log', level: 'warn' }, hook: webhookChannelSchema.parse({ type: 'webhook', url: 'http://127.0.0.1:9/' }) } },
      { env: {}, logger, userAgent: 'ua' },
    );
    assert.deepEqual([...chans.keys()].sort(), ['hook', 'log', 'quiet']);
    await chans.get('log')!.send(message);
    await chans.get('quiet')!.send(message);
    const out = lines().trim().split('\n').map((l) => JSON.parse(l) as { level: number; rule: string; delivery_id: string; msg: string; items: { terms: string[] }[] });
    assert.equal(out.length, 2);
    assert.equal(out[0]!.delivery_id, message.id);
    assert.equal(out[0]!.level, 30);
    assert.equal(out[1]!.level, 40);
    assert.equal(out[0]!.rule, 'lavrov');
    assert.deepEqual(out[0]!.items[0]!.terms, ['Lavrov', 'Лавров']);
    assert.match(out[0]!.msg, /^alert: lavrov: Lavrov/);
  });
});

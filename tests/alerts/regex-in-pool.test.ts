/**
 * Alert rules' /regex/ terms run in the CPU pool, not on the main thread: the alert stage and alert replay send
 * the rules' regex terms with the article's texts as a 'regex' task and match on its results, with the same
 * matches as regexes run in place. A regex task over the pool's budget is ended and counted like other too-slow
 * work, logged, and leaves the article matched on its words.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertsSchema } from '../../src/alerts/config-schema.js';
import { buildAlertDoc, compileRule, matchRule, regexTermsOf, runRegexTerms } from '../../src/alerts/match.js';
import { StemOnly } from '../../src/alerts/morphology.js';
import { ManualClock } from '../../src/clock.js';
import { createCpuPool, type CpuWork } from '../../src/cpu/pool.js';
import type { CpuTaskType } from '../../src/cpu/tasks.js';
import { silentLogger } from '../../src/log.js';
import type { FeedItem } from '../../src/model.js';
import { replayRule } from '../../src/pipeline/alert-replay.js';
import { compileAlertRules, createAlertEngine, matchAlerts, type RegexRunner } from '../../src/pipeline/alert-stage.js';
import { LinearRegExp } from '../../src/regex/linear.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { storiesPage } from '../../src/api/views.js';
import type { Config } from '../../src/config/load.js';
import { testArticle } from '../helpers/store-fixtures.js';
import { jsonLogLines } from '../helpers/log-lines.js';

const lem = new StemOnly();
const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'feedwatch-regex-pool-'));
const pools: CpuWork[] = [];
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Calls of the RE2 exec made in this (the main) thread while `fn` runs; workers load their own copy. */
async function mainThreadExecs<T>(fn: () => Promise<T>): Promise<{ value: T; execs: number }> {
  const exec = LinearRegExp.prototype.exec;
  let execs = 0;
  LinearRegExp.prototype.exec = function (this: LinearRegExp, s: string) {
    execs++;
    return exec.call(this, s);
  };
  try {
    return { value: await fn(), execs };
  } finally {
    LinearRegExp.prototype.exec = exec;
  }
}

const item = (n: number, tags: string[] = []): FeedItem => ({
  feedName: 'kg-news', guid: `g${n}`, link: `https://example.org/${n}`, title: 'Новость', description: null, author: null, publishedAt: null, categories: tags, enclosures: [], extra: {},
});

const rules = [
  { name: 'visit', query: '/визит\\w*/', channels: ['log'] },
  { name: 'title-minister', query: 'title:/министр[а-я]*/', channels: ['log'] },
  { name: 'word-and-regex', query: 'Бишкек AND /\\d{4} год[а-я]*/', channels: ['log'] },
  { name: 'not-sport', query: 'визит AND NOT /спорт|футбол/', channels: ['log'] },
  { name: 'tagged', query: 'tag:/полит/ OR feed:/^kg-/', channels: ['log'] },
  { name: 'no-hit', query: '/землетрясени[ея]/', channels: ['log'] },
];

const articles = [
  testArticle('Визит министра в Бишкек', ['Министр прилетел утром.', 'Переговоры 2026 года в Бишкеке, визиты продолжатся.']),
  testArticle('Футбол: визит сборной', ['Спортивные новости.']),
  testArticle('Погода', ['Ясно, без осадков.']),
];

describe('alert regexes in the CPU pool', () => {
  test('the alert stage runs no user regex on the main thread and matches what in-place regexes match', async () => {
    const pool = createCpuPool({ threads: 1, taskTimeout: 120_000, taskMemory: 256 * MB });
    pools.push(pool);
    const regexes: RegexRunner = (fields, terms) => pool.run({ type: 'regex', fields, terms }, 'alerts');
    const config = alertsSchema.parse({ channels: {}, rules });
    const run = async (name: string, withPool: boolean) => {
      const store = await openSqliteStore(join(dir, `${name}.db`));
      try {
        const alerts = await createAlertEngine(config, { env: {}, logger: silentLogger, userAgent: 'ua', lemmatizer: lem, ...(withPool ? { regexes } : {}) });
        const deps = { store, clock: new ManualClock(Date.parse('2026-03-05T12:00:00Z')), logger: silentLogger, alerts };
        const { value: matched, execs } = await mainThreadExecs(async () => {
          const out: string[][] = [];
          for (const [i, article] of articles.entries()) out.push((await matchAlerts({ articleId: i + 1, clusterId: i + 1, article, item: item(i + 1, i === 0 ? ['Политика'] : []), fresh: true }, deps)).matched);
          return out;
        });
        const items = (await store.deliveries()).map((d) => [d.rule, d.articleId, d.item]);
        return { matched, execs, items };
      } finally {
        await store.close();
      }
    };
    const inPlace = await run('in-place', false);
    const inPool = await run('in-pool', true);
    // The counter sees regexes run here: without the pool, the rules' regexes ran on this thread.
    assert.ok(inPlace.execs > 0, `in place: ${inPlace.execs} execs`);
    assert.equal(inPool.execs, 0, 'with the pool, no RE2 exec on the main thread');
    assert.deepEqual(inPool.matched, [['visit', 'title-minister', 'word-and-regex', 'not-sport', 'tagged'], ['visit', 'tagged'], ['tagged']]);
    assert.deepEqual(inPool.matched, inPlace.matched);
    // The alert messages (matched strings and highlights) are the same.
    assert.ok(inPool.items.length > 0);
    assert.deepEqual(inPool.items, inPlace.items);
  });

  test('matchRule on precomputed regex results gives the spans of regexes run in place', () => {
    const compiled = rules.map((r) => compileRule(r.query, lem));
    const terms = regexTermsOf(compiled);
    // One entry per distinct term, each with the fields some rule looks in with it.
    assert.deepEqual(
      terms.map((t) => [t.term, t.fields]),
      [
        ['/визит\\w*/', ['title', 'lead', 'body']],
        ['/министр[а-я]*/', ['title']],
        ['/\\d{4} год[а-я]*/', ['title', 'lead', 'body']],
        ['/спорт|футбол/', ['title', 'lead', 'body']],
        ['/полит/', ['tag']],
        ['/^kg-/', ['feed']],
        ['/землетрясени[ея]/', ['title', 'lead', 'body']],
      ],
    );
    // Ё folded, offsets into the raw text, a match per occurrence (capped), case-insensitive.
    const doc = buildAlertDoc({ title: 'ВИЗИТ Ёлки, визит; ёлка', lead: 'Визитёр и '.repeat(80), body: 'Спорт 2025 годом', feed: 'kg-news', tags: ['Политика', 'Спорт'] }, lem);
    const precomputed = { ...doc, regex: runRegexTerms(doc.text, terms) };
    for (const rule of compiled) assert.deepEqual(matchRule(rule, precomputed), matchRule(rule, doc), rule.source);
    assert.equal(matchRule(compiled[0]!, precomputed).spans.filter((s) => s.field === 'lead').length, 50);
    // A term the results lack matches nothing (and runs nothing here).
    assert.equal(matchRule(compiled[0]!, { ...doc, regex: {} }).match, false);
  });

  test('alert replay runs the rule\'s regexes in the pool', async () => {
    const pool = createCpuPool({ threads: 1, taskTimeout: 120_000, taskMemory: 256 * MB });
    pools.push(pool);
    const store = await openSqliteStore(join(dir, 'replay.db'));
    try {
      const clock = new ManualClock(Date.parse('2026-03-05T12:00:00Z'));
      const none = await createAlertEngine(alertsSchema.parse({ channels: {}, rules: [] }), { env: {}, logger: silentLogger, userAgent: 'ua', lemmatizer: lem });
      for (const [i, article] of articles.entries()) await matchAlerts({ articleId: i + 1, clusterId: i + 1, article, item: item(i + 1), fresh: true }, { store, clock, logger: silentLogger, alerts: none });
      const [rule] = compileAlertRules(alertsSchema.parse({ channels: {}, rules: [rules[0]] }).rules, lem);
      let tasks = 0;
      const regexes: RegexRunner = (fields, terms) => {
        tasks++;
        return pool.run({ type: 'regex', fields, terms }, 'replay');
      };
      const { value: report, execs } = await mainThreadExecs(() => replayRule({ store, clock, lemmatizer: lem, regexes }, rule!, { since: '2026-01-01', dryRun: true }));
      assert.equal(execs, 0);
      assert.equal(tasks, 3, 'one regex task per stored article read');
      assert.deepEqual(report.alerted.map((h) => h.articleId).sort(), [1, 2]);
    } finally {
      await store.close();
    }
  });

  test('a regex task past its deadline is ended and counted as too-slow; the article is matched on its words', async () => {
    const outcomes: string[] = [];
    // A deadline of a second: the small task after the slow one, the first in a fresh worker, has to finish within
    // it on a loaded machine too (50 ms was not enough there).
    const pool = createCpuPool({ threads: 1, taskTimeout: 1000, taskMemory: 256 * MB }, { finished: (task: CpuTaskType, outcome) => outcomes.push(`${task} ${outcome}`) });
    pools.push(pool);
    // Forty patterns that scan a 4.8-million-character body to its end without a match: about 0.4 s of CPU each
    // in place, some 16 s in all, far past the deadline on a machine several times faster than this one.
    const body = 'визит министра в бишкек '.repeat(200_000);
    const slow = Array.from({ length: 40 }, (_, i) => `/(а|б)+в${i}/`).join(' OR ');
    const { logger, lines } = jsonLogLines();
    const store = await openSqliteStore(join(dir, 'slow.db'));
    try {
      const alerts = await createAlertEngine(
        alertsSchema.parse({ channels: {}, rules: [{ name: 'slow', query: slow, channels: ['log'] }, { name: 'words', query: 'визит', channels: ['log'] }] }),
        { env: {}, logger: silentLogger, userAgent: 'ua', lemmatizer: lem, regexes: (fields, terms) => pool.run({ type: 'regex', fields, terms }, 'alerts') },
      );
      const deps = { store, clock: new ManualClock(Date.parse('2026-03-05T12:00:00Z')), logger, alerts };
      const { value: summary, execs } = await mainThreadExecs(() => matchAlerts({ articleId: 1, clusterId: 1, article: testArticle('Визит', [body]), item: item(1), fresh: true }, deps));
      assert.equal(execs, 0);
      assert.deepEqual(summary.matched, ['words']);
      assert.deepEqual(outcomes, ['regex too-slow']);
      const warned = lines.filter((l) => String(l['msg']).startsWith('alert regexes over budget'));
      assert.deepEqual(warned.map((l) => [l['article_id'], l['error_kind']]), [[1, 'too-slow']]);
      // The pool goes on with a fresh worker.
      const hits = await pool.run({ type: 'regex', fields: { title: 'Визит' }, terms: regexTermsOf([compileRule('/визит/', lem)]) }, 'next');
      assert.deepEqual(hits, { '/визит/': { title: [[0, 5]] } });
      assert.deepEqual(outcomes, ['regex too-slow', 'regex ok']);
    } finally {
      await store.close();
    }
  });

  test('an API search (/api/stories?q=) runs its regexes in the pool when the daemon gives it one, with the same hits', async () => {
    const pool = createCpuPool({ threads: 1, taskTimeout: 120_000, taskMemory: 256 * MB });
    pools.push(pool);
    const store = await openSqliteStore(join(dir, 'api-search.db'));
    try {
      const alerts = await createAlertEngine(alertsSchema.parse({ channels: {}, rules }), { env: {}, logger: silentLogger, userAgent: 'ua', lemmatizer: lem });
      const deps = { store, clock: new ManualClock(Date.parse('2026-03-05T12:00:00Z')), logger: silentLogger, alerts };
      for (const [i, article] of articles.entries()) await matchAlerts({ articleId: i + 1, clusterId: i + 1, article, item: item(i + 1), fresh: true }, deps);
      const ctx = { config: {} as Config, store, clock: deps.clock, lemmatizer: lem };
      const search = async (q: string, withPool: boolean) =>
        mainThreadExecs(() => storiesPage(withPool ? { ...ctx, regexes: (fields, terms) => pool.run({ type: 'regex', fields, terms }, 'search') } : ctx, { q }));
      for (const q of ['/визит\\w*/', 'title:/министр[а-я]*/', 'визит AND NOT /спорт|футбол/', '/землетрясени[ея]/']) {
        const inPlace = await search(q, false);
        const inPool = await search(q, true);
        assert.ok(q.includes('землетрясени') || inPlace.execs > 0, `${q}: in place, the counter sees the regex run here`);
        assert.equal(inPool.execs, 0, `${q}: with the pool, no RE2 exec on the main thread`);
        assert.deepEqual(inPool.value, inPlace.value, q);
      }
      assert.equal((await search('/визит\\w*/', true)).value.stories.length, 2, 'the two articles with a visit');
    } finally {
      await store.close();
    }
  });
});

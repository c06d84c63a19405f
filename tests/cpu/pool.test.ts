/**
 * The CPU pool (src/cpu/pool.ts): tasks run in worker threads and give what the stage functions give in this thread;
 * a task's FeedwatchError keeps its kind across the thread; a task past its deadline or its memory limit is ended
 * with its worker (`too-slow`, `too-complex`) and the pool goes on with a fresh worker.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createCpuPool, createInlineCpu, Slots, TASK_PRIORITY, taskInputBytes, TASK_INPUT_SHARE, type CpuWork } from '../../src/cpu/pool.js';
import { FeedwatchError } from '../../src/errors.js';
import { deepFeed } from '../helpers/hostile-inputs.js';

const MB = 1024 * 1024;
const page = readFileSync(new URL('../fixtures/extract/sputnik-by-b-article.html', import.meta.url), 'utf8');
const feed = readFileSync(new URL('../fixtures/sputnik/ria-rss-archive-excerpt.xml', import.meta.url), 'utf8');
/** rss-parser's time grows with depth × elements: with the depth budget lifted, 100k deep runs for minutes. */
const deep = deepFeed('https://example.com/a');

async function failure(p: Promise<unknown>): Promise<FeedwatchError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof FeedwatchError, `expected a FeedwatchError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the task to fail');
}

describe('CPU pool', () => {
  const pools: CpuWork[] = [];
  const pool = (budgets: { threads: number; taskTimeout: number; taskMemory: number }) => {
    const p = createCpuPool(budgets);
    pools.push(p);
    return p;
  };
  after(async () => {
    for (const p of pools) await p.close();
  });

  test('an input over a quarter of budgets.taskMemory is refused as too-large before any worker gets it', async () => {
    const outcomes: string[] = [];
    const workers = createCpuPool({ threads: 1, taskTimeout: 120_000, taskMemory: 32 * MB }, { finished: (task, outcome) => outcomes.push(`${task} ${outcome}`) });
    pools.push(workers);
    const threads = () => readdirSync('/proc/self/task').length;
    const before = threads();
    // 8 MB is the limit: 4.2 M characters of text (8.4 MB as UTF-16), 9 MB of bytes, 4.2 M characters over analysis fields.
    const text = 'x'.repeat(4_200_000);
    const refused = [
      { type: 'extract', html: text, url: 'https://e.x/a', sites: [] },
      { type: 'parse-feed', xml: text, feedName: 'big', opts: {} },
      { type: 'decode', body: new Uint8Array(9 * MB), contentType: 'text/html', kind: 'html', url: 'https://e.x/a' },
      { type: 'analyse', fields: { title: text.slice(0, 2_100_000), body: text.slice(0, 2_100_000) }, maxTokens: 100 },
    ] as const;
    for (const task of refused) {
      const err = await failure(workers.run(task, 'big'));
      assert.equal(err.kind, 'too-large', task.type);
      assert.equal(err.context['limitBytes'], 8 * MB);
      assert.equal(err.context['for'], 'big');
    }
    assert.deepEqual(outcomes, ['extract too-large', 'parse-feed too-large', 'decode too-large', 'analyse too-large']);
    // No worker was started for them (the pool starts its first worker with the first task it sends; this is the
    // file's first test, so no other pool has a worker that could end meanwhile).
    assert.equal(threads(), before);
    // An ordinary task is sent and runs.
    assert.equal((await workers.run({ type: 'parse-feed', xml: feed, feedName: 'ria', opts: {} }, 'ria')).length, 6);
    assert.ok(threads() > before);
  });

  test('decode, extract, page, parse-feed, feed and analyse give in a worker what they give in this thread', async () => {
    const inThread = createInlineCpu();
    const workers = pool({ threads: 2, taskTimeout: 120_000, taskMemory: 256 * MB });
    const tasks = [
      { type: 'decode', body: new TextEncoder().encode(page), contentType: 'text/html', kind: 'html', url: 'https://sputnik.by/20240101/a.html' },
      { type: 'extract', html: page, url: 'https://sputnik.by/20240101/a.html', sites: [] },
      { type: 'page', body: new TextEncoder().encode(page), contentType: 'text/html', url: 'https://sputnik.by/20240101/a.html', sites: [] },
      { type: 'parse-feed', xml: feed, feedName: 'ria', opts: {} },
      { type: 'feed', body: new TextEncoder().encode(feed), contentType: 'application/rss+xml', url: 'https://ria.ru/export/rss2/index.xml', feedName: 'ria', opts: {} },
      { type: 'analyse', fields: { title: 'Лавров встретился с министрами', body: 'Сергей Лавров '.repeat(50) }, maxTokens: 60 },
    ] as const;
    for (const task of tasks) assert.deepEqual(await workers.run(task, 'x'), await inThread.run(task, 'x'), task.type);
    // The page task is decode then extract, in one.
    const decoded = await inThread.run(tasks[0], 'x');
    const paged = await workers.run(tasks[2], 'x');
    assert.deepEqual(paged, { article: await inThread.run({ ...tasks[1], html: decoded.text }, 'x'), charset: decoded.charset, charsetReason: decoded.charsetReason });
    // The feed task is decode then parse-feed, in one.
    const feedText = await inThread.run({ type: 'decode', body: tasks[4].body, contentType: tasks[4].contentType, kind: 'xml', url: tasks[4].url }, 'x');
    assert.deepEqual(await workers.run(tasks[4], 'x'), {
      items: await inThread.run({ ...tasks[3], xml: feedText.text }, 'x'),
      charset: feedText.charset,
      charsetReason: feedText.charsetReason,
    });
  });

  test('feed tasks take at most half the threads at once (one of two), pages take them all', async () => {
    let most = 0;
    const workers = createCpuPool({ threads: 2, taskTimeout: 120_000, taskMemory: 256 * MB }, { running: (n) => (most = Math.max(most, n)) });
    pools.push(workers);
    const feedTask = { type: 'feed', body: new TextEncoder().encode(feed), contentType: 'application/rss+xml', url: 'https://ria.ru/x.xml', feedName: 'ria', opts: {} } as const;
    const parsed = await Promise.all(Array.from({ length: 6 }, () => workers.run(feedTask, 'ria')));
    assert.deepEqual(parsed.map((p) => p.items.length), [6, 6, 6, 6, 6, 6]);
    assert.equal(most, 1, 'six feeds at once ran one at a time');
    const extract = (url: string) => workers.run({ type: 'extract', html: page, url, sites: [] }, url);
    await Promise.all([extract('https://sputnik.by/a.html'), extract('https://sputnik.by/b.html')]);
    assert.equal(most, 2, 'two pages ran at once');
  });

  test('a freed thread goes to a waiting feed first, then an analysis, then a page, oldest first within each', async () => {
    const slots = new Slots(1);
    await slots.acquire(TASK_PRIORITY.page);
    const order: string[] = [];
    const wait = (name: string, type: keyof typeof TASK_PRIORITY) => slots.acquire(TASK_PRIORITY[type]).then(() => void order.push(name));
    const waits = [wait('page 1', 'page'), wait('page 2', 'extract'), wait('analysis', 'analyse'), wait('feed 1', 'feed'), wait('regex', 'regex'), wait('feed 2', 'parse-feed')];
    assert.equal(slots.waiting, 6);
    for (let i = 0; i < 6; i++) {
      slots.release();
      await Promise.resolve();
      await Promise.resolve();
    }
    await Promise.all(waits);
    assert.deepEqual(order, ['feed 1', 'feed 2', 'analysis', 'regex', 'page 1', 'page 2']);
    assert.equal(slots.waiting, 0);
    slots.release();
    await slots.acquire(TASK_PRIORITY.page);
    assert.equal(slots.waiting, 0, 'a free slot is taken at once whatever the priority');
  });

  test('a FeedwatchError thrown in a worker keeps its kind and context', async () => {
    const workers = pool({ threads: 1, taskTimeout: 120_000, taskMemory: 256 * MB });
    const parse = await failure(workers.run({ type: 'parse-feed', xml: '<rss><channel><item>', feedName: 'broken', opts: {} }, 'broken'));
    assert.equal(parse.kind, 'parse');
    assert.equal(parse.context['feed'], 'broken');
    const nested = await failure(workers.run({ type: 'parse-feed', xml: deep, feedName: 'deep', opts: {} }, 'deep'));
    assert.equal(nested.kind, 'too-complex');
    assert.equal(nested.context['budget'], 'depth');
  });

  test('past its deadline a task fails as too-slow, its worker is ended, and the next task runs on a fresh one', async () => {
    const workers = pool({ threads: 1, taskTimeout: 500, taskMemory: 256 * MB });
    const slow = workers.run({ type: 'parse-feed', xml: deep, feedName: 'deep', opts: { maxDepth: 1e9, maxElements: 1e9 } }, 'deep');
    const next = workers.run({ type: 'parse-feed', xml: feed, feedName: 'ria', opts: {} }, 'ria');
    // One thread: the second task waits, not counted against its deadline, until the first is ended.
    await new Promise(setImmediate);
    assert.deepEqual(
      workers.status().running.map((r) => r.for),
      ['deep'],
    );
    assert.equal(workers.status().waiting, 1);
    const err = await failure(slow);
    assert.equal(err.kind, 'too-slow');
    assert.equal(err.context['limitMs'], 500);
    assert.equal((await next).length, 6);
    assert.deepEqual(workers.status(), { threads: 1, running: [], waiting: 0 });
  });

  test('over its memory limit a task fails as too-complex, and the pool goes on', async () => {
    const workers = pool({ threads: 1, taskTimeout: 600_000, taskMemory: 32 * MB });
    // A feed of 60,000 items with its complexity budget lifted (pages that large are refused by the HTML budget
    // before they can fill memory): the parsed objects outgrow a 32 MB heap.
    // The text itself stays under the quarter of the heap a task may bring (3.4 M characters, 6.8 MB as UTF-16):
    // it is the parsed objects that grow.
    const item = `<item><title>t</title><link>https://e.x/a</link></item>`;
    const huge = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${item.repeat(60_000)}</channel></rss>`;
    assert.ok(taskInputBytes({ type: 'parse-feed', xml: huge, feedName: 'huge', opts: {} }) <= (32 * MB) / TASK_INPUT_SHARE);
    const err = await failure(workers.run({ type: 'parse-feed', xml: huge, feedName: 'huge', opts: { maxDepth: 1e9, maxElements: 1e9 } }, 'huge'));
    assert.equal(err.kind, 'too-complex');
    assert.equal(err.context['limitBytes'], 32 * MB);
    assert.equal((await workers.run({ type: 'parse-feed', xml: feed, feedName: 'ria', opts: {} }, 'ria')).length, 6);
  });

});

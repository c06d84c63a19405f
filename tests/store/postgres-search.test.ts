/**
 * `feedwatch search` on PostgreSQL narrows with the built-in `russian` and `english` text search configurations
 * (src/store/postgres/alerts.ts): the index is to_tsvector over each document's tokens, a rule word is looked up
 * by every form of its dictionary paradigm, and matchRule decides. What must hold: every document the alerts match
 * is a candidate (search never hides a match), and the index still leaves most documents out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildAlertDoc, compileRule, matchRule, type CompiledRule } from '../../src/alerts/match.js';
import { loadMorphology, type Morphology } from '../../src/alerts/morphology.js';
import { MAX_SEARCH_PAGE, searchArticles, type AlertDocRecord } from '../../src/store/alerts.js';
import { ruleForms, tsQuery } from '../../src/store/postgres/alerts.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { pgTestSchemas } from '../helpers/postgres.js';

const pg = pgTestSchemas();
let lem: Morphology;
before(async () => {
  lem = await loadMorphology();
});
after(() => pg.dropAll());

interface Text {
  title: string;
  lead?: string;
  body?: string;
  feed?: string;
  tags?: string[];
}

function doc(articleId: number, t: Text): AlertDocRecord {
  const fields = { title: t.title, lead: t.lead ?? '', body: t.body ?? '', feed: t.feed ?? 'f', tags: t.tags ?? [] };
  return {
    articleId,
    clusterId: `c${articleId}`,
    url: null,
    publishedAt: null,
    ...fields,
    analyzed: buildAlertDoc(fields, lem).analyzed,
    storedAt: new Date(Date.UTC(2026, 2, 5) + articleId * 1000).toISOString(),
  };
}

async function withStore<T>(fn: (store: PostgresStore, schema: string) => Promise<T>): Promise<T> {
  const schema = await pg.create();
  const store = await openPostgresStore(pg.url, { schema });
  try {
    return await fn(store, schema);
  } finally {
    await store.close();
  }
}

/** Every candidate of a rule, page by page. */
async function candidates(store: PostgresStore, rule: CompiledRule): Promise<Set<number>> {
  const out = new Set<number>();
  let before: number | undefined;
  for (;;) {
    const page = await store.searchCandidates(rule, { limit: MAX_SEARCH_PAGE, lemmatizer: lem.id, beforeArticleId: before });
    for (const d of page) out.add(d.articleId);
    if (page.length < MAX_SEARCH_PAGE) return out;
    before = page.at(-1)!.articleId;
  }
}

/** The documents matchRule accepts, by full scan. */
const alerted = (rule: CompiledRule, docs: AlertDocRecord[]): number[] =>
  docs.filter((d) => matchRule(rule, buildAlertDoc(d, lem)).match).map((d) => d.articleId);

interface WordForms {
  words: { rule: string; match: string[]; noMatch: string[] }[];
}
const WORD_FORMS = JSON.parse(readFileSync(new URL('../fixtures/alerts/word-forms.json', import.meta.url), 'utf8')) as WordForms;

describe('PostgreSQL search with the built-in configurations', () => {
  test('each of 169 rule words finds every document whose word form the alerts match, and few others', () =>
    withStore(async (store) => {
      // One document per labelled form (both the forms a rule must match and its look-alikes), in a sentence.
      const docs: AlertDocRecord[] = [];
      for (const w of WORD_FORMS.words) {
        for (const form of [w.rule, ...w.match, ...w.noMatch]) {
          docs.push(doc(docs.length + 1, { title: `Новости дня ${docs.length}`, body: `Сегодня ${form} снова в центре внимания.` }));
        }
      }
      for (const d of docs) await store.saveAlertDoc(d);
      let matched = 0;
      let candidateTotal = 0;
      let unnarrowed = 0;
      for (const w of WORD_FORMS.words) {
        const rule = compileRule(w.rule, lem);
        const found = await candidates(store, rule);
        const expected = alerted(rule, docs);
        for (const id of expected) assert.ok(found.has(id), `rule ${w.rule}: ${docs[id - 1]!.body} is matched by alerts but not a search candidate`);
        matched += expected.length;
        candidateTotal += found.size;
        if (found.size === docs.length) unnarrowed++;
      }
      // Every rule narrows, to about what it matches (look-alikes sharing a stem come along; matchRule drops them).
      assert.equal(unnarrowed, 0, 'no rule word should be unnarrowable here');
      console.log(`# word forms: ${docs.length} documents, ${WORD_FORMS.words.length} rules: ${matched} matches, ${candidateTotal} candidates`);
      assert.ok(matched >= 600, `matched ${matched}`);
      assert.ok(candidateTotal < matched * 2, `${candidateTotal} candidates for ${matched} matches over ${docs.length} documents`);
    }));

  test('search and alerts agree on real article texts (108 pages of the extraction corpus) for 40 rules', () =>
    withStore(async (store) => {
      const truth = JSON.parse(readFileSync(new URL('../fixtures/extract-dev/ground-truth.json', import.meta.url), 'utf8')) as Record<
        string,
        { articleBody: string; url: string }
      >;
      const docs = Object.values(truth).map((t, i) => {
        const [first = '', ...rest] = t.articleBody.split('\n').filter((l) => l.trim() !== '');
        return doc(i + 1, { title: first.slice(0, 300), body: rest.join('\n\n'), feed: new URL(t.url).hostname, tags: [] });
      });
      for (const d of docs) await store.saveAlertDoc(d);
      const rules = [
        ...WORD_FORMS.words.slice(0, 30).map((w) => w.rule),
        'Путин OR Трамп',
        'России -Украина',
        '"Белый дом"',
        'title:year',
        'body:president AND body:said',
        'feed:wday',
        'government OR minister',
        'vehicles',
        'people NOT children',
        'диета AND вес',
      ];
      let found = 0;
      let candidateTotal = 0;
      for (const source of rules) {
        const rule = compileRule(source, lem);
        const searched = (await searchArticles(store, rule, lem, { limit: 1000, pageSize: 50 })).map((h) => h.doc.articleId);
        assert.deepEqual(searched, alerted(rule, docs).reverse(), `rule ${source}`);
        found += searched.length;
        candidateTotal += (await candidates(store, rule)).size;
      }
      console.log(`# corpus: ${docs.length} documents, ${rules.length} rules: ${found} found, ${candidateTotal} candidates`);
      assert.ok(found > 100, `the rules find something: ${found}`);
      assert.ok(candidateTotal < (rules.length * docs.length) / 3, `narrowing: ${candidateTotal} candidates of ${rules.length} × ${docs.length}`);
    }));

  test('the index holds the russian configuration’s stems, by field weight, and the english one for Latin-script texts', () =>
    withStore(async (store, schema) => {
      await store.saveAlertDoc(doc(1, { title: 'Лавров и Шойгу', body: 'Визит Лаврова начался.', feed: 'ria', tags: ['Политика'] }));
      await store.saveAlertDoc(doc(2, { title: 'The vehicles of the future', body: 'Running out of time.' }));
      const rows = await pg.query<{ article_id: string; search: string }>(`SELECT article_id, search::text AS search FROM ${schema}.alert_docs ORDER BY article_id`);
      const [ru, en] = rows.map((r) => r.search);
      assert.match(ru!, /'лавр':1A/, 'russian_stem of "Лавров" in the title');
      assert.match(ru!, /'лавров':\d+C/, 'russian_stem of "Лаврова" in the body');
      assert.match(ru!, /'политик':\d+(?![ABC\d])/, 'tags weigh D (shown as no letter)');
      assert.doesNotMatch(ru!, /'и'/, 'a Russian stop word is left out');
      assert.match(en!, /'vehicl':2A/);
      assert.match(en!, /'run':\d+C/);
      assert.doesNotMatch(en!, /'the'|'of'/, 'English stop words are left out');
      assert.ok(!/t:/.test(ru!), 'every word here is in the dictionary: nothing guessed');
    }));

  test('a rule word becomes the stems of its whole paradigm, under both configurations, weighted to its fields', () => {
    const rule = compileRule('title:Лавров', lem);
    const forms = ruleForms(rule);
    assert.ok(forms.includes('лавров') && forms.includes('лаврова') && forms.includes('лавровым'), forms.join(' '));
    const lexemes = new Map(forms.map((f) => [f, { russian: f === 'лавров' ? 'лавр' : 'лавров', english: f }]));
    const q = tsQuery(rule, lexemes)!;
    assert.match(q, /'лавр':A/);
    assert.match(q, /'лавров':A/);
    assert.match(q, /'лавровым':A/, 'the english configuration leaves Cyrillic unstemmed: looked up as written');
    assert.match(q, /'t:лавров'/, 'its dictionary key, for words az guessed');
    // A form that is a stop word under either configuration: its documents have no lexeme for it, so the word
    // cannot narrow (an AND drops it, an OR cannot narrow at all).
    const stop = new Map(forms.map((f) => [f, { russian: f === 'лаврову' ? '' : 'x', english: 'x' }]));
    assert.equal(tsQuery(rule, stop), null);
  });

  test('stop words, host names, guessed names and rows indexed before the migration are all found', () =>
    withStore(async (store, schema) => {
      const docs = [
        doc(1, { title: 'Он сказал это', body: 'Источник: ria.ru и sputnik.kg, e-mail press@sputnik.kg.' }),
        doc(2, { title: 'Казакбаева приняли в Москве', body: 'Министр Жапаровым доволен.' }),
        doc(3, { title: 'Прогноз погоды', body: 'Снег в горах.' }),
        doc(4, { title: 'Старая запись о Лаврове', body: 'Сохранена до перехода на встроенный поиск.' }),
      ];
      for (const d of docs) await store.saveAlertDoc(d);
      await pg.query(`UPDATE ${schema}.alert_docs SET search = NULL WHERE article_id = 4`);
      const ids = async (source: string) => (await searchArticles(store, compileRule(source, lem), lem, { limit: 10 })).map((h) => h.doc.articleId);
      assert.deepEqual(await ids('он'), [1], 'a stop word cannot narrow, and is still found');
      assert.deepEqual(await ids('ria'), [1], '"ria.ru" is two tokens for alerts, and for the index');
      assert.deepEqual(await ids('press AND sputnik'), [1]);
      assert.deepEqual(await ids('Казакбаев'), [2]);
      assert.deepEqual(await ids('Жапаров'), [2]);
      assert.deepEqual(await ids('Лавров'), [4], 'a row without an index is always a candidate');
      const narrowed = await candidates(store, compileRule('снег', lem));
      assert.deepEqual([...narrowed].sort(), [3, 4], 'the indexed rows without the word are left out');
    }));
});

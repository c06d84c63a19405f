import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { ftsQuery } from '../../src/alerts/fts-query.js';
import { buildAlertDoc, compileRule, matchRule, type AlertDoc } from '../../src/alerts/match.js';
import { lemmaText, loadMorphology, type Morphology } from '../../src/alerts/morphology.js';

const ARTICLES = [
  { title: 'Лавров рассказал о переговорах', lead: 'Глава МИД России встретился с коллегой.', body: 'Сергей Лавров и Руслан Казакбаев обсудили сотрудничество.', feed: 'sputnik-kg', tags: ['Политика'] },
  { title: 'Венок из лавров', lead: 'Лавры победителя достались спортсмену.', body: 'Лавровый лист добавляют в суп.', feed: 'food', tags: ['Кулинария'] },
  { title: 'Казакбаева приняли в Москве', lead: null, body: 'Министр прибыл с визитом в Москву.', feed: 'sputnik-kg', tags: [] },
  { title: 'New electric vehicles at the show', lead: 'Toyota shows a hybrid.', body: 'The vehicle market grows.', feed: 'ap', tags: ['Autos'] },
  { title: 'Погода в Бишкеке', lead: 'Синоптики обещают снег.', body: 'В Кыргызстане похолодает.', feed: 'sputnik-kg', tags: ['Погода'] },
];

const RULES = [
  'Лавров',
  'лавр',
  'лавровый',
  'Казакбаев',
  '"Сергей Лавров"',
  '"Лавров Сергей"',
  'Москва AND министр',
  'Лавров -Казакбаев',
  'title:Лавров',
  'tag:Политика OR tag:Погода',
  'feed:food',
  'vehicle',
  'show -Toyota',
  '/бишкек\\p{L}*/u',
  'Кыргызстан OR /снег/',
  'Кыргызстан OR Москва',
  'NOT (Лавров OR Казакбаев) Кыргызстан',
];

let lem: Morphology;
let docs: AlertDoc[];
let db: Database.Database;
before(async () => {
  lem = await loadMorphology();
  docs = ARTICLES.map((a) => buildAlertDoc(a, lem));
  db = new Database(':memory:');
  db.exec(`CREATE VIRTUAL TABLE fts USING fts5(title, lead, body, feed, tags, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'")`);
  const ins = db.prepare('INSERT INTO fts(rowid, title, lead, body, feed, tags) VALUES (?, ?, ?, ?, ?, ?)');
  docs.forEach((d, i) => ins.run(i + 1, lemmaText(d.analyzed.title), lemmaText(d.analyzed.lead), lemmaText(d.analyzed.body), lemmaText(d.analyzed.feed), lemmaText(d.analyzed.tag)));
});

describe('ftsQuery: SQLite FTS5 narrows, matchRule decides, search and alerts agree', () => {
  for (const rule of RULES) {
    test(rule, () => {
      const compiled = compileRule(rule, lem);
      const expected = docs.map((d, i) => (matchRule(compiled, d).match ? i + 1 : 0)).filter(Boolean);
      const q = ftsQuery(compiled);
      const candidates = q === null ? docs.map((_, i) => i + 1) : (db.prepare('SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid').all(q) as { rowid: number }[]).map((r) => r.rowid);
      for (const id of expected) assert.ok(candidates.includes(id), `FTS query ${q} missed article ${id}`);
      const found = candidates.filter((id) => matchRule(compiled, docs[id - 1]!).match);
      assert.deepEqual(found, expected);
    });
  }

  test('queries narrow where they can and give up only on NOT/regex alternatives', () => {
    assert.equal(ftsQuery(compileRule('Лавров', lem)), '{title lead body} : ("лавров")');
    assert.equal(ftsQuery(compileRule('title:Лавров -Казакбаев', lem)), '({title} : ("лавров"))');
    assert.equal(ftsQuery(compileRule('Кыргызстан OR /снег/', lem)), null);
    assert.equal(ftsQuery(compileRule('/снег/', lem)), null);
    const q = ftsQuery(compileRule('стали', lem))!;
    assert.match(q, /"сталь" OR "стать"|"стать" OR "сталь"/);
    const narrowed = db.prepare('SELECT rowid FROM fts WHERE fts MATCH ?').all(ftsQuery(compileRule('Лавров', lem))!) as { rowid: number }[];
    // Article 2's "лавров" (genitive plural of "лавр") is a homograph of the surname: found by both.
    assert.deepEqual(narrowed.map((r) => r.rowid), [1, 2]);
  });
});

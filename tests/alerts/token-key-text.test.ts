/**
 * The analysis fast path: `Morphology.tokenKeyText` answers a token as written from a cache of raw tokens. It must
 * give exactly `tokenKeys(token).join(' ')`, so that an article analysed through it stores the same keys (and the
 * same FTS text) as one analysed token by token, and its cache must stay bounded.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText, loadMorphology, type Lemmatizer, type Morphology } from '../../src/alerts/morphology.js';
import { tokenize } from '../../src/alerts/tokenize.js';
import { extractArticle } from '../../src/extract/index.js';

let lem: Morphology;
before(async () => {
  lem = await loadMorphology();
});

const page = readFileSync(new URL('../fixtures/sputnik/sputnik-kg-20220305-lavrov.html', import.meta.url), 'utf8');
const article = extractArticle(page, 'https://ru.sputnik.kg/20220305/lavrov.html', { rules: [] });
const text = [article.title ?? '', article.lead ?? '', ...article.paragraphs].join('\n\n') + '\nЛавро\u0301в ЁЛКА Ёлка 2022 COVID-19 Межпарламентская сверхгосударственных';

/** The same lemmatizer without the fast path: every token through tokenKeys. */
const tokenByToken = (l: Lemmatizer): Lemmatizer => ({ id: l.id, tokenKeys: (t) => l.tokenKeys(t), queryKeys: (w) => l.queryKeys(w) });

describe('tokenKeyText', () => {
  test('is tokenKeys joined with spaces, for every token of an article (short and long, cased, accented)', () => {
    const toks = tokenize(text);
    assert.ok(toks.length > 200 && toks.some((t) => t.text.length > 12));
    for (const t of toks) assert.equal(lem.tokenKeyText(t.text), lem.tokenKeys(t.text).join(' '), t.text);
    // A second pass answers from the cache, with the same result.
    for (const t of toks) assert.equal(lem.tokenKeyText(t.text), lem.tokenKeys(t.text).join(' '), t.text);
  });
  test('analyzeText stores the same analysis through the fast path as token by token', async () => {
    const fresh = await loadMorphology();
    assert.deepEqual(analyzeText(text, fresh), analyzeText(text, tokenByToken(await loadMorphology())));
  });
  test('the raw-token cache is bounded by the cache size', async () => {
    const small = await loadMorphology({ cacheSize: 3 });
    for (const w of ['один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь']) assert.equal(small.tokenKeyText(w), small.tokenKeys(w).join(' '));
    assert.ok((small as unknown as { rawTokens: Map<string, string> }).rawTokens.size <= 3);
  });
});

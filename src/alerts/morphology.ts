/**
 * Lemmas for alert rules and search. Russian words go through the `az` dictionary analyzer (OpenCorpora
 * dictionaries shipped in node_modules/az/dicts): a token gets the SET of its possible normal forms
 * ("Лаврова" → {лавров}, "стали" → {стать, сталь}). Words the dictionary does not know, and Latin-script words,
 * fall back to a Snowball stem (Russian or English). Two words match when their key sets meet.
 *
 * Key format (shared by alerts and the SQLite FTS5 index, so that search and alerts agree):
 *   - dictionary lemma: the folded lemma itself                    лавров, сергей, стать
 *   - Snowball stem:    "_" + stem of the folded word              _зеленск, _vehicl
 *   - token with a digit, or of another script: the folded token   2022, g20, 北京
 * Keys contain only letters, digits and "_"; a token's keys are joined with one space (see `AnalyzedText`).
 *
 * A rule word asks for fewer keys than a text word offers: when the rule word is itself a dictionary form
 * (its own lemma), only that lemma is asked for ("Лавров" asks for лавров, not for лавр, whose genitive plural it
 * also is), so "лавра" does not match "Лавров" while "Лаврова" and "Лавровым" do.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { foldWord, scriptOf, tokenize } from './tokenize.js';

const require = createRequire(import.meta.url);

/** Bumped whenever keys change, so stored analyses made with older keys are redone. */
export const KEYS_VERSION = 1;

/** What alerts and search need from a lemmatizer. */
export interface Lemmatizer {
  /** Names the key scheme, e.g. "az+snowball/1"; stored next to analyses. */
  readonly id: string;
  /** Keys of a token of article text: every possible lemma, or its stem. */
  tokenKeys(token: string): readonly string[];
  /** Keys a rule word asks for (a subset of `tokenKeys` of the same word). */
  queryKeys(word: string): readonly string[];
  /**
   * Folded words whose keys include the ones `word` asks for, as far as a dictionary can list them: the word and
   * every form of each lemma it asks for (its paradigm). PostgreSQL search stems these with its built-in
   * configurations (store/postgres/alerts.ts). Optional: without it, the folded word alone.
   */
  queryForms?(word: string): readonly string[];
  /** `tokenKeys(token).join(' ')`, as stored in an analysis; optional (a lemmatizer may answer it from a cache). */
  tokenKeyText?(token: string): string;
}

/**
 * A text analysed once (when an article is stored) and kept as plain data: token offsets in the raw text and
 * each token's keys, space-joined. `keys.join(' ')` is the text to index in FTS5 (see `lemmaText`).
 */
export interface AnalyzedText {
  by: string;
  starts: number[];
  ends: number[];
  keys: string[];
  /**
   * Present (true) when the text had more tokens than the analysis was allowed (`budgets.analyzedTokens`): only the
   * first ones were analysed, so rule words and search do not see the rest (regexes still run on the whole text).
   */
  cut?: true;
}

export interface LoadStats {
  ms: number;
  rssBytes: number;
  heapBytes: number;
  arrayBufferBytes: number;
}

// --- Snowball ---------------------------------------------------------------------------------------------

interface SnowballStemmer {
  stem(word: string): string;
}
interface SnowballFactory {
  newStemmer(lang: string): SnowballStemmer;
}

let snowball: { ru: SnowballStemmer; en: SnowballStemmer } | null = null;
function stemmers(): { ru: SnowballStemmer; en: SnowballStemmer } {
  if (!snowball) {
    const f = require('snowball-stemmers') as SnowballFactory;
    snowball = { ru: f.newStemmer('russian'), en: f.newStemmer('english') };
  }
  return snowball;
}

/** "_" + Snowball stem of a folded word (Russian stemmer for Cyrillic, English otherwise). */
export function stemKey(folded: string, script: 'cyrillic' | 'latin'): string {
  const s = script === 'cyrillic' ? stemmers().ru.stem(folded) : stemmers().en.stem(folded);
  return '_' + (s || folded);
}

function sanitizeKey(k: string): string {
  return k.replace(/[^\p{L}\p{N}_]/gu, '');
}

// --- az -----------------------------------------------------------------------------------------------------

interface AzParse {
  tag: { POS?: string };
  normalize(): { word: string };
  /** Dictionary parses: the number of forms in the word's paradigm, and the form at an index of it. */
  formCnt?: number;
  inflect(formIdx: number): { word: string } | false;
}
type AzMorphFn = ((word: string, config?: Record<string, unknown>) => AzParse[]) & {
  init(path: string, cb: (err: unknown) => void): void;
};

const AZ_DICTIONARY = { ignoreCase: true, parsers: ['Dictionary'], stutter: 0, typos: 0 };
/** Guessing by known prefixes and by endings of known words; not 'PrefixUnknown', which cuts off any prefix. */
const AZ_PREDICT = { ignoreCase: true, parsers: ['PrefixKnown?', 'SuffixKnown'], stutter: 0, typos: 0 };

const ONE_TOKEN_RE = /^[\p{L}\p{N}]+$/u;

function lemmasOf(parses: AzParse[], nounsOnly: boolean): string[] {
  const out = new Set<string>();
  for (const p of parses) {
    if (nounsOnly && p.tag.POS !== 'NOUN') continue;
    const lemma = sanitizeKey(foldWord(p.normalize().word));
    if (lemma) out.add(lemma);
  }
  return [...out];
}

/** A bounded least-recently-used cache. */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  hits = 0;
  misses = 0;
  constructor(readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
}

interface TokenKeys {
  keys: readonly string[];
  /** Found in the dictionary: its keys are lemmas only. */
  known: boolean;
  /** The keys space-joined (what an analysis stores). */
  text: string;
}

/**
 * Tokens as written (not folded) → their key text, for `tokenKeyText`: an article's words cost one map lookup each
 * once they have been seen. Only tokens shorter than 13 UTF-16 units are kept: V8 copies a match that short out of
 * the article text, while a longer one is a slice that would keep the whole text alive. Bounded: cleared when full.
 */
const RAW_TOKEN_MAX_LENGTH = 12;

export interface MorphologyOptions {
  /** Entries of the per-token cache (default 100,000). */
  cacheSize?: number;
  /**
   * How a rule word picks its keys: 'own-lemma' (default) asks only for the lemma equal to the word when there
   * is one; 'all-lemmas' asks for every possible lemma, as a text token does (kept for measurement).
   */
  queryMode?: 'own-lemma' | 'all-lemmas';
  /**
   * Keys of a Cyrillic word the dictionary does not know: 'stem+guess' (default) is its Snowball stem, the word
   * itself and the noun lemmas az guesses from its ending ("Казакбаева" → казакбаев); 'stem' is the stem alone.
   */
  unknownWords?: 'stem+guess' | 'stem';
}

/** The dictionary lemmatizer with Snowball fallback. Build it with `loadMorphology()`. */
export class Morphology implements Lemmatizer {
  readonly id: string;
  readonly cache: LruCache<TokenKeys>;
  private readonly queryMode: 'own-lemma' | 'all-lemmas';
  private readonly unknownWords: 'stem+guess' | 'stem';

  /**
   * @param dictionaries the loaded az analyzer, asked for on first use (see `loadMorphology`: the dictionaries cost
   *   ~0.3 s and ~50 MB, and a process that never looks a word up never pays for them).
   */
  constructor(
    private readonly dictionaries: () => { morph: AzMorphFn; stats: LoadStats },
    opts: MorphologyOptions = {},
  ) {
    this.cache = new LruCache(opts.cacheSize ?? 100_000);
    this.queryMode = opts.queryMode ?? 'own-lemma';
    this.unknownWords = opts.unknownWords ?? 'stem+guess';
    this.id = `az+snowball/${KEYS_VERSION}` + (this.unknownWords === 'stem' ? '/stem-unknown' : '');
  }

  /** The az analyzer: the dictionaries load here, on the first word looked up. */
  private get morph(): AzMorphFn {
    return this.dictionaries().morph;
  }

  /** What loading the dictionaries cost (loads them if not loaded yet). */
  get loadStats(): LoadStats {
    return this.dictionaries().stats;
  }

  tokenKeys(token: string): readonly string[] {
    return this.lookup(foldWord(token)).keys;
  }

  private readonly rawTokens = new Map<string, string>();

  tokenKeyText(token: string): string {
    const hit = this.rawTokens.get(token);
    if (hit !== undefined) return hit;
    const text = this.lookup(foldWord(token)).text;
    if (token.length <= RAW_TOKEN_MAX_LENGTH) {
      if (this.rawTokens.size >= this.cache.max) this.rawTokens.clear();
      this.rawTokens.set(token, text);
    }
    return text;
  }

  queryKeys(word: string): readonly string[] {
    const folded = foldWord(word);
    const { keys, known } = this.lookup(folded);
    if (this.queryMode === 'own-lemma' && known && keys.length > 1 && keys.includes(folded)) return [folded];
    return keys;
  }

  queryForms(word: string): readonly string[] {
    const out = new Set<string>([foldWord(word)]);
    for (const key of this.queryKeys(word)) {
      // A Snowball key ("_зеленск") stands for every word with that stem: the word itself carries it.
      if (key.startsWith('_')) continue;
      out.add(key);
      for (const form of this.paradigmForms(key)) out.add(form);
    }
    return [...out];
  }

  /**
   * Every form of every dictionary paradigm whose normal form keys to `lemma`: the tokens that get `lemma` as a
   * key from the dictionary. Forms that are not one token (hyphenated) are left out: no token equals them.
   */
  private paradigmForms(lemma: string): string[] {
    const out = new Set<string>();
    for (const p of this.morph(lemma, AZ_DICTIONARY)) {
      if (p.formCnt === undefined || sanitizeKey(foldWord(p.normalize().word)) !== lemma) continue;
      for (let i = 0; i < p.formCnt; i++) {
        const form = p.inflect(i);
        if (!form) continue;
        const folded = foldWord(form.word);
        if (ONE_TOKEN_RE.test(folded)) out.add(folded);
      }
    }
    return [...out];
  }

  private lookup(folded: string): TokenKeys {
    const cached = this.cache.get(folded);
    if (cached) return cached;
    const { keys, known } = this.keysOf(folded);
    const entry: TokenKeys = { keys: Object.freeze(keys), known, text: keys.join(' ') };
    this.cache.set(folded, entry);
    return entry;
  }

  private keysOf(folded: string): { keys: string[]; known: boolean } {
    const script = scriptOf(folded);
    if (script === 'cyrillic') {
      const lemmas = lemmasOf(this.morph(folded, AZ_DICTIONARY), false);
      if (lemmas.length > 0) return { keys: lemmas, known: true };
      const stem = stemKey(folded, 'cyrillic');
      if (this.unknownWords === 'stem') return { keys: [stem], known: false };
      const guesses = lemmasOf(this.morph(folded, AZ_PREDICT), true);
      return { keys: [...new Set([stem, folded, ...guesses])], known: false };
    }
    if (script === 'latin') return { keys: [stemKey(folded, 'latin')], known: false };
    return { keys: [sanitizeKey(folded) || folded], known: false };
  }
}

/** Snowball stems only, for both text and rules: the baseline the dictionary is measured against. */
export class StemOnly implements Lemmatizer {
  readonly id = `snowball/${KEYS_VERSION}`;
  tokenKeys(token: string): readonly string[] {
    const folded = foldWord(token);
    const script = scriptOf(folded);
    if (script === 'cyrillic' || script === 'latin') return [stemKey(folded, script)];
    return [sanitizeKey(folded) || folded];
  }
  queryKeys(word: string): readonly string[] {
    return this.tokenKeys(word);
  }
}

let azLoaded: { morph: AzMorphFn; stats: LoadStats } | null = null;
let azLoadCount = 0;

/** Where az keeps its dictionaries: node_modules/az/dicts (the package's main file is dist/az.js). */
export function azDictsPath(): string {
  return join(dirname(require.resolve('az')), '..', 'dicts');
}

/** How often this process has loaded the dictionaries (0 or 1): what the laziness tests count. */
export function dictionaryLoads(): number {
  return azLoadCount;
}

type AzLoad = (url: string, responseType: string, callback: (err: unknown, data?: unknown) => void) => void;

/**
 * Load the dictionaries, once per process, synchronously (a Lemmatizer's methods are synchronous, and the first
 * word looked up is what loads them). az reads its files through its own `load(url, type, callback)`; for the
 * length of `Morph.init` that function is swapped for one that queues each read, and the reads run (from disk,
 * synchronously) once `init` has asked for all of them, because az counts pending reads as it issues them.
 */
function loadAz(): { morph: AzMorphFn; stats: LoadStats } {
  if (azLoaded) return azLoaded;
  const before = process.memoryUsage();
  const t0 = performance.now();
  const az = require('az') as { Morph: AzMorphFn; load: AzLoad };
  const reads: Array<() => void> = [];
  const original = az.load;
  let outcome: { err: unknown } | { ok: true } | null = null;
  az.load = (url, type, callback) => {
    reads.push(() => {
      let data: unknown;
      try {
        const bytes = readFileSync(url);
        data = type === 'json' ? JSON.parse(bytes.toString('utf8')) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      } catch (err) {
        callback(err);
        return;
      }
      callback(null, data);
    });
  };
  try {
    az.Morph.init(azDictsPath(), (err: unknown) => {
      outcome ??= err ? { err } : { ok: true };
    });
    while (reads.length > 0) reads.shift()!();
  } finally {
    az.load = original;
  }
  const done = outcome as { err: unknown } | { ok: true } | null;
  if (!done || 'err' in done) {
    const err = done && 'err' in done ? done.err : new Error('az did not finish loading its dictionaries');
    throw err instanceof Error ? err : new Error(String(err));
  }
  const after = process.memoryUsage();
  azLoadCount++;
  azLoaded = {
    morph: az.Morph,
    stats: { ms: performance.now() - t0, rssBytes: after.rss - before.rss, heapBytes: after.heapUsed - before.heapUsed, arrayBufferBytes: after.arrayBuffers - before.arrayBuffers },
  };
  return azLoaded;
}

/**
 * A lemmatizer with its own token cache over the dictionaries, which load (once per process: az keeps them in
 * module state; ~0.3 s and ~50 MB RSS) on the first word it looks up, not here: a process with no alert rule and
 * nothing to index or search never loads them.
 */
export async function loadMorphology(opts: MorphologyOptions = {}): Promise<Morphology> {
  return new Morphology(loadAz, opts);
}

/**
 * Tokenize and key a text once; the result is plain data to store with the article. At most `maxTokens` tokens
 * are keyed (dictionary lookups are the cost: a 4.9 MB page took 18 s); a longer text is marked `cut`.
 */
export function analyzeText(text: string, lem: Lemmatizer, maxTokens = Infinity): AnalyzedText {
  const toks = tokenize(text, maxTokens + 1);
  const cut = toks.length > maxTokens;
  if (cut) toks.length = maxTokens;
  const n = toks.length;
  const out: AnalyzedText = { by: lem.id, starts: new Array<number>(n), ends: new Array<number>(n), keys: new Array<string>(n), ...(cut ? { cut: true as const } : {}) };
  for (let i = 0; i < n; i++) {
    const t = toks[i]!;
    out.starts[i] = t.start;
    out.ends[i] = t.end;
    out.keys[i] = lem.tokenKeyText ? lem.tokenKeyText(t.text) : lem.tokenKeys(t.text).join(' ');
  }
  return out;
}

/** The text to put in an FTS5 column for a field: every key of every token, space-separated. */
export function lemmaText(a: AnalyzedText): string {
  return a.keys.join(' ');
}

/** Keys of a single token, as stored (space-joined). */
export function lemmaKeys(token: string, lem: Lemmatizer): string {
  return lem.tokenKeys(token).join(' ');
}

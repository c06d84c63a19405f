/**
 * The alert rows on PostgreSQL (tables of migrations/postgres/0003_alerts.sql, 0005_builtin_search.sql and
 * 0007_delivery_ids.sql): SQL and type conversion only; the algorithm is RowAlertStore (../alerts.ts).
 *
 * Search: each document is indexed in `alert_docs.search` with PostgreSQL's built-in `russian` or `english`
 * configuration over its tokens (the ones alerts see, folded), fields told apart by weight; a rule becomes a
 * tsquery by the same walk as the FTS5 queries (`narrowingQuery` of fts-query.ts), each word by the stems of every
 * form of its dictionary paradigm under both configurations (asked of the server, which also says which forms are
 * stop words), so that the index never hides what matchRule, which confirms each candidate, would match. Words az
 * does not know but guessed a lemma for carry that lemma as an extra lexeme ("t:казакбаев"). Measured in
 * tests/store/postgres-search.test.ts.
 *
 * Deliveries: the due rows a claim takes are locked FOR UPDATE SKIP LOCKED in the claiming transaction, so
 * workers asking at once get disjoint deliveries; a match and its deliveries are one transaction whose
 * INSERT ... ON CONFLICT DO NOTHING on (rule, cluster) decides.
 */
import type pg from 'pg';
import type { DeliveryRecord, DeliveryStatus, NewMatch } from '../../alerts/deliver.js';
import { narrowingQuery } from '../../alerts/fts-query.js';
import type { CompiledRule } from '../../alerts/match.js';
import type { AlertItem } from '../../alerts/message.js';
import type { AnalyzedText } from '../../alerts/morphology.js';
import type { Field } from '../../alerts/rule-parser.js';
import { foldWord } from '../../alerts/tokenize.js';
import { RowAlertStore, type AlertedHealth, type FeedHealthRecord, type HealthTransition, type AlertDocRecord, type SavedAlertDoc, type CandidatePage, type DeliveryQuery, type AlertRows, type AlertRowsRunner, type ClaimOptions } from '../alerts.js';
import { runAsync } from '../steps.js';
import { jsonParam } from './rows.js';
import { guarded, inTransaction } from './tx.js';

/**
 * The search index of a document, `alert_docs.search`: the built-in `russian` or `english` configuration (the
 * document's main script picks it) over each field, the field told by the weight (title A, lead B, body C, feed and
 * tags D); plus, for words outside az's dictionary, the lemmas az guessed for them, as field-prefixed lexemes
 * ("t:казакбаев"), which no stemmer could find.
 */
const FIELD_WEIGHT: Readonly<Record<Field, string>> = { title: 'A', lead: 'B', body: 'C', feed: 'D', tag: 'D' };
/** Prefix of a guessed-lemma lexeme, per field (the parser never makes a lexeme with ":"). */
export const FIELD_PREFIX: Readonly<Record<Field, string>> = { title: 't', lead: 'l', body: 'b', feed: 'f', tag: 'g' };
export type SearchConfig = 'russian' | 'english';

/** PostgreSQL refuses lexemes of 2 KB or more; a document with a longer key is left unindexed (always a candidate). */
const MAX_LEXEME_BYTES = 2000;
/**
 * A tsvector's lexemes must stay under 1 MB: a document whose words add up to more is left unindexed as well
 * (a document's lexemes are at most its distinct words, so the bytes of its text bound them).
 */
const MAX_SEARCH_TEXT_BYTES = 900_000;

const fits = (lex: string): boolean => Buffer.byteLength(lex) <= MAX_LEXEME_BYTES;
/** A lexeme (or a word for to_tsquery) as a tsquery operand: quoted, with quotes and backslashes escaped. */
const operand = (lex: string): string => `'${lex.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** What saveAlertDoc indexes: the configuration, one text per weight, and the guessed-lemma lexemes. */
export interface SearchDoc {
  config: SearchConfig;
  /** Tokens of title, lead, body, feed + tags, folded, one space apart. */
  texts: [string, string, string, string];
  guessed: string[];
}

/**
 * The text of a field as the built-in parser should read it: the tokens alerts see (from the stored analysis),
 * folded, one space apart. Given the raw text the parser would read "ria.ru" as one host name and "Лавров-старший"
 * as a compound, and a search for "ria" or "Лавров" would miss what the alert matched.
 */
export function searchText(raw: string, a: AnalyzedText): string {
  const out = new Array<string>(a.starts.length);
  for (let i = 0; i < a.starts.length; i++) out[i] = foldWord(raw.slice(a.starts[i], a.ends[i]));
  return out.join(' ');
}

/**
 * The search index input of a document, or null when it cannot be indexed (too long): such a row is always a
 * candidate. `russian` unless most words are in Latin script (`russian` stems ASCII words with english_stem too;
 * `english` differs for other Latin letters and in its stop words).
 */
export function searchDoc(doc: Pick<SavedAlertDoc, 'title' | 'lead' | 'body' | 'feed' | 'tags' | 'analyzed'>): SearchDoc | null {
  const a = doc.analyzed;
  const texts: SearchDoc['texts'] = [
    searchText(doc.title, a.title),
    searchText(doc.lead, a.lead),
    searchText(doc.body, a.body),
    `${searchText(doc.feed, a.feed)} ${searchText(doc.tags.join('\n'), a.tag)}`,
  ];
  if (texts.reduce((n, t) => n + Buffer.byteLength(t), 0) > MAX_SEARCH_TEXT_BYTES) return null;
  let latin = 0;
  let cyrillic = 0;
  for (const t of texts) {
    latin += t.match(/\p{Script=Latin}+/gu)?.length ?? 0;
    cyrillic += t.match(/\p{Script=Cyrillic}+/gu)?.length ?? 0;
  }
  // Guessed lemmas: the keys of a word outside the dictionary (it has a Snowball key, "_…") other than that key.
  const guessed = new Set<string>();
  for (const field of Object.keys(FIELD_PREFIX) as Field[]) {
    for (const keys of a[field].keys) {
      if (!(keys.startsWith('_') || keys.includes(' _')) || !keys.includes(' ')) continue;
      for (const key of keys.split(' ')) {
        if (key.startsWith('_')) continue;
        const lex = `${FIELD_PREFIX[field]}:${key}`;
        if (!fits(lex)) return null;
        guessed.add(lex);
      }
    }
  }
  return { config: latin > cyrillic ? 'english' : 'russian', texts, guessed: [...guessed] };
}

/** Every form of every rule word the narrowing can use (not those under NOT, which cannot narrow). */
export function ruleForms(rule: CompiledRule): string[] {
  const forms = new Set<string>();
  narrowingQuery(rule, {
    words: (w) => {
      for (const f of w.forms) forms.add(f);
      return '';
    },
    and: '',
    or: '',
  });
  return [...forms];
}

/**
 * A form's lexeme under each built-in configuration (to_tsquery's answer): a string; '' when the form is a stop
 * word there (a document holding it has no lexeme for it); null when it is not one lexeme.
 */
export type FormLexemes = ReadonlyMap<string, { russian: string | null; english: string | null }>;

/**
 * A tsquery every document the rule matches satisfies (maybe others too), or null: no narrowing possible. A word
 * becomes any lexeme of any of its forms under either configuration, weighted to its fields, or any of its
 * dictionary keys as a guessed lemma in those fields; a word with a form that is a stop word cannot narrow.
 * Phrases, AND, OR, NOT and /regex/ as in `narrowingQuery` (fts-query.ts).
 */
export function tsQuery(rule: CompiledRule, lexemesOf: FormLexemes): string | null {
  return narrowingQuery(rule, {
    words: ({ keys, forms }, fields) => {
      const weights = [...new Set(fields.map((f) => FIELD_WEIGHT[f]))].sort().join('');
      const out = new Set<string>();
      for (const form of forms) {
        const lex = lexemesOf.get(form);
        if (!lex) return null;
        for (const l of [lex.russian, lex.english]) {
          if (l === null || l === '') return null;
          out.add(`${operand(l)}:${weights}`);
        }
      }
      for (const key of keys) {
        if (key.startsWith('_')) continue;
        for (const f of fields) {
          const lex = `${FIELD_PREFIX[f]}:${key}`;
          if (!fits(lex)) return null;
          out.add(operand(lex));
        }
      }
      return out.size ? [...out].join(' | ') : null;
    },
    and: ' & ',
    or: ' | ',
  });
}

/** to_tsquery's answer for one word, as `FormLexemes` holds it. */
function oneLexeme(q: string): string | null {
  if (q === '') return '';
  const m = /^'((?:[^']|'')*)'$/.exec(q);
  return m ? m[1]!.replace(/''/g, "'").replace(/\\\\/g, '\\') : null;
}

/**
 * Text PostgreSQL cannot store, replaced without changing its length (NUL → space, a lone surrogate → U+FFFD),
 * so that the analysis offsets still point into it.
 */
function sameLengthText<T extends string | null>(s: T): T {
  if (s === null) return s;
  return s.replace(/\0/g, ' ').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') as T;
}

interface DocRow {
  article_id: string;
  cluster_id: string;
  feed: string;
  url: string | null;
  title: string;
  lead: string;
  /** NULL: the paragraphs of the revision `body_revision` (0012_text_once.sql), read as `paragraphs`. */
  body: string | null;
  tags: string[];
  published_at: string | null;
  analyzed_by: string;
  stored_at: Date;
  paragraphs: string[] | null;
}

interface DeliveryRow {
  id: string;
  rule: string;
  cluster_id: string;
  article_id: string;
  channel: string;
  item: AlertItem;
  digest: boolean;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  due_at: Date;
  delivered_at: Date | null;
  updated_at: Date;
  message_id: string | null;
}

/** A document with the paragraphs of the revision its body refers to (0012_text_once.sql): `${DOC_SELECT} WHERE ...`. */
const DOC_SELECT = `SELECT d.article_id, d.cluster_id, d.feed, d.url, d.title, d.lead, d.body, d.tags, d.published_at, d.analyzed_by,
    d.stored_at, r.article -> 'paragraphs' AS paragraphs
  FROM alert_docs d LEFT JOIN article_revisions r ON d.body IS NULL AND r.article_id = d.article_id AND r.revision = d.body_revision`;
const DELIVERY_COLUMNS = 'id, rule, cluster_id, article_id, channel, item, digest, status, attempts, last_error, due_at, delivered_at, updated_at, message_id';

const UPSERT_DOC = `INSERT INTO alert_docs (article_id, cluster_id, feed, url, title, lead, body, tags, published_at, body_revision, stored_at, analyzed_by, search)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $13::regconfig IS NULL THEN NULL ELSE
    setweight(to_tsvector($13::regconfig, $14::text), 'A') || setweight(to_tsvector($13::regconfig, $15::text), 'B') ||
    setweight(to_tsvector($13::regconfig, $16::text), 'C') || setweight(to_tsvector($13::regconfig, $17::text), 'D') ||
    array_to_tsvector($18::text[]) END)
  ON CONFLICT (article_id) DO UPDATE SET cluster_id = excluded.cluster_id, feed = excluded.feed, url = excluded.url,
    title = excluded.title, lead = excluded.lead, body = excluded.body, tags = excluded.tags, published_at = excluded.published_at,
    body_revision = excluded.body_revision, stored_at = excluded.stored_at, analyzed_by = excluded.analyzed_by, search = excluded.search`;
const CURRENT_BODY = `SELECT a.revision, r.article -> 'paragraphs' AS paragraphs FROM articles a
  JOIN article_revisions r ON r.article_id = a.id AND r.revision = a.revision WHERE a.id = $1`;

/** Each form under each built-in configuration (a stop word gives an empty tsquery, and a NOTICE). */
const FORM_LEXEMES = `SELECT f, to_tsquery('russian', q)::text AS russian, to_tsquery('english', q)::text AS english
  FROM unnest($1::text[], $2::text[]) AS x(f, q)`;

const DOC_FILTER = 'AND ($3::text IS NULL OR d.feed = $3) AND ($4::timestamptz IS NULL OR d.stored_at >= $4)';
const CANDIDATES_ALL = `${DOC_SELECT} WHERE d.article_id < $1 ${DOC_FILTER} ORDER BY d.article_id DESC LIMIT $2`;
const CANDIDATES = `${DOC_SELECT}
  WHERE d.article_id < $1 ${DOC_FILTER} AND (d.search IS NULL OR d.analyzed_by <> $5 OR d.search @@ $6::tsquery)
  ORDER BY d.article_id DESC LIMIT $2`;

const INSERT_MATCH = `INSERT INTO alert_matches (rule, cluster_id, article_id, matched_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (rule, cluster_id) DO NOTHING`;
const INSERT_DELIVERIES = `INSERT INTO alert_deliveries (rule, cluster_id, article_id, channel, item, digest, due_at, created_at, updated_at)
  SELECT $1::text, $2::text, $3::int8, c, $5::jsonb, $6::boolean, $7::timestamptz, $8::timestamptz, $8::timestamptz
  FROM unnest($4::text[]) AS c`;

const ANY_DUE = `SELECT 1 FROM alert_deliveries WHERE status = 'pending' AND due_at <= $1 LIMIT 1`;
const CLAIM_OWNERS = `SELECT DISTINCT claimed_by FROM alert_deliveries
  WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_until > $1`;
const DROP_CLAIMS = `UPDATE alert_deliveries SET claimed_by = NULL, claimed_until = NULL
  WHERE status = 'pending' AND claimed_by = ANY ($1::text[])`;
// Rows another transaction is claiming right now are skipped, not waited for.
const DUE_IDS = `SELECT id FROM alert_deliveries
  WHERE status = 'pending' AND due_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1 OR claimed_by = $2)
  ORDER BY due_at, id LIMIT $3
  FOR UPDATE SKIP LOCKED`;
const CLAIM = `UPDATE alert_deliveries SET claimed_by = $2, claimed_until = $3 WHERE id = ANY ($1::int8[]) RETURNING ${DELIVERY_COLUMNS}`;
const EXTEND_CLAIMS = `UPDATE alert_deliveries SET claimed_until = $2 WHERE status = 'pending' AND claimed_by = $1`;
const SET_MESSAGE_ID = `UPDATE alert_deliveries SET message_id = $2
  WHERE id = ANY ($1::int8[]) AND status = 'pending' AND claimed_by = $3 AND message_id IS NULL`;
const DELIVERED = `UPDATE alert_deliveries SET status = 'delivered', attempts = $2, delivered_at = $3, updated_at = $3,
    claimed_by = NULL, claimed_until = NULL
  WHERE id = $1 AND status = 'pending'`;
const FAILED = `UPDATE alert_deliveries SET attempts = $2, last_error = $3, updated_at = $4,
    status = CASE WHEN $5::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, due_at = coalesce($5::timestamptz, due_at),
    claimed_by = NULL, claimed_until = NULL
  WHERE id = $1 AND status = 'pending'`;
const DELIVERY_FILTER = '($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR rule = $2) AND ($4::int8 IS NULL OR id < $4)';
const DELIVERIES = `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries WHERE ${DELIVERY_FILTER} ORDER BY id LIMIT $3`;
const DELIVERIES_NEWEST = `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries WHERE ${DELIVERY_FILTER} ORDER BY id DESC LIMIT $3`;
const REQUEUE = `UPDATE alert_deliveries SET status = 'pending', due_at = $2, updated_at = $2, claimed_by = NULL, claimed_until = NULL
  WHERE id = $1 AND status = 'failed'`;
const MATCHED = 'SELECT cluster_id FROM alert_matches WHERE rule = $1 AND cluster_id = ANY ($2::text[])';

function toDoc(row: DocRow): AlertDocRecord {
  return {
    articleId: Number(row.article_id),
    clusterId: row.cluster_id,
    feed: row.feed,
    url: row.url,
    title: row.title,
    lead: row.lead,
    body: row.body ?? (row.paragraphs ?? []).join('\n\n'),
    tags: row.tags,
    publishedAt: row.published_at,
    analyzed: {},
    analyzedBy: row.analyzed_by,
    storedAt: row.stored_at.toISOString(),
  };
}

function toRecord(row: DeliveryRow): DeliveryRecord {
  return {
    id: Number(row.id),
    rule: row.rule,
    channel: row.channel,
    clusterId: row.cluster_id,
    articleId: Number(row.article_id),
    item: row.item,
    digest: row.digest,
    attempts: row.attempts,
    dueAt: row.due_at.toISOString(),
    messageId: row.message_id,
    status: row.status,
    lastError: row.last_error,
    deliveredAt: row.delivered_at ? row.delivered_at.toISOString() : null,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The statements of the alert tables on one connection, or on the pool (a statement each), as RowAlertStore asks. */
class PostgresAlertRows implements AlertRows {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async currentBody(articleId: number): Promise<{ revision: number; body: string } | null> {
    const { rows } = await this.db.query<{ revision: number; paragraphs: string[] | null }>(CURRENT_BODY, [articleId]);
    const r = rows[0];
    return r ? { revision: r.revision, body: (r.paragraphs ?? []).join('\n\n') } : null;
  }

  async upsertDoc(doc: SavedAlertDoc, analyzedBy: string, bodyRevision: number | null): Promise<void> {
    const search = searchDoc(doc);
    await this.db.query(UPSERT_DOC, [
      doc.articleId,
      sameLengthText(doc.clusterId),
      sameLengthText(doc.feed),
      sameLengthText(doc.url),
      sameLengthText(doc.title),
      sameLengthText(doc.lead),
      bodyRevision === null ? sameLengthText(doc.body) : null,
      jsonParam(doc.tags.map(sameLengthText)),
      sameLengthText(doc.publishedAt),
      bodyRevision,
      doc.storedAt,
      analyzedBy,
      search?.config ?? null,
      ...(search?.texts.map(sameLengthText) ?? [null, null, null, null]),
      search?.guessed.map(sameLengthText) ?? null,
    ]);
  }

  async doc(articleId: number): Promise<AlertDocRecord | null> {
    const { rows } = await this.db.query<DocRow>(`${DOC_SELECT} WHERE d.article_id = $1`, [articleId]);
    return rows[0] ? toDoc(rows[0]) : null;
  }

  async candidates(rule: CompiledRule | null, page: CandidatePage): Promise<AlertDocRecord[]> {
    const q = rule === null ? null : tsQuery(rule, await this.formLexemes(ruleForms(rule)));
    const params = [page.before, page.limit, page.feed === null ? null : sameLengthText(page.feed), page.since];
    const { rows } = q === null ? await this.db.query<DocRow>(CANDIDATES_ALL, params) : await this.db.query<DocRow>(CANDIDATES, [...params, page.lemmatizer, q]);
    return rows.map(toDoc);
  }

  /** Asks the server for each form's lexeme under `russian` and `english` (one round trip). */
  private async formLexemes(forms: string[]): Promise<FormLexemes> {
    if (forms.length === 0) return new Map();
    const { rows } = await this.db.query<{ f: string; russian: string; english: string }>(FORM_LEXEMES, [
      forms,
      forms.map((f) => operand(sameLengthText(f))),
    ]);
    return new Map(rows.map((r) => [r.f, { russian: oneLexeme(r.russian), english: oneLexeme(r.english) }]));
  }

  async insertMatch(m: NewMatch): Promise<boolean> {
    const inserted = await this.db.query(INSERT_MATCH, [sameLengthText(m.rule), sameLengthText(m.clusterId), m.articleId, m.matchedAt]);
    return (inserted.rowCount ?? 0) > 0;
  }

  async insertDeliveries(m: NewMatch, channels: string[]): Promise<void> {
    const names = [...new Set(channels.map(sameLengthText))];
    await this.db.query(INSERT_DELIVERIES, [sameLengthText(m.rule), sameLengthText(m.clusterId), m.articleId, names, jsonParam(m.item), m.digest, m.dueAt, m.matchedAt]);
  }

  async anyDue(now: string): Promise<boolean> {
    return ((await this.db.query(ANY_DUE, [now])).rowCount ?? 0) > 0;
  }

  async claimOwners(now: string): Promise<string[]> {
    return (await this.db.query<{ claimed_by: string }>(CLAIM_OWNERS, [now])).rows.map((r) => r.claimed_by);
  }

  async dropClaims(owners: string[]): Promise<void> {
    await this.db.query(DROP_CLAIMS, [owners]);
  }

  async dueIds(now: string, owner: string, limit: number): Promise<number[]> {
    return (await this.db.query<{ id: string }>(DUE_IDS, [now, owner, limit])).rows.map((r) => Number(r.id));
  }

  async claim(ids: number[], owner: string, until: string): Promise<DeliveryRecord[]> {
    return (await this.db.query<DeliveryRow>(CLAIM, [ids, owner, until])).rows.map(toRecord);
  }

  async extendClaims(owner: string, until: string): Promise<void> {
    await this.db.query(EXTEND_CLAIMS, [owner, until]);
  }

  async setMessageId(ids: number[], messageId: string, owner: string): Promise<number> {
    return (await this.db.query(SET_MESSAGE_ID, [ids, messageId, owner])).rowCount ?? 0;
  }

  async markDelivered(id: number, f: { attempts: number; at: string }): Promise<void> {
    await this.db.query(DELIVERED, [id, f.attempts, f.at]);
  }

  async markFailed(id: number, f: { attempts: number; error: string; retryAt: string | null; at: string }): Promise<void> {
    await this.db.query(FAILED, [id, f.attempts, sameLengthText(f.error), f.at, f.retryAt]);
  }

  async deliveries(filter: DeliveryQuery): Promise<DeliveryRecord[]> {
    const sql = filter.newestFirst ? DELIVERIES_NEWEST : DELIVERIES;
    return (await this.db.query<DeliveryRow>(sql, [filter.status, filter.rule, filter.limit, filter.beforeId])).rows.map(toRecord);
  }

  async requeueFailed(id: number, at: string): Promise<boolean> {
    return ((await this.db.query(REQUEUE, [id, at])).rowCount ?? 0) > 0;
  }

  async deliveryStatus(id: number): Promise<DeliveryStatus | null> {
    const { rows } = await this.db.query<{ status: DeliveryStatus }>('SELECT status FROM alert_deliveries WHERE id = $1', [id]);
    return rows[0]?.status ?? null;
  }

  async healthRecords(): Promise<FeedHealthRecord[]> {
    const { rows } = await this.db.query<{ feed_name: string; alerted: AlertedHealth; changed_at: Date; transitions: number }>(
      'SELECT feed_name, alerted, changed_at, transitions FROM feed_health ORDER BY feed_name',
    );
    return rows.map((r) => ({ feed: r.feed_name, alerted: r.alerted, changedAt: r.changed_at.toISOString(), transitions: r.transitions }));
  }

  async moveHealth(t: HealthTransition): Promise<boolean> {
    const sql = `UPDATE feed_health SET alerted = $3, changed_at = $4, transitions = transitions + 1 WHERE feed_name = $1 AND alerted = $2`;
    return ((await this.db.query(sql, [sameLengthText(t.feed), t.from, t.to, t.at])).rowCount ?? 0) > 0;
  }

  async insertHealth(t: HealthTransition): Promise<boolean> {
    const sql = `INSERT INTO feed_health (feed_name, alerted, changed_at, transitions) VALUES ($1, $2, $3, 1) ON CONFLICT (feed_name) DO NOTHING`;
    return ((await this.db.query(sql, [sameLengthText(t.feed), t.to, t.at])).rowCount ?? 0) > 0;
  }

  async matchedClusters(rule: string, clusterIds: string[]): Promise<string[]> {
    const { rows } = await this.db.query<{ cluster_id: string }>(MATCHED, [sameLengthText(rule), clusterIds.map(sameLengthText)]);
    return rows.map((r) => r.cluster_id);
  }
}

/**
 * The AlertStore of a pool: RowAlertStore over these rows; a transaction on one connection, anything else a statement
 * at a time on the pool. `url` is only to redact it from error messages.
 */
export function postgresAlertStore(pool: pg.Pool, url: string, claims: ClaimOptions = {}): RowAlertStore {
  const onPool = new PostgresAlertRows(pool);
  const runner: AlertRowsRunner = {
    read: (op, context, algorithm) => guarded(url, op, context, () => runAsync(algorithm(onPool))),
    write: (op, context, algorithm) => guarded(url, op, context, () => runAsync(algorithm(onPool))),
    transaction: (op, context, algorithm) => guarded(url, op, context, () => inTransaction(pool, (client) => runAsync(algorithm(new PostgresAlertRows(client))))),
  };
  return new RowAlertStore(runner, claims);
}

/**
 * Loads the config file: YAML → zod validation → Config. Every error names the file, the key path and
 * (where the YAML shows it) the line and column, and says what to do.
 */
import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { Feed } from '../model.js';
import { DEFAULT_MAX_FEEDS, toFeed } from './feed-list.js';
import { feedCountWithin, readQuickly } from './quick-read.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { configMaxBytes, readConfigText, tooBig } from './source.js';

export interface Config extends Omit<ParsedConfig, 'feeds'> {
  /** Absolute path of the file this came from. */
  file: string;
  feeds: Feed[];
}

export {
  DEFAULT_CONFIG_PATH,
  EXAMPLE_CONFIG_PATH,
  DEFAULT_CONFIG_MAX_BYTES,
  resolveConfigPath,
  ensureDefaultConfig,
  configMaxBytes,
} from './source.js';

/** Aliases (`*name`) the YAML may expand: enough for shared blocks, far too few for a "billion laughs". */
export const MAX_YAML_ALIASES = 1000;

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfigSource(path, env).config;
}

/**
 * The config file read once (within the size limit) and parsed: the Config, the text it was parsed from and the
 * value the YAML gave (what the validated-config cache keeps to reuse unchanged feeds after an edit: ./reuse.ts).
 */
export function loadConfigSource(path: string, env: NodeJS.ProcessEnv = process.env): { config: Config; text: string; raw: unknown } {
  const maxBytes = configMaxBytes(env);
  const text = readConfigText(path, maxBytes);
  return { ...parseConfigRaw(text, path, maxBytes), text };
}

export interface ParseOptions {
  /** Read with the full YAML reader even when the quick one could (tests compare the two). */
  fullReader?: boolean;
  /** What the quick reader (./quick-read.ts) already gave for this text, so that it is not read twice. */
  quick?: unknown;
}

/**
 * YAML → validated Config. Two readers, one result: a config that uses no anchors, aliases, tags or merge keys and
 * is valid is read by js-yaml (./quick-read.ts), about 8 times cheaper than the full reader with 10,000 feeds;
 * anything else, and every config that fails (YAML or schema), goes through the full reader (`yaml`: source
 * positions for every error, alias expansion bounded), so errors always carry line and column.
 */
export function parseConfig(text: string, file: string, maxBytes = configMaxBytes(), opts: ParseOptions = {}): Config {
  return parseConfigRaw(text, file, maxBytes, opts).config;
}

/** parseConfig, with the value the YAML gave beside the Config (aliases expanded). */
export function parseConfigRaw(text: string, file: string, maxBytes = configMaxBytes(), opts: ParseOptions = {}): { config: Config; raw: unknown } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw tooBig(file, bytes, maxBytes);
  const quick = opts.fullReader ? undefined : 'quick' in opts ? opts.quick : readQuickly(text);
  if (quick !== undefined) {
    const result = feedCountWithin(quick) ? configSchema.safeParse(quick) : null;
    if (result?.success) return { config: toConfig(result.data, file), raw: quick };
  }
  return parseFully(text, file);
}

/**
 * The full YAML reader, loaded on first use: a valid config read by the quick path never pays for it (~55 ms of
 * CPU). `yaml` is a CommonJS package, so require gives the one instance an import would.
 */
let fullReader: typeof import('yaml') | null = null;
function yamlLib(): typeof import('yaml') {
  return (fullReader ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

function parseFully(text: string, file: string): { config: Config; raw: unknown } {
  const { LineCounter, parseDocument } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    throw new ConfigError(`${file}:${pos.line}:${pos.col}: YAML syntax error: ${e.message.split('\n')[0]}`, {
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  checkFeedCount(doc, lineCounter, file);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (err) {
    // yaml throws a plain ReferenceError when aliases expand past maxAliasCount (a "billion laughs" bomb).
    const alias = firstAlias(doc);
    const pos = alias ? lineCounter.linePos(alias) : { line: 1, col: 1 };
    throw new ConfigError(
      `${file}:${pos.line}:${pos.col}: YAML aliases expand too far (${(err as Error).message}); write the repeated values out instead of nesting aliases`,
      { file, line: pos.line, column: pos.col },
    );
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error.issues, doc, lineCounter, file), { file, path: pathOf(result.error.issues[0]?.path ?? []) });
  }
  return { config: toConfig(result.data, file), raw };
}

function toConfig(parsed: ParsedConfig, file: string): Config {
  return { ...parsed, file, feeds: parsed.feeds.map((f) => toFeed(f, parsed.defaults)) };
}

/**
 * The feed list's length, checked on the YAML tree before it becomes objects and goes through zod, so that a
 * config with hundreds of thousands of feeds fails in one line instead of minutes of validation.
 */
function checkFeedCount(doc: Document, lc: LineCounter, file: string): void {
  const { isScalar, isSeq } = yamlLib();
  const limitNode = doc.get('maxFeeds', true);
  const declared = isScalar(limitNode) && typeof limitNode.value === 'number' ? limitNode.value : DEFAULT_MAX_FEEDS;
  const feeds = doc.get('feeds', true);
  if (!isSeq(feeds) || feeds.items.length <= declared) return;
  const pos = lc.linePos(feeds.range?.[0] ?? 0);
  throw new ConfigError(
    `${file}:${pos.line}:${pos.col}: feeds: ${feeds.items.length} feeds, over maxFeeds (${declared}); remove feeds or raise the top-level key maxFeeds`,
    { file, path: 'feeds', line: pos.line, column: pos.col },
  );
}

/** Offset of the first alias in the document (where a bomb starts to expand), or null. */
function firstAlias(doc: Document): number | null {
  const { visit } = yamlLib();
  let at: number | null = null;
  visit(doc, {
    Alias(_key, node) {
      at = node.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  return at;
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

function formatIssues(issues: z.core.$ZodIssue[], doc: Document, lc: LineCounter, file: string): string {
  const lines = issues.slice(0, 10).map((issue) => {
    const path = [...issue.path];
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      const where = path.length ? `${pathOf(path)}: ` : '';
      message = `${where}unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}; check the spelling against README "Configuration"`;
      path.push(keys[0]!);
    } else {
      message = `${pathOf(path)}: ${message}`;
    }
    const loc = locate(doc, lc, path);
    return `${file}${loc ? `:${loc.line}:${loc.col}` : ''}: ${message}`;
  });
  if (issues.length > 10) lines.push(`... and ${issues.length - 10} more`);
  return lines.join('\n');
}

/** Line and column of the deepest node of `path` that exists in the YAML (for a key: the key itself). */
function locate(doc: Document, lc: LineCounter, path: PropertyKey[]): { line: number; col: number } | null {
  const { isNode } = yamlLib();
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n) as (string | number)[];
    const parent = n > 0 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
    // Prefer the key's position so "unknown key" points at the key.
    if (n > 0 && parent && isNode(parent) && 'items' in parent) {
      const items = (parent as { items: unknown[] }).items;
      const last = sub[sub.length - 1];
      for (const item of items) {
        const key = (item as { key?: unknown }).key;
        if (key && isNode(key) && (key as { value?: unknown }).value === last && key.range) return lc.linePos(key.range[0]);
      }
    }
    const node = n > 0 ? doc.getIn(sub, true) : doc.contents;
    if (node && isNode(node) && node.range) return lc.linePos(node.range[0]);
  }
  return null;
}

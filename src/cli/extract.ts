/**
 * `feedwatch extract FILE_OR_URL... [--url URL]`: one JSON object per input, one per line, with the article's
 * fields plus `input` and `text` (paragraphs joined by blank lines). All inputs are handled in this one process.
 * Files may be gzipped (.gz). `--url` gives the page address of a single file (for relative links and site rules).
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { parseConfig, resolveConfigPath, loadConfigFile, type Config } from '../config/load.js';
import { decodeText } from '../fetch/text-body.js';
import { fetchUrl } from '../fetch/http.js';
import { extractArticle } from '../extract/index.js';
import { describeError } from '../errors.js';
import { printable, stripControlsDeep } from '../control-chars.js';

export async function extractCommand(inputs: string[], opts: { url: string | undefined; configPath: string | undefined }): Promise<number> {
  if (inputs.length === 0) {
    process.stderr.write('feedwatch extract: give one or more files or URLs\n');
    return 2;
  }
  if (opts.url && inputs.length > 1) {
    process.stderr.write('feedwatch extract: --url names the address of a single file; give one input with it\n');
    return 2;
  }
  // Site rules and HTTP limits come from the config when there is one; the defaults otherwise.
  const path = resolveConfigPath(opts.configPath);
  const config: Config = existsSync(path) ? loadConfigFile(path) : parseConfig('{}', '(defaults)');
  let failures = 0;
  for (const input of inputs) {
    try {
      const { html, url } = await readInput(input, opts.url, config);
      const article = extractArticle(html, url, { rules: config.sites, maxChars: config.budgets.articleChars });
      process.stdout.write(printable(JSON.stringify(stripControlsDeep({ input, ...article, text: article.paragraphs.join('\n\n') }))) + '\n');
    } catch (err) {
      failures++;
      const { kind, message } = describeError(err);
      process.stdout.write(JSON.stringify({ input, error: { kind, message } }) + '\n');
    }
  }
  return failures === inputs.length ? 1 : 0;
}

async function readInput(input: string, url: string | undefined, config: Config): Promise<{ html: string; url: string }> {
  if (/^https?:\/\//i.test(input)) {
    const res = await fetchUrl(input, {
      userAgent: config.userAgent,
      headers: {},
      totalTimeoutMs: config.http.timeout,
      idleTimeoutMs: config.http.idleTimeout,
      maxBytes: config.http.maxPageSize,
      maxRedirects: config.http.maxRedirects,
      allowPrivateNetworks: config.http.allowPrivateNetworks,
    });
    return { html: decodeText(res.body, res.headers['content-type'] ?? null, 'html', res.finalUrl).text, url: url ?? res.finalUrl };
  }
  let bytes: Uint8Array = readFileSync(input);
  if (input.endsWith('.gz')) bytes = gunzipSync(bytes);
  const where = url ?? pathToFileURL(input).href;
  // A binary file is a 'not-text' error line, like any page; controls are stripped as in the pipeline.
  return { html: decodeText(bytes, null, 'html', where).text, url: where };
}

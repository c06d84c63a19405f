/**
 * HTML built from templates that escape by default: `html\`<td>${title}</td>\`` escapes every interpolated value
 * (text and attribute values alike: & < > " ' and control characters), except values that are already `SafeHtml`
 * (made by `html` itself). An array interpolates each element. Feed titles, URLs, errors and rule text are
 * untrusted: nothing reaches the page without passing through here.
 */
import { printable } from '../control-chars.js';
import { resolveUrl } from '../extract/meta.js';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text for an HTML text node or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return printable(String(value ?? '')).replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new SafeHtml(out);
}

/** A link target that is an absolute http(s) URL (a feed may give "javascript:..." as its link); null otherwise. */
export function safeHref(url: string | null | undefined): string | null {
  return url ? resolveUrl(url, url) : null;
}

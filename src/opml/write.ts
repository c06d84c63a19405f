/**
 * Feeds → an OPML 2.0 document any feed reader imports: one `<outline type="rss">` per feed with its name as
 * `text` and `title`, its address as `xmlUrl`, and its tags in the `category` attribute (comma-separated, as
 * OPML 2.0 defines it). Every attribute value is escaped; control characters are dropped (XML 1.0 forbids them).
 */
export interface OpmlOutFeed {
  name: string;
  url: string;
  tags: readonly string[];
}

export function writeOpml(feeds: readonly OpmlOutFeed[], title: string, now: Date): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${escapeXml(title)}</title>`,
    `    <dateCreated>${now.toUTCString()}</dateCreated>`,
    '  </head>',
    '  <body>',
  ];
  for (const f of feeds) {
    const attrs: [string, string][] = [
      ['type', 'rss'],
      ['text', f.name],
      ['title', f.name],
      ['xmlUrl', f.url],
    ];
    const tags = f.tags.map((t) => t.replace(/,/g, ' ').trim()).filter((t) => t !== '');
    if (tags.length > 0) attrs.push(['category', tags.join(',')]);
    lines.push(`    <outline ${attrs.map(([k, v]) => `${k}="${escapeXml(v)}"`).join(' ')}/>`);
  }
  lines.push('  </body>', '</opml>', '');
  return lines.join('\n');
}

export function escapeXml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

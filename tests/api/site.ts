/**
 * A loopback news site for the status page and API tests: a feed "kg" with three items (a stored article that
 * matches the rule "Лавров", an item whose page is gone (410) whose title carries markup and quotes, a weather
 * story), a feed "broken" that answers 500, and the config that watches both with an alert rule on the log channel.
 */
import { readFileSync } from 'node:fs';
import { send, startServer, type TestServer } from '../helpers/http-server.js';
import { WEATHER_PAGE } from '../helpers/story-pages.js';

const lavrovPage = readFileSync(new URL('../fixtures/sputnik/sputnik-kg-20220305-lavrov.html', import.meta.url), 'utf8');

/** The title of the item whose page is gone: what a hostile feed could write. */
export const HOSTILE_TITLE = `Визит Лаврова <script>document.title="pwned"</script> "quoted" & 'single' <img src=x onerror=alert(1)>`;

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startNewsSite(): Promise<TestServer> {
  const html = { 'content-type': 'text/html; charset=utf-8' };
  const site = await startServer({
    '/a/1.html': send(lavrovPage, { headers: html }),
    '/a/2.html': send('gone', { status: 410 }),
    '/a/3.html': send(WEATHER_PAGE, { headers: html }),
    '/broken.xml': send('server error', { status: 500 }),
  });
  const items = [
    { guid: 'a1', path: '/a/1.html', title: 'Лавров рассказал о важных моментах отношений' },
    { guid: 'a2', path: '/a/2.html', title: HOSTILE_TITLE, description: 'Министр прилетел утром.' },
    { guid: 'a3', path: '/a/3.html', title: 'Погода в Бишкеке' },
  ];
  const body = items
    .map((i) => `<item><title>${escapeXml(i.title)}</title><link>${site.url}${i.path}</link><guid>${i.guid}</guid><description>${escapeXml(i.description ?? '')}</description></item>`)
    .join('');
  site.route(
    '/feed.xml',
    send(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>KG &lt;b&gt;</title><link>${site.url}/</link>${body}</channel></rss>`, {
      headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
    }),
  );
  return site;
}

/** The config's feeds, pipeline and alerts for the site (storage and server are the caller's). */
export function siteConfig(site: TestServer): string {
  return `http:\n  allowPrivateNetworks: true
pipeline:\n  articleAttempts: 1
feeds:
  - name: kg
    url: ${site.url}/feed.xml
    tags: [kyrgyzstan]
  - name: broken
    url: ${site.url}/broken.xml
alerts:
  rules:
    - { name: lavrov, query: 'Лавров', channels: [log] }
`;
}

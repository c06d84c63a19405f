/**
 * Which hosts a site rule is for. Apart from the rest of rules.ts so that code which only asks this (the learned
 * boilerplate of src/extract/learned.ts, which storage uses) loads no HTML selector engine.
 */
import type { SiteRule } from './rule-schema.js';

/** "example.com" matches example.com and www.example.com; "*.example.com" the domain and all its subdomains. */
export function hostMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) {
    const base = p.slice(2);
    return h === base || h.endsWith(`.${base}`);
  }
  return h === p || h === `www.${p}`;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

export function ruleMatchesHost(rule: SiteRule, url: string): boolean {
  const host = hostOf(url);
  return host !== null && rule.hosts.some((p) => hostMatches(p, host));
}

/** Schema of a site rule (config `sites:`): how to extract pages of some hosts, without code. */
import { z } from 'zod';

export const siteRuleSchema = z
  .object({
    name: z.string().min(1),
    /** Host patterns: "example.com" (also matches www.), "*.example.com". */
    hosts: z.array(z.string().min(1)).default([]),
    /** CSS selector whose presence on a page selects this rule, whatever the host. */
    detect: z.string().optional(),
    title: z.string().optional(),
    lead: z.string().optional(),
    body: z.string().optional(),
    date: z.string().optional(),
    author: z.string().optional(),
    tags: z.string().optional(),
    /** Elements removed before extraction. */
    remove: z.array(z.string()).default([]),
    /** Regular expressions (case-insensitive); a paragraph or line matching one is dropped whole. */
    dropParagraphs: z.array(z.string()).default([]),
  })
  .strict();

export type SiteRule = z.output<typeof siteRuleSchema>;

/**
 * Value types shared by the config schemas (config/schema.ts and the alerts section in alerts/config-schema.ts):
 * a duration (number of seconds or "90s", "15m", "1h" → milliseconds), a size (number of bytes or "512KB",
 * "10MB" → bytes) and an absolute http(s) URL. Each fails validation with a message saying what to write.
 */
import { z } from 'zod';
import { parseDuration, parseSize } from './duration.js';

/** A duration in milliseconds, written as a number of seconds or a string with a unit (see parseDuration). */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration; write e.g. 90s, 15m, 1h or a number of seconds` });
    return z.NEVER;
  }
  return ms;
});

/** A size in bytes, written as a number of bytes or a string with a unit (see parseSize). */
export const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const bytes = parseSize(v);
  if (bytes === null) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a size; write e.g. 512KB, 10MB or a number of bytes` });
    return z.NEVER;
  }
  return bytes;
});

/** An absolute http:// or https:// URL. */
export const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http:// or https:// URL');

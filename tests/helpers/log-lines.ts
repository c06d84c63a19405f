/** A logger whose JSON lines the test reads back, parsed, in the order they were written. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

export function jsonLogLines(level: 'debug' | 'info' = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level, format: 'json', destination }), lines };
}

#!/usr/bin/env node
// Entry point for `npx feedwatch` and the installed bin: runs the built CLI (dist/, made by `npm run build`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('feedwatch: not built yet; run `npm run build` first (or `npm start`, which builds)\n');
  process.exit(1);
}
await import(main.href);

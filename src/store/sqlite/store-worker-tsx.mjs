// The storage thread's entry when feedwatch runs from its TypeScript sources (tsx): Node 20 does not apply the
// main thread's `--import tsx` hooks to a worker's .ts entry (ERR_UNKNOWN_FILE_EXTENSION), so this plain module
// loads the real body, store-worker.ts, through tsx's API. Built code (dist/) starts store-worker.js directly.
import { tsImport } from 'tsx/esm/api';

await tsImport('./store-worker.ts', import.meta.url);

// A CPU worker's entry when feedwatch runs from its TypeScript sources (tsx): Node 20 does not apply the main
// thread's `--import tsx` hooks to a worker's .ts entry, so this plain module loads the real body, worker.ts, through
// tsx's API and hands its task function to piscina. Built code (dist/) starts worker.js directly.
import { tsImport } from 'tsx/esm/api';

const body = await tsImport('./worker.ts', import.meta.url);

export default body.default;

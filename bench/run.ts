/**
 * `npm run bench [-- SECTION...]`: runs the benchmark families side by side in one process and prints their
 * figures and ratios. Sections: extract, meta, dedup, alerts, ingest, boilerplate, storage, scale, hostile, export (default: all). Benchmarks, not tests: the
 * machine is shared, so targets are judged on ratios measured in the same run.
 */
const SECTIONS: Record<string, () => Promise<unknown>> = {
  extract: async () => {
    const m = await import('./extract.js');
    m.printExtractBench(await m.runExtractBench());
    // The generic extractor's tuned values, cross-validated beside their training figures.
    const cv = await import('./cv-extract.js');
    console.log(cv.runCrossValidation());
  },
  meta: async () => {
    const m = await import('./meta.js');
    m.runMetaBench();
  },
  dedup: async () => {
    const m = await import('./dedup.js');
    m.runDedupBench();
  },
  alerts: async () => {
    const m = await import('./alerts.js');
    await m.runAlertsBench({ print: true });
  },
  ingest: async () => {
    const m = await import('./ingest.js');
    await m.runIngestBench();
  },
  boilerplate: async () => {
    const m = await import('./boilerplate.js');
    await m.runBoilerplateBench();
  },
  storage: async () => {
    const m = await import('./storage.js');
    await m.runStorageBench();
  },
  scale: async () => {
    // Each part on its own: one that fails says so, and the others' figures stay.
    await part('scale poll cycle', async () => (await import('./scale-poll.js')).runScalePollBench());
    await part('scale feeds command', async () => (await import('./scale-feeds.js')).runScaleFeedsBench());
    await part('scale ingestion', async () => (await import('./scale-ingest.js')).runScaleIngestBench());
    await part('scale steady state', async () => (await import('./scale-steady.js')).runScaleSteadyBench());
    await part('scale store', async () => (await import('./scale-store.js')).runScaleStoreBench());
    await part('scale alerts', async () => (await import('./scale-alerts.js')).runScaleAlertsBench());
  },
  hostile: async () => {
    const m = await import('./hostile.js');
    await m.runHostileBench();
  },
  export: async () => {
    const m = await import('./export.js');
    await m.runExportBench();
  },
};

/** Run one part of a family; a part that fails says so and the family goes on. */
async function part(name: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    process.exitCode = 1;
    console.log(`${name}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// Flags (--runs N: runs of the scale ingestion part) are read by the sections; their values are not section names.
const wanted = process.argv.slice(2).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '--runs');
const unknown = wanted.filter((w) => !(w in SECTIONS));
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(2);
}
const started = Date.now();
console.log(`feedwatch bench — node ${process.version}, ${new Date().toISOString()}`);
for (const name of wanted.length > 0 ? wanted : Object.keys(SECTIONS)) {
  const t0 = Date.now();
  // A family that throws is reported and the next one runs (each cleans up after itself in its own finally).
  await part(name, SECTIONS[name]!);
  console.log(`(${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}
console.log(`bench done in ${((Date.now() - started) / 1000).toFixed(0)} s`);

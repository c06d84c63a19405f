// Stands in for src/build-id.ts under ./as-built.mjs: the build id is FW_TEST_BUILD_ID.
export function buildId() {
  const id = process.env.FW_TEST_BUILD_ID ?? '';
  return /^[0-9a-f]{64}$/.test(id) ? id : null;
}
export function stampBuild() {
  throw new Error('a test build has no dist/ to stamp');
}

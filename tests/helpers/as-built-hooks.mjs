const STUB = new URL('./as-built-id.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  return result.url.endsWith('/src/build-id.ts') ? { url: STUB, format: 'module', shortCircuit: true } : result;
}

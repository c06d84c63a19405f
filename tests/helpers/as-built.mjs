// `node --import tsx --import ./tests/helpers/as-built.mjs src/cli/main.ts ...`: the sources run as if built, with
// the build id FW_TEST_BUILD_ID (src/build-id.ts is replaced by ./as-built-id.mjs), so that what depends on a build
// (the validated-config cache, src/config/cache.ts) is on in a test without building dist/.
import { register } from 'node:module';
register('./as-built-hooks.mjs', import.meta.url);

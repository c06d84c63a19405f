// `node --import ./tests/helpers/record-imports.mjs ...`: every module the process resolves is appended, one URL a
// line, to the file named by FW_RECORD_IMPORTS (the hooks run on their own thread, so they write to a file).
import { register } from 'node:module';
register('./record-imports-hooks.mjs', import.meta.url);

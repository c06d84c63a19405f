/** The boilerplate store contract on the real local PostgreSQL: one throwaway schema per store, two pools for the race. */
import { after } from 'node:test';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { pgTestSchemas } from '../helpers/postgres.js';
import { runBoilerplateStoreContract } from './boilerplate-contract.js';

const pg = pgTestSchemas();
after(() => pg.dropAll());

runBoilerplateStoreContract('postgres', async () => openPostgresStore(pg.url, { schema: await pg.create() }), async () => {
  const schema = await pg.create();
  const one = await openPostgresStore(pg.url, { schema });
  return [one, await openPostgresStore(pg.url, { schema })];
});

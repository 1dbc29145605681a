import { PGlite } from '@electric-sql/pglite';
import { createPgliteLeadStore } from '../src/index.js';
import { runLeadStoreContract } from './contract.js';

runLeadStoreContract('pglite', async () => {
  const db = new PGlite();
  const store = await createPgliteLeadStore({ db });
  return {
    store,
    superuserExec: async (sql) => {
      await db.exec(sql);
    },
    cleanup: async () => {
      await store.close();
      await db.close();
    },
  };
});

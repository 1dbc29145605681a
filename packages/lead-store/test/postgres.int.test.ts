import { describe } from 'vitest';
import pg from 'pg';
import { infraAvailable } from '@offsite/runtime/testing';
import { createPostgresLeadStore } from '../src/index.js';
import { runLeadStoreContract } from './contract.js';

const url = process.env.DATABASE_URL;

describe.skipIf(!infraAvailable('postgres'))('postgres', () => {
  // A fresh schema per run, dropped afterwards, so reruns start clean.
  const schema = `lead_test_${Date.now().toString(36)}_${process.pid}`;
  runLeadStoreContract('postgres', async () => {
    const store = await createPostgresLeadStore({ connectionString: url!, schema });
    const admin = new pg.Client({ connectionString: url!, options: `-c search_path=${schema}` });
    await admin.connect();
    return {
      store,
      superuserExec: async (sql) => {
        await admin.query(sql);
      },
      cleanup: async () => {
        await store.close();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    };
  });
});

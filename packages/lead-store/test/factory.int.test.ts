import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { infraAvailable } from '@offsite/runtime/testing';
import { createLeadStore, pgliteLeadsDir } from '../src/index.js';

describe.skipIf(!infraAvailable('postgres'))('createLeadStore with DATABASE_URL', () => {
  // A database of its own (migrations run in its public schema), dropped afterwards.
  // (The describe body runs even when skipped: nothing here may need the server.)
  const name = `lead_factory_${Date.now().toString(36)}_${process.pid}`;
  const base = process.env.DATABASE_URL ?? '';
  let dataDir = '';
  const databaseUrl = () => {
    const url = new URL(base);
    url.pathname = `/${name}`;
    return url.toString();
  };

  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lead-store-factory-pg-'));
    await admin(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('picks PostgreSQL over every PGlite option', async () => {
    const store = await createLeadStore({ DATABASE_URL: databaseUrl(), DATA_DIR: dataDir }, { memory: true });
    expect(store.kind).toBe('postgres');
    expect((await store.health()).ok).toBe(true);
    await store.close();
    expect(existsSync(pgliteLeadsDir(dataDir))).toBe(false);
  });
});

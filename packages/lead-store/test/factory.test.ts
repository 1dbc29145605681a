import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { createLeadStore, pgliteLeadsDir } from '../src/index.js';

const user = (id: string) => ({ id, name: 'Li', role: 'officer' as const, region: '330100', createdAt: Date.UTC(2025, 0, 1) });

describe('createLeadStore without DATABASE_URL', () => {
  const root = mkdtempSync(join(tmpdir(), 'lead-store-factory-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('keeps a standalone store in DATA_DIR/pglite-leads (parents created) across reopening', async () => {
    const dataDir = join(root, 'missing', 'data');
    const first = await createLeadStore({ DATA_DIR: dataDir }, {});
    expect(first.kind).toBe('pglite');
    await first.addUser(user('u-persist'), 'a'.repeat(64));
    await first.close();
    expect(existsSync(pgliteLeadsDir(dataDir))).toBe(true);
    expect(pgliteLeadsDir(dataDir)).toBe(join(dataDir, 'pglite-leads'));

    const again = await createLeadStore({ DATA_DIR: dataDir, DATABASE_URL: undefined }, {});
    expect(await again.getUser('u-persist')).toMatchObject({ id: 'u-persist', region: '330100' });
    await again.close();
  });

  it('uses the shared PGlite instance when given and leaves it open', async () => {
    const db = new PGlite();
    const dataDir = join(root, 'shared');
    const store = await createLeadStore({ DATA_DIR: dataDir }, { db, memory: true });
    await store.addUser(user('u-shared'), 'b'.repeat(64));
    const rows = await db.query<{ id: string }>('SELECT id FROM auth_users');
    expect(rows.rows.map((r) => r.id)).toContain('u-shared');
    await store.close();
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(existsSync(pgliteLeadsDir(dataDir))).toBe(false);
    await db.close();
  });

  it('stays in memory when asked (nothing written under DATA_DIR)', async () => {
    const dataDir = join(root, 'memory');
    const store = await createLeadStore({ DATA_DIR: dataDir }, { memory: true });
    expect(store.kind).toBe('pglite');
    expect((await store.health()).ok).toBe(true);
    await store.close();
    expect(existsSync(dataDir)).toBe(false);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLeadStore } from '@offsite/lead-store';
import { ADMIN_USER_ID, ensureAdminToken } from '../src/admin.js';
import { hashToken } from '../src/caller.js';

describe('admin bootstrap', () => {
  it('survives two services bootstrapping one fresh database at once', async () => {
    const store = await createLeadStore({ DATA_DIR: '' }, { memory: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'admin-'));
    const token = 'a-shared-admin-token-of-enough-length';
    const results = await Promise.all([0, 1, 2].map(() => ensureAdminToken({ store, dataDir, envToken: token })));
    expect(results.map((r) => r.source)).toEqual(['env', 'env', 'env']);
    const admin = await store.getUser(ADMIN_USER_ID);
    expect(admin).toMatchObject({ role: 'admin', region: '000000' });
    expect((await store.userByTokenHash(hashToken(token)))?.id).toBe(ADMIN_USER_ID);
    await store.close();
  });
});

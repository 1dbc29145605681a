import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LeadStore } from '@offsite/lead-store';
import { generateToken, hashToken } from './caller.js';

export const ADMIN_USER_ID = 'admin';
export const ADMIN_TOKEN_FILE = 'admin-token';

export interface EnsureAdminOptions {
  store: LeadStore;
  dataDir: string;
  /** ADMIN_TOKEN: when set, it is the admin token (and the generated one stops working). */
  envToken?: string | undefined;
  clock?: () => number;
  /** Where a freshly generated token is shown, once. */
  print?: (line: string) => void;
}

/**
 * Make sure an admin (role admin, whole country) exists and can log in. ADMIN_TOKEN wins;
 * otherwise the token saved under DATA_DIR (mode 0600) is reused; otherwise one is generated,
 * printed once and saved. The store only ever holds the token's sha256.
 */
export async function ensureAdminToken(opts: EnsureAdminOptions): Promise<{ userId: string; source: 'env' | 'file' | 'generated'; file?: string }> {
  const now = (opts.clock ?? Date.now)();
  const file = join(opts.dataDir, ADMIN_TOKEN_FILE);
  let token: string;
  let source: 'env' | 'file' | 'generated';
  if (opts.envToken && opts.envToken.trim()) {
    token = opts.envToken.trim();
    if (token.length < 16) throw new Error('ADMIN_TOKEN: must be at least 16 characters');
    source = 'env';
  } else {
    const saved = await readFile(file, 'utf8').then(
      (s) => s.trim(),
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      },
    );
    if (saved) {
      token = saved;
      source = 'file';
    } else {
      token = generateToken();
      await mkdir(opts.dataDir, { recursive: true });
      await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(file, 0o600);
      source = 'generated';
      (opts.print ?? ((line) => process.stderr.write(`${line}\n`)))(`admin token (shown once, saved to ${file}): ${token}`);
    }
  }
  const hash = hashToken(token);
  if (await opts.store.getUser(ADMIN_USER_ID)) await opts.store.setUserToken(ADMIN_USER_ID, hash, now);
  else {
    try {
      await opts.store.addUser({ id: ADMIN_USER_ID, name: 'Administrator', role: 'admin', region: '000000', createdAt: now }, hash);
    } catch (err) {
      // Two services starting together on a fresh database (leads and console): the other one
      // inserted the admin first. Then only the token needs setting.
      if (!(await opts.store.getUser(ADMIN_USER_ID))) throw err;
      await opts.store.setUserToken(ADMIN_USER_ID, hash, now);
    }
  }
  return { userId: ADMIN_USER_ID, source, ...(source === 'env' ? {} : { file }) };
}

import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { createPgliteLeadStore } from './pglite.js';
import type { LeadStore } from './port.js';
import { createPostgresLeadStore } from './postgres.js';

/** The environment variables the choice depends on (as read by `sharedEnv` in @offsite/runtime). */
export interface LeadStoreEnv {
  /** PostgreSQL server; when set it wins over every PGlite option. */
  DATABASE_URL?: string | undefined;
  /** Parent of the standalone PGlite data directory (`DATA_DIR/pglite-leads`). */
  DATA_DIR: string;
}

export interface LeadStoreDeps {
  /** A PGlite instance shared with other stores (the all-in-one process); not closed by the store. */
  db?: PGlite;
  /** PGlite in memory instead of under DATA_DIR (tests, demos). Ignored when `db` is given. */
  memory?: boolean;
}

/** PGlite data directory of a standalone lead store. */
export function pgliteLeadsDir(dataDir: string): string {
  return join(dataDir, 'pglite-leads');
}

/**
 * The one place that picks the lead store for a composition root: PostgreSQL when DATABASE_URL
 * is set, else PGlite on the shared `db`, else in memory (`memory`), else in DATA_DIR/pglite-leads.
 * Migrations have run when it resolves.
 */
export async function createLeadStore(env: LeadStoreEnv, deps: LeadStoreDeps = {}): Promise<LeadStore> {
  if (env.DATABASE_URL) return createPostgresLeadStore({ connectionString: env.DATABASE_URL });
  if (deps.db) return createPgliteLeadStore({ db: deps.db });
  if (deps.memory) return createPgliteLeadStore();
  return createPgliteLeadStore({ dataDir: pgliteLeadsDir(env.DATA_DIR) });
}

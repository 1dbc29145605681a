import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { SqlLeadStore } from './sql-store.js';
import type { Row, Sql, SqlDriver } from './sql.js';

export interface PgliteLeadStoreOptions {
  /** An existing instance (the all-in-one shares one with the series store); not closed by us. */
  db?: PGlite;
  /** Data directory when no instance is passed; omitted = in memory. */
  dataDir?: string;
}

type PgliteLike = Pick<PGlite, 'query' | 'exec'>;

const wrap = (db: PgliteLike): Sql => ({
  query: async <R extends Row = Row>(text: string, params: unknown[] = []) => (await db.query<R>(text, params)).rows,
  exec: async (text: string) => {
    await db.exec(text);
  },
});

class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  private readonly sql: Sql;
  constructor(
    private readonly db: PGlite,
    private readonly owned: boolean,
  ) {
    this.sql = wrap(db);
  }
  query<R extends Row = Row>(text: string, params?: unknown[]): Promise<R[]> {
    return this.sql.query<R>(text, params);
  }
  exec(text: string): Promise<void> {
    return this.sql.exec(text);
  }
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(wrap(tx)));
  }
  async close(): Promise<void> {
    if (this.owned) await this.db.close();
  }
}

/** LeadStore on PGlite (PostgreSQL in WebAssembly), same SQL as the PostgreSQL adapter. */
export async function createPgliteLeadStore(opts: PgliteLeadStoreOptions = {}): Promise<SqlLeadStore> {
  // PGlite creates only the last path component; make the parents (DATA_DIR may not exist yet).
  if (!opts.db && opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const db = opts.db ?? (opts.dataDir ? new PGlite(opts.dataDir) : new PGlite());
  await db.waitReady;
  return new SqlLeadStore(new PgliteDriver(db, !opts.db)).init();
}

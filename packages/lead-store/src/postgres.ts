import pg from 'pg';
import { SqlLeadStore } from './sql-store.js';
import type { Row, Sql, SqlDriver } from './sql.js';

export interface PostgresLeadStoreOptions {
  connectionString: string;
  /** Schema to create (if missing) and use via search_path; default public. */
  schema?: string;
  maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

class PgDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}

  async query<R extends Row = Row>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query(text, params)).rows as R[];
  }

  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Sql = {
      query: async <R extends Row = Row>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as R[],
      exec: async (text: string) => {
        await client.query(text);
      },
    };
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** LeadStore on PostgreSQL (pg Pool). Runs pending migrations before resolving. */
export async function createPostgresLeadStore(opts: PostgresLeadStoreOptions): Promise<SqlLeadStore> {
  const schema = opts.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`schema: "${schema}" is not a plain lower-case SQL identifier`);
  if (schema) {
    const setup = new pg.Client({ connectionString: opts.connectionString });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.maxConnections ?? 5,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return new SqlLeadStore(new PgDriver(pool)).init();
}

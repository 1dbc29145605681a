export * from './port.js';
export type { Sql, SqlDriver, Row } from './sql.js';
export { SqlLeadStore } from './sql-store.js';
export { migrations, migrate } from './migrations.js';
export { createPostgresLeadStore, type PostgresLeadStoreOptions } from './postgres.js';
export { createPgliteLeadStore, type PgliteLeadStoreOptions } from './pglite.js';
export { createLeadStore, pgliteLeadsDir, type LeadStoreEnv, type LeadStoreDeps } from './factory.js';
export { MAX_LIMIT } from './cursor.js';

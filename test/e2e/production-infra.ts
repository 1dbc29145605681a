/**
 * Isolation of one test run on the long-lived shared servers (infra/local): a fresh PostgreSQL
 * database, a device-index base and MQTT names of its own. Kafka topics and the services' group
 * ids are fixed by the contract, so runs share them; assertions filter on this run's MNs.
 */
import pg from 'pg';

/** A run id from the clock: distinct for runs at least a second apart within ~2 hours. */
export function runStamp(now = Date.now()): { id: string; firstIndex: number } {
  const seconds = Math.floor(now / 1000);
  // Devices get indexes [firstIndex, firstIndex + 120): 6-digit MNs, never index 0 (other tests' range).
  const slot = 1 + (seconds % 8000);
  return { id: `${seconds.toString(36)}${process.pid.toString(36)}`, firstIndex: slot * 120 };
}

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates database `name` next to DATABASE_URL's; returns its URL and a drop function. */
export async function freshDatabase(baseUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}" is not a plain lower-case identifier`);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(baseUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

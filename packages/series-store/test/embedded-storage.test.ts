import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createLogger } from '@offsite/runtime';
import { createEmbeddedSeriesStore } from '../src/index.js';

const logger = createLogger('series-store-test');

describe('embedded series store: storage', () => {
  it('persists in its data directory, and works on a shared PGlite that close() leaves open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'series-store-'));
    try {
      const point = { mn: 'MNDISK', kind: 'hour' as const, pollutant: 'w01018', time: Date.UTC(2025, 0, 1), value: 42.5, flag: 'N', text: '42.5' };
      const own = await createEmbeddedSeriesStore({ dataDir: dir, logger });
      await own.write([point]);
      await own.close();

      // The all-in-one opens one PGlite and hands it to every store; a lead-store table beside ours.
      const shared = await PGlite.create(dir);
      await shared.exec('CREATE TABLE IF NOT EXISTS leads (id text PRIMARY KEY)');
      const store = await createEmbeddedSeriesStore({ db: shared, logger });
      expect(await store.range({ mn: 'MNDISK', kind: 'hour', from: point.time, to: point.time + 1 })).toMatchObject([{ value: 42.5, text: '42.5', flag: 'N' }]);
      await store.close();
      const tables = await shared.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
      expect(tables.rows.map((r) => r.tablename)).toEqual(['leads', 'series_latest', 'series_points']);
      await shared.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

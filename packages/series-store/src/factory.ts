import type { PGlite } from '@electric-sql/pglite';
import { influxFromEnv, positiveInt, sharedEnv, type Logger } from '@offsite/runtime';
import { z } from 'zod';
import { join } from 'node:path';
import type { SeriesStore } from './port.js';
import { createInfluxSeriesStore } from './influx/influx-store.js';
import { createEmbeddedSeriesStore } from './embedded/embedded-store.js';

/** The variables the factory reads: the shared INFLUX_* and DATA_DIR, plus tuning knobs. */
export const SeriesStoreEnv = sharedEnv.pick({ INFLUX_URL: true, INFLUX_TOKEN: true, INFLUX_ORG: true, INFLUX_BUCKET: true, DATA_DIR: true }).extend({
  INFLUX_BATCH_SIZE: positiveInt(5000),
  INFLUX_FLUSH_INTERVAL_MS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).default(0)),
  INFLUX_MAX_IN_FLIGHT: positiveInt(4),
  INFLUX_GZIP: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['auto', 'on', 'off']).default('auto')),
});
export type SeriesStoreEnv = z.infer<typeof SeriesStoreEnv>;

export interface SeriesStoreDeps {
  logger: Logger;
  /** Embedded only: share this PGlite (the all-in-one) instead of opening DATA_DIR/series. */
  db?: PGlite;
  /** Embedded only: keep everything in memory (tests, demos). */
  memory?: boolean;
}

/**
 * InfluxDB when INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET are set (half of them is an
 * error), the embedded PGlite store otherwise (in `DATA_DIR/series`, or the shared `db`).
 */
export async function createSeriesStore(env: SeriesStoreEnv, deps: SeriesStoreDeps): Promise<SeriesStore> {
  const influx = influxFromEnv({ ...sharedEnv.parse({}), ...env });
  if (influx) {
    deps.logger.info({ url: influx.url, org: influx.org, bucket: influx.bucket, batchSize: env.INFLUX_BATCH_SIZE, maxInFlight: env.INFLUX_MAX_IN_FLIGHT, gzip: env.INFLUX_GZIP }, 'series store: influx');
    return createInfluxSeriesStore({
      ...influx,
      logger: deps.logger,
      batchSize: env.INFLUX_BATCH_SIZE,
      flushIntervalMs: env.INFLUX_FLUSH_INTERVAL_MS,
      maxInFlight: env.INFLUX_MAX_IN_FLIGHT,
      gzip: env.INFLUX_GZIP === 'auto' ? 'auto' : env.INFLUX_GZIP === 'on',
    });
  }
  if (deps.db) {
    deps.logger.info('series store: embedded (shared PGlite)');
    return createEmbeddedSeriesStore({ db: deps.db, logger: deps.logger });
  }
  if (deps.memory) {
    deps.logger.info('series store: embedded (memory)');
    return createEmbeddedSeriesStore({ memory: true, logger: deps.logger });
  }
  const dataDir = join(env.DATA_DIR, 'series');
  deps.logger.info({ dataDir }, 'series store: embedded');
  return createEmbeddedSeriesStore({ dataDir, logger: deps.logger });
}

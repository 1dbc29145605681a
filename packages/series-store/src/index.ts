export * from './port.js';
export { SeriesPointInput, SeriesPointError, validatePoints, KIND_PREFERENCE } from './points.js';
export { VALID_HOUR_FRACTION, localHourStart, isValidHour, expectedFromInterval } from './hourly.js';
export { createEmbeddedSeriesStore, type EmbeddedSeriesStore, type EmbeddedSeriesStoreOptions } from './embedded/embedded-store.js';
export { SERIES_SCHEMA_SQL } from './embedded/schema.js';
export { createInfluxSeriesStore, type InfluxSeriesStore, type InfluxSeriesStoreOptions } from './influx/influx-store.js';
export { rollupFlux, rollupTaskFlux, type RollupOptions, type RollupResult } from './influx/rollups.js';
export { createSeriesStore, SeriesStoreEnv, type SeriesStoreDeps } from './factory.js';

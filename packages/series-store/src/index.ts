export * from './port.js';
export { SeriesPointInput, SeriesPointError, validatePoints, KIND_PREFERENCE } from './points.js';
export { VALID_HOUR_FRACTION, localHourStart, isValidHour, expectedFromInterval } from './hourly.js';
export { createEmbeddedSeriesStore, type EmbeddedSeriesStore, type EmbeddedSeriesStoreOptions } from './embedded/embedded-store.js';
export { SERIES_SCHEMA_SQL } from './embedded/schema.js';

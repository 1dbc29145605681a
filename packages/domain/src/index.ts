export * from './topics.js';
export * from './flags.js';
export * from './time.js';
export * from './reading.js';
export * from './site.js';
export * from './anomaly.js';
export * from './lead.js';
export * from './pollutants.js';

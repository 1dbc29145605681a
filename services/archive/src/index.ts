export * from './archiver.js';
export * from './to-points.js';

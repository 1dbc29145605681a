export * from './errors.js';
export * from './canonical.js';
export * from './audit.js';
export * from './correlation.js';
export * from './scoring.js';
export * from './lifecycle.js';
export * from './evidence.js';
export * from './ids.js';

export * from './logger.js';
export * from './config.js';
export * from './metrics.js';
export * from './http.js';
export * from './shutdown.js';
export * from './sites.js';
export * from './env.js';

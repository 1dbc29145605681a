export * from './detector-service.js';

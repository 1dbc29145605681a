export { createConsole, defaultConsoleOptions, type Console, type ConsoleDeps, type ConsoleOptions } from './console.js';
export { SiteState, UNREGISTERED_REGION, type SiteView, type LatestValue, type SiteFilter, type SiteSort, type SiteStatus } from './state/site-state.js';
export { AlertLog, type Alert } from './state/alert-log.js';
export * as responses from './http/responses.js';

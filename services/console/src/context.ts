import type { SiteIndex } from '@offsite/domain';
import type { LeadService } from '@offsite/leads';
import type { Logger } from '@offsite/runtime';
import type { SeriesStore } from '@offsite/series-store';
import type { StreamTickets } from './http/auth.js';
import type { ConsoleMetrics } from './metrics.js';
import type { AlertLog } from './state/alert-log.js';
import type { SiteState } from './state/site-state.js';

/** What the route plugins share. */
export interface ConsoleContext {
  leadService: LeadService;
  seriesStore: SeriesStore;
  sites: SiteIndex;
  siteState: SiteState;
  alerts: AlertLog;
  tickets: StreamTickets;
  metrics: ConsoleMetrics;
  logger: Logger;
  clock: () => number;
  heartbeatMs: number;
  /** How often an open stream re-checks that its token is still valid. */
  streamRecheckMs: number;
}

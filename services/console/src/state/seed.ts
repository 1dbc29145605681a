import type { Logger } from '@offsite/runtime';
import type { SeriesStore } from '@offsite/series-store';
import { SYSTEM_CALLER, type LeadService } from '@offsite/leads';
import type { SiteState } from './site-state.js';

/** Open lead counts per MN from the lead store (the leads topic keeps them current afterwards). */
export async function seedOpenLeads(leadService: Pick<LeadService, 'listLeads'>, sites: SiteState): Promise<number> {
  let cursor: string | null = null;
  let n = 0;
  do {
    const page = await leadService.listLeads(SYSTEM_CALLER, { status: ['new', 'acknowledged', 'assigned', 'investigating'] }, cursor, 1000);
    for (const lead of page.items) sites.applyLead(lead);
    n += page.items.length;
    cursor = page.next;
  } while (cursor);
  return n;
}

/** Latest values of each registered site from the SeriesStore, a few queries at a time. */
export async function seedLatestValues(store: Pick<SeriesStore, 'latest'>, mns: readonly string[], sites: SiteState, logger: Logger, concurrency = 4, isStopped: () => boolean = () => false): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < mns.length && !isStopped()) {
      const mn = mns[next++]!;
      try {
        sites.seedLatest(mn, await store.latest(mn));
      } catch (err) {
        failed++;
        if (failed <= 3) logger.warn({ err, mn }, 'console: could not seed latest values');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, mns.length) }, worker));
  return mns.length - failed;
}

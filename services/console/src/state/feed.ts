import { Anomaly, DeviceStatus, LeadEvent, ReadingBatch, Topics } from '@offsite/domain';
import type { Bus, ConsumedBatch, Consumer } from '@offsite/bus';
import type { Logger } from '@offsite/runtime';
import type { z } from 'zod';
import { alertFromAnomaly, alertFromLead, type AlertLog } from './alert-log.js';
import { UNREGISTERED_REGION, type SiteState } from './site-state.js';

export interface FeedOptions {
  bus: Bus;
  logger: Logger;
  alerts: AlertLog;
  sites: SiteState;
  clock: () => number;
  /** Kafka: one group per console replica, or replicas split the partitions (see docs/console.md). */
  alertsGroupId: string;
  sitesGroupId: string;
  /** Counts each message by topic and outcome ('applied' | 'invalid'). */
  onMessage?: (topic: string, outcome: 'applied' | 'invalid') => void;
}

/**
 * Keeps the console's memory current from the bus: alerts (anomalies, leads), open lead counts,
 * device status and latest values. The console only reads these topics; a message that does not
 * validate is logged with its reason and counted, and never blocks the partition.
 */
export async function startFeed(opts: FeedOptions): Promise<Consumer[]> {
  const log = opts.logger.child({ component: 'console-feed' });

  function decode<S extends z.ZodType>(schema: S, batch: ConsumedBatch, apply: (v: z.infer<S>) => void): void {
    for (const m of batch.messages) {
      let data: unknown;
      try {
        data = JSON.parse(m.value.toString('utf8'));
      } catch (err) {
        log.warn({ topic: m.topic, partition: m.partition, offset: m.offset, reason: (err as Error).message }, 'console feed: message is not JSON; skipped');
        opts.onMessage?.(m.topic, 'invalid');
        continue;
      }
      const r = schema.safeParse(data);
      if (!r.success) {
        const reason = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        log.warn({ topic: m.topic, partition: m.partition, offset: m.offset, reason }, 'console feed: invalid message; skipped');
        opts.onMessage?.(m.topic, 'invalid');
        continue;
      }
      apply(r.data);
      opts.onMessage?.(m.topic, 'applied');
    }
  }

  const alertsConsumer = await opts.bus.consume({
    groupId: opts.alertsGroupId,
    topics: [Topics.anomalies, Topics.leads],
    fromBeginning: false,
    eachBatch: async (batch) => {
      if (batch.topic === Topics.anomalies) {
        decode(Anomaly, batch, (a) => opts.alerts.push(alertFromAnomaly(a, opts.sites.regionOf(a.mn) ?? UNREGISTERED_REGION, opts.clock())));
      } else {
        decode(LeadEvent, batch, (e) => {
          opts.sites.applyLead(e);
          opts.alerts.push(alertFromLead(e, opts.clock()));
        });
      }
    },
  });
  const sitesConsumer = await opts.bus.consume({
    groupId: opts.sitesGroupId,
    topics: [Topics.readings, Topics.deviceStatus],
    fromBeginning: false,
    maxBatchSize: 1000,
    eachBatch: async (batch) => {
      if (batch.topic === Topics.readings) decode(ReadingBatch, batch, (b) => opts.sites.applyReadings(b));
      else decode(DeviceStatus, batch, (s) => opts.sites.applyStatus(s));
    },
  });
  return [alertsConsumer, sitesConsumer];
}

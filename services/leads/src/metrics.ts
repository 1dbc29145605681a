import { Counter, type Registry } from '@offsite/runtime';
import type { AbsorbOutcome } from '@offsite/lead-store';

export interface LeadsMetrics {
  record(outcomes: AbsorbOutcome[], deadLettered: number): void;
  webhook(counts: { delivered: number; retrying: number; failed: number }): void;
}

export function createLeadsMetrics(registry: Registry): LeadsMetrics {
  const absorbed = new Counter({ name: 'leads_anomalies_absorbed_total', help: 'Anomalies handled by the leads consumer, by result', labelNames: ['result'], registers: [registry] });
  const dead = new Counter({ name: 'leads_anomalies_deadlettered_total', help: 'Anomaly messages sent to the dead-letter topic', registers: [registry] });
  const hooks = new Counter({ name: 'leads_webhook_deliveries_total', help: 'Webhook delivery attempts, by outcome', labelNames: ['outcome'], registers: [registry] });
  return {
    record(outcomes, deadLettered) {
      for (const o of outcomes) absorbed.inc({ result: o.result });
      if (deadLettered) dead.inc(deadLettered);
    },
    webhook(counts) {
      for (const [outcome, n] of Object.entries(counts)) if (n) hooks.inc({ outcome }, n);
    },
  };
}

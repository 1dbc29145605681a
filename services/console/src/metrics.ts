import { Counter, Gauge, type Registry } from '@offsite/runtime';
import type { AlertLog } from './state/alert-log.js';
import type { SiteState } from './state/site-state.js';

export interface ConsoleMetrics {
  busMessage(topic: string, outcome: 'applied' | 'invalid'): void;
  sseConnected(delta: 1 | -1): void;
}

export function createConsoleMetrics(registry: Registry, alerts: AlertLog, sites: SiteState): ConsoleMetrics {
  const messages = new Counter({ name: 'console_bus_messages_total', help: 'Bus messages read by the console, by topic and outcome', labelNames: ['topic', 'outcome'], registers: [registry] });
  const sse = new Gauge({ name: 'console_sse_clients', help: 'Open alert streams', registers: [registry] });
  new Gauge({ name: 'console_alert_log_size', help: 'Alerts retained for replay', registers: [registry], collect() { this.set(alerts.size); } });
  new Gauge({
    name: 'console_sites',
    help: 'Sites in the console state, by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const s = sites.stats();
      this.set({ kind: 'registered' }, s.registered);
      this.set({ kind: 'unregistered' }, s.unregistered);
      this.set({ kind: 'open_leads' }, s.openLeads);
    },
  });
  return {
    busMessage: (topic, outcome) => messages.inc({ topic, outcome }),
    sseConnected: (d) => sse.inc(d),
  };
}

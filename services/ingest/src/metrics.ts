import { Counter, Gauge, Histogram, type Registry } from '@offsite/runtime';

export interface IngestMetrics {
  packetsIn: Counter<'transport'>;
  packetsAccepted: Counter<'transport'>;
  packetsRejected: Counter<'transport' | 'code'>;
  duplicates: Counter<'transport'>;
  partials: Counter<'transport'>;
  readings: Counter;
  nonData: Counter<'cn'>;
  busSendSeconds: Histogram;
  busMessages: Counter;
  busSendFailures: Counter;
  pending: Gauge;
  connections: Gauge<'transport'>;
  garbageBytes: Counter;
  mnSwitches: Counter;
  timeSets: Counter;
  devicesOnline: Gauge;
}

/** Ingest's Prometheus metrics, registered on the service's registry (createMetrics). */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    packetsIn: new Counter({ name: 'ingest_packets_in_total', help: 'Packets received', labelNames: ['transport'], registers }),
    packetsAccepted: new Counter({ name: 'ingest_packets_accepted_total', help: 'Packets turned into readings on the bus', labelNames: ['transport'], registers }),
    packetsRejected: new Counter({ name: 'ingest_packets_rejected_total', help: 'Packets sent to the dead letters, by error code', labelNames: ['transport', 'code'], registers }),
    duplicates: new Counter({ name: 'ingest_duplicates_total', help: 'Packets recognised as repeats (acked, not re-emitted)', labelNames: ['transport'], registers }),
    partials: new Counter({ name: 'ingest_subpackets_held_total', help: 'Sub-packets held until their set is complete', labelNames: ['transport'], registers }),
    readings: new Counter({ name: 'ingest_readings_total', help: 'Readings emitted on emissions.readings.v1', registers }),
    nonData: new Counter({ name: 'ingest_non_data_packets_total', help: 'Status/restart/response packets recorded', labelNames: ['cn'], registers }),
    busSendSeconds: new Histogram({ name: 'ingest_bus_send_seconds', help: 'Latency of one bus.send batch', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers }),
    busMessages: new Counter({ name: 'ingest_bus_messages_total', help: 'Messages durably sent to the bus', registers }),
    busSendFailures: new Counter({ name: 'ingest_bus_send_failures_total', help: 'Failed bus.send attempts (retried)', registers }),
    pending: new Gauge({ name: 'ingest_bus_pending_messages', help: 'Messages waiting for or in a bus send', registers }),
    connections: new Gauge({ name: 'ingest_connections', help: 'Open device connections (TCP) / broker sessions (MQTT)', labelNames: ['transport'], registers }),
    garbageBytes: new Counter({ name: 'ingest_tcp_garbage_bytes_total', help: 'Bytes between frames that were not a frame', registers }),
    mnSwitches: new Counter({ name: 'ingest_tcp_mn_switches_total', help: 'Frames whose MN differs from the MN the TCP connection spoke for before', registers }),
    timeSets: new Counter({ name: 'ingest_time_sets_total', help: '1012 time-set commands sent to skewed loggers', registers }),
    devicesOnline: new Gauge({ name: 'ingest_devices_online', help: 'Devices currently online', registers }),
  };
}

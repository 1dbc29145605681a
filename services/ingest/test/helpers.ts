import { buildPacket, type BuildInput } from '@offsite/hj212';
import { createMemoryBus, type Bus, type ConsumedMessage, type Consumer } from '@offsite/bus';
import { formatDataTime, SiteIndex, Topics } from '@offsite/domain';
import { createLogger, createMetrics } from '@offsite/runtime';
import { createIngestMetrics } from '../src/metrics.js';
import { createIngestPipeline, type IngestPipeline } from '../src/pipeline.js';
import type { IngestOptions } from '../src/options.js';

export const MN = 'TESTMN000000000000000001';

/** A 2017 real-time upload (CN 2011) with Flag=5 (ack requested), stamped `at` on the logger clock. */
export function dataFrame(opts: { mn?: string; at: number; qnAt?: number; cn?: string; values?: Record<string, string>; flag?: number; extra?: Partial<BuildInput> }): string {
  const values = opts.values ?? { 'a21026-Rtd': '12.3', 'a21026-Flag': 'N', 'a21002-Rtd': '45.60', 'a21002-Flag': 'N' };
  return buildPacket({
    qn: formatDataTime(opts.qnAt ?? opts.at, true),
    st: '31',
    cn: opts.cn ?? '2011',
    pw: '123456',
    mn: opts.mn ?? MN,
    flag: opts.flag ?? 5,
    cp: { DataTime: formatDataTime(opts.at), ...values },
    ...opts.extra,
  });
}

export interface Collected {
  readings: ConsumedMessage[];
  deadletters: ConsumedMessage[];
  statuses: ConsumedMessage[];
  stop(): Promise<void>;
}

/** Reads the three ingest output topics from the beginning into arrays. */
export async function collect(bus: Bus, groupId = `test-${Math.random().toString(36).slice(2)}`): Promise<Collected> {
  const out = { readings: [] as ConsumedMessage[], deadletters: [] as ConsumedMessage[], statuses: [] as ConsumedMessage[] };
  const consumer: Consumer = await bus.consume({
    groupId,
    topics: [Topics.readings, Topics.deadletter, Topics.deviceStatus],
    fromBeginning: true,
    eachBatch: async (batch) => {
      const list = batch.topic === Topics.readings ? out.readings : batch.topic === Topics.deadletter ? out.deadletters : out.statuses;
      list.push(...batch.messages);
    },
  });
  return { ...out, stop: () => consumer.stop() };
}

export function json<T = Record<string, unknown>>(m: ConsumedMessage): T {
  return JSON.parse(m.value.toString('utf8')) as T;
}

export async function waitFor(cond: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function makePipeline(opts: { bus?: Bus; clock?: () => number; options?: Partial<IngestOptions>; sites?: SiteIndex } = {}): { pipeline: IngestPipeline; bus: Bus; metrics: ReturnType<typeof createIngestMetrics>; registry: ReturnType<typeof createMetrics> } {
  const bus = opts.bus ?? createMemoryBus();
  const registry = createMetrics('ingest-test', false);
  const metrics = createIngestMetrics(registry);
  const pipeline = createIngestPipeline({
    bus,
    sites: opts.sites ?? new SiteIndex([]),
    logger: createLogger('ingest-test'),
    metrics,
    clock: opts.clock,
    options: { batchLingerMs: 1, ...opts.options },
  });
  return { pipeline, bus, metrics, registry };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus, type Bus, type ConsumedMessage } from '@offsite/bus';
import { DeadLetter, LeadEvent, Topics } from '@offsite/domain';
import { createPgliteLeadStore, type LeadStore } from '@offsite/lead-store';
import { verifyChain } from '@offsite/leads-core';
import { createLeadService, startAnomalyConsumer, type LeadService } from '../src/index.js';
import { H, T0, anomaly, logger, sites } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const admin = { userId: 'admin', role: 'admin' as const, regionScope: '000000' };
let store: LeadStore;
let bus: Bus;
let service: LeadService;
const leadEvents: LeadEvent[] = [];
const deadLetters: DeadLetter[] = [];

beforeAll(async () => {
  store = await createPgliteLeadStore();
  bus = createMemoryBus({ handlerRetry: { initialMs: 20, maxMs: 100 } });
  await bus.ensureTopics([
    { name: Topics.anomalies, partitions: 2 },
    { name: Topics.leads, partitions: 2 },
    { name: Topics.deadletter, partitions: 1 },
  ]);
  service = createLeadService({ store, sites, bus, logger, clock: () => T0 + 100 * H });
  const collect = <T>(into: T[], parse: (m: ConsumedMessage) => T) => async (b: { messages: ConsumedMessage[] }) => {
    into.push(...b.messages.map(parse));
  };
  await bus.consume({ groupId: 'test-leads', topics: [Topics.leads], fromBeginning: true, eachBatch: collect(leadEvents, (m) => LeadEvent.parse(JSON.parse(m.value.toString()))) });
  await bus.consume({ groupId: 'test-dl', topics: [Topics.deadletter], fromBeginning: true, eachBatch: collect(deadLetters, (m) => DeadLetter.parse(JSON.parse(m.value.toString()))) });
}, 60_000); // PGlite start-up takes seconds on a busy machine
afterAll(async () => {
  await bus?.close();
  await store?.close();
});

const send = (values: Array<{ key: string; value: string }>) => bus.send(Topics.anomalies, values.map((v) => ({ key: v.key, value: Buffer.from(v.value) })));

describe('anomaly consumer on the memory bus', () => {
  it('absorbs anomalies into leads, dead-letters bad messages without blocking, survives a failing store, and ignores replays', async () => {
    const batch = [anomaly('ZJ0001'), anomaly('ZJ0001', { rule: 'flatline', start: T0 + 2 * H }), anomaly('GD0001'), anomaly('ZJ0002', { rule: 'data-gap' })];
    // The store fails once: the bus must redeliver (offsets are committed only after the store transaction).
    let failures = 1;
    const flaky: LeadService = {
      ...service,
      absorb: async (a) => {
        if (failures-- > 0) throw new Error('store unavailable');
        return service.absorb(a);
      },
    };
    const consumer = await startAnomalyConsumer({ bus, service: flaky, logger });
    await send([
      { key: 'ZJ0001', value: JSON.stringify(batch[0]) },
      { key: 'ZJ0001', value: '{not json' },
      { key: 'ZJ0001', value: JSON.stringify({ ...batch[1], rule: 'no-such-rule' }) },
      ...batch.map((a) => ({ key: a.mn, value: JSON.stringify(a) })),
    ]);
    await until(async () => (await consumer.lag()) === 0);
    expect(failures).toBeLessThan(0);

    const leads = (await service.listLeads(admin, {}, null, 100)).items;
    expect(leads.map((l) => [l.mn, l.category, l.anomalies.length]).sort()).toEqual([
      ['GD0001', 'exceedance', 1],
      ['ZJ0001', 'tampering', 2],
      ['ZJ0002', 'data-quality', 1],
    ]);
    await until(() => deadLetters.length === 2);
    expect(deadLetters.map((d) => d.error.code).sort()).toEqual(['invalid-anomaly', 'invalid-json']);
    expect(deadLetters.find((d) => d.error.code === 'invalid-anomaly')!.error.message).toMatch(/rule/);
    expect(deadLetters.every((d) => d.source === 'leads')).toBe(true);
    // One event per changed lead per batch: each lead's first is 'created', its last shows its anomalies.
    await until(() => new Set(leadEvents.map((e) => e.id)).size === 3);
    for (const l of leads) {
      const mine = leadEvents.filter((e) => e.id === l.id);
      expect(mine[0]!.change).toBe('created');
      expect(mine.at(-1)!.anomalies).toEqual(l.anomalies);
    }

    const auditCounts = async () => Promise.all(leads.map(async (l) => (await store.auditTrail(l.id)).length));
    const auditBefore = await auditCounts();
    const eventsBefore = leadEvents.length;

    // Replay: everything again (what a consumer restart from an old offset does).
    await send(batch.map((a) => ({ key: a.mn, value: JSON.stringify(a) })));
    await until(async () => (await consumer.lag()) === 0);
    const after = (await service.listLeads(admin, {}, null, 100)).items;
    expect(after.map((l) => [l.id, l.anomalies.length, l.evidenceVersion])).toEqual(leads.map((l) => [l.id, l.anomalies.length, l.evidenceVersion]));
    expect(await auditCounts()).toEqual(auditBefore);
    await sleep(100);
    expect(leadEvents.length).toBe(eventsBefore);
    for (const l of after) expect(verifyChain(await store.auditTrail(l.id)).ok).toBe(true);
    await consumer.stop();
  });

  it('keeps a lead event whose publish failed in the outbox and sends it on the next relay', async () => {
    let failLeads = 1;
    const flakyBus: Bus = {
      ...bus,
      kind: bus.kind,
      send: async (topic, messages) => {
        if (topic === Topics.leads && failLeads-- > 0) throw new Error('broker down');
        return bus.send(topic, messages);
      },
    };
    const svc = createLeadService({ store, sites, bus: flakyBus, logger, clock: () => T0 + 200 * H });
    const [o] = await svc.absorb([anomaly('ZJ0003', { start: T0 + 50 * H })]);
    expect(failLeads).toBe(0);
    await sleep(100);
    expect(leadEvents.some((e) => e.id === o!.leadId)).toBe(false);
    expect(await svc.relayEvents()).toBeGreaterThanOrEqual(1);
    await until(() => leadEvents.some((e) => e.id === o!.leadId && e.change === 'created'));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus, type Bus } from '@offsite/bus';
import { createPgliteLeadStore, type LeadStore } from '@offsite/lead-store';
import { infraAvailable } from '@offsite/runtime/testing';
import { createLeadService, startAnomalyConsumer, type LeadService } from '../src/index.js';
import { H, T0, anomaly, logger, sites } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(condition: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

describe.skipIf(!infraAvailable('kafka'))('anomaly consumer on Kafka', () => {
  const run = `${Date.now().toString(36)}${process.pid}`;
  const topic = `test.leads.anomalies.${run}`;
  const admin = { userId: 'admin', role: 'admin' as const, regionScope: '000000' };
  let bus: Bus;
  let store: LeadStore;
  let service: LeadService;

  beforeAll(async () => {
    bus = createBus({ kafkaBrokers: process.env.KAFKA_BROKERS!.split(','), clientId: `leads-test-${run}`, logger });
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    store = await createPgliteLeadStore();
    service = createLeadService({ store, sites, bus, logger, clock: () => T0 + 100 * H });
  });
  afterAll(async () => {
    await bus?.close();
    await store?.close();
  });

  it('absorbs, dead-letters, and a whole-topic replay by a new group creates nothing new', async () => {
    const batch = [anomaly('ZJ0001'), anomaly('ZJ0001', { rule: 'flatline', start: T0 + 2 * H }), anomaly('GD0001')];
    await bus.send(topic, [{ key: 'ZJ0001', value: Buffer.from('{"broken": ') }, ...batch.map((a) => ({ key: a.mn, value: Buffer.from(JSON.stringify(a)) }))]);
    const state = async () => {
      const leads = (await service.listLeads(admin, {}, null, 100)).items;
      const audit = await Promise.all(leads.map(async (l) => (await store.auditTrail(l.id)).length));
      return { leads: leads.map((l) => [l.id, l.anomalies.length, l.evidenceVersion]).sort(), audit: audit.reduce((a, b) => a + b, 0) };
    };

    const first = await startAnomalyConsumer({ bus, service, logger, topic, groupId: `leads-test-a-${run}` });
    await until(async () => (await state()).leads.length === 2 && (await first.lag()) === 0);
    const before = await state();
    expect(before.leads.map((l) => l[1])).toEqual(expect.arrayContaining([2, 1]));
    await first.stop();

    const replay = await startAnomalyConsumer({ bus, service, logger, topic, groupId: `leads-test-b-${run}`, fromBeginning: true });
    await until(async () => (await replay.lag()) === 0);
    await sleep(500);
    expect(await state()).toEqual(before);
    await replay.stop();
  });
});

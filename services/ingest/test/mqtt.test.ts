import { describe, it, expect, afterEach } from 'vitest';
import mqtt from 'mqtt';
import { parsePacket } from '@offsite/hj212';
import { createMemoryBus, type Bus } from '@offsite/bus';
import { DeadLetter, ReadingBatch } from '@offsite/domain';
import { createLogger } from '@offsite/runtime';
import { startMqttIngest, MqttTopics } from '../src/mqtt.js';
import { startAedes } from './aedes.js';
import { collect, dataFrame, json, makePipeline, MN, waitFor } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(bus?: Bus, options = {}) {
  const broker = await startAedes();
  cleanup.push(() => broker.close());
  const made = makePipeline({ bus, options });
  const out = await collect(made.bus);
  const ingest = await startMqttIngest({ url: broker.url, pipeline: made.pipeline, logger: createLogger('mqtt-test'), metrics: made.metrics, clientId: `ingest-test-${Math.random().toString(36).slice(2)}` });
  cleanup.push(async () => {
    await out.stop();
    await made.pipeline.close();
  });
  cleanup.push(() => ingest.close());
  const device = await mqtt.connectAsync(broker.url, { clientId: `dev-${Math.random().toString(36).slice(2)}` });
  cleanup.push(() => device.endAsync());
  return { broker, ingest, out, device, ...made };
}

const now = Date.now();

describe('MQTT ingest against aedes (MQTT 3.1.1)', () => {
  it('falls back to 3.1.1 without a shared subscription, ingests uploads and acks on the down topic', async () => {
    const { ingest, out, device } = await setup();
    expect(ingest.protocolVersion).toBe(4);
    expect(ingest.subscriptions).toEqual(['hj212/+/up', 'hj212json/+/up']);
    const down: string[] = [];
    await device.subscribeAsync(MqttTopics.down(MN), { qos: 1 });
    device.on('message', (_t, payload) => down.push(payload.toString()));
    const frames = Array.from({ length: 20 }, (_, i) => dataFrame({ at: now - i * 30_000 }));
    await Promise.all(frames.map((f) => device.publishAsync(MqttTopics.up(MN), f, { qos: 1 })));
    await waitFor(() => out.readings.length === 20, 5_000, 'readings');
    expect(out.readings.every((m) => ReadingBatch.parse(json(m)).source === 'mqtt')).toBe(true);
    const acks = () => down.map((f) => parsePacket(f)).filter((p) => p.cn === '9014');
    await waitFor(() => acks().length === 20, 5_000, 'acks on the down topic');
    expect(new Set(acks().map((p) => p.qn))).toEqual(new Set(frames.map((f) => parsePacket(f).qn)));
    // the loggers whose QN says they are > 5 min off get one (rate-limited) 1012 time set; it goes
    // at QoS 1 while acks go at QoS 0, so it may arrive after them: wait for it, then for any second one
    const timeSets = () => down.map((f) => parsePacket(f).cn).filter((cn) => cn === '1012');
    await waitFor(() => timeSets().length >= 1, 5_000, 'a 1012 time set');
    await new Promise((r) => setTimeout(r, 200));
    expect(timeSets()).toHaveLength(1);
  });

  it('takes JSON uploads on hj212json/{MN}/up and dead-letters an MN that does not match the topic', async () => {
    const { out, device } = await setup();
    const upload = { mn: MN, cn: '2011', dataTime: now - 60_000, readings: [{ code: 'a21026', value: 1.5, text: '1.5', flag: 'N' }] };
    await device.publishAsync(MqttTopics.jsonUp(MN), JSON.stringify(upload), { qos: 1 });
    await device.publishAsync(MqttTopics.up('SOMEONE-ELSE'), dataFrame({ at: now }), { qos: 1 });
    await waitFor(() => out.readings.length === 1 && out.deadletters.length === 1, 5_000, 'outputs');
    expect(json<ReadingBatch>(out.readings[0]!).source).toBe('json');
    expect(DeadLetter.parse(json(out.deadletters[0]!)).error.code).toBe('MN_TOPIC_MISMATCH');
  });

  it('sends the PUBACK to the broker only after the batch is on the bus', async () => {
    const inner = createMemoryBus();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gated: Bus = { ...inner, kind: 'memory', send: async (t, m) => { await gate; return inner.send(t, m); }, consume: (o) => inner.consume(o), ensureTopics: (t) => inner.ensureTopics(t), health: () => inner.health(), close: () => inner.close() };
    const { broker, device, out } = await setup(gated);
    const acked: number[] = [];
    broker.broker.on('ack', (packet) => {
      if (packet && 'topic' in packet && String(packet.topic).endsWith('/up')) acked.push(Date.now());
    });
    await device.publishAsync(MqttTopics.up(MN), dataFrame({ at: now }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(acked).toHaveLength(0);
    expect(out.readings).toHaveLength(0);
    release();
    await waitFor(() => acked.length === 1, 5_000, 'PUBACK after the bus send');
    await waitFor(() => out.readings.length === 1, 2_000, 'readings');
  });

  it('loses nothing when the bus is down for a while: the broker redelivers after the session drops', async () => {
    const inner = createMemoryBus();
    let down = true;
    const flaky: Bus = { ...inner, kind: 'memory', send: (t, m) => (down ? Promise.reject(new Error('bus down')) : inner.send(t, m)), consume: (o) => inner.consume(o), ensureTopics: (t) => inner.ensureTopics(t), health: () => inner.health(), close: () => inner.close() };
    const { device, out } = await setup(flaky, { busRetryMs: 200 });
    const frames = Array.from({ length: 10 }, (_, i) => dataFrame({ at: now - i * 30_000 }));
    await Promise.all(frames.map((f) => device.publishAsync(MqttTopics.up(MN), f, { qos: 1 })));
    await new Promise((r) => setTimeout(r, 800));
    expect(out.readings).toHaveLength(0);
    down = false;
    await waitFor(() => out.readings.length >= 10, 10_000, 'redelivered readings');
    await new Promise((r) => setTimeout(r, 300));
    const qns = out.readings.map((m) => json<ReadingBatch>(m).qn);
    expect(new Set(qns).size).toBe(10);
    expect(qns).toHaveLength(10); // exactly once: redeliveries of what did get through are duplicates
  });
});

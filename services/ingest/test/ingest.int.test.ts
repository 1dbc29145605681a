import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { createBus, type Bus, type ConsumedMessage, type Consumer } from '@offsite/bus';
import { DeadLetter, ReadingBatch, SiteIndex, Topics } from '@offsite/domain';
import { createLogger, createMetrics } from '@offsite/runtime';
import { infraAvailable } from '@offsite/runtime/testing';
import { startIngest, type RunningIngest } from '../src/ingest.js';
import { MqttTopics } from '../src/mqtt.js';
import { dataFrame, waitFor } from './helpers.js';

const hasInfra = infraAvailable('mqtt') && infraAvailable('kafka');
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
const prefix = `it-${run}/`;
const mnOf = (i: number) => `IT${run}${String(i).padStart(4, '0')}`;

/** Consumes the three output topics, keeping only this run's messages. */
async function watch(bus: Bus): Promise<{ readings: ReadingBatch[]; deadletters: DeadLetter[]; consumer: Consumer }> {
  const readings: ReadingBatch[] = [];
  const deadletters: DeadLetter[] = [];
  const mine = (m: ConsumedMessage) => (m.key ?? '').startsWith(`IT${run}`) || m.value.includes(run);
  const marker = `marker-${run}`;
  let joined = false;
  const consumer = await bus.consume({
    groupId: `ingest-it-${run}`,
    topics: [Topics.readings, Topics.deadletter],
    fromBeginning: false,
    eachBatch: async (batch) => {
      for (const m of batch.messages) {
        if (m.key === marker) joined = true;
        else if (!mine(m)) continue;
        else if (batch.topic === Topics.readings) readings.push(ReadingBatch.parse(JSON.parse(m.value.toString())));
        else deadletters.push(DeadLetter.parse(JSON.parse(m.value.toString())));
      }
    },
  });
  // The group starts at the end of the log once it has joined: a marker proves it is reading.
  const deadline = Date.now() + 60_000;
  while (!joined && Date.now() < deadline) {
    const letter: DeadLetter = { source: 'tcp', receivedAt: Date.now(), raw: '', error: { code: 'TEST_MARKER', message: 'ingest integration test: consumer joined' } };
    await bus.send(Topics.deadletter, [{ key: marker, value: Buffer.from(JSON.stringify(letter)) }]);
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!joined) throw new Error('consumer never joined');
  return { readings, deadletters, consumer };
}

describe.skipIf(!hasInfra)('ingest against real Mosquitto and Kafka', () => {
  let bus: Bus;
  let ingest: RunningIngest;
  let out: Awaited<ReturnType<typeof watch>>;

  beforeAll(async () => {
    bus = createBus({ kafkaBrokers: process.env.KAFKA_BROKERS!.split(','), clientId: `ingest-it-${run}`, logger: createLogger('ingest-it') });
    ingest = await startIngest({
      bus,
      sites: new SiteIndex([]),
      logger: createLogger('ingest-it'),
      registry: createMetrics('ingest-it', false),
      mqtt: { url: process.env.MQTT_URL!, group: `ingest-it-${run}`, clientId: `ingest-it-${run}`, clients: 2, topicPrefix: prefix },
      tcp: { port: 0, host: '127.0.0.1' },
    });
    out = await watch(bus);
  });

  afterAll(async () => {
    await ingest?.stop();
    await out?.consumer.stop();
    await bus?.close();
  });

  it('puts every packet from several concurrent MQTT publishers and a TCP logger on the readings topic exactly once, or in the dead letters with a reason', async () => {
    expect(ingest.mqtt?.protocolVersion).toBe(5);
    expect(ingest.mqtt?.subscriptions[0]).toBe(`$share/ingest-it-${run}/${prefix}hj212/+/up`);
    const now = Date.now();
    const publishers = 4;
    const perPublisher = 500;
    const sent = new Set<string>();
    await Promise.all(
      Array.from({ length: publishers }, async (_, p) => {
        const client = await mqtt.connectAsync(process.env.MQTT_URL!, { clientId: `it-pub-${run}-${p}` });
        const mn = mnOf(p);
        const frames = Array.from({ length: perPublisher }, (_, i) => dataFrame({ mn, at: now - i * 1_000, qnAt: now - i }));
        for (const f of frames) sent.add(`${mn}|${f.match(/QN=(\d+)/)![1]}`);
        // in windows, so the QoS 1 PUBACKs pace the publisher as a logger would be paced
        for (let i = 0; i < frames.length; i += 100) {
          await Promise.all(frames.slice(i, i + 100).map((f) => client.publishAsync(prefix + MqttTopics.up(mn), f, { qos: 1 })));
        }
        const broken = dataFrame({ mn, at: now }).replace(/[0-9A-F]{4}\r\n$/, '0000\r\n');
        await client.publishAsync(prefix + MqttTopics.up(mn), broken, { qos: 1 });
        await client.endAsync();
      }),
    );
    const tcpMn = mnOf(99);
    const socket = connect(ingest.tcp!.port, '127.0.0.1');
    let acks = 0;
    socket.on('data', (b) => (acks += b.toString().split('CN=9014').length - 1));
    const tcpFrames = Array.from({ length: 200 }, (_, i) => dataFrame({ mn: tcpMn, at: now - i * 1_000, qnAt: now - i }));
    for (const f of tcpFrames) sent.add(`${tcpMn}|${f.match(/QN=(\d+)/)![1]}`);
    socket.write(tcpFrames.join(''));

    const total = publishers * perPublisher + tcpFrames.length;
    await waitFor(() => out.readings.length >= total && out.deadletters.length >= publishers, 60_000, `${total} readings`);
    await waitFor(() => acks === tcpFrames.length, 10_000, 'TCP acks');
    socket.destroy();
    await new Promise((r) => setTimeout(r, 1_000)); // anything extra would be a duplicate
    const got = out.readings.map((b) => `${b.mn}|${b.qn}`);
    expect(new Set(got).size).toBe(total);
    expect(got).toHaveLength(total);
    expect([...sent].every((k) => got.includes(k))).toBe(true);
    expect(out.deadletters.filter((d) => d.error.code === 'CRC_MISMATCH')).toHaveLength(publishers);
  });

  // Stopping the shared Kafka disturbs everyone else's tests: CI (one session) or on request only.
  const outage = process.env.CI === 'true' || process.env.INGEST_KAFKA_OUTAGE_TEST === '1';
  it.skipIf(!outage)('loses nothing while Kafka is stopped and restarted mid-stream', async () => {
    const kafkaSh = fileURLToPath(new URL('../../../infra/local/kafka.sh', import.meta.url));
    const mn = mnOf(500);
    const client = await mqtt.connectAsync(process.env.MQTT_URL!, { clientId: `it-outage-${run}` });
    const now = Date.now();
    const frames = Array.from({ length: 600 }, (_, i) => dataFrame({ mn, at: now - i * 1_000, qnAt: now - i }));
    const before = out.readings.filter((b) => b.mn === mn).length;
    expect(before).toBe(0);
    const publishing = (async () => {
      for (let i = 0; i < frames.length; i += 20) {
        await Promise.all(frames.slice(i, i + 20).map((f) => client.publishAsync(prefix + MqttTopics.up(mn), f, { qos: 1 })));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await waitFor(() => out.readings.some((b) => b.mn === mn), 20_000, 'first readings');
    execFileSync('bash', [kafkaSh, 'stop'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 3_000));
    execFileSync('bash', [kafkaSh, 'start'], { stdio: 'ignore' });
    await publishing;
    await client.endAsync();
    await waitFor(() => new Set(out.readings.filter((b) => b.mn === mn).map((b) => b.qn)).size === frames.length, 90_000, 'all readings after the outage');
    await new Promise((r) => setTimeout(r, 2_000));
    const qns = out.readings.filter((b) => b.mn === mn).map((b) => b.qn);
    expect(new Set(qns).size).toBe(frames.length);
    // at-least-once through a broker restart: report duplicates rather than hide them
    console.warn(`kafka outage: ${qns.length - frames.length} duplicate(s) of ${frames.length}`);
  });
});

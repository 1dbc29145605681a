/**
 * Produce and consume throughput of the Bus: in-memory always, Kafka when KAFKA_BROKERS is set.
 * Two message shapes: ~300 B and a ~2 KB ReadingBatch of 12 factors as JSON. Producer sends are
 * sequential (one send of BATCH messages awaited at a time, as a service does); consume is timed
 * from the first delivered batch to the last (group join excluded). Median of 3 runs.
 * One JSON line per figure on stdout; progress on stderr.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { createKafkaBus, createMemoryBus, type Bus, type BusMessage } from '../src/index.js';

const RUNS = 3;
const SEND_BATCH = 500;
const PARTITIONS = 4;
const DEVICES = 100;

function readingBatchJson(mn: string, i: number): string {
  const codes = ['a34013', 'a21026', 'a21002', 'a19001', 'a01011', 'a01012', 'a01013', 'a01014', 'a00000', 'a21005', 'a24088', 'a05002'];
  const dataTime = 1_767_225_600_000 + i * 60_000;
  return JSON.stringify({
    mn,
    st: '31',
    cn: '2051',
    kind: 'minute',
    qn: `20260101000000${String(i % 1000).padStart(3, '0')}`,
    dataTime,
    receivedAt: dataTime + 1_234,
    protocol: '2017',
    source: 'tcp',
    readings: codes.map((code, k) => {
      const value = Math.round((10 + k * 3.7 + (i % 17) * 0.13) * 1000) / 1000;
      return { code, value, text: value.toFixed(3), converted: value * 1.08, min: value * 0.9, max: value * 1.1, cou: value * 60, flag: 'N', eflag: null, extra: { ZsMin: (value * 0.95).toFixed(3), ZsMax: (value * 1.05).toFixed(3) } };
    }),
  });
}

function makeMessages(kind: 'small' | 'readingBatch', count: number): BusMessage[] {
  const pad = 'x'.repeat(240);
  return Array.from({ length: count }, (_, i) => {
    const mn = `88888880000${String(i % DEVICES).padStart(3, '0')}`;
    const value = kind === 'small' ? JSON.stringify({ mn, i, v: 12.345, pad }).slice(0, 300).padEnd(300, ' ') : readingBatchJson(mn, i);
    return { key: mn, value: Buffer.from(value) };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const unique = (what: string) => `bench.${what}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;

async function oneRun(bus: Bus, messages: BusMessage[]): Promise<{ produce: number; consume: number }> {
  const topic = unique('bus');
  await bus.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const t0 = performance.now();
  for (let i = 0; i < messages.length; i += SEND_BATCH) await bus.send(topic, messages.slice(i, i + SEND_BATCH));
  const produceSec = (performance.now() - t0) / 1000;

  let received = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const consumer = await bus.consume({
    groupId: `${topic}.g`,
    topics: [topic],
    fromBeginning: true,
    eachBatch: async (batch) => {
      if (received === 0) first = performance.now();
      for (const m of batch.messages) bytes += m.value.length; // touch every message, as a real handler would
      received += batch.messages.length;
      last = performance.now();
      if (received >= messages.length) done();
    },
  });
  const timeout = setTimeout(done, 30_000);
  await all;
  clearTimeout(timeout);
  await consumer.stop();
  if (received < messages.length || bytes === 0) throw new Error(`consumed ${received} of ${messages.length}`);
  // Time from the first batch's arrival: add one batch's share so a single-batch run is not 0.
  const consumeSec = (last - first) / 1000 + ((last - first) / 1000) / Math.max(1, received / SEND_BATCH);
  return { produce: messages.length / produceSec, consume: messages.length / consumeSec };
}

async function benchAdapter(adapter: 'memory' | 'kafka', makeBus: () => Bus, counts: Record<'small' | 'readingBatch', number>): Promise<void> {
  const bus = makeBus();
  try {
    await oneRun(bus, makeMessages('small', 10_000)); // warm-up (JIT, connections), not reported
    for (const kind of ['small', 'readingBatch'] as const) {
      const messages = makeMessages(kind, counts[kind]);
      const messageBytes = Math.round(messages.reduce((n, m) => n + m.value.length, 0) / messages.length);
      const runs: Array<{ produce: number; consume: number }> = [];
      for (let r = 0; r < RUNS; r++) {
        const run = await oneRun(bus, messages);
        console.error(`bus.${adapter} ${kind} run ${r + 1}: produce ${Math.round(run.produce)} msgs/s, consume ${Math.round(run.consume)} msgs/s`);
        runs.push(run);
      }
      for (const phase of ['produce', 'consume'] as const) {
        const value = Math.round(median(runs.map((r) => r[phase])));
        console.log(JSON.stringify({ bench: `bus.${adapter}.${phase}`, metric: `${phase} msgs/s (${kind})`, value, unit: 'msgs/s', mbPerSec: Math.round((value * messageBytes) / 1e4) / 100, messageBytes, messages: messages.length, batchSize: SEND_BATCH, partitions: PARTITIONS, runs: RUNS, statistic: 'median', sendsInFlight: 1, consumeTiming: 'first to last batch', load1: Math.round(loadavg()[0]! * 10) / 10 }));
      }
    }
  } finally {
    await bus.close();
  }
}

const started = Date.now();
await benchAdapter('memory', () => createMemoryBus({ logger: undefined }), { small: 200_000, readingBatch: 100_000 });
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
if (brokers.length > 0) {
  await benchAdapter('kafka', () => createKafkaBus({ brokers, clientId: 'bus-bench' }), { small: 100_000, readingBatch: 30_000 });
} else {
  console.log(JSON.stringify({ bench: 'bus.kafka', skipped: true, reason: 'KAFKA_BROKERS not set' }));
}
console.error(`bus bench done in ${((Date.now() - started) / 1000).toFixed(1)} s`);

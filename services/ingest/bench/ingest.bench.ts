/**
 * services/ingest throughput and latency, end to end: devices → broker/TCP → ingest → bus, and a
 * raw baseline in the same run (the same packets through the same broker into the same bus with
 * no parsing). Real Mosquitto + Kafka when MQTT_URL and KAFKA_BROKERS are set, embedded aedes +
 * memory bus otherwise. JSON lines on stdout; progress on stderr. Writes to bench.* topics only.
 *
 * Load is closed-loop: publishers keep at most OUTSTANDING packets not yet seen on the bus, so the
 * figures are sustained rates with bounded queues, and latency is publish → consumed from the topic.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { createBus, type Bus, type BusMessage, type Consumer } from '@offsite/bus';
import { parseDataTime, SiteIndex } from '@offsite/domain';
import { createLogger, createMetrics } from '@offsite/runtime';
import { startIngest } from '../src/ingest.js';
import { startAedes } from '../test/aedes.js';
import { POLLUTANTS, type RunCommand } from './load.js';

const PHASE_MS = Number(process.env.INGEST_BENCH_PHASE_MS ?? 10_000);
const OUTSTANDING = 3_000;
const PUBLISHERS = 4;
const DEVICES = 3_000;
const TCP_CONNECTIONS = 16;
const real = Boolean(process.env.MQTT_URL && process.env.KAFKA_BROKERS);
const run = Date.now().toString(36);
const log = (msg: string) => process.stderr.write(`[ingest.bench] ${msg}\n`);
const logger = createLogger('ingest-bench', 'warn');

interface Phase {
  name: string;
  packets: number;
  readings: number;
  seconds: number;
  /** CPU time of this process (ingest or the raw forwarder, plus the topic watcher) during the phase. */
  cpuMs: number;
  latencies: number[];
}

type Watch = Awaited<ReturnType<typeof watch>>;

/** Counts packets on `topic` and records publish → consume latency (the QN carries the publish time). */
async function watch(bus: Bus, topic: string, qnOf: (m: Buffer) => string | null) {
  let seen = 0;
  let latencies: number[] = [];
  let joined = false;
  const marker = `marker-${run}-${topic}`;
  const consumer: Consumer = await bus.consume({
    groupId: `bench-ingest-${run}-${topic}`,
    topics: [topic],
    fromBeginning: false,
    maxBatchSize: 5_000,
    eachBatch: async (batch) => {
      const now = Date.now();
      for (const m of batch.messages) {
        if (m.key === marker) {
          joined = true;
          continue;
        }
        seen++;
        const qn = qnOf(m.value);
        const t = qn ? parseDataTime(qn) : null;
        if (t !== null) latencies.push(now - t);
      }
    },
  });
  while (!joined) {
    await bus.send(topic, [{ key: marker, value: Buffer.from('{}') }]);
    await sleep(300);
  }
  return {
    seen: () => seen,
    get latencies() {
      return latencies;
    },
    reset() {
      seen = 0;
      latencies = [];
    },
    consumer,
  };
}

let debugInfo = () => '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QN_IN_JSON = /"qn":"(\d{17})"/;
const QN_IN_FRAME = /QN=(\d{17})/;

/** Devices live in a child process (bench/load.ts): they must not share ingest's event loop. */
async function startLoad(): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
  });
  return child;
}

type LoadSpec = Omit<RunCommand, 'cmd' | 'durationMs' | 'outstanding' | 'devices' | 'run' | 'phase'>;

/** A short unmeasured run first: connections, topic metadata, devices' first contact (status). */
async function measured(load: ChildProcess, name: string, w: Watch, cmd: LoadSpec): Promise<Phase> {
  await phase(load, `${name}-warmup`, w, cmd, 2_000);
  return phase(load, name, w, cmd, PHASE_MS);
}

async function phase(load: ChildProcess, name: string, w: Watch, cmd: LoadSpec, durationMs: number): Promise<Phase> {
  w.reset();
  const start = Date.now();
  const cpuAtStart = process.cpuUsage();
  // the closed loop's feedback; every 25 ms (≤ 400 packets at these rates, against 3,000 allowed in flight) keeps the harness's own IPC cost in this process small
  const ticker = setInterval(() => load.send({ cmd: 'seen', n: w.seen() }), 25);
  const debug = process.env.INGEST_BENCH_DEBUG ? setInterval(() => log(`${name} t+${Date.now() - start} ms: seen ${w.seen()}, ${debugInfo()}`), 1000) : null;
  const done = new Promise<{ published: number; error?: string }>((resolve) => load.once('message', (m) => resolve(m as { published: number; error?: string })));
  load.send({ cmd: 'run', durationMs, outstanding: OUTSTANDING, devices: DEVICES, run, phase: name, ...cmd } satisfies RunCommand);
  const { published, error } = await done;
  if (error) throw new Error(`load generator: ${error}`);
  const drainDeadline = Date.now() + 20_000;
  while (w.seen() < published && Date.now() < drainDeadline) await sleep(10);
  clearInterval(ticker);
  if (debug) clearInterval(debug);
  const seconds = (Date.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  if (w.seen() < published) log(`${name}: only ${w.seen()} of ${published} packets arrived`);
  return { name, packets: w.seen(), readings: w.seen() * POLLUTANTS.length, seconds, cpuMs: (cpu.user + cpu.system) / 1000, latencies: w.latencies };
}

/** Baseline: subscribe, and send each payload to the bus as it is, batched the same way, no parsing. */
async function startRawForwarder(url: string, bus: Bus, topic: string, topicPrefix: string, protocolVersion: 4 | 5): Promise<() => Promise<void>> {
  const shared = protocolVersion === 5;
  const filter = `${shared ? `$share/bench-raw-${run}/` : ''}${topicPrefix}hj212/+/up`;
  const clients = await Promise.all(
    Array.from({ length: shared ? 4 : 1 }, (_, i) => mqtt.connectAsync(url, { clientId: `bench-raw-${run}-${i}`, protocolVersion, properties: protocolVersion === 5 ? { receiveMaximum: 1_000 } : undefined })),
  );
  let queue: BusMessage[] = [];
  let timer: NodeJS.Timeout | null = null;
  let sending: Promise<void> = Promise.resolve();
  const flush = () => {
    timer = null;
    const batch = queue;
    queue = [];
    sending = sending.then(() => bus.send(topic, batch)).catch((err: unknown) => {
      log(`raw send failed: ${(err as Error).message}`);
    });
  };
  for (const c of clients) {
    c.on('message', (t, payload) => {
      queue.push({ key: t.split('/').at(-2) ?? null, value: payload });
      if (queue.length >= 2_000) flush();
      else timer ??= setTimeout(flush, 5);
    });
    await c.subscribeAsync(filter, { qos: 1 });
  }
  return async () => {
    await sending;
    await Promise.all(clients.map((c) => c.endAsync()));
  };
}

const rate = (phase: Phase): number => phase.readings / phase.seconds;

function combine(phases: Phase[]): Phase {
  return {
    name: phases[0]!.name,
    packets: phases.reduce((a, x) => a + x.packets, 0),
    readings: phases.reduce((a, x) => a + x.readings, 0),
    seconds: phases.reduce((a, x) => a + x.seconds, 0),
    cpuMs: phases.reduce((a, x) => a + x.cpuMs, 0),
    latencies: phases.flatMap((x) => x.latencies),
  };
}

function p(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function report(phase: Phase, extra: Record<string, unknown>): void {
  const base = { ...extra, phase: phase.name, packets: phase.packets, seconds: Number(phase.seconds.toFixed(2)) };
  const line = (metric: string, value: number, unit: string) => console.log(JSON.stringify({ bench: `ingest.${phase.name}`, metric, value: Number(value.toFixed(1)), unit, ...base }));
  line('packets_per_s', phase.packets / phase.seconds, 'packets/s');
  line('readings_per_s', phase.readings / phase.seconds, 'readings/s');
  line('cpu_per_packet', (phase.cpuMs * 1000) / phase.packets, 'µs');
  line('latency_p50', p(phase.latencies, 0.5), 'ms');
  line('latency_p99', p(phase.latencies, 0.99), 'ms');
}

async function main(): Promise<void> {
  const started = Date.now();
  const embedded = real ? null : await startAedes();
  const url = real ? process.env.MQTT_URL! : embedded!.url;
  const bus = createBus({ kafkaBrokers: real ? process.env.KAFKA_BROKERS!.split(',') : undefined, clientId: `bench-ingest-${run}`, logger });
  const topics = { readings: 'bench.ingest.readings', deadletter: 'bench.ingest.deadletter', deviceStatus: 'bench.ingest.status' };
  const rawTopic = 'bench.ingest.raw';
  await bus.ensureTopics([{ name: rawTopic, partitions: 12 }]);
  const context = { transport: real ? 'mosquitto+kafka' : 'aedes+memory', publishers: PUBLISHERS, devices: DEVICES, readingsPerPacket: POLLUTANTS.length, outstanding: OUTSTANDING };
  log(`mode ${context.transport}, ${PHASE_MS} ms per phase`);

  const ingestPrefix = `bench-${run}/`;
  const ingest = await startIngest({
    bus,
    sites: new SiteIndex([]),
    logger,
    registry: createMetrics('ingest-bench', false),
    topics,
    mqtt: { url, clientId: `bench-ingest-${run}`, group: `bench-${run}`, topicPrefix: ingestPrefix, clients: 4 },
    tcp: { port: 0, host: '127.0.0.1' },
  });
  const busStats = async (when: string) => {
    const h = (await ingest.metrics.busSendSeconds.get()).values;
    const count = h.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    const sum = h.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
    const msgs = (await ingest.metrics.busMessages.get()).values[0]?.value ?? 0;
    const dups = (await ingest.metrics.duplicates.get()).values.reduce((a, v) => a + v.value, 0);
    log(`${when}: ${count} bus sends, ${msgs} messages, mean send ${((sum / Math.max(1, count)) * 1000).toFixed(1)} ms, ${dups} duplicates`);
  };
  debugInfo = () => `ingest pending ${ingest.pipeline.pending}`;
  const readingsWatch = await watch(bus, topics.readings, (v) => QN_IN_JSON.exec(v.toString('latin1', 0, 200))?.[1] ?? null);
  const rawWatch = await watch(bus, rawTopic, (v) => QN_IN_FRAME.exec(v.toString('latin1', 0, 40))?.[1] ?? null);

  const load = await startLoad();
  // Raw and ingest phases alternate (ABBA) so that load from anything else on the machine falls
  // on both sides alike; the figures are the sums over each side's phases.
  const rawPrefix = `bench-raw-${run}/`;
  const stopRaw = await startRawForwarder(url, bus, rawTopic, rawPrefix, ingest.mqtt!.protocolVersion);
  const rawSpec: LoadSpec = { kind: 'mqtt', url, topicPrefix: rawPrefix, publishers: PUBLISHERS };
  const mqttSpec: LoadSpec = { kind: 'mqtt', url, topicPrefix: ingestPrefix, publishers: PUBLISHERS };
  await phase(load, 'raw-baseline-warmup', rawWatch, rawSpec, 2_000);
  await phase(load, 'mqtt-warmup', readingsWatch, mqttSpec, 2_000);
  const rawPhases: Phase[] = [];
  const mqttPhases: Phase[] = [];
  for (const side of ['raw', 'mqtt', 'mqtt', 'raw', 'raw', 'mqtt', 'mqtt', 'raw'] as const) {
    log(side === 'raw' ? 'raw baseline (MQTT → bus, no parsing)' : 'ingest over MQTT');
    if (side === 'raw') rawPhases.push(await phase(load, 'raw-baseline', rawWatch, rawSpec, PHASE_MS / 2));
    else mqttPhases.push(await phase(load, 'mqtt', readingsWatch, mqttSpec, PHASE_MS / 2));
  }
  await stopRaw();
  const raw = combine(rawPhases);
  const viaMqtt = combine(mqttPhases);
  const pairRatios = mqttPhases.map((m, i) => Number((rate(m) / rate(rawPhases[i]!)).toFixed(3)));
  const abba = { ...context, phasesPerSide: rawPhases.length, pairRatios };
  report(raw, abba);
  report(viaMqtt, abba);
  await busStats('after mqtt');
  const ratio = rate(viaMqtt) / rate(raw);
  console.log(JSON.stringify({ bench: 'ingest.mqtt', metric: 'ratio_to_raw_baseline', value: Number(ratio.toFixed(3)), unit: 'ratio', ...abba }));
  // Less sensitive to the machine's other load: what a packet costs this process on each side.
  const cpuRatio = raw.cpuMs / raw.packets / (viaMqtt.cpuMs / viaMqtt.packets);
  console.log(JSON.stringify({ bench: 'ingest.mqtt', metric: 'cpu_ratio_to_raw_baseline', value: Number(cpuRatio.toFixed(3)), unit: 'ratio', ...abba }));

  log('ingest over TCP');
  const viaTcp = await measured(load, 'tcp', readingsWatch, { kind: 'tcp', port: ingest.tcp!.port, publishers: TCP_CONNECTIONS });
  load.send({ cmd: 'exit' });
  report(viaTcp, { ...context, connections: TCP_CONNECTIONS });

  await busStats('after tcp');
  await ingest.stop();
  await readingsWatch.consumer.stop();
  await rawWatch.consumer.stop();
  await bus.close();
  await embedded?.close();
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const guard = setTimeout(() => {
  log('bench exceeded 150 s: aborting');
  process.exit(1);
}, 150_000);
guard.unref();
main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);

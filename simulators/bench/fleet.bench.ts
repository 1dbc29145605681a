/**
 * Fleet benchmark: packets/s generated (pure, no I/O) for a large fleet, and packets/s published
 * over MQTT (QoS 1, acknowledged by the broker) to an in-process aedes broker, and to an external
 * broker (Mosquitto) when MQTT_URL is set. A subscriber counts what arrives (it does not ack,
 * and resends are off, so every packet is published once). JSON lines on stdout.
 */
import mqtt from 'mqtt';
import { generateScenario } from '../src/generate.js';
import { runMqtt } from '../src/transport/mqtt.js';
import type { SimPacket } from '../src/device.js';
import { startAedes } from '../test/broker.js';

const MIN = 60_000;
const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const log = (s: string) => process.stderr.write(`[fleet.bench] ${s}\n`);

function countReadings(frame: string): number {
  let n = 0;
  for (let i = frame.indexOf('-Flag='); i >= 0; i = frame.indexOf('-Flag=', i + 1)) n++;
  return n;
}

function pureGeneration(devices: number, minutes: number): void {
  const run = generateScenario({ name: 'honest', devices, durationMs: minutes * MIN });
  const t0 = performance.now();
  let packets = 0;
  let readings = 0;
  let bytes = 0;
  for (const p of run.packets) {
    packets++;
    readings += countReadings(p.frame);
    bytes += p.frame.length;
  }
  const s = (performance.now() - t0) / 1000;
  const ctx = { devices, simulatedMinutes: minutes, packets, factorsPerAirDevice: 9, factorsPerWaterDevice: 4 };
  emit({ bench: 'simulators.generate', metric: 'packets/s', value: Math.round(packets / s), unit: 'packets/s', ...ctx });
  emit({ bench: 'simulators.generate', metric: 'readings/s', value: Math.round(readings / s), unit: 'readings/s', ...ctx });
  emit({ bench: 'simulators.generate', metric: 'throughput', value: Number((bytes / s / 1e6).toFixed(2)), unit: 'MB/s', ...ctx });
  log(`generated ${packets} packets for ${devices} devices in ${s.toFixed(2)} s`);
}

async function publish(label: string, url: string, devices: number, minutes: number): Promise<void> {
  const run = generateScenario({ name: 'honest', devices, durationMs: minutes * MIN });
  const packets: SimPacket[] = [...run.packets];
  const sub = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `bench-sub-${process.pid}`, clean: true });
  let delivered = 0;
  sub.on('message', () => void delivered++);
  await sub.subscribeAsync('bench/+/up', { qos: 1 });
  const connections = Math.min(devices, 50);
  const stats = await runMqtt({ url, devices: run.devices, packets, start: run.start, speed: 'max', connections, topicPrefix: 'bench', lingerMs: 0, maxInFlight: 2000, session: { maxResends: 0 } });
  const drainEnd = performance.now() + 10_000;
  while (delivered < packets.length && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 50));
  await sub.endAsync();
  const ctx = { broker: label, devices, connections, qos: 1, packets: packets.length, delivered, simulatedMinutes: minutes };
  emit({ bench: 'simulators.publish', metric: `packets/s (${label})`, value: Math.round(stats.packetsPerSecond), unit: 'packets/s', ...ctx });
  emit({ bench: 'simulators.publish', metric: `delivered share (${label})`, value: Number((delivered / packets.length).toFixed(4)), unit: 'ratio', ...ctx });
  log(`${label}: published ${stats.sent} in ${(stats.elapsedMs / 1000).toFixed(2)} s, subscriber got ${delivered}`);
}

async function main(): Promise<void> {
  pureGeneration(5000, 20);
  const broker = await startAedes();
  try {
    await publish('aedes in-process', broker.url, 1000, 10);
  } finally {
    await broker.close();
  }
  if (process.env.MQTT_URL) await publish('external', process.env.MQTT_URL, 5000, 6);
  else log('MQTT_URL not set: external broker skipped');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);

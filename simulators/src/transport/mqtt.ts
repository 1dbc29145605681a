import mqtt, { type MqttClient } from 'mqtt';
import type { SimDevice, SimPacket } from '../device.js';
import { packetStream } from '../generate.js';
import { SimClock, pump, type PumpOptions, type RunStats } from '../pace.js';
import { DeviceSession, type SessionOptions } from '../session.js';

/** Topic layout (docs/simulators.md): uplink frames on `hj212/{MN}/up`, platform → device on `hj212/{MN}/down`. */
export const upTopic = (mn: string, prefix = 'hj212'): string => `${prefix}/${mn}/up`;
export const downTopic = (mn: string, prefix = 'hj212'): string => `${prefix}/${mn}/down`;

export interface MqttLinkOptions {
  url: string;
  /** MQTT connections shared by the devices (default: one per device up to 100). */
  connections?: number;
  qos?: 0 | 1;
  topicPrefix?: string;
  /** Client id prefix (default `offsite-sim-{pid}`). */
  clientIdPrefix?: string;
  session?: Pick<SessionOptions, 'ackTimeoutMs' | 'maxResends' | 'historyMs'>;
}

export interface Connected {
  sessions: Map<string, DeviceSession>;
  close(): Promise<void>;
}

async function connectClient(url: string, clientId: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { protocolVersion: 4, clientId, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000 });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`MQTT broker at ${url} did not accept a connection within 10 s`)), 10_000);
      client.once('connect', () => (clearTimeout(timer), resolve()));
      client.once('error', (err) => (clearTimeout(timer), reject(new Error(`MQTT ${url}: ${err.message}`))));
    });
  } catch (err) {
    client.end(true);
    throw err;
  }
  return client;
}

/** Connect devices to a broker (MQTT 3.1.1) and give each a session bound to its topics. */
export async function connectMqtt(devices: readonly SimDevice[], clock: SimClock, opts: MqttLinkOptions): Promise<Connected> {
  const prefix = opts.topicPrefix ?? 'hj212';
  const qos = opts.qos ?? 1;
  const nConn = Math.max(1, Math.min(opts.connections ?? Math.min(devices.length, 100), devices.length));
  const idPrefix = opts.clientIdPrefix ?? `offsite-sim-${process.pid}`;
  const clients: MqttClient[] = [];
  const close = async () => void (await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined))));
  const sessions = new Map<string, DeviceSession>();
  try {
    for (let k = 0; k < nConn; k++) {
      const clientId = nConn === devices.length ? `${idPrefix}-${devices[k]?.mn}` : `${idPrefix}-${k}`;
      clients.push(await connectClient(opts.url, clientId));
    }
    devices.forEach((device, i) => {
      const client = clients[i % nConn] as MqttClient;
      const topic = upTopic(device.mn, prefix);
      sessions.set(
        device.mn,
        new DeviceSession(device, {
          ...opts.session,
          simNow: () => clock.now(),
          send: (frame) => client.publishAsync(topic, frame, { qos }).then(() => undefined),
        }),
      );
    });
    await Promise.all(
      clients.map(async (client, k) => {
        client.on('message', (topic, payload) => {
          const mn = topic.slice(prefix.length + 1, topic.length - '/down'.length);
          void sessions.get(mn)?.onDownlink(payload);
        });
        const mine = devices.filter((_, i) => i % nConn === k).map((d) => downTopic(d.mn, prefix));
        for (let i = 0; i < mine.length; i += 500) await client.subscribeAsync(mine.slice(i, i + 500), { qos: 1 });
      }),
    );
  } catch (err) {
    await close();
    throw err;
  }
  return { sessions, close };
}

export interface MqttRunOptions extends Omit<PumpOptions, 'start'>, MqttLinkOptions {
  devices: readonly SimDevice[];
  packets: Iterable<SimPacket> | AsyncIterable<SimPacket>;
  /** Simulated start of the stream. */
  start: number;
}

/** Run devices over MQTT: publish uploads, answer what arrives on each device's down topic. */
export async function runMqtt(opts: MqttRunOptions): Promise<RunStats> {
  const clock = new SimClock(opts.start, opts.speed);
  const link = await connectMqtt(opts.devices, clock, opts);
  try {
    return await pump(opts.packets, link.sessions, clock, opts);
  } finally {
    await link.close();
  }
}

export interface DeviceRunOptions extends Omit<PumpOptions, 'start'> {
  device: SimDevice;
  start: number;
  end: number;
  intervalMs: number;
}

/** One logger on its own MQTT connection, generating its own packets from `start` to `end`. */
export function runMqttDevice(opts: DeviceRunOptions & MqttLinkOptions): Promise<RunStats> {
  return runMqtt({ ...opts, devices: [opts.device], connections: 1, packets: packetStream([opts.device], opts.start, opts.end, opts.intervalMs) });
}

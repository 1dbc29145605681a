import { hostname } from 'node:os';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import type { Logger } from '@offsite/runtime';
import type { IngestMetrics } from './metrics.js';
import type { HandleMeta, HandleResult, IngestPipeline } from './pipeline.js';

/** Topic layout (docs/ingest.md). `{MN}` is the device's MN. */
export const MqttTopics = {
  /** HJ 212 text frames from devices/gateways. */
  up: (mn: string) => `hj212/${mn}/up`,
  /** Platform → device: 9014 acks, 1012 time sets, backfill requests. */
  down: (mn: string) => `hj212/${mn}/down`,
  /** Gateways that already decode: one JSON reading batch per message (json-payload.ts). */
  jsonUp: (mn: string) => `hj212json/${mn}/up`,
  upFilter: 'hj212/+/up',
  jsonUpFilter: 'hj212json/+/up',
} as const;

export interface MqttIngestOptions {
  url: string;
  pipeline: IngestPipeline;
  logger: Logger;
  metrics: IngestMetrics;
  /** 'auto': MQTT 5 if the broker takes it, else 3.1.1 (aedes 1.2 refuses 5). */
  protocol?: 'auto' | 4 | 5;
  /** Shared subscription `$share/{group}/...`: 'auto' = when the session is MQTT 5. */
  shared?: 'auto' | 'always' | 'never';
  group?: string;
  /** Stable ids keep the persistent session (unacked messages survive an ingest restart). */
  clientId?: string;
  /** Parallel sessions in the shared group (only with a shared subscription). */
  clients?: number;
  /** MQTT 5 receive maximum: unacked messages the broker may have in flight to one session. */
  receiveMaximum?: number;
  /** Pause reading from the broker while more than this many messages wait for the bus. */
  maxPending?: number;
  username?: string;
  password?: string;
  /** Prepended to every topic (e.g. `site-a/`), to share one broker between deployments or test runs. */
  topicPrefix?: string;
}

export interface MqttIngest {
  readonly protocolVersion: 4 | 5;
  /** Every session connected to the broker. */
  readonly connected: boolean;
  readonly subscriptions: string[];
  close(): Promise<void>;
}

/**
 * Subscribes to device uploads and hands each to the pipeline. QoS 1, and the PUBACK of a message
 * goes out only once its packet is durably on the bus (or in the dead letters): mqtt.js would ack
 * as soon as `handleMessage` returns and handles one packet at a time, so acks are held back here
 * (in order, as MQTT requires) while packets flow on. The broker's in-flight window (receive
 * maximum / max_inflight_messages) bounds what ingest holds; if the bus stays down the session is
 * dropped and the broker redelivers the unacked messages on reconnect.
 */
export async function startMqttIngest(opts: MqttIngestOptions): Promise<MqttIngest> {
  const protocolVersion = opts.protocol === 4 || opts.protocol === 5 ? opts.protocol : await probeProtocol(opts);
  const sharedMode = opts.shared ?? 'auto';
  const shared = sharedMode === 'always' || (sharedMode === 'auto' && protocolVersion === 5);
  const group = opts.group ?? 'ingest';
  const root = opts.topicPrefix ?? '';
  const prefix = (shared ? `$share/${group}/` : '') + root;
  const subscriptions = [prefix + MqttTopics.upFilter, prefix + MqttTopics.jsonUpFilter];
  const count = shared ? Math.max(1, opts.clients ?? 1) : 1;
  const baseId = opts.clientId ?? `offsite-ingest-${hostname()}`;
  const sessions = await Promise.all(
    Array.from({ length: count }, (_, i) => startSession({ ...opts, clientId: count === 1 ? baseId : `${baseId}-${i}` }, protocolVersion, subscriptions)),
  );
  opts.logger.info({ url: redact(opts.url), protocolVersion, subscriptions, sessions: count }, 'MQTT ingest subscribed');
  return {
    protocolVersion,
    subscriptions,
    get connected() {
      return sessions.every((s) => s.connected);
    },
    async close() {
      await Promise.all(sessions.map((s) => s.close()));
    },
  };
}

interface Session {
  readonly connected: boolean;
  close(): Promise<void>;
}

const MQTT_DEBUG = /mqttjs/.test(process.env.DEBUG ?? '');

type SendPacket = (packet: Packet, cb?: () => void, ...rest: unknown[]) => void;

async function startSession(opts: MqttIngestOptions & { clientId: string }, protocolVersion: 4 | 5, subscriptions: string[]): Promise<Session> {
  const { pipeline, metrics } = opts;
  const log = opts.logger.child({ transport: 'mqtt', clientId: opts.clientId });
  const maxPending = opts.maxPending ?? 50_000;
  const clientOptions: IClientOptions = {
    clientId: opts.clientId,
    protocolVersion,
    clean: false,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    username: opts.username,
    password: opts.password,
    resubscribe: true,
    properties: protocolVersion === 5 ? { sessionExpiryInterval: 3_600, receiveMaximum: opts.receiveMaximum ?? 1_000 } : undefined,
    // mqtt.js calls its `debug` logger several times per packet even when disabled (~1.5 % of
    // ingest's CPU); keep it only when someone asked for it the debug module's way.
    log: MQTT_DEBUG ? undefined : () => undefined,
  };
  const client: MqttClient = mqtt.connect(opts.url, clientOptions);

  // Each connection gets a generation: acks held for an old connection must never go out on a new
  // one (message ids are reused).
  let generation = 0;
  let stopping = false;
  const held = new Map<number, { gen: number; ok: Promise<boolean> }>();
  let ackChain: Promise<void> = Promise.resolve();
  const internal = client as unknown as { _sendPacket: SendPacket };
  const sendPacket = internal._sendPacket.bind(client);

  internal._sendPacket = (packet, cb, ...rest) => {
    const id = packet.cmd === 'puback' ? packet.messageId : undefined;
    const entry = id !== undefined ? held.get(id) : undefined;
    if (id === undefined || !entry) {
      sendPacket(packet, cb, ...rest);
      return;
    }
    held.delete(id);
    cb?.(); // let mqtt.js read the next packet now; the PUBACK itself waits for the bus
    ackChain = ackChain
      .then(() => entry.ok)
      .then((ok) => {
        if (entry.gen !== generation || !client.connected) return;
        if (ok) sendPacket(packet);
        else dropSession('bus send failed');
      });
  };

  const dropSession = (reason: string) => {
    if (stopping) return;
    log.warn({ reason }, 'dropping the MQTT session so the broker redelivers unacked messages');
    generation++;
    client.stream?.destroy();
  };

  let paused = false;
  const relievePressure = () => {
    if (paused && pipeline.pending < maxPending / 2) {
      paused = false;
      client.stream?.resume();
    }
  };

  client.handleMessage = (packet: IPublishPacket, callback: (err?: Error) => void) => {
    const ok = processPublish(packet);
    if (packet.qos > 0 && packet.messageId !== undefined) held.set(packet.messageId, { gen: generation, ok });
    if (!paused && pipeline.pending >= maxPending) {
      paused = true;
      client.stream?.pause();
    }
    callback();
  };

  const processPublish = async (packet: IPublishPacket): Promise<boolean> => {
    const meta = metaFor(packet.topic, opts.topicPrefix ?? '');
    if (!meta) {
      log.warn({ topic: packet.topic }, 'message on an unexpected topic ignored');
      return true;
    }
    // mqtt-packet hands over a Buffer of its own (a view of a read chunk nobody reuses): no copy.
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    let result: HandleResult;
    try {
      result = await pipeline.handle(payload, meta);
    } catch (err) {
      log.error({ err: (err as Error).message, topic: packet.topic }, 'packet not accepted (bus unavailable); not acked');
      return false;
    } finally {
      relievePressure();
    }
    const mn = result.mn ?? meta.topicMn;
    if (mn && (result.ack || result.replies?.length)) {
      const down = (opts.topicPrefix ?? '') + MqttTopics.down(mn);
      // 9014 acks at QoS 0: a lost ack only makes the logger resend, which dedup absorbs, while
      // QoS 1 acks would double the broker round trips per packet. Commands (1012) at QoS 1.
      const send = (frame: string, qos: 0 | 1) =>
        client.publish(down, frame, { qos }, (err) => {
          if (err) log.warn({ err: err.message, mn }, 'reply to device not published');
        });
      if (result.ack) send(result.ack, 0);
      for (const frame of result.replies ?? []) send(frame, 1);
    }
    return true;
  };

  client.on('connect', () => {
    generation++;
    held.clear();
    metrics.connections.set({ transport: 'mqtt' }, 1);
    log.info({ generation }, 'connected to broker');
  });
  client.on('close', () => metrics.connections.set({ transport: 'mqtt' }, 0));
  client.on('error', (err) => log.warn({ err: err.message }, 'MQTT client error'));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    client.once('error', onError);
    client.once('connect', () => {
      client.off('error', onError);
      // A resumed session keeps its subscriptions; subscribing again is harmless and covers a new one.
      client.subscribe(subscriptions, { qos: 1 }, (err, granted) => {
        if (err) return reject(err);
        const refused = (granted ?? []).filter((g) => g.qos === 128);
        if (refused.length > 0) return reject(new Error(`broker refused subscription(s): ${refused.map((g) => g.topic).join(', ')}`));
        resolve();
      });
    });
  });

  return {
    get connected() {
      return client.connected;
    },
    async close() {
      stopping = true;
      client.stream?.pause(); // take no more; the session keeps its subscription for the next start
      // Let the packets in hand reach the bus and their PUBACKs go out before disconnecting.
      await ackChain.catch(() => undefined);
      // force: the PUBACKs of the packets in hand are written already, and a graceful end would
      // wait on the paused stream forever; what is unacknowledged the broker redelivers.
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    },
  };
}

function metaFor(fullTopic: string, root: string): HandleMeta | null {
  if (!fullTopic.startsWith(root)) return null;
  const topic = fullTopic.slice(root.length);
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[2] !== 'up' || !parts[1]) return null;
  if (parts[0] === 'hj212') return { transport: 'mqtt', peer: `mqtt:${fullTopic}`, topicMn: parts[1] };
  if (parts[0] === 'hj212json') return { transport: 'json', peer: `mqtt:${fullTopic}`, topicMn: parts[1] };
  return null;
}

/** Try an MQTT 5 CONNECT; a broker that refuses the version (aedes 1.2) gets 3.1.1. */
async function probeProtocol(opts: MqttIngestOptions): Promise<4 | 5> {
  return new Promise<4 | 5>((resolve) => {
    const probe = mqtt.connect(opts.url, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      clientId: `offsite-ingest-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      username: opts.username,
      password: opts.password,
    });
    const done = (v: 4 | 5) => {
      probe.end(true);
      resolve(v);
    };
    probe.once('connect', () => done(5));
    probe.once('error', () => done(4));
    probe.once('close', () => done(4));
  });
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

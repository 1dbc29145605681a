import { describe, it, expect, afterEach } from 'vitest';
import { connect, type Socket } from 'node:net';
import { parsePacket } from '@offsite/hj212';
import { DeadLetter, ReadingBatch } from '@offsite/domain';
import { createMemoryBus, type Bus } from '@offsite/bus';
import { createLogger } from '@offsite/runtime';
import { startTcpIngest, type TcpIngest } from '../src/tcp.js';
import { collect, dataFrame, json, makePipeline, MN, waitFor, type Collected } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function server(opts: { maxConnections?: number; idleTimeoutMs?: number; maxFrameBytes?: number; bus?: Bus } = {}): Promise<{ tcp: TcpIngest; out: Collected; metrics: ReturnType<typeof makePipeline>['metrics'] }> {
  const { bus: given, ...tcpOpts } = opts;
  const { pipeline, bus, metrics } = makePipeline({ bus: given });
  const out = await collect(bus);
  const tcp = await startTcpIngest({ port: 0, host: '127.0.0.1', pipeline, logger: createLogger('tcp-test'), metrics, ...tcpOpts });
  cleanup.push(async () => {
    await tcp.close();
    await pipeline.close();
    await out.stop();
  });
  return { tcp, out, metrics };
}

/** A device connection that collects every byte the platform sends back. */
async function device(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (b) => (text += b.toString('latin1')));
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.on('error', () => undefined);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  cleanup.push(async () => {
    socket.destroy();
  });
  return { socket, received: () => text, closed };
}

const replies = (text: string) => text.split('\r\n').filter(Boolean).map((f) => parsePacket(f));
const now = Date.now();

describe('TCP ingest', () => {
  it('reassembles frames sent one byte per segment and acks each with a 9014', async () => {
    const { tcp, out } = await server();
    const d = await device(tcp.port);
    const frames = [dataFrame({ at: now - 60_000 }), dataFrame({ at: now - 30_000 })];
    for (const byte of Buffer.from(frames.join(''))) {
      d.socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => replies(d.received()).length === 2, 5_000, 'two acks');
    const acks = replies(d.received());
    expect(acks.map((a) => a.cn)).toEqual(['9014', '9014']);
    expect(acks.map((a) => a.qn)).toEqual(frames.map((f) => parsePacket(f).qn));
    await waitFor(() => out.readings.length === 2, 2_000, 'readings');
    expect(out.readings.map((m) => ReadingBatch.parse(json(m)).source)).toEqual(['tcp', 'tcp']);
  });

  it('handles several frames in one segment and reports garbage between them', async () => {
    const { tcp, out, metrics } = await server();
    const d = await device(tcp.port);
    const frames = [0, 1, 2].map((i) => dataFrame({ at: now - i * 60_000 }));
    d.socket.write(Buffer.from(`hello${frames[0]}\x00\xff junk${frames[1]}${frames[2]}`, 'latin1'));
    await waitFor(() => replies(d.received()).length === 3, 5_000, 'three acks');
    await waitFor(() => out.readings.length === 3 && out.deadletters.length === 2, 2_000, 'outputs');
    const dls = out.deadletters.map((m) => DeadLetter.parse(json(m)));
    expect(dls.map((x) => x.error.code)).toEqual(['GARBAGE', 'GARBAGE']);
    expect(dls.map((x) => x.error.message.match(/^(\d+) byte/)?.[1])).toEqual(['5', '7']);
    expect((await metrics.garbageBytes.get()).values[0]?.value).toBe(5 + 7);
  });

  it('dead-letters an oversize frame (TOO_LONG) and keeps serving the connection', async () => {
    const { tcp, out } = await server({ maxFrameBytes: 200 });
    const d = await device(tcp.port);
    const big = dataFrame({ at: now, values: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a2100${i}-Rtd`, '1.0'])) });
    expect(big.length).toBeGreaterThan(200);
    const small = dataFrame({ at: now, values: { 'a21026-Rtd': '1.5' } });
    d.socket.write(big + small);
    await waitFor(() => replies(d.received()).length === 1, 5_000, 'ack of the small frame');
    expect(replies(d.received())[0]!.qn).toBe(parsePacket(small).qn);
    await waitFor(() => out.readings.length === 1 && out.deadletters.length >= 1, 2_000, 'outputs');
    expect(out.deadletters.map((m) => json<DeadLetter>(m).error.code)).toContain('TOO_LONG');
  });

  it('closes an idle connection after the idle timeout', async () => {
    const { tcp } = await server({ idleTimeoutMs: 200 });
    const d = await device(tcp.port);
    const started = Date.now();
    await d.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await waitFor(() => tcp.connections === 0, 1_000, 'connection count');
  });

  it('refuses connections beyond the cap', async () => {
    const { tcp } = await server({ maxConnections: 1 });
    const first = await device(tcp.port);
    const second = await device(tcp.port);
    await second.closed;
    first.socket.write(dataFrame({ at: now }));
    await waitFor(() => replies(first.received()).length === 1, 5_000, 'the first connection still works');
  });

  it('sends a 1012 time set to a logger whose clock is off', async () => {
    const { tcp } = await server();
    const d = await device(tcp.port);
    d.socket.write(dataFrame({ at: now - 3_600_000 }));
    await waitFor(() => replies(d.received()).length === 2, 5_000, 'ack and time set');
    const [ack, set] = replies(d.received());
    expect(ack!.cn).toBe('9014');
    expect(set).toMatchObject({ cn: '1012', mn: MN });
  });

  it('rejects a frame with a wrong length field and still accepts the next frame', async () => {
    const { tcp, out } = await server();
    const d = await device(tcp.port);
    const good = dataFrame({ at: now });
    const broken = good.replace(/^##(\d{4})/, (_m, n: string) => `##${String(Number(n) + 1).padStart(4, '0')}`);
    d.socket.write(broken);
    await new Promise((r) => setTimeout(r, 50));
    d.socket.write(dataFrame({ at: now - 60_000 }));
    await waitFor(() => out.readings.length === 1, 5_000, 'the good frame');
    expect(out.deadletters.length).toBeGreaterThanOrEqual(1);
  });

  it('acks only after the bus send resolved, and reads nothing more from the socket meanwhile', async () => {
    const inner = createMemoryBus();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sendsStarted = 0;
    const gated: Bus = { ...inner, kind: 'memory', send: async (t, m) => { sendsStarted++; await gate; return inner.send(t, m); }, consume: (o) => inner.consume(o), ensureTopics: (t) => inner.ensureTopics(t), health: () => inner.health(), close: () => inner.close() };
    const { tcp, out } = await server({ bus: gated });
    const d = await device(tcp.port);
    d.socket.write(dataFrame({ at: now - 120_000 }));
    await waitFor(() => sendsStarted > 0, 2_000, 'first send');
    await new Promise((r) => setTimeout(r, 50));
    const firstBatchSends = sendsStarted; // readings + device status, one send per topic
    d.socket.write(dataFrame({ at: now - 60_000 })); // arrives while the socket is paused
    await new Promise((r) => setTimeout(r, 300));
    expect(d.received()).toBe('');
    expect(sendsStarted).toBe(firstBatchSends); // the second frame was not read yet
    release();
    await waitFor(() => replies(d.received()).length === 2, 5_000, 'both acks');
    await waitFor(() => out.readings.length === 2, 2_000, 'readings');
  });
});

import net from 'node:net';
import mqtt from 'mqtt';
import { parseDataTime } from '@offsite/domain';
import { FrameDecoder, buildDataAck, buildDataRequest, buildTimeCalibration, parsePacket, type Hj212Packet } from '@offsite/hj212';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../src/generate.js';
import { runTcp } from '../src/transport/tcp.js';
import { downTopic, runMqtt } from '../src/transport/mqtt.js';
import { startAedes } from './broker.js';

const MIN = 60_000;

describe('TCP transport against a local platform peer', () => {
  it('acks (with a resend when one is withheld), sets the clock with 1012, answers a backfill request', async () => {
    const received: Hj212Packet[] = [];
    let withheld: string | null = null;
    let firstRtd: number | null = null;
    let rtdCount = 0;
    let calibrated = false;
    let backfillAsked = false;
    const server = net.createServer((socket) => {
      const decoder = new FrameDecoder();
      socket.on('data', (chunk) => {
        for (const ev of decoder.push(chunk)) {
          if (ev.type !== 'frame') continue;
          const p = parsePacket(ev.frame);
          received.push(p);
          // Withhold the very first ack: the logger must resend the same QN.
          if (p.flagBits?.ackRequested) {
            if (withheld === null) withheld = p.qn;
            else socket.write(buildDataAck(p));
          }
          if (p.cn === '2011') {
            const dt = parseDataTime(p.data.dataTime ?? '') as number;
            firstRtd ??= dt;
            const expected = firstRtd + rtdCount * MIN;
            rtdCount++;
            if (!calibrated && Math.abs(dt - expected) > 5 * MIN) {
              calibrated = true;
              socket.write(buildTimeCalibration({ st: p.st, mn: p.mn, pw: p.pw }, expected, expected));
            }
          }
          if (p.cn === '2051' && !backfillAsked && received.filter((r) => r.cn === '2051').length >= 3) {
            backfillAsked = true;
            socket.write(buildDataRequest({ st: p.st, mn: p.mn, pw: p.pw }, '2051', { begin: firstRtd as number, end: (firstRtd as number) + 20 * MIN }, firstRtd as number));
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const run = generateScenario({ name: 'clock-skew', devices: 1, durationMs: 60 * MIN });
      const stats = await runTcp({ host: '127.0.0.1', port, devices: run.devices, packets: run.packets, start: run.start, speed: 1200, session: { ackTimeoutMs: 300 }, lingerMs: 1500 });

      // Resend of the withheld upload: same QN twice.
      expect(received.filter((p) => p.qn === withheld && p.cn !== '9011' && p.cn !== '9012').length).toBeGreaterThanOrEqual(2);
      expect(stats.resent).toBeGreaterThanOrEqual(1);
      expect(stats.acked).toBeGreaterThan(50);

      // 1012: 9011 ready, 9012 success, and later real-time DataTimes are back on the platform's clock.
      expect(calibrated).toBe(true);
      expect(stats.clockSets).toBe(1);
      const exe = received.filter((p) => p.cn === '9012');
      expect(exe.some((p) => p.data.exeRtn === 1)).toBe(true);
      const rtd = received.filter((p) => p.cn === '2011').map((p) => parseDataTime(p.data.dataTime ?? '') as number);
      // The k-th real-time packet should be dated first + k minutes on the platform's clock.
      const tailSkews = rtd.map((dt, k) => dt - (firstRtd as number) - k * MIN).slice(-10);
      for (const s of tailSkews) expect(Math.abs(s)).toBeLessThan(3 * MIN);
      expect(rtd.map((dt, k) => Math.abs(dt - (firstRtd as number) - k * MIN)).some((s) => s > 5 * MIN)).toBe(true);

      // Backfill: 9011 QnRtn=1, the minute records of the range re-uploaded, then 9012.
      expect(backfillAsked).toBe(true);
      expect(received.some((p) => p.cn === '9011' && p.data.qnRtn === 1)).toBe(true);
      expect(stats.backfilled).toBeGreaterThanOrEqual(2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('MQTT transport against an embedded aedes broker', () => {
  let broker: Awaited<ReturnType<typeof startAedes>>;
  beforeAll(async () => {
    broker = await startAedes();
  });
  afterAll(async () => {
    await broker.close();
  });

  it('publishes every packet on hj212/{MN}/up and takes 9014 acks from hj212/{MN}/down', async () => {
    const platform = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'test-platform' });
    const seen = new Map<string, number>();
    platform.on('message', (topic, payload) => {
      const mn = topic.split('/')[1] as string;
      seen.set(mn, (seen.get(mn) ?? 0) + 1);
      const p = parsePacket(payload);
      expect(p.mn).toBe(mn);
      if (p.flagBits?.ackRequested) void platform.publishAsync(downTopic(mn), buildDataAck(p), { qos: 1 });
    });
    await platform.subscribeAsync('hj212/+/up', { qos: 1 });
    try {
      const run = generateScenario({ name: 'honest', devices: 5, durationMs: 60 * MIN });
      const expected = new Map<string, number>();
      const packets = [...run.packets];
      for (const p of packets) expected.set(p.mn, (expected.get(p.mn) ?? 0) + 1);
      const stats = await runMqtt({ url: broker.url, devices: run.devices, packets, start: run.start, speed: 'max', connections: 2, lingerMs: 3000 });
      expect(stats.sent).toBe(packets.length);
      expect(seen).toEqual(expected);
      // Device 2 does not ask for acks, device 4 speaks 2005 (no Flag): everyone else is fully acked.
      expect(stats.unacked).toBe(0);
      expect(stats.acked).toBe(packets.filter((p) => /;Flag=5;/.test(p.frame)).length);
    } finally {
      await platform.endAsync();
    }
  });

  it('names the broker in the error when it cannot connect', async () => {
    const run = generateScenario({ name: 'honest', devices: 1, durationMs: 10 * MIN });
    await expect(runMqtt({ url: 'mqtt://127.0.0.1:1', devices: run.devices, packets: run.packets, start: run.start, speed: 'max' })).rejects.toThrow(/127\.0\.0\.1:1/);
  });
});

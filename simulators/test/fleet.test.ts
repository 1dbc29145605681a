import net from 'node:net';
import mqtt from 'mqtt';
import { FrameDecoder, parsePacket } from '@offsite/hj212';
import { parseSiteRegistry } from '@offsite/domain';
import { describe, expect, it } from 'vitest';
import { startFleet } from '../src/fleet.js';
import { startAedes } from './broker.js';

describe('startFleet', () => {
  it('runs a mixed fleet over MQTT (even devices) and TCP (odd devices) and returns its registry', async () => {
    const broker = await startAedes();
    const tcpFrom = new Set<string>();
    const server = net.createServer((socket) => {
      const decoder = new FrameDecoder();
      socket.on('data', (chunk) => {
        for (const ev of decoder.push(chunk)) if (ev.type === 'frame') tcpFrom.add(parsePacket(ev.frame).mn);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const platform = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'fleet-test-platform' });
    const mqttFrom = new Set<string>();
    platform.on('message', (_topic, payload) => mqttFrom.add(parsePacket(payload).mn));
    await platform.subscribeAsync('hj212/+/up', { qos: 1 });
    try {
      const fleet = await startFleet({ devices: 6, start: '2024-03-01T00:00:00+08:00', durationMs: 15 * 60_000, speed: 'max', mqtt: broker.url, tcp: `127.0.0.1:${port}`, lingerMs: 0 });
      expect(parseSiteRegistry(JSON.stringify({ sites: fleet.sites })).sites).toHaveLength(6);
      expect(fleet.truth.length).toBeGreaterThan(0);
      const stats = await fleet.done;
      expect(stats.devices).toBe(6);
      const mns = fleet.sites.map((s) => s.mn);
      await new Promise((r) => setTimeout(r, 200));
      expect([...mqttFrom].sort()).toEqual(mns.filter((_, i) => i % 2 === 0).sort());
      expect([...tcpFrom].sort()).toEqual(mns.filter((_, i) => i % 2 === 1).sort());
    } finally {
      await platform.endAsync();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.close();
    }
  });
});

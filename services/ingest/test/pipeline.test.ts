import { describe, it, expect, afterEach } from 'vitest';
import { parsePacket, buildPacket } from '@offsite/hj212';
import { createMemoryBus, type Bus } from '@offsite/bus';
import { DeadLetter, DeviceStatus, formatDataTime, ReadingBatch, SiteIndex, Site } from '@offsite/domain';
import { collect, dataFrame, json, makePipeline, MN, waitFor, type Collected } from './helpers.js';
import type { IngestPipeline } from '../src/pipeline.js';

const NOW = Date.UTC(2024, 4, 1, 2, 0, 0); // 10:00 UTC+8
const tcp = { transport: 'tcp' as const, peer: '127.0.0.1:1' };

let open: Array<{ pipeline: IngestPipeline; out: Collected }> = [];
afterEach(async () => {
  for (const o of open) {
    await o.pipeline.close();
    await o.out.stop();
  }
  open = [];
});

async function setup(opts: Parameters<typeof makePipeline>[0] = {}) {
  let now = NOW;
  const made = makePipeline({ clock: () => now, ...opts });
  const out = await collect(made.bus);
  open.push({ pipeline: made.pipeline, out });
  return { ...made, out, setNow: (t: number) => (now = t) };
}

describe('ingest pipeline', () => {
  it('turns a data packet into one ReadingBatch keyed by MN and acks with a 9014 echoing QN and MN', async () => {
    const { pipeline, out } = await setup();
    const frame = dataFrame({ at: NOW - 5_000 });
    const res = await pipeline.handle(Buffer.from(frame), tcp);
    expect(res.outcome).toBe('accepted');
    expect(res.readings).toBe(2);
    await waitFor(() => out.readings.length === 1, 2_000, 'readings');
    const batch = ReadingBatch.parse(json(out.readings[0]!));
    expect(out.readings[0]!.key).toBe(MN);
    expect(batch).toMatchObject({ mn: MN, cn: '2011', kind: 'rtd', source: 'tcp', receivedAt: NOW, dataTime: NOW - 5_000 });
    expect(batch.readings.map((r) => [r.code, r.text, r.flag])).toEqual([['a21026', '12.3', 'N'], ['a21002', '45.60', 'N']]);
    const ack = parsePacket(res.ack!);
    const sent = parsePacket(frame);
    expect(ack).toMatchObject({ cn: '9014', qn: sent.qn, mn: MN, st: '91' });
    expect(ack.items).toEqual([]);
  });

  it('counts a resend (same QN) as a duplicate: acked again, not re-emitted', async () => {
    const { pipeline, out, metrics } = await setup();
    const frame = dataFrame({ at: NOW - 5_000 });
    expect((await pipeline.handle(frame, tcp)).outcome).toBe('accepted');
    const again = await pipeline.handle(frame, tcp);
    expect(again.outcome).toBe('duplicate');
    expect(parsePacket(again.ack!).cn).toBe('9014');
    // same DataTime and content under a new QN: also a repeat
    const requeued = await pipeline.handle(dataFrame({ at: NOW - 5_000, qnAt: NOW - 1_000 }), tcp);
    expect(requeued.outcome).toBe('duplicate');
    // same DataTime with different values is a correction, not a duplicate
    const changed = await pipeline.handle(dataFrame({ at: NOW - 5_000, qnAt: NOW - 500, values: { 'a21026-Rtd': '99.9', 'a21026-Flag': 'N' } }), tcp);
    expect(changed.outcome).toBe('accepted');
    await pipeline.flush();
    await waitFor(() => out.readings.length === 2, 2_000, 'readings');
    expect((await metrics.duplicates.get()).values[0]?.value).toBe(2);
  });

  it('sends a frame with a bad CRC to the dead letters with the typed code and the raw bytes, without an ack', async () => {
    const { pipeline, out } = await setup();
    const frame = dataFrame({ at: NOW }).replace(/[0-9A-F]{4}\r\n$/, '0000\r\n');
    const res = await pipeline.handle(Buffer.from(frame), tcp);
    expect(res).toMatchObject({ outcome: 'rejected', code: 'CRC_MISMATCH' });
    expect(res.ack).toBeUndefined();
    await waitFor(() => out.deadletters.length === 1, 2_000, 'dead letter');
    const dl = DeadLetter.parse(json(out.deadletters[0]!));
    expect(dl).toMatchObject({ source: 'tcp', peer: '127.0.0.1:1', raw: frame, error: { code: 'CRC_MISMATCH' } });
    expect(Buffer.from(dl.rawBase64!, 'base64').toString()).toBe(frame);
    expect(out.readings).toHaveLength(0);
  });

  it('rejects a packet whose MN differs from its MQTT topic, and unregistered MNs under reject-unregistered', async () => {
    const site = Site.parse({ mn: MN, name: 'stack 1', enterprise: 'E', region: '330106', kind: 'air', standard: 'GB13223' });
    const { pipeline, out } = await setup({ sites: new SiteIndex([site]), options: { registration: 'reject-unregistered' } });
    const mismatch = await pipeline.handle(dataFrame({ at: NOW }), { transport: 'mqtt', peer: 'mqtt:hj212/OTHER/up', topicMn: 'OTHER' });
    expect(mismatch).toMatchObject({ outcome: 'rejected', code: 'MN_TOPIC_MISMATCH' });
    expect(parsePacket(mismatch.ack!).cn).toBe('9014'); // recorded durably, so the logger may stop resending
    const stranger = await pipeline.handle(dataFrame({ at: NOW, mn: 'UNKNOWN0001' }), tcp);
    expect(stranger).toMatchObject({ outcome: 'rejected', code: 'UNREGISTERED_MN' });
    const known = await pipeline.handle(dataFrame({ at: NOW }), { transport: 'mqtt', peer: 'x', topicMn: MN });
    expect(known.outcome).toBe('accepted');
    await waitFor(() => out.deadletters.length === 2 && out.readings.length === 1, 2_000, 'outputs');
    expect(out.deadletters.map((m) => json<DeadLetter>(m).error.code).sort()).toEqual(['MN_TOPIC_MISMATCH', 'UNREGISTERED_MN']);
  });

  it('dead-letters an absurd future DataTime; a skewed clock is accepted, recorded and sent a rate-limited 1012', async () => {
    const { pipeline, out } = await setup();
    const absurd = await pipeline.handle(dataFrame({ at: NOW + 2 * 86_400_000 }), tcp);
    expect(absurd).toMatchObject({ outcome: 'rejected', code: 'DATATIME_FUTURE' });
    const skewed = await pipeline.handle(dataFrame({ at: NOW + 20 * 60_000 }), tcp);
    expect(skewed.outcome).toBe('accepted');
    expect(skewed.replies).toHaveLength(1);
    const set = parsePacket(skewed.replies![0]!);
    expect(set).toMatchObject({ cn: '1012', mn: MN });
    expect(set.data.systemTime).toBe(formatDataTime(NOW));
    const again = await pipeline.handle(dataFrame({ at: NOW + 21 * 60_000 }), tcp);
    expect(again.replies ?? []).toHaveLength(0);
    await waitFor(() => out.statuses.length >= 1, 2_000, 'status');
    const status = DeviceStatus.parse(json(out.statuses[0]!));
    expect(status).toMatchObject({ mn: MN, state: 'online', transport: 'tcp', clockSkewMs: 20 * 60_000 });
  });

  it('dead-letters a non-numeric value with the codec code BAD_VALUE', async () => {
    const { pipeline, out } = await setup();
    const res = await pipeline.handle(dataFrame({ at: NOW, values: { 'a21026-Rtd': 'abc', 'a21026-Flag': 'N' } }), tcp);
    expect(res).toMatchObject({ outcome: 'rejected', code: 'BAD_VALUE' });
    await waitFor(() => out.deadletters.length === 1, 2_000, 'dead letter');
    expect(json<DeadLetter>(out.deadletters[0]!).error.message).toContain('a21026-Rtd');
  });

  it('reassembles PNUM/PNO sub-packets, and dead-letters an incomplete set after the timeout', async () => {
    const { pipeline, out, setNow } = await setup({ options: { subPacketTimeoutMs: 60_000 } });
    const part = (pno: number, values: Record<string, string>, qnAt = NOW) =>
      dataFrame({ at: NOW - 600_000, qnAt, cn: '2051', flag: 7, values, extra: { pnum: 2, pno } });
    const first = await pipeline.handle(part(1, { 'a21026-Avg': '12.0', 'a21026-Flag': 'N' }), tcp);
    expect(first.outcome).toBe('partial');
    expect(first.ack).toBeUndefined();
    const second = await pipeline.handle(part(2, { 'a34013-Avg': '3.0', 'a34013-Flag': 'N' }), tcp);
    expect(second.outcome).toBe('accepted');
    expect(parsePacket(second.ack!).cn).toBe('9014');
    await waitFor(() => out.readings.length === 1, 2_000, 'readings');
    expect(json<ReadingBatch>(out.readings[0]!).readings.map((r) => r.code)).toEqual(['a21026', 'a34013']);

    expect((await pipeline.handle(part(1, { 'a21026-Avg': '1.0' }, NOW + 1), tcp)).outcome).toBe('partial');
    setNow(NOW + 61_000);
    await pipeline.sweep();
    await waitFor(() => out.deadletters.length === 1, 2_000, 'dead letter');
    const dl = json<DeadLetter>(out.deadletters[0]!);
    expect(dl.error.code).toBe('INCOMPLETE_SUBPACKETS');
    expect(dl.raw).toContain('PNO=1');
  });

  it('records non-data uploads (3020 status, 2081 restart) on the status topic and acks them', async () => {
    const { pipeline, out } = await setup();
    const status = buildPacket({ qn: formatDataTime(NOW, true), st: '31', cn: '3020', pw: '123456', mn: MN, flag: 5, cp: { DataTime: formatDataTime(NOW), PolId: 'a21026', 'i12001-Info': '0' } });
    const restart = buildPacket({ qn: formatDataTime(NOW + 1, true), st: '31', cn: '2081', pw: '123456', mn: MN, flag: 4, cp: { RestartTime: formatDataTime(NOW - 60_000) } });
    const r1 = await pipeline.handle(status, tcp);
    const r2 = await pipeline.handle(restart, tcp);
    expect(r1.outcome).toBe('accepted');
    expect(parsePacket(r1.ack!).cn).toBe('9014');
    expect(r2.ack).toBeUndefined();
    await waitFor(() => out.statuses.length >= 2, 2_000, 'statuses');
    const events = out.statuses.map((m) => json<{ event?: { cn: string; params: Record<string, string> } }>(m).event);
    expect(events.map((e) => e?.cn)).toEqual(['3020', '2081']);
    expect(events[0]?.params).toMatchObject({ PolId: 'a21026', 'i12001-Info': '0' });
    expect(out.readings).toHaveLength(0);
  });

  it('announces a device online on first contact and offline after its silence', async () => {
    const { pipeline, out, setNow } = await setup({ options: { offlineDefaultMs: 600_000 } });
    await pipeline.handle(dataFrame({ at: NOW }), tcp);
    setNow(NOW + 599_000);
    await pipeline.sweep();
    setNow(NOW + 601_000);
    await pipeline.sweep();
    await waitFor(() => out.statuses.length === 2, 2_000, 'statuses');
    expect(out.statuses.map((m) => json<DeviceStatus>(m).state)).toEqual(['online', 'offline']);
    expect(json<DeviceStatus>(out.statuses[1]!)).toMatchObject({ lastSeen: NOW, at: NOW + 601_000 });
  });

  it('accepts the hj212json payload and dead-letters one that breaks the schema', async () => {
    const { pipeline, out } = await setup();
    const meta = { transport: 'json' as const, peer: `mqtt:hj212json/${MN}/up`, topicMn: MN };
    const good = { mn: MN, cn: '2061', dataTime: '20240501090000', readings: [{ code: 'a21026', value: 12.1, text: '12.1', flag: 'N' }] };
    expect((await pipeline.handle(JSON.stringify(good), meta)).outcome).toBe('accepted');
    expect((await pipeline.handle(JSON.stringify(good), meta)).outcome).toBe('duplicate');
    const bad = await pipeline.handle(JSON.stringify({ ...good, readings: [{ code: 'a21026', value: 'high' }] }), meta);
    expect(bad).toMatchObject({ outcome: 'rejected', code: 'BAD_SCHEMA' });
    await waitFor(() => out.readings.length === 1 && out.deadletters.length === 1, 2_000, 'outputs');
    expect(json<ReadingBatch>(out.readings[0]!)).toMatchObject({ source: 'json', kind: 'hour', dataTime: Date.UTC(2024, 4, 1, 1, 0, 0) });
    expect(json<DeadLetter>(out.deadletters[0]!).error.message).toContain('readings.0.value');
  });

  it('batches concurrent packets into few bus sends', async () => {
    const inner = createMemoryBus();
    let sends = 0;
    const counting: Bus = { ...inner, kind: 'memory', send: (t, m) => { sends++; return inner.send(t, m); }, consume: (o) => inner.consume(o), ensureTopics: (t) => inner.ensureTopics(t), health: () => inner.health(), close: () => inner.close() };
    const { pipeline, out } = await setup({ bus: counting, options: { batchLingerMs: 5 } });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => pipeline.handle(dataFrame({ mn: `MN${i % 20}`, at: NOW - i * 1000 }), tcp)));
    expect(results.every((r) => r.outcome === 'accepted')).toBe(true);
    await waitFor(() => out.readings.length === 200, 2_000, 'readings');
    expect(sends).toBeLessThan(10);
  });

  it('refuses (rejects) packets when the bus stays down, and forgets them so a resend gets through', async () => {
    const inner = createMemoryBus();
    let down = true;
    const flaky: Bus = { ...inner, kind: 'memory', send: (t, m) => (down ? Promise.reject(new Error('broker down')) : inner.send(t, m)), consume: (o) => inner.consume(o), ensureTopics: (t) => inner.ensureTopics(t), health: () => inner.health(), close: () => inner.close() };
    const { pipeline, out } = await setup({ bus: flaky, options: { busRetryMs: 300 } });
    const frame = dataFrame({ at: NOW });
    await expect(pipeline.handle(frame, tcp)).rejects.toThrow('broker down');
    down = false;
    expect((await pipeline.handle(frame, tcp)).outcome).toBe('accepted');
    await waitFor(() => out.readings.length === 1, 2_000, 'readings');
  });
});

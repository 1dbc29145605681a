import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryBus, type Bus } from '@offsite/bus';
import { Anomaly, SiteIndex, Topics, type ReadingBatch, type Site } from '@offsite/domain';
import { createLogger, createMetrics } from '@offsite/runtime';
import { createDetectService } from '../src/detector-service.js';

const logger = createLogger('detect-test', 'silent');
const MN = 'MN-DETECT-0001';
const site: Site = { mn: MN, name: 'Boiler 1', enterprise: 'Test Power', region: '330106', kind: 'air', standard: 'GB13223-2011', o2Ref: 6, limits: { a21026: 35 }, ranges: { a21026: 200 }, positiveList: false, utcOffsetMinutes: 480, normalFlow: 50 };
const t0 = Date.UTC(2024, 2, 1, 16, 0, 0); // 00:00 local

/** 30-s real-time data; SO2 (O2 at the reference, so converted = raw) at `so2(i)`. */
function series(count: number, so2: (i: number) => number): ReadingBatch[] {
  return Array.from({ length: count }, (_, i) => {
    const v = so2(i);
    const jitter = ((i * 7919) % 13) / 10;
    return {
      mn: MN,
      st: '31',
      cn: '2011',
      kind: 'rtd' as const,
      qn: null,
      dataTime: t0 + i * 30_000,
      receivedAt: t0 + i * 30_000 + 2_000,
      protocol: '2017' as const,
      source: 'mqtt' as const,
      readings: [
        { code: 'a21026', value: v + jitter, text: (v + jitter).toFixed(1), flag: 'N' as const },
        { code: 'a19001', value: 6 + jitter / 10, text: (6 + jitter / 10).toFixed(2), flag: 'N' as const },
        { code: 'a00000', value: 50 + jitter, text: (50 + jitter).toFixed(1), flag: 'N' as const },
        { code: 'a01011', value: 10 + jitter / 5, text: (10 + jitter / 5).toFixed(2), flag: 'N' as const },
      ],
    };
  });
}

async function runThrough(batches: ReadingBatch[], stateFile: string, groupId: string): Promise<Anomaly[]> {
  const bus: Bus = createMemoryBus({ logger });
  await bus.ensureTopics([{ name: Topics.readings, partitions: 2 }, { name: Topics.anomalies, partitions: 2 }]);
  const seen: Anomaly[] = [];
  const watch = await bus.consume({ groupId: `watch-${groupId}`, topics: [Topics.anomalies], fromBeginning: true, eachBatch: async (b) => void seen.push(...b.messages.map((m) => Anomaly.parse(JSON.parse(m.value.toString())))) });
  const svc = createDetectService({ bus, sites: new SiteIndex([site]), logger, registry: createMetrics('d', false), stateFile, groupId, tickMs: 3_600_000, now: () => t0 + batches.length * 30_000 });
  await svc.start();
  await bus.send(Topics.readings, batches.map((b) => ({ key: b.mn, value: Buffer.from(JSON.stringify(b)) })));
  const end = Date.now() + 20_000;
  while ((await svc.lag()) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await svc.stop();
  await new Promise((r) => setTimeout(r, 50));
  await watch.stop();
  await bus.close();
  return seen;
}

describe('detect service', () => {
  it('emits a breach for an hour whose converted average exceeds the limit, with the same id on replay', async () => {
    // 3 hours: hour 2 (local 01:00–02:00) at ~60 mg/m³ against a limit of 35.
    const data = series(360, (i) => (i >= 120 && i < 240 ? 60 : 20));
    const dir = mkdtempSync(join(tmpdir(), 'detect-'));
    const first = await runThrough(data, join(dir, 'state.json'), 'detect-a');
    const breaches = first.filter((a) => a.rule === 'breach');
    expect(breaches.length).toBeGreaterThanOrEqual(1);
    const b = breaches.at(-1)!;
    expect(b.mn).toBe(MN);
    expect(b.pollutant).toBe('a21026');
    expect(b.start).toBe(t0 + 3_600_000);
    expect(b.evidence.statistic.value).toBeGreaterThan(35);
    expect(b.evidence.threshold.value).toBe(35);
    // Honest neighbours: no breach in the first hour.
    expect(first.some((a) => a.rule === 'breach' && a.start === t0)).toBe(false);

    // A fresh engine on a fresh bus over the same data derives the same ids.
    const replay = await runThrough(data, join(dir, 'other.json'), 'detect-b');
    expect(new Set(replay.filter((a) => a.rule === 'breach').map((a) => a.id))).toEqual(new Set(breaches.map((a) => a.id)));
  });

  it('rebuilds its state from the state file after a restart: the same anomaly ids, none lost, none new', async () => {
    // 4 hours with a breach hour that straddles the restart (i = 200 is inside hour 2).
    const data = series(480, (i) => (i >= 120 && i < 240 ? 60 : 20));
    const dir = mkdtempSync(join(tmpdir(), 'detect-restart-'));
    const once = await runThrough(data, join(dir, 'once.json'), 'detect-once');
    const stateFile = join(dir, 'restart.json');
    const before = await runThrough(data.slice(0, 200), stateFile, 'detect-first');
    const after = await runThrough(data.slice(200), stateFile, 'detect-second');
    const ids = (as: Anomaly[]) => [...new Set(as.map((a) => a.id))].sort();
    expect(ids(once).length).toBeGreaterThan(0);
    expect(ids([...before, ...after])).toEqual(ids(once));
    // Nothing reported before the restart is reported again as a new window after it.
    const starts = new Set(before.map((a) => `${a.rule}:${a.pollutant}:${a.start}`));
    expect(after.filter((a) => starts.has(`${a.rule}:${a.pollutant}:${a.start}`)).every((a) => before.some((b) => b.id === a.id))).toBe(true);
  });
});

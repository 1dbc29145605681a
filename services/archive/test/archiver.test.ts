import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '@offsite/bus';
import { createEmbeddedSeriesStore } from '@offsite/series-store';
import { SiteIndex, Topics, type ReadingBatch } from '@offsite/domain';
import { createLogger, createMetrics } from '@offsite/runtime';
import { createArchiver } from '../src/archiver.js';
import { rtdBatch } from './batch.js';

const logger = createLogger('archive-test', 'silent');
const t0 = Date.UTC(2024, 0, 1, 0, 0, 0);

function batch(i: number, mn = 'MN-ARCH-1'): ReadingBatch {
  return rtdBatch(mn, t0 + i * 30_000, [
    { code: 'a21026', value: 10 + i, text: `${10 + i}.0`, converted: 12 + i, flag: 'N' },
    { code: 'a19001', value: 7.5, text: '7.5', flag: i % 10 === 0 ? 'C' : 'N' },
  ]);
}

async function until(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('archiver', () => {
  it('writes every reading, dead-letters poison messages, and a replay adds nothing', async () => {
    const bus = createMemoryBus({ logger });
    const store = await createEmbeddedSeriesStore({ memory: true, logger });
    const sites = new SiteIndex([{ mn: 'MN-ARCH-1', name: 'Stack 1', enterprise: 'E1', region: '330106', kind: 'air', standard: 'GB13223-2011', limits: {}, ranges: {}, positiveList: false, utcOffsetMinutes: 480 }]);
    await bus.ensureTopics([{ name: Topics.readings, partitions: 2 }, { name: Topics.deadletter, partitions: 1 }]);
    const msgs = Array.from({ length: 100 }, (_, i) => ({ key: 'MN-ARCH-1', value: Buffer.from(JSON.stringify(batch(i))) }));
    msgs.splice(50, 0, { key: 'MN-ARCH-1', value: Buffer.from('{"not":"a batch"}') }, { key: 'MN-ARCH-1', value: Buffer.from('##garbage') });
    await bus.send(Topics.readings, msgs);

    const dead: string[] = [];
    const dl = await bus.consume({ groupId: 'dl-watch', topics: [Topics.deadletter], fromBeginning: true, eachBatch: async (b) => void dead.push(...b.messages.map((m) => m.value.toString())) });
    const archiver = createArchiver({ bus, store, sites, logger, registry: createMetrics('a', false) });
    await archiver.start();
    await until(async () => (await archiver.lag()) === 0 && dead.length === 2);
    await archiver.stop();

    const rows = await store.range({ mn: 'MN-ARCH-1', kind: 'rtd', from: t0, to: t0 + 100 * 30_000 });
    expect(rows).toHaveLength(200);
    const so2 = rows.filter((r) => r.pollutant === 'a21026');
    expect(so2.map((r) => r.value)).toEqual(Array.from({ length: 100 }, (_, i) => 10 + i));
    expect(so2[3]).toMatchObject({ text: '13.0', converted: 15, flag: 'N' });
    expect(rows.filter((r) => r.flag === 'C')).toHaveLength(10);
    expect(dead.map((d) => JSON.parse(d).error.code).sort()).toEqual(['BAD_JSON', 'BAD_READING_BATCH']);

    // A second group replays the whole topic: the store keeps one point per key.
    const replay = createArchiver({ bus, store, sites, logger, registry: createMetrics('b', false), groupId: 'archive-replay' });
    await replay.start();
    await until(async () => (await replay.lag()) === 0);
    await replay.stop();
    expect(await store.range({ mn: 'MN-ARCH-1', kind: 'rtd', from: t0, to: t0 + 100 * 30_000 })).toHaveLength(200);
    await dl.stop();
    await store.close();
    await bus.close();
  });
});

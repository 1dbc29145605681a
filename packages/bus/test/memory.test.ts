import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createBus, createMemoryBus, partitionForKey, type BusMessage, type ConsumedMessage } from '../src/index.js';
import { busContract } from './contract.js';

busContract('memory', async () => createMemoryBus({ handlerRetry: { initialMs: 20, maxMs: 200 } }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messages = (n: number, keys = 1): BusMessage[] => Array.from({ length: n }, (_, i) => ({ key: `k${i % keys}`, value: Buffer.from(String(i)) }));
async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('memory bus specifics', () => {
  it('partitions keys exactly like kafkajs DefaultPartitioner (murmur2)', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const count of [1, 3, 4, 12]) {
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
      for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'MN88888880000001', '设备-0001', 'x'.repeat(97)]) {
        expect(partitionForKey(key, count)).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }
    }
  });

  it('send awaits while a running group has maxUncommittedPerPartition pending, and resumes on commit', async () => {
    const bus = createMemoryBus({ maxUncommittedPerPartition: 10 });
    await bus.ensureTopics([{ name: 'bp', partitions: 1 }]);
    const g = gate();
    const seen: ConsumedMessage[] = [];
    await bus.consume({ groupId: 'slow', topics: ['bp'], maxBatchSize: 5, eachBatch: async (b) => { await g.wait; seen.push(...b.messages); } });
    await bus.send('bp', messages(10));
    let resolved = false;
    const blocked = bus.send('bp', messages(1)).then(() => (resolved = true));
    await sleep(100);
    expect(resolved).toBe(false);
    g.open();
    await blocked;
    await until(() => seen.length === 11);
    await bus.close();
  });

  it('without consumers, retention bounds each partition; send never blocks', async () => {
    const bus = createMemoryBus({ retentionPerPartition: 100, maxUncommittedPerPartition: 10 });
    await bus.ensureTopics([{ name: 'ret', partitions: 2 }]);
    for (let i = 0; i < 10; i++) await bus.send('ret', messages(200, 8));
    for (const count of bus.retained('ret')) {
      expect(count).toBeGreaterThanOrEqual(100);
      expect(count).toBeLessThanOrEqual(110);
    }
    await bus.close();
  });

  it('never trims what a running group has not committed; trims once it has', async () => {
    const bus = createMemoryBus({ retentionPerPartition: 10, maxUncommittedPerPartition: 1_000 });
    await bus.ensureTopics([{ name: 'keep', partitions: 1 }]);
    const g = gate();
    let handled = 0;
    await bus.consume({ groupId: 'g', topics: ['keep'], eachBatch: async (b) => { await g.wait; handled += b.messages.length; } });
    await bus.send('keep', messages(50));
    await bus.send('keep', messages(50));
    expect(bus.retained('keep')).toEqual([100]);
    g.open();
    await until(() => handled === 100);
    await bus.send('keep', messages(1));
    await until(() => handled === 101);
    expect(bus.retained('keep')[0]).toBeLessThanOrEqual(11);
    await bus.close();
  });

  it('a member joining mid-stream takes partitions over without duplicating a batch', async () => {
    const bus = createMemoryBus();
    await bus.ensureTopics([{ name: 'join', partitions: 4 }]);
    const a: ConsumedMessage[] = [];
    const b: ConsumedMessage[] = [];
    const slow = (into: ConsumedMessage[]) => async (batch: { messages: ConsumedMessage[] }) => { await sleep(5); into.push(...batch.messages); };
    await bus.consume({ groupId: 'g', topics: ['join'], fromBeginning: true, maxBatchSize: 5, eachBatch: slow(a) });
    await bus.send('join', messages(400, 40));
    await until(() => a.length >= 40);
    await bus.consume({ groupId: 'g', topics: ['join'], fromBeginning: true, maxBatchSize: 5, eachBatch: slow(b) });
    await until(() => a.length + b.length >= 400);
    await sleep(50);
    const ids = [...a, ...b].map((m) => `${m.partition}:${m.offset}`);
    expect(new Set(ids).size).toBe(400);
    expect(ids).toHaveLength(400);
    expect(b.length).toBeGreaterThan(0);
    await bus.close();
  });

  it('rejects bad input with errors that name it', async () => {
    const bus = createMemoryBus();
    await expect(bus.send('bad topic!', messages(1))).rejects.toThrow(/topic names use only/);
    await expect(bus.send('ok', [{ key: 'k', value: 42 as unknown as Buffer }])).rejects.toThrow(/message 0: value must be a Buffer or a string/);
    await expect(bus.ensureTopics([{ name: 'x', partitions: 0 }])).rejects.toThrow(/partitions/);
    await expect(bus.consume({ groupId: '', topics: ['x'], eachBatch: async () => {} })).rejects.toThrow(/groupId/);
    await bus.close();
    await expect(bus.send('ok', messages(1))).rejects.toThrow(/closed/);
  });

  it('createBus picks Kafka only when brokers are configured', async () => {
    expect(createBus().kind).toBe('memory');
    expect(createBus({ kafkaBrokers: [] }).kind).toBe('memory');
    const kafka = createBus({ kafkaBrokers: ['127.0.0.1:1'], clientId: 'test' });
    expect(kafka.kind).toBe('kafka');
    await kafka.close();
    expect(() => createBus({ kafkaBrokers: ['no-port'] })).toThrow(/host:port/);
  });
});

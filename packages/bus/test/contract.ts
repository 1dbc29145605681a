/**
 * The Bus contract: every adapter (memory, Kafka) runs this suite. Topic and group names carry a
 * random suffix so re-runs against a long-lived Kafka never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../src/partitioner.js';
import type { Bus, BusMessage, ConsumedBatch, ConsumedMessage, Consumer } from '../src/port.js';

export interface BusContractOptions {
  /** Partitions of each test topic (default 4). */
  partitions?: number;
  /** How long to wait for deliveries (default 20 s; Kafka rebalances take a few seconds). */
  deliveryTimeoutMs?: number;
}

const unique = (what: string) => `contract.${what}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const idOf = (m: ConsumedMessage) => `${m.partition}:${m.offset}`;
const text = (m: ConsumedMessage) => m.value.toString('utf8');

async function waitFor(what: string, timeoutMs: number, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Records what a consumer handled; `handle` is its eachBatch. */
class Received {
  readonly messages: ConsumedMessage[] = [];
  readonly batches: ConsumedBatch[] = [];
  handle = async (batch: ConsumedBatch): Promise<void> => {
    this.batches.push(batch);
    this.messages.push(...batch.messages);
  };
  ids(): Set<string> {
    return new Set(this.messages.map(idOf));
  }
  texts(): string[] {
    return this.messages.map(text);
  }
}

/** `count` messages spread over `keys` keys, interleaved: value "key:seq" with seq per key. */
function keyedMessages(count: number, keys: number, prefix = 'mn'): BusMessage[] {
  const seq = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const key = `${prefix}-${i % keys}`;
    const n = seq.get(key) ?? 0;
    seq.set(key, n + 1);
    return { key, value: Buffer.from(`${key}:${n}`) };
  });
}

export function busContract(name: string, makeBus: () => Promise<Bus>, opts: BusContractOptions = {}): void {
  const partitions = opts.partitions ?? 4;
  const timeoutMs = opts.deliveryTimeoutMs ?? 20_000;

  describe(`Bus contract: ${name}`, () => {
    let bus: Bus;
    const consumers: Consumer[] = [];

    beforeAll(async () => {
      bus = await makeBus();
    });
    afterAll(async () => {
      await Promise.all(consumers.map((c) => c.stop()));
      await bus?.close();
    });

    async function topic(what: string, count = partitions): Promise<string> {
      const t = unique(what);
      await bus.ensureTopics([{ name: t, partitions: count }]);
      return t;
    }
    async function consume(options: Parameters<Bus['consume']>[0]): Promise<Consumer> {
      const c = await bus.consume(options);
      consumers.push(c);
      return c;
    }

    it('reports health', async () => {
      expect((await bus.health()).ok).toBe(true);
    });

    it('delivers keys, values, headers and timestamps as sent; a key always lands on its partition', async () => {
      const t = await topic('roundtrip');
      const got = new Received();
      await consume({ groupId: unique('g'), topics: [t], fromBeginning: true, eachBatch: got.handle });
      const before = Date.now();
      await bus.send(t, [
        { key: 'mn-1', value: Buffer.from('{"a":1}'), headers: { 'content-type': 'application/json', trace: 'x-1' }, timestamp: 1_700_000_000_123 },
        { key: null, value: Buffer.from([0, 1, 2, 255]) },
        { key: 'mn-2', value: Buffer.from('plain') },
        { key: 'mn-3', value: '{"text":"监测 ok"}' },
      ]);
      const after = Date.now();
      await waitFor('4 messages', timeoutMs, () => got.messages.length >= 4);
      expect(got.messages).toHaveLength(4);
      const byKey = (k: string | null) => got.messages.find((m) => m.key === k)!;
      const first = byKey('mn-1');
      expect(first).toMatchObject({ topic: t, key: 'mn-1', headers: { 'content-type': 'application/json', trace: 'x-1' }, timestamp: 1_700_000_000_123 });
      expect(text(first)).toBe('{"a":1}');
      expect(first.partition).toBe(partitionForKey('mn-1', partitions));
      expect(byKey('mn-2').partition).toBe(partitionForKey('mn-2', partitions));
      const unkeyed = byKey(null);
      expect([...unkeyed.value]).toEqual([0, 1, 2, 255]);
      expect(unkeyed.timestamp).toBeGreaterThanOrEqual(before - 1000);
      expect(unkeyed.timestamp).toBeLessThanOrEqual(after + 1000);
      expect(byKey('mn-2').headers ?? {}).toEqual({});
      // text goes out as its UTF-8 bytes and comes back as bytes
      const fromText = byKey('mn-3');
      expect(Buffer.isBuffer(fromText.value)).toBe(true);
      expect(fromText.value.equals(Buffer.from('{"text":"监测 ok"}', 'utf8'))).toBe(true);
      for (const m of got.messages) expect(m.offset).toMatch(/^\d+$/);
    });

    it('keeps per-key order across many keys and sends', async () => {
      const t = await topic('order');
      const got = new Received();
      await consume({ groupId: unique('g'), topics: [t], fromBeginning: true, maxBatchSize: 37, eachBatch: got.handle });
      const all = keyedMessages(1000, 40);
      for (let i = 0; i < all.length; i += 200) await bus.send(t, all.slice(i, i + 200));
      await waitFor('1000 messages', timeoutMs, () => got.messages.length >= 1000);
      expect(got.messages).toHaveLength(1000);
      expect(got.batches.every((b) => b.messages.length <= 37)).toBe(true);
      const seqs = new Map<string, number[]>();
      const partitionOf = new Map<string, Set<number>>();
      for (const m of got.messages) {
        const [key, n] = text(m).split(':');
        seqs.set(key!, [...(seqs.get(key!) ?? []), Number(n)]);
        partitionOf.set(key!, (partitionOf.get(key!) ?? new Set()).add(m.partition));
      }
      expect(seqs.size).toBe(40);
      for (const list of seqs.values()) expect(list).toEqual(Array.from({ length: 25 }, (_, i) => i));
      for (const set of partitionOf.values()) expect(set.size).toBe(1);
    });

    it('members of one group share the partitions: disjoint subsets that together are everything', async () => {
      const t = await topic('share');
      const groupId = unique('g');
      const a = new Received();
      const b = new Received();
      await consume({ groupId, topics: [t], fromBeginning: true, eachBatch: a.handle });
      await consume({ groupId, topics: [t], fromBeginning: true, eachBatch: b.handle });
      const all = keyedMessages(400, 80);
      await bus.send(t, all);
      await waitFor('400 messages over two members', timeoutMs, () => a.messages.length + b.messages.length >= 400);
      await sleep(200);
      const aIds = a.ids();
      expect([...b.ids()].filter((id) => aIds.has(id))).toEqual([]);
      expect(new Set([...a.texts(), ...b.texts()])).toEqual(new Set(all.map((m) => m.value.toString())));
      expect(a.messages.length).toBeGreaterThan(0);
      expect(b.messages.length).toBeGreaterThan(0);
      const aParts = new Set(a.messages.map((m) => m.partition));
      expect(b.messages.some((m) => aParts.has(m.partition))).toBe(false);
    });

    it('two groups each get everything', async () => {
      const t = await topic('groups');
      const one = new Received();
      const two = new Received();
      await consume({ groupId: unique('g1'), topics: [t], fromBeginning: true, eachBatch: one.handle });
      await consume({ groupId: unique('g2'), topics: [t], fromBeginning: true, eachBatch: two.handle });
      const all = keyedMessages(200, 20);
      await bus.send(t, all);
      await waitFor('200 messages in each group', timeoutMs, () => one.messages.length >= 200 && two.messages.length >= 200);
      const expected = all.map((m) => m.value.toString()).sort();
      expect(one.texts().sort()).toEqual(expected);
      expect(two.texts().sort()).toEqual(expected);
    });

    it('a handler that throws gets the same messages again and nothing is lost', async () => {
      const t = await topic('retry');
      const groupId = unique('g');
      const failed: ConsumedBatch[] = [];
      const got = new Received();
      const consumer = await consume({
        groupId,
        topics: [t],
        fromBeginning: true,
        maxBatchSize: 25,
        eachBatch: async (batch) => {
          if (failed.length < 2) {
            failed.push(batch);
            throw new Error('simulated handler failure');
          }
          await got.handle(batch);
        },
      });
      const all = keyedMessages(100, 10);
      await bus.send(t, all);
      await waitFor('100 handled messages', timeoutMs, () => got.messages.length >= 100);
      expect(failed).toHaveLength(2);
      const ids = (b: ConsumedBatch) => b.messages.map(idOf);
      // The retry is the very same batch, and the first success on that partition is that batch again.
      expect(ids(failed[1]!)).toEqual(ids(failed[0]!));
      const nextOnPartition = got.batches.find((b) => b.partition === failed[0]!.partition)!;
      expect(ids(nextOnPartition)).toEqual(ids(failed[0]!));
      expect(got.texts().sort()).toEqual(all.map((m) => m.value.toString()).sort());
      await waitFor('lag 0', timeoutMs, async () => (await consumer.lag()) === 0);
    });

    it('a consumer stopped mid-stream commits the batch in hand; a new member resumes from the commit', async () => {
      const t = await topic('resume');
      const groupId = unique('g');
      const all = keyedMessages(300, 30);
      await bus.send(t, all);
      const first = new Received();
      const slowA = await consume({
        groupId,
        topics: [t],
        fromBeginning: true,
        maxBatchSize: 10,
        eachBatch: async (batch) => {
          await sleep(15);
          await first.handle(batch);
        },
      });
      await waitFor('A to handle 50 messages', timeoutMs, () => first.messages.length >= 50);
      await slowA.stop();
      const handledByA = first.ids();
      // Everything A handled was committed, so the group's lag is exactly the rest.
      expect(await slowA.lag()).toBe(300 - handledByA.size);
      const second = new Received();
      await consume({ groupId, topics: [t], fromBeginning: true, eachBatch: second.handle });
      await waitFor('the rest', timeoutMs, () => handledByA.size + second.messages.length >= 300);
      await sleep(200);
      expect(second.messages.filter((m) => handledByA.has(idOf(m)))).toEqual([]);
      expect(new Set([...first.texts(), ...second.texts()]).size).toBe(300);
    });

    it('a batch abandoned by a stopped consumer is redelivered to the next member (duplicates only of uncommitted)', async () => {
      const t = await topic('abandon', 1);
      const groupId = unique('g');
      const all = keyedMessages(100, 5);
      await bus.send(t, all);
      const committedByA = new Received();
      const failedOnA: ConsumedBatch[] = [];
      const a = await consume({
        groupId,
        topics: [t],
        fromBeginning: true,
        maxBatchSize: 10,
        eachBatch: async (batch) => {
          if (committedByA.batches.length < 3) return committedByA.handle(batch);
          failedOnA.push(batch);
          throw new Error('simulated crash before commit');
        },
      });
      await waitFor('A to fail once', timeoutMs, () => failedOnA.length >= 1);
      await a.stop();
      const second = new Received();
      await consume({ groupId, topics: [t], fromBeginning: true, eachBatch: second.handle });
      await waitFor('the rest', timeoutMs, () => second.messages.length >= 70);
      await sleep(200);
      const aIds = committedByA.ids();
      expect(committedByA.messages).toHaveLength(30);
      expect(second.messages.filter((m) => aIds.has(idOf(m)))).toEqual([]);
      const secondIds = second.ids();
      expect(failedOnA[0]!.messages.every((m) => secondIds.has(idOf(m)))).toBe(true);
      expect(second.messages).toHaveLength(70);
      expect(new Set([...committedByA.texts(), ...second.texts()]).size).toBe(100);
    });

    it('fromBeginning decides where a new group starts; a group with commits resumes from them', async () => {
      const t = await topic('start');
      await bus.send(t, keyedMessages(20, 4, 'old'));
      const fromStart = new Received();
      const latest = new Received();
      const startGroup = unique('begin');
      const startConsumer = await consume({ groupId: startGroup, topics: [t], fromBeginning: true, eachBatch: fromStart.handle });
      await consume({ groupId: unique('latest'), topics: [t], fromBeginning: false, eachBatch: latest.handle });
      await bus.send(t, keyedMessages(20, 4, 'new'));
      await waitFor('40 from the beginning, 20 latest', timeoutMs, () => fromStart.messages.length >= 40 && latest.messages.length >= 20);
      await sleep(300);
      expect(fromStart.messages).toHaveLength(40);
      expect(latest.texts().every((v) => v.startsWith('new-'))).toBe(true);
      expect(latest.messages).toHaveLength(20);

      await startConsumer.stop();
      await bus.send(t, keyedMessages(5, 5, 'later'));
      const again = new Received();
      await consume({ groupId: startGroup, topics: [t], fromBeginning: true, eachBatch: again.handle });
      await waitFor('5 later messages', timeoutMs, () => again.messages.length >= 5);
      await sleep(300);
      expect(again.texts().sort()).toEqual(['later-0:0', 'later-1:0', 'later-2:0', 'later-3:0', 'later-4:0']);
    });

    it('lag reports messages not yet committed', async () => {
      const t = await topic('lag');
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => (open = resolve));
      const got = new Received();
      const consumer = await consume({
        groupId: unique('g'),
        topics: [t],
        eachBatch: async (batch) => {
          await gate;
          await got.handle(batch);
        },
      });
      expect(await consumer.lag()).toBe(0);
      await bus.send(t, keyedMessages(30, 6));
      await waitFor('lag 30', timeoutMs, async () => (await consumer.lag()) === 30);
      open();
      await waitFor('30 handled', timeoutMs, () => got.messages.length >= 30);
      await waitFor('lag 0', timeoutMs, async () => (await consumer.lag()) === 0);
    });
  });
}

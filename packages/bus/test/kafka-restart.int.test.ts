/**
 * A broker restart mid-stream loses nothing: a producer keeps sending and a consumer keeps reading
 * while the broker stops and starts again; every sent message arrives at least once.
 *
 * The restart is driven by `bash infra/local/kafka.sh restart`, so this runs only when
 * KAFKA_BROKERS is that script's broker (127.0.0.1:19092), or when KAFKA_RESTART_CMD names
 * another command that restarts the broker at KAFKA_BROKERS.
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { infraAvailable } from '@offsite/runtime/testing';
import { describe, expect, it } from 'vitest';
import { createKafkaBus } from '../src/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
const restartCommand = process.env.KAFKA_RESTART_CMD ?? (brokers.length === 1 && brokers[0] === '127.0.0.1:19092' ? `bash ${repoRoot}/infra/local/kafka.sh restart` : undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!infraAvailable('kafka') || !restartCommand)('kafka bus across a broker restart', () => {
  it('everything produced while the broker restarts arrives at least once', async () => {
    const bus = createKafkaBus({ brokers, clientId: 'bus-restart-test', heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000 });
    const topic = `contract.restart.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
    await bus.ensureTopics([{ name: topic, partitions: 4 }]);
    const received = new Set<number>();
    let deliveries = 0;
    await bus.consume({
      groupId: `${topic}.g`,
      topics: [topic],
      fromBeginning: true,
      eachBatch: async (batch) => {
        for (const m of batch.messages) received.add(Number(m.value.toString()));
        deliveries += batch.messages.length;
      },
    });

    let sent = 0;
    let producing = true;
    const sendErrors: unknown[] = [];
    const producer = (async () => {
      while (producing) {
        const batch = Array.from({ length: 50 }, (_, i) => ({ key: `mn-${(sent + i) % 20}`, value: Buffer.from(String(sent + i)) }));
        try {
          await bus.send(topic, batch);
          sent += batch.length;
        } catch (error) {
          sendErrors.push(error);
        }
        await sleep(20);
      }
    })();

    while (sent < 1_000) await sleep(20);
    const sentBeforeRestart = sent;
    const restartStarted = Date.now();
    await promisify(execFile)('bash', ['-c', restartCommand!], { cwd: repoRoot, timeout: 120_000 });
    const restartMs = Date.now() - restartStarted;
    const resumeAt = sent;
    await sleep(1_500);
    producing = false;
    await producer;

    const deadline = Date.now() + 60_000;
    while (received.size < sent && Date.now() < deadline) await sleep(100);
    console.error(JSON.stringify({ sentBeforeRestart, sentDuringRestart: resumeAt - sentBeforeRestart, sent, received: received.size, deliveries, duplicates: deliveries - received.size, restartMs }));
    await bus.close();

    expect(sendErrors).toEqual([]);
    expect(sent).toBeGreaterThan(resumeAt);
    const missing = Array.from({ length: sent }, (_, i) => i).filter((i) => !received.has(i));
    expect(missing).toEqual([]);
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { HttpError } from '@influxdata/influxdb-client';
import { createLogger } from '@offsite/runtime';
import { AckedWriter, type SendLines } from '../src/influx/acked-writer.js';

/**
 * The batching/acknowledgement logic alone, over a scripted stand-in for the HTTP send
 * (the adapter against a real InfluxDB is in influx.int.test.ts).
 */
function scriptedApi(answers: (lines: string[]) => Promise<void>) {
  const sent: string[][] = [];
  const api: SendLines = async (lines) => {
    sent.push(lines);
    await answers(lines);
  };
  return { api, sent };
}

const opts = { batchSize: 3, flushIntervalMs: 0, maxInFlight: 2, maxRetries: 2, retryJitter: 0, minRetryDelayMs: 1, maxRetryDelayMs: 5 };
const log = createLogger('acked-writer-test');
const lines = (n: number, p = 'l') => Array.from({ length: n }, (_, i) => `${p}${i}`);

describe('AckedWriter', () => {
  it('coalesces concurrent writes into batches and resolves each write after all its lines are acknowledged', async () => {
    const pending: (() => void)[] = [];
    const { api, sent } = scriptedApi(() => new Promise<void>((r) => pending.push(r)));
    const w = new AckedWriter(api, opts, log);
    let aDone = false;
    let bDone = false;
    const a = w.write(lines(4, 'a')).then(() => (aDone = true));
    const b = w.write(lines(2, 'b')).then(() => (bDone = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(sent).toEqual([['a0', 'a1', 'a2'], ['a3', 'b0', 'b1']]);
    pending.shift()!();
    await new Promise((r) => setTimeout(r, 1));
    expect([aDone, bDone]).toEqual([false, false]);
    pending.shift()!();
    await Promise.all([a, b]);
    expect([aDone, bDone]).toEqual([true, true]);
  });

  it('retries retryable failures with backoff, then succeeds', async () => {
    let calls = 0;
    const { api, sent } = scriptedApi(async () => {
      if (++calls < 3) throw new HttpError(503, 'unavailable');
    });
    await new AckedWriter(api, opts, log).write(lines(2));
    expect(sent.length).toBe(3);
  });

  it('rejects at once on a non-retryable answer, and after maxRetries on retryable ones', async () => {
    const bad = scriptedApi(async () => {
      throw new HttpError(400, 'bad request', 'unable to parse');
    });
    await expect(new AckedWriter(bad.api, opts, log).write(lines(1))).rejects.toThrow(/bad request|unable to parse/);
    expect(bad.sent.length).toBe(1);
    const down = scriptedApi(async () => {
      throw new HttpError(503, 'unavailable');
    });
    await expect(new AckedWriter(down.api, opts, log).write(lines(1))).rejects.toThrow(/unavailable/);
    expect(down.sent.length).toBe(3);
  });

  it('drain() sends the partial batch and waits for it', async () => {
    const { api, sent } = scriptedApi(async () => undefined);
    const w = new AckedWriter(api, { ...opts, flushIntervalMs: 60_000 }, log);
    const p = w.write(lines(2));
    await w.drain();
    await p;
    expect(sent).toEqual([['l0', 'l1']]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import type { SimPacket } from '@offsite/simulators';
import { planDemo } from '../src/demo.js';
import { readDemoState, writeDemoState } from '../src/demo-state.js';

const HOUR = 3_600_000;
const base = { devices: 3, seed: 7, historyMs: 2 * HOUR };
const now0 = Date.UTC(2026, 0, 10, 8, 0, 0);

/** Live packets of a plan sent up to `until` (as the pump would have sent them). */
function sendLiveUntil(live: Iterable<SimPacket>, until: number): SimPacket[] {
  const sent: SimPacket[] = [];
  for (const p of live) {
    if (p.sendAt > until) break;
    sent.push(p);
  }
  return sent;
}

/** Latest DataTime sent per device and data kind (CN: real-time, minute, hourly, …). */
const lastDataTimeByStream = (packets: SimPacket[]) => {
  const m = new Map<string, number>();
  for (const p of packets) m.set(`${p.mn} ${p.cn}`, Math.max(m.get(`${p.mn} ${p.cn}`) ?? -Infinity, p.dataTime));
  return m;
};

describe('planDemo', () => {
  it('a first start replays the history up to now and sends the rest live', () => {
    const plan = planDemo({ ...base, now: now0 });
    expect(plan.resumed).toBe(false);
    expect(plan.history.length).toBeGreaterThan(100);
    expect(plan.history.every((p) => p.sendAt <= now0)).toBe(true);
    const firstLive = plan.live[Symbol.iterator]().next();
    expect(firstLive.done).toBe(false);
    expect((firstLive.value as SimPacket).sendAt).toBeGreaterThan(now0);
    expect(plan.state).toEqual({ ...base, start: now0 - 2 * HOUR, sentUntil: plan.history.at(-1)!.sendAt });
  });

  it('a restart carries on the same run: only what was not sent yet, the same packets, nothing twice', () => {
    const first = planDemo({ ...base, now: now0 });
    const stoppedAt = now0 + 10 * 60_000;
    const sentLive = sendLiveUntil(first.live, stoppedAt);
    const sent = [...first.history, ...sentLive];
    const previous = { ...first.state, sentUntil: sentLive.at(-1)!.sendAt };

    const now1 = now0 + 30 * 60_000;
    const second = planDemo({ ...base, now: now1, previous });
    expect(second.resumed).toBe(true);
    expect(second.state.start).toBe(first.state.start);
    // The downtime (stop → restart) is replayed, nothing before it.
    expect(second.history.length).toBeGreaterThan(0);
    expect(second.history.every((p) => p.sendAt > previous.sentUntil && p.sendAt <= now1)).toBe(true);
    const lastSent = lastDataTimeByStream(sent);
    for (const p of second.history) expect(p.dataTime).toBeGreaterThan(lastSent.get(`${p.mn} ${p.cn}`) ?? -Infinity);
    // Same seed and start: the frames are those the first run would have sent in that window.
    const uninterrupted = planDemo({ ...base, now: now0 });
    const expected = sendLiveUntil(uninterrupted.live, now1).filter((p) => p.sendAt > previous.sentUntil);
    expect(second.history.map((p) => p.frame)).toEqual(expected.map((p) => p.frame));
  });

  it('a restart with other settings starts a new run after everything already sent', () => {
    const first = planDemo({ ...base, now: now0 });
    const previous = first.state;
    const second = planDemo({ ...base, seed: 8, now: now0 + 60_000, previous });
    expect(second.resumed).toBe(false);
    expect(second.state.start).toBeGreaterThan(previous.sentUntil);
    expect(second.history.every((p) => p.dataTime > previous.sentUntil)).toBe(true);
  });

  it('a restart after the run has ended starts a new run', () => {
    const first = planDemo({ ...base, now: now0 });
    const later = now0 + 24 * HOUR;
    const second = planDemo({ ...base, now: later, previous: { ...first.state, sentUntil: now0 + 2 * HOUR } });
    expect(second.resumed).toBe(false);
    expect(second.state.start).toBe(later - 2 * HOUR);
    expect(second.history.length).toBeGreaterThan(100);
  });
});

describe('demo state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offsite-demo-'));

  it('round-trips, and is absent before the first run', () => {
    const file = join(dir, 'demo-state.json');
    expect(readDemoState(file)).toBeNull();
    const state = { ...base, start: now0, sentUntil: now0 + 5 };
    writeDemoState(file, state);
    expect(readDemoState(file)).toEqual(state);
  });

  it('a damaged file is an error naming the file and the field', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...base, start: 'yesterday', sentUntil: 1 }));
    expect(() => readDemoState(file)).toThrow(/bad\.json: not a demo state file \(start: .*delete it/);
    writeFileSync(file, '{');
    expect(() => readDemoState(file)).toThrow(/bad\.json: not valid JSON/);
  });
});

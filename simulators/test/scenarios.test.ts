import { createHash } from 'node:crypto';
import { Factor, parseSiteRegistry } from '@offsite/domain';
import { describe, expect, it } from 'vitest';
import { generateScenario, listScenarios } from '../src/generate.js';
import { runParsed, series, within, type ParsedRun } from './helpers.js';

const HOUR = 3_600_000;
const num = (s: string | undefined): number => Number(s);

/** Valid hourly converted (or plain, for water) averages of every pollutant with a limit stay under it. */
function expectHourlyUnderLimits(run: ParsedRun, mn: string): number {
  const site = run.sites.get(mn);
  if (!site) throw new Error(mn);
  let checked = 0;
  for (const [code, limit] of Object.entries(site.limits)) {
    for (const h of series(run, mn, '2061', code)) {
      if (h.flag !== 'N') continue;
      expect(num(h.zsAvg ?? h.avg), `${mn} ${code} ${new Date(h.t).toISOString()}`).toBeLessThanOrEqual(limit);
      checked++;
    }
  }
  return checked;
}

describe('scenario catalogue', () => {
  it('lists every scenario with a description', () => {
    const names = listScenarios().map((s) => s.name);
    expect(names).toContain('honest');
    expect(names).toContain('dilution');
    expect(new Set(names).size).toBe(names.length);
  });

  it('every scenario parses with packages/hj212 and yields a valid site registry', () => {
    for (const { name } of listScenarios()) {
      const run = runParsed({ name, devices: 3, durationMs: 2 * HOUR });
      expect(run.packets.length, name).toBeGreaterThan(0);
      const registry = parseSiteRegistry(JSON.stringify({ sites: [...run.sites.values()] }));
      expect(registry.sites).toHaveLength(3);
      for (const p of run.packets) expect(run.sites.has(p.mn)).toBe(true);
    }
  });

  it('same seed gives the same bytes; another seed differs', () => {
    const digest = (seed: number) => {
      const h = createHash('sha256');
      for (const p of generateScenario({ name: 'mixed', devices: 6, seed, durationMs: 2 * HOUR }).packets) h.update(p.frame);
      return h.digest('hex');
    };
    expect(digest(7)).toBe(digest(7));
    expect(digest(7)).not.toBe(digest(8));
  });

  it('2005 loggers send old codes without Flag', () => {
    const run = runParsed({ name: 'honest', devices: 5, durationMs: HOUR });
    const old = run.packets.filter((p) => p.packet.version === '2005');
    expect(old.length).toBeGreaterThan(0);
    expect(old[0]?.packet.flag).toBeNull();
    expect(old[0]?.frame).toMatch(/;(011|02)-Rtd=/);
  });
});

describe('honest scenarios', () => {
  for (const name of ['honest', 'startup-shutdown', 'calibration-maintenance']) {
    it(`${name}: empty truth, hourly averages under limits`, () => {
      const run = runParsed({ name, devices: 4, durationMs: 12 * HOUR });
      expect(run.truth).toEqual([]);
      let checked = 0;
      for (const mn of run.sites.keys()) checked += expectHourlyUnderLimits(run, mn);
      expect(checked).toBeGreaterThan(20);
    });
  }

  it('startup-shutdown: F flags with O2 near 21% and flow near zero while stopped', () => {
    const run = runParsed({ name: 'startup-shutdown', devices: 1 });
    const o2 = series(run, [...run.sites.keys()][0] as string, '2011', Factor.o2);
    const stopped = o2.filter((r) => r.flag === 'F');
    expect(stopped.length).toBeGreaterThan(120);
    expect(Math.max(...stopped.map((r) => num(r.rtd)))).toBeGreaterThan(20);
  });

  it('calibration-maintenance: C and M flags occur', () => {
    const run = runParsed({ name: 'calibration-maintenance', devices: 2, durationMs: 12 * HOUR });
    const flags = new Set(run.packets.flatMap((p) => p.packet.data.pollutants.map((x) => x.flag)));
    expect(flags.has('C')).toBe(true);
    expect(flags.has('M')).toBe(true);
  });
});

describe('honest models behave like the plant they stand for', () => {
  // Devices 0..3 of an honest run: coal stack, gas stack, municipal outlet, industrial (batch) outlet.
  const run = runParsed({ name: 'honest', devices: 4, durationMs: 24 * HOUR });
  const [coal, , , industrial] = [...run.sites.keys()] as [string, string, string, string];

  it('stack: flow is the CEMS standard dry flow of the written velocity and conditions; load follows a daily cycle', () => {
    const site = run.sites.get(coal);
    const at = (code: string) => new Map(series(run, coal, '2011', code).map((r) => [r.t, num(r.rtd)]));
    const [v, temp, press, moist] = [at(Factor.velocity), at(Factor.temperature), at(Factor.pressure), at(Factor.moisture)];
    const flows = series(run, coal, '2011', Factor.flow);
    expect(flows.length).toBeGreaterThan(1000);
    for (const r of flows) {
      const std = (v.get(r.t) as number) * (site?.ductArea ?? 1) * (273.15 / (273.15 + (temp.get(r.t) as number))) * ((101.325 + (press.get(r.t) as number)) / 101.325) * (1 - (moist.get(r.t) as number) / 100);
      expect(Math.abs(num(r.rtd) - std) / std).toBeLessThan(0.01);
    }
    const hourly = series(run, coal, '2061', Factor.flow).map((h) => num(h.avg));
    expect(Math.max(...hourly) / Math.min(...hourly)).toBeGreaterThan(1.15);
  });

  it('wastewater: the batch outlet has no flow between batches and holds COD with its SampleTime per cycle', () => {
    const flow = series(run, industrial, '2011', Factor.waterFlow).map((r) => num(r.rtd));
    const idle = flow.filter((f) => f === 0).length / flow.length;
    expect(idle).toBeGreaterThan(0.25);
    expect(idle).toBeLessThan(0.45);
    // Flag N only: the honest daily calibration writes the span reading (flag C) in between.
    const cod = series(run, industrial, '2011', Factor.cod).filter((r) => r.flag === 'N');
    const samples = new Map(cod.map((r) => [r.sampleTime, r.rtd]));
    // One measurement per 2 h cycle, repeated (same text) until the next one.
    expect(samples.size).toBeGreaterThanOrEqual(8);
    expect(samples.size).toBeLessThanOrEqual(13);
    for (const r of cod) expect(r.rtd).toBe(samples.get(r.sampleTime));
  });
});

describe('dishonest scenarios: truth matches what was injected', () => {
  it('breach: hourly converted averages in the window exceed the limit; controls stay under', () => {
    const run = runParsed({ name: 'breach', devices: 4 });
    expect(run.truth.length).toBe(2);
    for (const l of run.truth) {
      const limit = run.sites.get(l.mn)?.limits[l.pollutant as string] as number;
      const hours = series(run, l.mn, '2061', l.pollutant as string).filter((h) => within(h.t, l));
      expect(hours.length).toBe(3);
      for (const h of hours) expect(num(h.zsAvg)).toBeGreaterThan(limit);
    }
    const controls = [...run.sites.keys()].filter((mn) => !run.truth.some((l) => l.mn === mn));
    for (const mn of controls) expectHourlyUnderLimits(run, mn);
  });

  it('flatline: the window holds one written value (gas: every sample; water: ≥ 4 cycles)', () => {
    const run = runParsed({ name: 'flatline', devices: 4 });
    expect(run.truth.length).toBe(2);
    for (const l of run.truth) {
      const rows = series(run, l.mn, '2011', l.pollutant as string).filter((r) => within(r.t, l));
      expect(new Set(rows.map((r) => r.rtd)).size, l.mn).toBe(1);
      if (l.pollutant === Factor.cod) expect(new Set(rows.map((r) => r.sampleTime)).size).toBeGreaterThanOrEqual(4);
      else expect(rows.length).toBeGreaterThanOrEqual(30);
      // Before the window the value varied.
      const before = series(run, l.mn, '2011', l.pollutant as string).filter((r) => r.t < Date.parse(l.start));
      expect(new Set(before.map((r) => r.rtd)).size).toBeGreaterThan(1);
    }
  });

  it('zero-value: zeros while flow is normal', () => {
    const run = runParsed({ name: 'zero-value', devices: 2 });
    const [l] = run.truth;
    if (!l) throw new Error('no truth');
    const rows = series(run, l.mn, '2011', l.pollutant as string).filter((r) => within(r.t, l));
    expect(rows.length).toBe(60);
    expect(rows.every((r) => num(r.rtd) === 0 && r.flag === 'N')).toBe(true);
    const flow = series(run, l.mn, '2011', Factor.flow).filter((r) => within(r.t, l));
    const normal = run.sites.get(l.mn)?.normalFlow as number;
    expect(flow.every((r) => num(r.rtd) > 0.3 * normal)).toBe(true);
  });

  it('stuck-at-range: the value sits at full scale', () => {
    const run = runParsed({ name: 'stuck-at-range', devices: 2 });
    const l = run.truth.find((x) => x.pattern === 'stuck-at-range');
    if (!l) throw new Error('no truth');
    const range = run.sites.get(l.mn)?.ranges[l.pollutant as string];
    const rows = series(run, l.mn, '2011', l.pollutant as string).filter((r) => within(r.t, l));
    expect(rows.every((r) => num(r.rtd) === range)).toBe(true);
  });

  it('dilution: raw falls ≥ 40%, O2 rises ≥ 3 points, flow steady, converted falls', () => {
    const run = runParsed({ name: 'dilution', devices: 2 });
    const l = run.truth.find((x) => x.pollutant === Factor.so2);
    if (!l) throw new Error('no truth');
    const s = Date.parse(l.start);
    const mean = (code: string, field: 'rtd' | 'zsRtd', from: number, to: number) => {
      const v = series(run, l.mn, '2011', code).filter((r) => r.t >= from && r.t < to).map((r) => num(r[field]));
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    const inStart = s + 10 * 60_000;
    const inEnd = s + 70 * 60_000;
    expect(mean(Factor.so2, 'rtd', inStart, inEnd)).toBeLessThan(0.6 * mean(Factor.so2, 'rtd', s - HOUR, s));
    expect(mean(Factor.so2, 'zsRtd', inStart, inEnd)).toBeLessThan(0.75 * mean(Factor.so2, 'zsRtd', s - HOUR, s));
    expect(mean(Factor.o2, 'rtd', inStart, inEnd) - mean(Factor.o2, 'rtd', s - HOUR, s)).toBeGreaterThan(3);
    expect(mean(Factor.flow, 'rtd', inStart, inEnd) / mean(Factor.flow, 'rtd', s - HOUR, s)).toBeGreaterThan(0.9);
  });

  it('bunching: valid hourly converted values pile up in [0.9 L, L) with none above', () => {
    const run = runParsed({ name: 'bunching', devices: 1, durationMs: 2 * 24 * HOUR });
    const [l] = run.truth;
    if (!l) throw new Error('no truth');
    const limit = run.sites.get(l.mn)?.limits[Factor.so2] as number;
    const hours = series(run, l.mn, '2061', Factor.so2).filter((h) => h.flag === 'N').map((h) => num(h.zsAvg));
    expect(hours.length).toBeGreaterThanOrEqual(44);
    expect(hours.filter((v) => v > limit)).toEqual([]);
    expect(hours.filter((v) => v >= 0.9 * limit).length / hours.length).toBeGreaterThan(0.5);
  });

  it('copied-segment: the window repeats earlier written values exactly (the previous day when the run is long enough)', () => {
    // 24 h: too short for a day-old source, so an earlier window; the default 2 days: the same hours a day earlier.
    for (const [durationMs, dayOld] of [[24 * HOUR, false], [undefined, true]] as const) {
      const run = runParsed({ name: 'copied-segment', devices: 1, durationMs });
      const [l] = run.truth;
      if (!l) throw new Error('no truth');
      const target = series(run, l.mn, '2011', Factor.so2).filter((r) => within(r.t, l));
      const src = Date.parse(/copy of (\S+)/.exec(l.note ?? '')?.[1] ?? '');
      const shift = Date.parse(l.start) - src;
      expect(shift === 24 * HOUR, `shift ${shift} ms`).toBe(dayOld);
      const source = new Map(series(run, l.mn, '2011', Factor.so2).map((r) => [r.t + shift, r.rtd]));
      expect(target.length).toBeGreaterThanOrEqual(60);
      expect(target.every((r) => source.get(r.t) === r.rtd)).toBe(true);
    }
  });

  it('converted-mismatch: ZsRtd departs > 5% from the formula in the window only', () => {
    const run = runParsed({ name: 'converted-mismatch', devices: 2 });
    const l = run.truth.find((x) => x.pollutant === Factor.so2);
    if (!l) throw new Error('no truth');
    const o2 = new Map(series(run, l.mn, '2011', Factor.o2).map((r) => [r.t, num(r.rtd)]));
    const o2Ref = run.sites.get(l.mn)?.o2Ref as number;
    for (const r of series(run, l.mn, '2011', Factor.so2)) {
      if (r.flag !== 'N') continue;
      const formula = (num(r.rtd) * (21 - o2Ref)) / (21 - (o2.get(r.t) as number));
      const err = Math.abs(num(r.zsRtd) - formula) / Math.max(formula, 1);
      if (within(r.t, l)) expect(err).toBeGreaterThan(0.05);
      else expect(err).toBeLessThan(0.02);
    }
  });

  it('flag-abuse: would-be breaches flagged M', () => {
    const run = runParsed({ name: 'flag-abuse', devices: 2, durationMs: 24 * HOUR });
    expect(run.truth.length).toBeGreaterThanOrEqual(3);
    for (const l of run.truth) {
      const limit = run.sites.get(l.mn)?.limits[l.pollutant as string] as number;
      const hours = series(run, l.mn, '2061', l.pollutant as string).filter((h) => within(h.t, l));
      expect(hours.length).toBeGreaterThan(0);
      for (const h of hours) {
        expect(h.flag).toBe('M');
        expect(num(h.zsAvg)).toBeGreaterThan(limit);
      }
    }
  });

  it('data-gap: nothing dated in the window; late-data: window data arrives > 1 h late', () => {
    const gap = runParsed({ name: 'data-gap', devices: 2 });
    const [g] = gap.truth;
    if (!g) throw new Error('no truth');
    expect(gap.packets.filter((p) => p.mn === g.mn && p.cn === '2011' && within(p.dataTime, g))).toEqual([]);
    const late = runParsed({ name: 'late-data', devices: 2 });
    const l = late.truth.find((x) => x.pattern === 'late-data');
    if (!l) throw new Error('no truth');
    const inWindow = late.packets.filter((p) => p.mn === l.mn && within(p.dataTime, l));
    expect(inWindow.length).toBeGreaterThan(100);
    expect(inWindow.every((p) => p.sendAt - p.dataTime > HOUR)).toBe(true);
    const outside = late.packets.filter((p) => p.mn !== l.mn && p.cn === '2011');
    expect(outside.every((p) => p.sendAt - p.dataTime < 5 * 60_000)).toBe(true);
  });

  it('clock-skew: DataTime runs ahead of or behind the send time by minutes', () => {
    const run = runParsed({ name: 'clock-skew', devices: 2 });
    const l = run.truth.find((x) => x.pattern === 'clock-skew');
    if (!l) throw new Error('no truth');
    expect(run.truth.some((x) => x.pattern === 'data-gap' || x.pattern === 'duplicate-timestamp')).toBe(true);
    const rtd = run.packets.filter((p) => p.mn === l.mn && p.cn === '2011');
    for (const p of rtd) {
      const skew = p.dataTime - p.sendAt;
      if (p.sendAt >= Date.parse(l.start) + 60_000) expect(Math.abs(skew)).toBeGreaterThan(5 * 60_000);
      else if (p.sendAt < Date.parse(l.start)) expect(Math.abs(skew)).toBeLessThan(60_000);
    }
  });

  it('sensor-drift: zeros throughout the zero-value window while running', () => {
    const run = runParsed({ name: 'sensor-drift', devices: 1 });
    const [l] = run.truth;
    if (!l) throw new Error('no truth');
    const rows = series(run, l.mn, '2011', Factor.so2).filter((r) => within(r.t, l) && r.flag === 'N');
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.every((r) => num(r.rtd) === 0)).toBe(true);
  });

  it('extras: step-drop, fgd-bypass, terminal-digit, duplicate-timestamp', () => {
    const drop = runParsed({ name: 'step-drop', devices: 1 });
    const [d] = drop.truth;
    if (!d) throw new Error('no truth');
    const so2 = series(drop, d.mn, '2011', Factor.so2);
    const mean = (rows: typeof so2) => rows.reduce((a, r) => a + num(r.rtd), 0) / rows.length;
    expect(mean(so2.filter((r) => within(r.t, d)))).toBeLessThan(0.45 * mean(so2.filter((r) => r.t < Date.parse(d.start) && r.t >= Date.parse(d.start) - HOUR)));

    const bypass = runParsed({ name: 'fgd-bypass', devices: 1 });
    const [b] = bypass.truth;
    if (!b) throw new Error('no truth');
    expect(series(bypass, b.mn, '2011', Factor.temperature).filter((r) => within(r.t, b)).every((r) => num(r.rtd) > 100)).toBe(true);

    const digits = runParsed({ name: 'terminal-digit', devices: 1, durationMs: 6 * HOUR });
    const [td] = digits.truth;
    if (!td) throw new Error('no truth');
    const last = series(digits, td.mn, '2011', Factor.so2).filter((r) => r.flag === 'N').map((r) => r.rtd?.slice(-1));
    expect(last.every((c) => c === '0' || c === '5')).toBe(true);

    const dup = runParsed({ name: 'duplicate-timestamp', devices: 1 });
    const [u] = dup.truth;
    if (!u) throw new Error('no truth');
    const same = series(dup, u.mn, '2061', Factor.so2).filter((h) => h.t === Date.parse(u.start));
    expect(same).toHaveLength(2);
    expect(same[0]?.avg).not.toBe(same[1]?.avg);
  });
});

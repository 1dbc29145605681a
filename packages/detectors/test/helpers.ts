import { Anomaly, Factor, Site, type DataFlag, type DataKind, type ReadingBatch, type RuleId } from '@offsite/domain';
import { createDetectionEngine, type DetectionEngine, type EngineOptions } from '../src/index.js';
import type { RuleParamOverrides } from '../src/params.js';

/** 2024-05-01 00:00 in UTC+8. */
export const T0 = Date.UTC(2024, 4, 1) - 8 * 3_600_000;
export const MIN = 60_000;
export const HOUR = 3_600_000;

export function makeSite(over: Partial<Site> & Record<string, unknown> = {}): Site {
  return Site.parse({
    mn: 'MN-COAL-1',
    name: 'Unit 1 stack',
    enterprise: 'Test Power Co.',
    region: '330106',
    kind: 'air',
    standard: 'ultra-low emission (coal, 6% O2)',
    o2Ref: 6,
    limits: { a21026: 35, a21002: 50, a34013: 10 },
    ranges: { a21026: 200, a21002: 300, a34013: 50 },
    normalFlow: 300,
    ductArea: 30,
    ...over,
  });
}

export function makeWaterSite(over: Partial<Site> = {}): Site {
  return Site.parse({
    mn: 'MN-WATER-1', name: 'Outlet', enterprise: 'Test Water Co.', region: '330106', kind: 'water', standard: 'GB 18918-2002 1A',
    o2Ref: null, limits: {}, dailyLimits: { w01018: 50, w21003: 5 }, bands: { w01001: [6, 9] }, ranges: { w01018: 200 }, normalFlow: 100, ...over,
  });
}

/** Deterministic noise in [-1, 1). */
export function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

export type FactorSpec = number | null | { value: number | null; text?: string; flag?: DataFlag | null; converted?: number | null; sampleTime?: number | null };

export interface SeriesSpec {
  mn?: string;
  start?: number;
  interval?: number;
  count: number;
  kind?: DataKind;
  /** Delay between DataTime and receivedAt (ms), per sample index. */
  delay?: (i: number, t: number) => number;
  factors: (i: number, t: number) => Record<string, FactorSpec>;
  /** Decimals used to write numbers without explicit text. */
  decimals?: number;
}

const CN: Record<DataKind, string> = { rtd: '2011', minute: '2051', hour: '2061', day: '2031' };

export function batches(spec: SeriesSpec): ReadingBatch[] {
  const out: ReadingBatch[] = [];
  const interval = spec.interval ?? MIN;
  const kind = spec.kind ?? 'rtd';
  for (let i = 0; i < spec.count; i++) {
    const t = (spec.start ?? T0) + i * interval;
    const fs = spec.factors(i, t);
    out.push({
      mn: spec.mn ?? 'MN-COAL-1', st: '31', cn: CN[kind], kind, qn: null, dataTime: t, receivedAt: t + (spec.delay ? spec.delay(i, t) : 5_000),
      protocol: '2017', source: 'json',
      readings: Object.entries(fs).map(([code, f]) => {
        const o = typeof f === 'object' && f !== null ? f : { value: f };
        const dec = code === Factor.o2 ? 2 : (spec.decimals ?? 1);
        return {
          code, value: o.value, text: o.text ?? (o.value === null ? null : o.value.toFixed(dec)), flag: o.flag === undefined ? 'N' : o.flag,
          ...(o.converted !== undefined && o.converted !== null ? { converted: o.converted } : {}),
          ...(o.sampleTime !== undefined && o.sampleTime !== null ? { sampleTime: o.sampleTime } : {}),
        };
      }),
    });
  }
  return out;
}

/** An honest coal unit at 1-min cadence: SO2 ~20, NOx ~35, dust ~5, O2 ~6.5 %, flow ~300 m³/s, wet FGD flue. */
export function honestCoal(seed = 7, over: (i: number, t: number, base: Record<string, FactorSpec>) => Record<string, FactorSpec> = (_i, _t, b) => b) {
  const r = noise(seed);
  return (i: number, t: number): Record<string, FactorSpec> => {
    const load = 1 + 0.1 * Math.sin((2 * Math.PI * (t - T0)) / (24 * HOUR));
    const o2 = round(6.5 + 0.3 * r(), 2);
    const so2 = round(20 * load + 3 * r(), 1);
    const flow = round(300 * load + 8 * r(), 1);
    const vel = round(flow / 30 / (273.15 / (273.15 + 50)) / (1 - 0.1), 2);
    const base: Record<string, FactorSpec> = {
      a21026: { value: so2, converted: round((so2 * 15) / (21 - o2), 1) },
      a21002: { value: round(35 * load + 4 * r(), 1) },
      a34013: { value: round(5 + r(), 1) },
      [Factor.o2]: o2,
      [Factor.flow]: flow,
      [Factor.velocity]: vel,
      [Factor.temperature]: round(50 + r(), 1),
      [Factor.moisture]: round(10 + 0.5 * r(), 1),
      [Factor.pressure]: round(-0.3 + 0.05 * r(), 2),
    };
    return over(i, t, base);
  };
}

export function round(v: number, d: number): number {
  return Number(v.toFixed(d));
}

export function engineFor(sites: Site[], params?: RuleParamOverrides, options?: Partial<EngineOptions>): DetectionEngine {
  const m = new Map(sites.map((s) => [s.mn, s]));
  return createDetectionEngine({ sites: (mn) => m.get(mn), ...(params ? { params } : {}), ...(options ? { options } : {}) });
}

/** Feed batches, then flush; returns the last version of every anomaly id (schema-checked). */
export function run(engine: DetectionEngine, bs: ReadingBatch[], flushAt?: number): Anomaly[] {
  const all: Anomaly[] = [];
  for (const b of bs) all.push(...engine.ingest(b));
  const last = bs.length ? bs[bs.length - 1]!.dataTime : T0;
  all.push(...engine.flush(flushAt ?? last + 3 * HOUR));
  for (const a of all) Anomaly.parse(a);
  const byId = new Map<string, Anomaly>();
  for (const a of all) byId.set(a.id, a);
  return [...byId.values()];
}

export function ofRule(as: Anomaly[], rule: RuleId): Anomaly[] {
  return as.filter((a) => a.rule === rule);
}

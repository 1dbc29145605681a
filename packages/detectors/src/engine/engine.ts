import { Factor, type Anomaly, type DataFlag, type ReadingBatch, type Site } from '@offsite/domain';
import type { RuleParamOverrides } from '../params.js';
import { HOUR_MS, type FactorValue, type Finding, type HourRuleContext, type StepContext, type StepResult } from '../types.js';
import { convertedConcentration, isMonitoredPollutant, isWaterPollutant } from '../context.js';
import { DeviceState, type DeviceJSON } from './device.js';
import { addSample, newAcc, summarise, type HourSlot } from './hours.js';
import { flatlineStep, type FlatlineState } from '../rules/flatline.js';
import { zeroValueStep, type ZeroValueState } from '../rules/zero-value.js';
import { stuckAtRangeStep } from '../rules/stuck-at-range.js';
import { stepDropStep, type StepDropState } from '../rules/step-drop.js';
import { dilutionStep, type DilutionState } from '../rules/dilution.js';
import { convertedMismatchStep, type MismatchState } from '../rules/converted-mismatch.js';
import { PHYSICS_CHECKS, physicsStep } from '../rules/physics-inconsistent.js';
import { CopyIndex, copiedSegmentStep, type CopyRunState } from '../rules/copied-segment.js';
import { DigitWindow, terminalDigitStep, type TerminalDigitState } from '../rules/terminal-digit.js';
import type { RunState } from '../rules/common.js';
import { lateDataStep, type LateDataState } from '../rules/late-data.js';
import { clockSkewStep, type ClockSkewState } from '../rules/clock-skew.js';
import { batchFingerprint, duplicateFinding } from '../rules/duplicate-timestamp.js';
import { gapFinding, gapThreshold, missingIntervals } from '../rules/data-gap.js';
import { dueAfter, type BatchInfo } from '../rules/timing.js';
import { bandBreach, dailyBreach, hourlyBreach } from '../rules/breach.js';
import { flagAbuse } from '../rules/flag-abuse.js';
import { bunching } from '../rules/bunching.js';
import { lowVariance } from '../rules/low-variance.js';
import { correlationBreak } from '../rules/correlation-break.js';

export interface EngineOptions {
  /** Out-of-order data within this bound (event time) is folded into its hour; older data is flagged late-data. */
  latenessMs: number;
  /** An hour is evaluated once the device's event time passes its end by this much. */
  hourGraceMs: number;
  /** A continuing anomaly is re-emitted (same id, later end) when its end moved this much. */
  updateEveryMs: number;
  /** In-order samples kept per device (the windows the sample rules need). */
  ringCapacity: number;
}

export const defaultEngineOptions: Readonly<EngineOptions> = Object.freeze({
  latenessMs: 2 * HOUR_MS,
  hourGraceMs: 2 * 60_000,
  updateEveryMs: HOUR_MS,
  ringCapacity: 64,
});

export interface DetectionEngineConfig {
  /** Site lookup by MN (undefined: unknown device; rules that need a limit stay quiet). */
  sites: (mn: string) => Site | undefined;
  /** Engine-wide rule parameter overrides (under each site's own overrides). */
  params?: RuleParamOverrides;
  options?: Partial<EngineOptions>;
}

export interface EngineSnapshot {
  version: 1;
  devices: DeviceJSON[];
}

export interface DetectionEngine {
  /** Feed one packet's readings; returns new and updated anomalies (deterministic for the same input order). */
  ingest(batch: ReadingBatch): Anomaly[];
  /** Advance platform time: close hours and gaps of quiet devices once the lateness bound has passed. */
  tick(watermark: number): Anomaly[];
  /** End of input up to `now`: evaluate every open hour and gap, close every open anomaly. */
  flush(now: number): Anomaly[];
  snapshot(): EngineSnapshot;
  restore(snapshot: EngineSnapshot): void;
  deviceCount(): number;
}

const DAY_MS = 24 * HOUR_MS;
/** HJ 212 loggers' default minute-data window until the packets' spacing tells otherwise. */
const DEFAULT_MINUTE_WINDOW_MS = 10 * 60_000;

/** Rule-state / episode keys per factor code, built once (string building per sample is costly). */
const keyCache = new Map<string, Record<string, string>>();
function keysOf(code: string): Record<string, string> {
  let k = keyCache.get(code);
  if (!k) {
    k = Object.fromEntries(['flatline', 'zero-value', 'stuck-at-range', 'step-drop', 'dilution', 'converted-mismatch', 'copied-segment', 'terminal-digit'].map((r) => [r, `${r}|${code}`]));
    keyCache.set(code, k);
  }
  return k;
}
const PHYSICS_KEYS = Object.fromEntries(PHYSICS_CHECKS.map(({ check }) => [check, `physics-inconsistent|${check}`]));

export function createDetectionEngine(config: DetectionEngineConfig): DetectionEngine {
  const opt: EngineOptions = { ...defaultEngineOptions, ...config.options };
  const devices = new Map<string, DeviceState>();

  function device(mn: string): DeviceState {
    const site = config.sites(mn);
    let d = devices.get(mn);
    if (!d) {
      d = new DeviceState(mn, site, config.params, opt.ringCapacity, opt.updateEveryMs);
      devices.set(mn, d);
    } else if (d.site !== site) {
      d.setSite(site, config.params);
    }
    return d;
  }

  function step<S>(d: DeviceState, key: string, fn: (s: S | null) => StepResult<S>, out: Anomaly[], mergeGapMs = 0): void {
    const r = fn((d.ruleState.get(key) as S | undefined) ?? null);
    if (r.state === null) d.ruleState.delete(key);
    else d.ruleState.set(key, r.state);
    d.episodes.observe(key, r.finding, out, mergeGapMs);
  }

  function get<S>(st: Map<string, unknown>, key: string): S | null {
    return (st.get(key) as S | undefined) ?? null;
  }

  function apply<S>(d: DeviceState, key: string, r: StepResult<S>, out: Anomaly[], mergeGapMs = 0): void {
    if (r.state === null) d.ruleState.delete(key);
    else d.ruleState.set(key, r.state);
    if (r.finding || d.episodes.open.has(key)) d.episodes.observe(key, r.finding, out, mergeGapMs);
  }

  function factorsOf(b: ReadingBatch): Map<string, FactorValue> {
    const m = new Map<string, FactorValue>();
    for (const r of b.readings) {
      m.set(r.code, {
        value: r.value ?? Number.NaN,
        text: r.text,
        flag: r.flag,
        reportedConverted: r.converted ?? Number.NaN,
        sampleTime: r.sampleTime ?? Number.NaN,
      });
    }
    return m;
  }

  function comparedOf(d: DeviceState, code: string, factors: ReadonlyMap<string, FactorValue>): number {
    const f = factors.get(code)!;
    const o2 = factors.get(Factor.o2);
    const o2v = o2 && (o2.flag === null || o2.flag === 'N') ? o2.value : Number.NaN;
    return convertedConcentration(code, f.value, o2v, f.reportedConverted, d.site);
  }

  // ---- hour slots --------------------------------------------------------------------------

  function slotFor(d: DeviceState, t: number): HourSlot | null {
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    let s = d.slots.get(hour);
    if (!s) {
      if (hour + HOUR_MS + opt.latenessMs <= d.watermark) return null; // finalised already
      s = { hour, evaluated: false, dirty: false, factors: {} };
      d.slots.set(hour, s);
    }
    if (s.evaluated) s.dirty = true;
    return s;
  }

  function needsHistory(d: DeviceState, code: string): boolean {
    return isMonitoredPollutant(code, d.site) || code === Factor.flow || code === Factor.waterFlow;
  }

  function addToHour(d: DeviceState, t: number, factors: ReadonlyMap<string, FactorValue>): void {
    const s = slotFor(d, t);
    if (!s) return;
    for (const [code, f] of factors) {
      if (!needsHistory(d, code)) continue;
      const acc = (s.factors[code] ??= newAcc());
      addSample(acc, f.value, comparedOf(d, code, factors), f.flag);
    }
  }

  function addHourPacket(d: DeviceState, t: number, factors: ReadonlyMap<string, FactorValue>): void {
    const s = slotFor(d, t);
    if (!s) return;
    for (const [code, f] of factors) {
      if (!needsHistory(d, code)) continue;
      const acc = (s.factors[code] ??= newAcc());
      acc.reported = { value: comparedOf(d, code, factors), flag: f.flag };
    }
  }

  function evaluateHour(d: DeviceState, s: HourSlot, closedAt: number, out: Anomaly[]): void {
    const expected = Number.isFinite(d.cadence) && d.seqKind !== 'hour' ? HOUR_MS / d.cadence : Number.NaN;
    const share = d.params.breach.validHourShare;
    for (const [code, acc] of Object.entries(s.factors)) d.hourly.put(code, summarise(s.hour, acc, expected, share));
    const newest = s.hour >= d.lastEvaluatedHour;
    if (newest) d.lastEvaluatedHour = s.hour;
    s.evaluated = true;
    s.dirty = false;
    // Device's own reference levels.
    const flowCode = d.site?.kind === 'water' ? Factor.waterFlow : Factor.flow;
    if (s.factors[flowCode]) {
      const flows = d.hourly.validValues(flowCode, s.hour, 336).filter((x) => x > 0);
      if (flows.length >= 3) d.flowRef = flows.sort((a, b) => a - b)[Math.floor(flows.length / 2)]!;
    }
    const localMidnight = (s.hour + HOUR_MS + (d.site?.utcOffsetMinutes ?? 480) * 60_000) % DAY_MS === 0;
    for (const code of Object.keys(s.factors)) {
      if (!isMonitoredPollutant(code, d.site)) continue;
      const vals = d.hourly.validValues(code, s.hour, 336);
      if (vals.length >= 3) d.typical.set(code, vals.sort((a, b) => a - b)[Math.floor(vals.length / 2)]!);
      const ctx: HourRuleContext = { mn: d.mn, site: d.site, code, hour: s.hour, history: d.hourly, closedAt };
      const p = d.params;
      const observe = (key: string, f: Finding | null, gap = 0) => {
        if (f || newest) d.episodes.observe(key, f, out, gap);
      };
      if (d.site?.limits[code] !== undefined) observe(`breach|${code}`, hourlyBreach(ctx, p.breach));
      else if (d.site?.bands?.[code]) observe(`breach|${code}`, bandBreach(ctx, p.breach));
      if (localMidnight && d.site?.dailyLimits?.[code] !== undefined) {
        observe(`breach|${code}|daily`, dailyBreach(ctx, s.hour + HOUR_MS - DAY_MS, p.breach));
      }
      observe(`flag-abuse|${code}`, flagAbuse(ctx, p['flag-abuse']), HOUR_MS);
      observe(`bunching|${code}`, bunching(ctx, p.bunching), HOUR_MS);
      observe(`low-variance|${code}`, lowVariance(ctx, p['low-variance']));
      observe(`correlation-break|${code}`, correlationBreak(ctx, p['correlation-break']), HOUR_MS);
    }
  }

  function finaliseGaps(d: DeviceState, before: number, out: Anomaly[]): void {
    if (d.pendingGaps.length === 0) return;
    const keep = [];
    for (const g of d.pendingGaps) {
      if (g.to + opt.latenessMs > before) {
        keep.push(g);
        continue;
      }
      const missing = g.missing - g.filled;
      if (missing >= gapThreshold(g.hourly, d.params['data-gap'])) {
        const f = gapFinding(d.mn, d.site, g.from, g.to, missing, g.interval, false, g.detectedAt, g.hourly, d.params['data-gap']);
        d.episodes.observe(`data-gap|${g.from}`, f, out);
        d.episodes.close(`data-gap|${g.from}`, out);
      }
    }
    d.pendingGaps = keep;
  }

  /** Evaluate hours ending before `evalBefore`, finalise those before `finalBefore`. */
  function advance(d: DeviceState, evalBefore: number, finalBefore: number, closedAt: number, out: Anomaly[]): void {
    if (d.slots.size === 0) return finaliseGaps(d, finalBefore + opt.latenessMs, out);
    const hours = [...d.slots.keys()].sort((a, b) => a - b);
    for (const h of hours) {
      const s = d.slots.get(h)!;
      const end = h + HOUR_MS;
      if (end <= evalBefore && (!s.evaluated || s.dirty)) evaluateHour(d, s, Math.max(closedAt, end), out);
      if (end <= finalBefore) {
        if (!s.evaluated || s.dirty) evaluateHour(d, s, Math.max(closedAt, end), out);
        d.slots.delete(h);
      }
    }
    finaliseGaps(d, finalBefore + opt.latenessMs, out);
  }

  // ---- sample rules ------------------------------------------------------------------------

  function runSampleRules(d: DeviceState, t: number, factors: ReadonlyMap<string, FactorValue>, out: Anomaly[]): void {
    const w = d.ring;
    const p = d.params;
    const hourly = d.seqKind === 'hour';
    const interval = hourly ? HOUR_MS : d.interval(p['data-gap'].minIntervalsForCadence);
    const o2f = factors.get(Factor.o2);
    const flowCode = d.site?.kind === 'water' ? Factor.waterFlow : Factor.flow;
    const flowF = factors.get(flowCode);
    const o2 = o2f && (o2f.flag === null || o2f.flag === 'N') ? o2f.value : Number.NaN;
    const flow = flowF && (flowF.flag === null || flowF.flag === 'N') ? flowF.value : Number.NaN;
    const flowRef = d.site?.normalFlow ?? d.flowRef;
    // Dilution pre-screen: the lowest O2 over its window, once per sample.
    let o2Min = Number.POSITIVE_INFINITY;
    if (Number.isFinite(o2)) {
      const from = w.size() - 1;
      const since = t - p.dilution.windowMinutes * 60_000;
      for (let k = from; k >= 0 && w.time(k) >= since; k--) {
        const x = w.value(Factor.o2, k);
        if (x < o2Min) o2Min = x;
      }
    }
    const flowRatio = Number.isFinite(flowRef) && flowRef > 0 ? flow / flowRef : Number.NaN;
    const st = d.ruleState;
    for (const [code, f] of factors) {
      if (!isMonitoredPollutant(code, d.site)) continue;
      const water = isWaterPollutant(code, d.site);
      const keys = keysOf(code);
      const ctx: StepContext = {
        mn: d.mn, site: d.site, t, window: w, o2, flow, flowRatio, interval, hourly, code,
        reportedConverted: f.reportedConverted, sampleTime: f.sampleTime, typicalLevel: d.typical.get(code) ?? Number.NaN,
        limit: d.site?.limits[code] ?? d.site?.dailyLimits?.[code], range: d.site?.ranges[code], water,
      };
      apply(d, keys['flatline']!, flatlineStep(get<FlatlineState>(st, keys['flatline']!), ctx, p.flatline), out);
      apply(d, keys['zero-value']!, zeroValueStep(get<ZeroValueState>(st, keys['zero-value']!), ctx, p['zero-value']), out);
      apply(d, keys['stuck-at-range']!, stuckAtRangeStep(get<RunState>(st, keys['stuck-at-range']!), ctx, p['stuck-at-range']), out);
      apply(d, keys['step-drop']!, stepDropStep(get<StepDropState>(st, keys['step-drop']!), ctx, p['step-drop']), out);
      if (!water) {
        const dk = keys['dilution']!;
        const ds = get<DilutionState>(st, dk);
        if (ds || o2 - o2Min >= p.dilution.o2RisePoints) apply(d, dk, dilutionStep(ds, ctx, p.dilution), out);
        else if (d.episodes.open.has(dk)) d.episodes.observe(dk, null, out);
        apply(d, keys['converted-mismatch']!, convertedMismatchStep(get<MismatchState>(st, keys['converted-mismatch']!), ctx, p['converted-mismatch']), out);
      }
      let idx = d.copy.get(code);
      if (!idx) d.copy.set(code, (idx = new CopyIndex(p['copied-segment'].tableSize, p['copied-segment'].anchorTableSize, p['copied-segment'].windowCycles + 1)));
      // A long copy found through sparse anchors may break into runs: one episode when < 1 h apart.
      apply(d, keys['copied-segment']!, copiedSegmentStep(idx, get<CopyRunState>(st, keys['copied-segment']!), ctx, p['copied-segment']), out, HOUR_MS);
      let dw = d.digits.get(code);
      if (!dw) d.digits.set(code, (dw = new DigitWindow(p['terminal-digit'].windowValues)));
      apply(d, keys['terminal-digit']!, terminalDigitStep(dw, get<TerminalDigitState>(st, keys['terminal-digit']!), ctx, p['terminal-digit']), out, HOUR_MS);
    }
    if (d.site?.kind !== 'water' && (factors.has(Factor.flow) || factors.has(Factor.moisture) || factors.has(Factor.pressure))) {
      for (const { check, code } of PHYSICS_CHECKS) {
        if (!factors.has(code) && check !== 'flow-vs-velocity-area') continue;
        const ctx: StepContext = {
          mn: d.mn, site: d.site, t, window: w, o2, flow, flowRatio, interval, hourly, code,
          reportedConverted: Number.NaN, sampleTime: Number.NaN, typicalLevel: Number.NaN, limit: undefined, range: undefined, water: false,
        };
        const key = PHYSICS_KEYS[check]!;
        apply(d, key, physicsStep(check, get<RunState>(st, key), ctx, p['physics-inconsistent']), out);
      }
    }
  }

  // ---- batch ---------------------------------------------------------------------------------

  function evidenceOf(b: ReadingBatch) {
    return b.readings.map((r) => ({ t: b.dataTime, code: r.code, value: r.value, text: r.text, flag: r.flag as DataFlag | null }));
  }

  function ingest(b: ReadingBatch): Anomaly[] {
    const out: Anomaly[] = [];
    const d = device(b.mn);
    const p = d.params;
    const info: BatchInfo = { mn: b.mn, site: d.site, kind: b.kind, cn: b.cn, dataTime: b.dataTime, receivedAt: b.receivedAt, readingCount: b.readings.length };

    // Resend or rewrite of a DataTime already seen.
    const hash = batchFingerprint(b.readings);
    const prev = d.findDup(b.dataTime, b.kind);
    if (prev >= 0) {
      if (d.dupHash[prev] === hash) return out; // identical resend: normal
      const inRing = b.kind === d.seqKind ? findInRing(d, b.dataTime) : -1;
      const previous = inRing >= 0 ? b.readings.filter((r) => d.ring.has(r.code)).map((r) => ({ t: b.dataTime, code: r.code, value: nullIfNaN(d.ring.value(r.code, inRing)), text: d.ring.text(r.code, inRing), flag: d.ring.flag(r.code, inRing) })) : [];
      const changed = inRing >= 0 ? b.readings.filter((r) => d.ring.has(r.code) && d.ring.text(r.code, inRing) !== (r.text ?? (r.value === null ? null : String(r.value)))).map((r) => r.code) : [];
      d.episodes.observe('duplicate-timestamp', duplicateFinding(info, evidenceOf(b), previous, changed, p['duplicate-timestamp']), out, 10 * 60_000);
      d.dupHash[prev] = hash;
      return out;
    }
    d.rememberDup(b.dataTime, b.kind, hash);

    // Interval packets carry the start of their interval and are sent when it ends: lateness and
    // the out-of-order bound count from the interval's end (a daily packet is not 24 h late).
    if (b.kind === 'minute') d.noteMinutePacket(b.dataTime);
    const interval = d.interval(p['data-gap'].minIntervalsForCadence);
    const intervalLength = b.kind === 'minute' ? (Number.isFinite(d.minuteWindow) ? d.minuteWindow : DEFAULT_MINUTE_WINDOW_MS) : interval;
    const intervalEnd = b.dataTime + dueAfter(b.kind, intervalLength);
    const beyondBound = intervalEnd + opt.latenessMs < d.watermark;
    step<LateDataState>(d, 'late-data', (s) => lateDataStep(s, info, intervalLength, beyondBound, p['late-data']), out);

    const factors = factorsOf(b);
    if (b.kind === 'day') return out;
    if (d.seqKind === null || (d.seqKind === 'hour' && b.kind !== 'hour') || (d.seqKind === 'minute' && b.kind === 'rtd')) d.seqKind = b.kind;

    if (b.kind === 'hour') addHourPacket(d, b.dataTime, factors);
    if (b.kind === d.seqKind) {
      const last = d.ring.last();
      if (b.dataTime > last) {
        if (b.kind === 'rtd') step<ClockSkewState>(d, 'clock-skew', (s) => clockSkewStep(s, info, p['clock-skew']), out);
        if (Number.isFinite(last)) {
          const gapInterval = b.kind === 'hour' ? HOUR_MS : interval;
          const missing = missingIntervals(last, b.dataTime, gapInterval);
          const hourly = b.kind === 'hour';
          if (missing >= gapThreshold(hourly, p['data-gap'])) {
            d.pendingGaps.push({ from: last + gapInterval, to: b.dataTime - gapInterval, missing, filled: 0, hourly, interval: gapInterval, detectedAt: b.dataTime });
            if (d.pendingGaps.length > 64) d.pendingGaps.shift();
          }
          d.addInterval(b.dataTime - last);
        }
        d.ring.push(b.dataTime, factors, (code) => (isMonitoredPollutant(code, d.site) ? comparedOf(d, code, factors) : null));
        runSampleRules(d, b.dataTime, factors, out);
        if (b.kind !== 'hour') addToHour(d, b.dataTime, factors);
      } else if (!beyondBound) {
        // Out of order within the bound: it counts for its hour and fills a pending gap.
        if (b.kind !== 'hour') addToHour(d, b.dataTime, factors);
        for (const g of d.pendingGaps) if (b.dataTime >= g.from && b.dataTime <= g.to) g.filled++;
      }
    }
    const eventEnd = b.kind === 'hour' ? b.dataTime + HOUR_MS + opt.hourGraceMs : b.dataTime;
    if (eventEnd > d.watermark) d.watermark = eventEnd;
    advance(d, d.watermark - opt.hourGraceMs, d.watermark - opt.latenessMs, b.dataTime, out);
    return out;
  }

  function findInRing(d: DeviceState, t: number): number {
    for (let i = d.ring.size() - 1; i >= 0; i--) {
      const ti = d.ring.time(i);
      if (ti === t) return i;
      if (ti < t) return -1;
    }
    return -1;
  }

  function silentGap(d: DeviceState, until: number, out: Anomaly[]): void {
    const hourly = d.seqKind === 'hour';
    const interval = hourly ? HOUR_MS : d.interval(d.params['data-gap'].minIntervalsForCadence);
    const last = d.ring.last();
    if (!Number.isFinite(interval) || !Number.isFinite(last)) return;
    const missing = Math.floor((until - last) / interval);
    if (missing < gapThreshold(hourly, d.params['data-gap'])) return;
    const from = last + interval;
    const f = gapFinding(d.mn, d.site, from, last + missing * interval, missing, interval, true, until, hourly, d.params['data-gap']);
    d.episodes.observe(`data-gap|${from}`, f, out);
  }

  function tick(watermark: number): Anomaly[] {
    const out: Anomaly[] = [];
    const before = watermark - opt.latenessMs;
    for (const d of devices.values()) {
      advance(d, before, before, before, out);
      silentGap(d, before, out);
    }
    return out;
  }

  function flush(now: number): Anomaly[] {
    const out: Anomaly[] = [];
    for (const d of devices.values()) {
      advance(d, now, now, now, out);
      for (const g of d.pendingGaps) g.to = Math.min(g.to, now - opt.latenessMs);
      finaliseGaps(d, Number.POSITIVE_INFINITY, out);
      d.episodes.closeAll(out);
    }
    return out;
  }

  function snapshot(): EngineSnapshot {
    return JSON.parse(JSON.stringify({ version: 1, devices: [...devices.values()].map((d) => d.toJSON()) })) as EngineSnapshot;
  }

  function restore(s: EngineSnapshot): void {
    if (s.version !== 1) throw new Error(`detection engine snapshot: unsupported version ${String(s.version)}`);
    devices.clear();
    for (const j of s.devices) devices.set(j.mn, DeviceState.fromJSON(j, config.sites(j.mn), config.params, opt.updateEveryMs));
  }

  return { ingest, tick, flush, snapshot, restore, deviceCount: () => devices.size };
}

function nullIfNaN(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
